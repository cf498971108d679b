from django.contrib import messages
from django.db.models import F, Func, IntegerField
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from extras.ui.panels import CustomFieldsPanel, TagsPanel
from netbox.object_actions import BulkDelete, BulkExport, DeleteObject
from netbox.ui import layout
from netbox.ui.panels import CommentsPanel, JSONPanel
from netbox.views import generic
from netbox.views.generic.base import BaseObjectView
from utilities.forms import DeleteForm
from utilities.htmx import htmx_partial
from utilities.permissions import get_permission_for_model
from utilities.views import GetReturnURLMixin, ViewTab, get_action_url, register_model_view

from . import filtersets, forms, tables
from .fabrics import check_git_connection
from .gitops.health import CODES as health_codes
from .gitops.health import check_fabric
from .gitops.lock import FabricLocked
from .gitops.repair import fix
from .jobs import IngestionJob
from .models import HedgehogFabric, HedgehogResource, IngestionRun
from .ui.panels import (
    GitRemotePanel,
    HedgehogFabricPanel,
    HedgehogResourcePanel,
    IngestionRunPanel,
    LastRunPanel,
    ManagedFilePanel,
    RawBacklogPanel,
    ResourceCountsPanel,
    ResourceProvenancePanel,
    RunCountsPanel,
    RunFindingsPanel,
    RunProvenancePanel,
    finding_rows,
)

#
# Fabrics
#


@register_model_view(HedgehogFabric, 'list', path='', detail=False)
class HedgehogFabricListView(generic.ObjectListView):
    queryset = HedgehogFabric.objects.all()
    filterset = filtersets.HedgehogFabricFilterSet
    filterset_form = forms.HedgehogFabricFilterForm
    table = tables.HedgehogFabricTable


@register_model_view(HedgehogFabric)
class HedgehogFabricView(generic.ObjectView):
    queryset = HedgehogFabric.objects.all()
    layout = layout.SimpleLayout(
        left_panels=[HedgehogFabricPanel(), GitRemotePanel(), LastRunPanel(), TagsPanel(), CommentsPanel()],
        right_panels=[ResourceCountsPanel(), CustomFieldsPanel()],
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
    filterset = filtersets.HedgehogFabricFilterSet
    table = tables.HedgehogFabricTable


#
# Ingestion entry point (a thin adapter: the job calls the ingestion service)
#


class FabricActionView(GetReturnURLMixin, BaseObjectView):
    """A button on the fabric page that POSTs an action; it needs the change permission."""

    queryset = HedgehogFabric.objects.all()

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'change')

    def get(self, request, pk):
        return redirect(self.get_object(pk=pk).get_absolute_url())


@register_model_view(HedgehogFabric, 'ingest', path='ingest')
class HedgehogFabricIngestView(FabricActionView):
    """The fabric page's Ingest button: enqueue an ingestion job and show it."""

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        job = IngestionJob.enqueue(instance=fabric, user=request.user, trigger='ui')
        messages.success(request, _('Queued ingestion job #{id} for fabric {fabric}.').format(id=job.pk, fabric=fabric))
        if request.user.has_perm('core.view_job'):
            return redirect(job.get_absolute_url())
        return redirect(self.get_return_url(request, fabric))


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


HEALTH_COLORS = {'healthy': 'green', 'degraded': 'orange', 'unhealthy': 'red'}


@register_model_view(HedgehogFabric, 'health', path='health')
class HedgehogFabricHealthView(generic.ObjectView):
    """The Health tab: the health service's report, checked when the tab is opened."""

    queryset = HedgehogFabric.objects.all()
    template_name = 'netbox_hedgehog/hedgehogfabric_health.html'
    tab = ViewTab(label=_('Health'), weight=600)

    def get_extra_context(self, request, instance):
        report = check_fabric(instance)
        findings = [
            {**row, 'fixable': health_codes[row['code']].fixable if row['code'] in health_codes else False}
            for row in finding_rows([finding.as_dict() for finding in report.findings])
        ]
        return {
            'report': report,
            'status_color': HEALTH_COLORS[str(report.status)],
            'findings': findings,
            'fixable': sum(finding['fixable'] for finding in findings),
            'can_fix': request.user.has_perm('netbox_hedgehog.change_hedgehogfabric', instance),
        }


@register_model_view(HedgehogFabric, 'fix', path='fix')
class HedgehogFabricFixView(GetReturnURLMixin, BaseObjectView):
    """The Health tab's Fix button: repair what is safe, then show the tab again with what was done."""

    queryset = HedgehogFabric.objects.all()

    def get_required_permission(self):
        return get_permission_for_model(HedgehogFabric, 'change')

    def get(self, request, pk):
        return redirect('plugins:netbox_hedgehog:hedgehogfabric_health', pk=pk)

    def post(self, request, pk):
        fabric = self.get_object(pk=pk)
        try:
            result = fix(fabric)
        except FabricLocked as exc:
            messages.error(request, str(exc))
        else:
            for change in result.changes:
                messages.success(request, f'{change.action}: {change.path} {change.detail}'.strip())
            for refusal in result.refused:
                messages.warning(request, str(refusal))
            if not result.changes and not result.refused:
                messages.info(request, _('Nothing to fix.'))
        return redirect('plugins:netbox_hedgehog:hedgehogfabric_health', pk=pk)


#
# Resources: read-only, rows are rebuilt from managed/ files
#


@register_model_view(HedgehogResource, 'list', path='', detail=False)
class HedgehogResourceListView(generic.ObjectListView):
    queryset = HedgehogResource.objects.defer('spec').select_related('fabric', 'last_run')
    filterset = filtersets.HedgehogResourceFilterSet
    filterset_form = forms.HedgehogResourceFilterForm
    table = tables.HedgehogResourceTable
    actions = (BulkExport,)


@register_model_view(HedgehogResource)
class HedgehogResourceView(generic.ObjectView):
    queryset = HedgehogResource.objects.select_related('fabric', 'last_run__fabric')
    template_name = 'generic/object.html'
    actions = ()
    layout = layout.SimpleLayout(
        left_panels=[HedgehogResourcePanel(), ResourceProvenancePanel(), TagsPanel()],
        right_panels=[ManagedFilePanel()],
        bottom_panels=[JSONPanel('spec', title=_('Spec')), CustomFieldsPanel()],
    )


#
# Ingestion runs: recorded by the service; history, so they may be deleted
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
    actions = (BulkExport, BulkDelete)


@register_model_view(IngestionRun)
class IngestionRunView(generic.ObjectView):
    queryset = IngestionRun.objects.select_related('fabric', 'user')
    template_name = 'generic/object.html'
    actions = (DeleteObject,)
    layout = layout.SimpleLayout(
        left_panels=[IngestionRunPanel(), TagsPanel()],
        right_panels=[RunCountsPanel(), CustomFieldsPanel()],
        bottom_panels=[RunFindingsPanel(), RunProvenancePanel()],
    )


@register_model_view(IngestionRun, 'delete')
class IngestionRunDeleteView(generic.ObjectDeleteView):
    queryset = IngestionRun.objects.all()


@register_model_view(IngestionRun, 'bulk_delete', path='delete', detail=False)
class IngestionRunBulkDeleteView(generic.BulkDeleteView):
    queryset = runs_for_lists
    filterset = filtersets.IngestionRunFilterSet
    table = tables.IngestionRunTable
