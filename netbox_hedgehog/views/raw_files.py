"""The edit loop: add or edit a file in raw/ (upload page, edit page) and discard one waiting there."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from netbox.views import generic
from netbox.views.generic.base import BaseObjectView
from utilities.permissions import get_permission_for_model
from utilities.views import GetReturnURLMixin, register_model_view

from netbox_hedgehog import forms
from netbox_hedgehog.error_answers import error_detail
from netbox_hedgehog.gitops.lock import FabricLocked
from netbox_hedgehog.gitops.tree import RAW, UnsafePathError
from netbox_hedgehog.gitops.upload import (
    DISCARDED,
    UploadFailed,
    UploadRefused,
    add_raw_file,
    discard_raw_file,
    raw_file_text,
)
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
from netbox_hedgehog.ui.panels import (
    finding_rows,
    read_managed_file,
)


@register_model_view(HedgehogFabric, 'discard', path='discard')
class HedgehogFabricDiscardView(GetReturnURLMixin, BaseObjectView):
    """Discard a file waiting in raw/: a confirmation page, then the file goes to .hnp/discarded/ (kept)."""

    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_discard.html'

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'change')

    def get(self, request, pk):
        fabric = self.get_object(pk=pk)
        return render(
            request,
            self.template_name,
            {
                'object': fabric,
                'actions': [],
                'tab': None,
                'file': request.GET.get('file', ''),
                'kept_in': DISCARDED,
                'return_url': fabric.get_absolute_url(),
            },
        )

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
    """

    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_upload.html'
    actions = ()

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'change')

    def get(self, request, pk):
        fabric = self.get_object(pk=pk)
        form, editing = forms.RawFileForm(), request.GET.get('file')
        if editing:
            try:
                name = editing.removeprefix(f'{RAW}/')
                form = forms.RawFileForm(initial={'name': name, 'text': raw_file_text(fabric, name), 'replace': True})
            except (UploadRefused, UploadFailed, UnsafePathError) as exc:
                messages.warning(request, error_detail(request, exc, fabric))
        elif wanted := request.GET.get('resource'):
            resource = get_object_or_404(
                HedgehogResource.objects.restrict(request.user, 'view').filter(fabric=fabric), pk=wanted
            )
            text, problem = read_managed_file(resource)
            if text is None:
                messages.warning(request, problem)
            else:
                form = forms.RawFileForm(initial={'name': edit_name(resource), 'text': text, 'replace': False})
        return self.render(request, fabric, form)

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        form = forms.RawFileForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, fabric, form)
        name, data = form.named_content()
        try:
            upload = add_raw_file(fabric, name, data, replace=form.cleaned_data['replace'])
        except (UploadRefused, UploadFailed, FabricLocked, UnsafePathError) as exc:
            form.add_error(None, error_detail(request, exc, fabric))
            return self.render(request, fabric, form)
        if upload.ingestible:
            form = forms.RawFileForm()
        else:  # ready to be corrected in place
            name = upload.path.removeprefix(f'{RAW}/')
            form = forms.RawFileForm(initial={'name': name, 'text': data.decode(), 'replace': True})
        return self.render(request, fabric, form, upload)

    def render(self, request, fabric, form, upload=None):
        findings = finding_rows([finding.as_dict() for finding in upload.findings]) if upload else []
        return render(
            request,
            self.template_name,
            {'object': fabric, 'actions': [], 'tab': None, 'form': form, 'upload': upload, 'findings': findings},
        )
