from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import PermissionDenied
from django.db.models import F, Func, IntegerField
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from extras.ui.panels import CustomFieldsPanel, TagsPanel
from netbox.models.deletion import CountOnly
from netbox.object_actions import BulkExport
from netbox.ui import layout
from netbox.ui.panels import CommentsPanel, JSONPanel
from netbox.views import generic
from netbox.views.generic.base import BaseObjectView
from utilities.forms import DeleteForm
from utilities.htmx import htmx_partial
from utilities.permissions import get_permission_for_model
from utilities.views import GetReturnURLMixin, ViewTab, get_action_url, register_model_view

from . import filtersets, forms, tables
from .choices import HealthStatusChoices
from .downloads import attachment, wiring_export
from .error_answers import error_detail
from .fabrics import check_git_connection
from .gitops.deletion import fabric_records
from .gitops.health import ACKNOWLEDGEABLE, MissingSource, acknowledged_report, acknowledgements, missing_managed
from .gitops.health import CODES as health_codes
from .gitops.health_report import markdown_report
from .gitops.ingestion import IngestionFailed, ingest
from .gitops.lock import FabricLocked
from .gitops.plan import FileAction
from .gitops.removal import DELETED, delete_managed_object
from .gitops.repository import GitError
from .gitops.tree import RAW, UNMANAGED, UnsafePathError
from .gitops.unmanaged import unmanaged_documents
from .gitops.upload import (
    DISCARDED,
    UploadFailed,
    UploadRefused,
    add_raw_file,
    check_raw_file,
    discard_raw_file,
    raw_file_text,
)
from .health_jobs import FabricHealthJob
from .jobs import IngestionJob, RepairJob
from .models import FabricHealth, FindingAcknowledgement, HedgehogFabric, HedgehogResource, IngestionRun
from .models.resource import INDEX_ORDER, RUN_SUMMARY_ONLY
from .topology import TOPOLOGY_KINDS, build_topology
from .topology_render import to_dot, to_mermaid, to_svg
from .ui.annotated import annotated_text
from .ui.panels import (
    GitRemotePanel,
    HedgehogFabricPanel,
    HedgehogResourcePanel,
    IngestionRunPanel,
    LastRunPanel,
    ManagedFilePanel,
    RawBacklogPanel,
    RawFileFormPanel,
    ReferencesPanel,
    ResourceCountsPanel,
    ResourceProvenancePanel,
    RunCountsPanel,
    RunFindingsPanel,
    RunProvenancePanel,
    SelfHealingPanel,
    finding_rows,
    read_managed_file,
)

#
# Fabrics
#


@register_model_view(HedgehogFabric, 'list', path='', detail=False)
class HedgehogFabricListView(generic.ObjectListView):
    queryset = HedgehogFabric.objects.with_health()
    filterset = filtersets.HedgehogFabricFilterSet
    filterset_form = forms.HedgehogFabricFilterForm
    table = tables.HedgehogFabricTable


@register_model_view(HedgehogFabric)
class HedgehogFabricView(generic.ObjectView):
    queryset = HedgehogFabric.objects.all()
    layout = layout.SimpleLayout(
        left_panels=[HedgehogFabricPanel(), GitRemotePanel(), LastRunPanel(), TagsPanel(), CommentsPanel()],
        right_panels=[ResourceCountsPanel(), RawFileFormPanel(), CustomFieldsPanel()],
        bottom_panels=[RawBacklogPanel()],
    )


@register_model_view(HedgehogFabric, 'add', detail=False)
@register_model_view(HedgehogFabric, 'edit')
class HedgehogFabricEditView(generic.ObjectEditView):
    queryset = HedgehogFabric.objects.all()
    form = forms.HedgehogFabricForm


@register_model_view(HedgehogFabric, 'delete')
class HedgehogFabricDeleteView(generic.ObjectDeleteView):
    """Deleting a fabric keeps its files: both the page and the modal say so before anyone confirms."""

    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_delete.html'

    def get(self, request, *args, **kwargs):
        if not htmx_partial(request):
            return super().get(request, *args, **kwargs)
        obj = self.get_object(**kwargs)
        return render(
            request,
            'netbox_hedgehog/hedgehogfabric_delete_form.html',
            {
                'object': obj,
                'object_type': self.queryset.model._meta.verbose_name,
                'form': DeleteForm(instance=obj, initial=request.GET),
                'form_url': get_action_url(self.queryset.model, action='delete', kwargs={'pk': obj.pk}),
                'dependent_objects': self._get_dependent_objects(obj),
            },
        )

    def _get_dependent_objects(self, obj):
        """Counts, never rows: NetBox's collector would load every index row of the fabric to list it."""
        dependents = {model: count for model, count in fabric_records([obj.pk]).by_model().items()}
        for field in obj._meta.private_fields:
            if isinstance(field, GenericRelation):  # jobs, journal entries, tags, ... of the fabric itself
                dependents[field.related_model] = getattr(obj, field.name).count()
        return {model: CountOnly(count) for model, count in dependents.items() if count}


@register_model_view(HedgehogFabric, 'bulk_import', path='import', detail=False)
class HedgehogFabricBulkImportView(generic.BulkImportView):
    queryset = HedgehogFabric.objects.all()
    model_form = forms.HedgehogFabricImportForm


@register_model_view(HedgehogFabric, 'bulk_edit', path='edit', detail=False)
class HedgehogFabricBulkEditView(generic.BulkEditView):
    queryset = HedgehogFabric.objects.all()
    filterset = filtersets.HedgehogFabricFilterSet
    table = tables.HedgehogFabricTable
    form = forms.HedgehogFabricBulkEditForm


@register_model_view(HedgehogFabric, 'bulk_delete', path='delete', detail=False)
class HedgehogFabricBulkDeleteView(generic.BulkDeleteView):
    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_bulk_delete.html'
    filterset = filtersets.HedgehogFabricFilterSet
    table = tables.HedgehogFabricTable


#
# Actions on a fabric's tree: thin adapters over the services; the long ones run as jobs
#


class FabricActionView(GetReturnURLMixin, BaseObjectView):
    """A button on the fabric page that POSTs an action; it needs the change permission."""

    queryset = HedgehogFabric.objects.all()

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'change')

    def get(self, request, pk):
        return redirect(self.get_object(pk=pk).get_absolute_url())


def show_job(request, job, fallback):
    """Where to go after queueing `job`: its log, which fills as it runs, for those who may see jobs."""
    if request.user.has_perm('core.view_job'):
        return redirect('core:job_log', pk=job.pk)
    return redirect(fallback)


@register_model_view(HedgehogFabric, 'ingest', path='ingest')
class HedgehogFabricIngestView(FabricActionView):
    """The fabric page's Ingest button: queue an ingestion job and show its log."""

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        job = IngestionJob.enqueue(instance=fabric, user=request.user, trigger='ui')
        messages.success(request, _('Queued ingestion job #{id} for fabric {fabric}.').format(id=job.pk, fabric=fabric))
        return show_job(request, job, self.get_return_url(request, fabric))


@register_model_view(HedgehogFabric, 'fix', path='fix')
class HedgehogFabricFixView(FabricActionView):
    """The Health tab's Fix button: queue a repair job (safe repairs only) and show its log."""

    def get(self, request, pk):
        return redirect('plugins:netbox_hedgehog:hedgehogfabric_health', pk=pk)

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        job = RepairJob.enqueue(instance=fabric, user=request.user)
        messages.success(request, _('Queued fix job #{id} for fabric {fabric}.').format(id=job.pk, fabric=fabric))
        return show_job(request, job, reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[pk]))


@register_model_view(HedgehogFabric, 'forget_missing', path='forget-missing')
class HedgehogFabricForgetMissingView(GetReturnURLMixin, BaseObjectView):
    """Forget missing objects: the confirmation page, then a fix job that drops the confirmed rows.

    GET lists the managed files missing now (`?path=` narrows it to one) and what fix would otherwise
    do; POST carries the paths the person saw and confirmed, and only those rows are dropped (a file
    that came back meanwhile is restored instead, since it is no longer missing).
    """

    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_forget_missing.html'

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'change')

    def get(self, request, pk):
        fabric = self.get_object(pk=pk)
        missing = missing_managed(fabric)
        if wanted := request.GET.get('path'):
            missing = [item for item in missing if item.path == wanted]
        return render(
            request,
            self.template_name,
            {
                'object': fabric,
                'actions': [],
                'tab': None,
                'missing': missing,
                'return_url': reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[pk]),
            },
        )

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        confirmed = request.POST.getlist('path')
        if not confirmed or request.POST.get('confirm') != 'true':
            messages.warning(request, _('Nothing was forgotten: confirm the listed objects first.'))
            return redirect('plugins:netbox_hedgehog:hedgehogfabric_forget_missing', pk=pk)
        job = RepairJob.enqueue(instance=fabric, user=request.user, forget=confirmed)
        messages.success(
            request,
            _('Queued fix job #{id} for fabric {fabric}: {count} missing object(s) to forget.').format(
                id=job.pk, fabric=fabric, count=len(confirmed)
            ),
        )
        return show_job(request, job, reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[pk]))


@register_model_view(HedgehogFabric, 'export', path='export')
class HedgehogFabricExportView(BaseObjectView):
    """The Export wiring button: the managed objects as one YAML file to download (gitops.export)."""

    queryset = HedgehogFabric.objects.all()
    # The export is the managed objects themselves: whoever may view the fabric and its resources.
    additional_permissions = ['netbox_hedgehog.view_hedgehogresource']

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'view')

    def get(self, request, pk):
        if not request.user.is_authenticated:  # it reads every managed file: never for an anonymous caller
            return redirect_to_login(request.get_full_path())
        return wiring_export(self.get_object(pk=pk))


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
        return render(
            request,
            self.template_name,
            {
                'object': fabric,
                'actions': [],
                'tab': None,
                'form': form,
                'upload': upload,
                'findings': findings,
                'preview': preview,
                'annotated': annotated,
                'note': note,
            },
        )


@register_model_view(HedgehogFabric, 'test_connection', path='test-connection')
class HedgehogFabricTestConnectionView(FabricActionView):
    """The fabric page's Test connection button: a real `git ls-remote` with the fabric's credentials."""

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        if not fabric.has_remote:
            messages.warning(request, _('Fabric {fabric} has no git remote.').format(fabric=fabric))
        else:
            result = check_git_connection(fabric)
            (messages.success if result.ok else messages.error)(request, result.message)
        return redirect(self.get_return_url(request, fabric))


class SignedInOnlyMixin:
    """A check walks the tree and fetches from the remote: never for an anonymous visitor, even where NetBox
    lets anonymous users view (EXEMPT_VIEW_PERMISSIONS); they are sent to sign in."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


# The downloads of the Topology tab: ?format= -> (renderer, content type, file suffix).
TOPOLOGY_FORMATS = {
    'svg': (to_svg, 'image/svg+xml', 'svg'),
    'mermaid': (to_mermaid, 'text/plain; charset=utf-8', 'mmd'),
    'dot': (to_dot, 'text/vnd.graphviz; charset=utf-8', 'dot'),
}


@register_model_view(HedgehogFabric, 'topology', path='topology')
class HedgehogFabricTopologyView(SignedInOnlyMixin, generic.ObjectView):
    """The Topology tab: the wiring drawn from the index (switches, connections, external attachments).

    `?format=svg|mermaid|dot` downloads the drawing. The picture is built from every Connection of the
    fabric: a person's request, never an anonymous visitor's (sent to sign in, as on the Health tab).
    """

    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_topology.html'
    tab = ViewTab(label=_('Topology'), weight=550, permission='netbox_hedgehog.view_hedgehogresource')

    def get(self, request, *args, **kwargs):
        if not request.user.has_perm('netbox_hedgehog.view_hedgehogresource'):
            return HttpResponseForbidden()
        if (wanted := request.GET.get('format')) in TOPOLOGY_FORMATS:
            fabric = self.get_object(**kwargs)
            render_as, content_type, suffix = TOPOLOGY_FORMATS[wanted]
            return attachment(
                render_as(self.topology(request, fabric)), content_type, f'{fabric.name}-topology.{suffix}'
            )
        return super().get(request, *args, **kwargs)

    @staticmethod
    def topology(request, fabric):
        objects = (
            HedgehogResource.objects.restrict(request.user, 'view')
            .filter(fabric=fabric, kind__in=TOPOLOGY_KINDS)
            .values_list('kind', 'name', 'spec')
        )
        return build_topology(objects)

    def get_extra_context(self, request, instance):
        topology = self.topology(request, instance)
        return {'topology': topology, 'svg': mark_safe(to_svg(topology)), 'formats': TOPOLOGY_FORMATS}


@register_model_view(HedgehogFabric, 'unmanaged', path='unmanaged')
class HedgehogFabricUnmanagedView(SignedInOnlyMixin, generic.ObjectView):
    """The Unmanaged tab: the foreign documents kept in unmanaged/, each with why (gitops.unmanaged).

    It reads the tree: never for an anonymous visitor, who is sent to sign in (as on the Health tab).
    """

    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_unmanaged.html'
    tab = ViewTab(label=_('Unmanaged'), weight=650)

    def get_extra_context(self, request, instance):
        can_adopt = request.user.has_perm('netbox_hedgehog.change_hedgehogfabric', instance)
        try:
            return {'listing': unmanaged_documents(instance), 'problem': None, 'can_adopt': can_adopt}
        except (UnsafePathError, OSError) as exc:
            return {'listing': None, 'problem': error_detail(request, exc, instance)}


@register_model_view(HedgehogFabric, 'adopt', path='adopt')
class HedgehogFabricAdoptView(FabricActionView):
    """Move to managed/ the unmanaged/ documents of kinds managed now (the gateway kinds, in a tree ingested
    before them): GET shows the dry run, POST queues the ingestion that does it (adopt_unmanaged)."""

    template_name = 'netbox_hedgehog/hedgehogfabric_adopt.html'

    def get(self, request, pk):
        fabric = self.get_object(pk=pk)
        context = {'object': fabric, 'actions': [], 'tab': None, 'moves': [], 'problem': None}
        try:
            plan = ingest(fabric, trigger='ui', user=request.user, dry_run=True, adopt_unmanaged=True).plan
        except (FabricLocked, IngestionFailed, GitError, UnsafePathError) as exc:
            context['problem'] = error_detail(request, exc, fabric)
        else:
            context['moves'] = [
                {
                    'file': file_plan.path,
                    'ingested': file_plan.action == FileAction.INGEST,
                    'documents': file_plan.documents,
                    'findings': finding_rows([finding.as_dict() for finding in file_plan.findings]),
                }
                for file_plan in plan.files
                if file_plan.path.startswith(f'{UNMANAGED}/')
            ]
            context['raw_files'] = sum(1 for file_plan in plan.files if file_plan.path.startswith(f'{RAW}/'))
        return render(request, self.template_name, context)

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        job = IngestionJob.enqueue(instance=fabric, user=request.user, trigger='ui', adopt_unmanaged=True)
        messages.success(request, _('Queued ingestion job #{id} for fabric {fabric}.').format(id=job.pk, fabric=fabric))
        return show_job(request, job, fabric.get_absolute_url())


@register_model_view(HedgehogFabric, 'health', path='health')
class HedgehogFabricHealthView(SignedInOnlyMixin, generic.ObjectView):
    """The Health tab: the latest check's report, as the check stored it (the scheduled health job, or Check now).

    Opening the tab reads that one row: a check walks and hashes the whole tree (seconds on a large fabric)
    and fetches from the remote. The report shows findings about the tree: never for an anonymous visitor,
    even where NetBox lets anonymous users view (EXEMPT_VIEW_PERMISSIONS); they are sent to sign in. Below it
    the self-healing panel (last automatic repairs, the report download).
    """

    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_health.html'
    tab = ViewTab(label=_('Health'), weight=600)
    layout = layout.Layout(layout.Row(layout.Column(SelfHealingPanel())))

    def get_extra_context(self, request, instance):
        stored = FabricHealth.objects.filter(fabric=instance).first()
        report = stored.report if stored else {}
        can_change = request.user.has_perm('netbox_hedgehog.change_hedgehogfabric', instance)
        acknowledge_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_acknowledge', args=[instance.pk])
        findings = []
        for row in finding_rows(report.get('findings', [])):
            fixable = health_codes[row['code']].fixable if row['code'] in health_codes else False
            # Expected warnings and infos may be acknowledged (or no longer) by those who may change the fabric.
            expected = can_change and row['severity'] in ACKNOWLEDGEABLE
            query = urlencode({'code': row['code'], 'file': row['file'], 'path': row['path']})
            findings.append({**row, 'fixable': fixable, 'ack_url': f'{acknowledge_url}?{query}' if expected else None})
        missing = report.get('missing', [])
        return {
            'report': report,
            'checked': stored.checked if stored else None,
            'status_color': HealthStatusChoices.colors.get(report.get('status')),
            'missing': missing,
            'forgettable': any(item['source'] != MissingSource.COMMITTED for item in missing),
            'findings': findings,
            'fixable': sum(finding['fixable'] for finding in findings),
            'can_fix': can_change,
        }


@register_model_view(HedgehogFabric, 'acknowledge', path='acknowledge')
class HedgehogFabricAcknowledgeView(FabricActionView):
    """Acknowledge an expected finding of the Health tab with a reason (GET: the form), or withdraw it (POST with
    `withdraw`). The stored report is marked and its status and score recomputed at once; change-logged."""

    template_name = 'netbox_hedgehog/hedgehogfabric_acknowledge.html'

    def get(self, request, pk):
        fabric = self.get_object(pk=pk)
        finding = {name: request.GET.get(name, '') for name in ('code', 'file', 'path')}
        return render(request, self.template_name, {'object': fabric, 'actions': [], 'tab': None, **finding})

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        key = {name: request.POST.get(name, '') for name in ('code', 'file', 'path')}
        reason = request.POST.get('reason', '').strip()
        if request.POST.get('withdraw'):
            for acknowledgement in FindingAcknowledgement.objects.filter(fabric=fabric, **key):
                acknowledgement.delete()  # one by one: each deletion is change-logged
        elif not reason or not key['code']:
            messages.error(request, _('Say why this finding is expected: a reason is required.'))
            return redirect(f'{request.path}?{urlencode(key)}')
        elif any(len(value) > FindingAcknowledgement._meta.get_field(name).max_length for name, value in key.items()):
            messages.error(request, _('No finding has so long a code, file or field path; nothing was acknowledged.'))
            return redirect('plugins:netbox_hedgehog:hedgehogfabric_health', pk=pk)
        else:
            FindingAcknowledgement.objects.update_or_create(fabric=fabric, **key, defaults={'reason': reason[:500]})
        stored = FabricHealth.objects.filter(fabric=fabric).first()
        if stored is not None:
            stored.report = acknowledged_report(stored.report, acknowledgements(fabric))
            stored.save(update_fields=['report'])
        return redirect('plugins:netbox_hedgehog:hedgehogfabric_health', pk=pk)


@register_model_view(HedgehogFabric, 'health_report', path='health/report')
class HedgehogFabricHealthReportView(SignedInOnlyMixin, BaseObjectView):
    """The Health tab's download: the Markdown health report, as `hedgehog health --report` writes it, for
    whoever may view the fabric (and so its Health tab)."""

    queryset = HedgehogFabric.objects.all()

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'view')

    def get(self, request, pk):
        fabric = self.get_object(pk=pk)
        stamp = timezone.now().strftime('%Y%m%dT%H%M%SZ')
        return attachment(markdown_report([fabric]), 'text/markdown; charset=utf-8', f'{fabric.name}-health-{stamp}.md')


@register_model_view(HedgehogFabric, 'check_health', path='check-health')
class HedgehogFabricCheckHealthView(FabricActionView):
    """The Health tab's Check now button: queue a health check of the fabric and show its log.

    Checking changes nothing in the tree (the fabric's GitOps status follows the result), so viewing the
    fabric is enough; never for an anonymous visitor.
    """

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'view')

    def get(self, request, pk):
        return redirect('plugins:netbox_hedgehog:hedgehogfabric_health', pk=pk)

    def post(self, request, pk):
        if not request.user.is_authenticated:
            return redirect_to_login(reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[pk]))
        fabric = self.get_object(pk=pk)
        job = FabricHealthJob.enqueue(instance=fabric, user=request.user)
        messages.success(
            request, _('Queued health check job #{id} for fabric {fabric}.').format(id=job.pk, fabric=fabric)
        )
        return show_job(request, job, reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[pk]))


#
# Resources: read-only, rows are rebuilt from managed/ files
#


@register_model_view(HedgehogResource, 'list', path='', detail=False)
class HedgehogResourceListView(generic.ObjectListView):
    queryset = (
        HedgehogResource.objects.defer('spec', *(f'last_run__{name}' for name in RUN_SUMMARY_ONLY))
        .select_related('fabric', 'last_run')
        .order_by(*INDEX_ORDER)
    )
    filterset = filtersets.HedgehogResourceFilterSet
    filterset_form = forms.HedgehogResourceFilterForm
    table = tables.HedgehogResourceTable
    actions = (BulkExport,)


@register_model_view(HedgehogResource)
class HedgehogResourceView(generic.ObjectView):
    # The last run is a link: its findings and provenance (megabytes for a large run) stay in the database.
    queryset = HedgehogResource.objects.select_related('fabric', 'last_run__fabric').defer(
        *(f'last_run__{name}' for name in RUN_SUMMARY_ONLY)
    )
    template_name = 'generic/object.html'
    actions = ()
    layout = layout.SimpleLayout(
        left_panels=[HedgehogResourcePanel(), ResourceProvenancePanel(), ReferencesPanel()],
        right_panels=[ManagedFilePanel()],
        bottom_panels=[JSONPanel('spec', title=_('Spec')), CustomFieldsPanel()],
    )


@register_model_view(HedgehogResource, 'delete')
class HedgehogResourceDeleteView(GetReturnURLMixin, BaseObjectView):
    """Delete a managed object: a confirmation, then gitops.removal (file kept in .hnp/deleted/, row gone).

    Needs the change permission on the object's fabric, as every other change to its tree does.
    """

    queryset = HedgehogResource.objects.select_related('fabric')
    template_name = 'netbox_hedgehog/hedgehogresource_delete.html'

    def get_required_permission(self):
        return get_permission_for_model(HedgehogResource, 'view')

    def changeable(self, request, pk):
        resource = self.get_object(pk=pk)
        if not request.user.has_perm('netbox_hedgehog.change_hedgehogfabric', resource.fabric):
            raise PermissionDenied
        return resource

    def get(self, request, pk):
        resource = self.changeable(request, pk)
        context = {'object': resource, 'actions': [], 'tab': None, 'kept_in': DELETED}
        return render(request, self.template_name, {**context, 'return_url': resource.get_absolute_url()})

    def post(self, request, pk):
        resource = self.changeable(request, pk)
        fabric = resource.fabric
        try:
            run = delete_managed_object(resource, trigger='ui', user=request.user)
        except (UploadRefused, UploadFailed, FabricLocked, UnsafePathError) as exc:
            messages.error(request, error_detail(request, exc, fabric))
            return redirect(resource.get_absolute_url())
        (entry,) = run.provenance
        messages.success(
            request,
            _('{kind} {name} deleted (run #{run}): {path} is kept in {kept}.').format(
                kind=resource.kind, name=resource.name, run=run.pk, path=entry['source'], kept=entry['destination']
            ),
        )
        return redirect(fabric.get_absolute_url())


#
# Ingestion runs: recorded by the service; the audit trail of a fabric's tree, so never added,
# edited or deleted by hand (they go with their fabric)
#

# Lists never load findings or provenance (they can be large): only the number of findings.
runs_for_lists = (
    IngestionRun.objects.defer('findings', 'provenance')
    .select_related('fabric', 'user')
    .annotate(findings_count=Func(F('findings'), function='jsonb_array_length', output_field=IntegerField()))
)


@register_model_view(IngestionRun, 'list', path='', detail=False)
class IngestionRunListView(generic.ObjectListView):
    queryset = runs_for_lists
    filterset = filtersets.IngestionRunFilterSet
    filterset_form = forms.IngestionRunFilterForm
    table = tables.IngestionRunTable
    actions = (BulkExport,)


@register_model_view(IngestionRun)
class IngestionRunView(generic.ObjectView):
    queryset = IngestionRun.objects.select_related('fabric', 'user')
    template_name = 'generic/object.html'
    actions = ()
    layout = layout.SimpleLayout(
        left_panels=[IngestionRunPanel(), TagsPanel()],
        right_panels=[RunCountsPanel(), CustomFieldsPanel()],
        bottom_panels=[RunFindingsPanel(), RunProvenancePanel()],
    )
