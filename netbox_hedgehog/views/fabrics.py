"""The fabric list, page, edit, delete and bulk views: NetBox generic views over HedgehogFabric."""

from django.contrib.contenttypes.fields import GenericRelation
from django.shortcuts import render
from extras.ui.panels import CustomFieldsPanel, TagsPanel
from netbox.models.deletion import CountOnly
from netbox.ui import layout
from netbox.ui.panels import CommentsPanel
from netbox.views import generic
from utilities.forms import DeleteForm
from utilities.htmx import htmx_partial
from utilities.views import get_action_url, register_model_view

from netbox_hedgehog import filtersets, forms, tables
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.models.deletion import fabric_records
from netbox_hedgehog.ui.panels import (
    GitRemotePanel,
    HedgehogFabricPanel,
    LastRunPanel,
    RawBacklogPanel,
    RawFileFormPanel,
    ResourceCountsPanel,
)


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
