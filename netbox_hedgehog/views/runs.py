"""Ingestion runs, the audit trail: list and page (never deleted from the UI)."""

from django.db.models import F, Func, IntegerField
from extras.ui.panels import CustomFieldsPanel, TagsPanel
from netbox.object_actions import BulkExport
from netbox.ui import layout
from netbox.views import generic
from utilities.views import register_model_view

from netbox_hedgehog import filtersets, forms, tables
from netbox_hedgehog.models import IngestionRun
from netbox_hedgehog.ui.panels import (
    IngestionRunPanel,
    RunCountsPanel,
    RunFindingsPanel,
    RunProvenancePanel,
)

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
