"""The edit loop: add or edit a file in raw/ (upload page, edit page) and discard one waiting there."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from netbox.views import generic
from utilities.permissions import get_permission_for_model
from utilities.views import register_model_view

from netbox_hedgehog import forms
from netbox_hedgehog.core.tree import RAW, UnsafePathError
from netbox_hedgehog.error_answers import error_detail
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
from netbox_hedgehog.services.lock import FabricLocked
from netbox_hedgehog.services.upload import (
    DISCARDED,
    UploadFailed,
    UploadRefused,
    add_raw_file,
    check_raw_file,
    discard_raw_file,
    raw_file_text,
)
from netbox_hedgehog.ui.annotated import annotated_text
from netbox_hedgehog.ui.panels import (
    finding_rows,
    read_managed_file,
)
from netbox_hedgehog.views.base import FabricActionView, object_page


@register_model_view(HedgehogFabric, 'discard', path='discard')
class HedgehogFabricDiscardView(FabricActionView):
    """Discard a file waiting in raw/: a confirmation page, then the file goes to .hnp/discarded/ (kept)."""

    template_name = 'netbox_hedgehog/hedgehogfabric_discard.html'

    def get(self, request, pk):
        fabric = self.get_object(pk=pk)
        file = request.GET.get('file', '')
        return_url = fabric.get_absolute_url()
        return object_page(request, self.template_name, fabric, file=file, kept_in=DISCARDED, return_url=return_url)

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        path = request.POST.get('file', '')
        try:
            kept = discard_raw_file(fabric, path.removeprefix(f'{RAW}/'))
        except (UploadRefused, UploadFailed, FabricLocked, UnsafePathError) as exc:
            messages.error(request, error_detail(request, exc, fabric))
        else:
            messages.success(request, _('{path} discarded; its bytes are kept in {kept}.').format(path=path, kept=kept))
        return redirect(fabric.get_absolute_url())


def edit_name(resource):
    """The raw/ name an edit of `resource` is offered under: its folder and name (`switches-leaf-01.yaml`)."""
    folder = resource.managed_path.rsplit('/', 2)[-2]
    return f'{folder}-{resource.name}.yaml'


@register_model_view(HedgehogFabric, 'upload', path='upload')
class HedgehogFabricUploadView(generic.ObjectView):
    """Add YAML to the fabric's raw/: the form, then at once what became of the file and its findings.

    `?file=raw/<name>` fills the form with that waiting file, to correct it and put it back in place.
    `?resource=<id>` fills it with a managed object's file under a new raw/ name: a change to a managed
    object takes the one validated path (upload, then Ingest), never a write into managed/.
    Editing either, and after every Check (nothing written) or save, the page shows the text with its line
    numbers and each finding beside its line, as the next ingestion would give them.
    """

    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_upload.html'
    actions = ()

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'change')

    def get(self, request, pk):
        fabric = self.get_object(pk=pk)
        form, editing, preview = forms.RawFileForm(), request.GET.get('file'), None
        try:
            if editing:
                name = editing.removeprefix(f'{RAW}/')
                form = forms.RawFileForm(initial={'name': name, 'text': raw_file_text(fabric, name), 'replace': True})
            elif wanted := request.GET.get('resource'):
                resource = get_object_or_404(
                    HedgehogResource.objects.restrict(request.user, 'view').filter(fabric=fabric), pk=wanted
                )
                text, problem = read_managed_file(resource)
                if text is None:
                    messages.warning(request, problem)
                else:
                    form = forms.RawFileForm(initial={'name': edit_name(resource), 'text': text, 'replace': False})
            if 'text' in form.initial:
                initial = form.initial
                preview = check_raw_file(fabric, initial['name'], initial['text'].encode(), replace=initial['replace'])
        except (UploadRefused, UploadFailed, UnsafePathError) as exc:
            messages.warning(request, error_detail(request, exc, fabric))
        note = _('as it waits in raw/') if editing else _('as a new file in raw/, not saved yet')
        return self.render(request, fabric, form, preview=preview, note=note)

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        form = forms.RawFileForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, fabric, form)
        name, data = form.named_content()
        replace = form.cleaned_data['replace']
        try:
            if '_check' in request.POST:  # the Check button: the verdict a save would give, nothing written
                preview = check_raw_file(fabric, name, data, replace=replace)
                form = forms.RawFileForm(initial={'name': name, 'text': data.decode(), 'replace': replace})
                return self.render(request, fabric, form, preview=preview, note=_('checked, not saved'))
            upload = add_raw_file(fabric, name, data, replace=replace)
        except (UploadRefused, UploadFailed, FabricLocked, UnsafePathError) as exc:
            form.add_error(None, error_detail(request, exc, fabric))
            return self.render(request, fabric, form)
        if upload.ingestible:
            form = forms.RawFileForm()
        else:  # ready to be corrected in place
            name = upload.path.removeprefix(f'{RAW}/')
            form = forms.RawFileForm(initial={'name': name, 'text': data.decode(), 'replace': True})
        return self.render(request, fabric, form, upload, preview=upload, text=data.decode())

    def render(self, request, fabric, form, upload=None, *, preview=None, text=None, note=None):
        """`upload`: what a save did; `preview`: the checked file (saved or not) shown line by line with `text`
        (the form's text when not given), `note` saying what was checked."""
        findings = finding_rows([finding.as_dict() for finding in upload.findings]) if upload else []
        annotated = None
        if preview is not None:
            text = form.initial.get('text', '') if text is None else text
            annotated = annotated_text(text, [finding.as_dict() for finding in preview.findings], preview.path)
        return object_page(
            request,
            self.template_name,
            fabric,
            form=form,
            upload=upload,
            findings=findings,
            preview=preview,
            annotated=annotated,
            note=note,
        )
