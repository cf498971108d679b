"""The index of managed objects: list, page, and deleting one (its file moves to .hnp/deleted/)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from extras.ui.panels import CustomFieldsPanel
from netbox.object_actions import BulkExport
from netbox.ui import layout
from netbox.ui.panels import JSONPanel
from netbox.views import generic
from netbox.views.generic.base import BaseObjectView
from utilities.permissions import get_permission_for_model
from utilities.views import GetReturnURLMixin, register_model_view

from netbox_hedgehog import filtersets, forms, tables
from netbox_hedgehog.core.tree import UnsafePathError
from netbox_hedgehog.error_answers import error_detail
from netbox_hedgehog.models import HedgehogResource
from netbox_hedgehog.models.resource import INDEX_ORDER, RUN_SUMMARY_ONLY
from netbox_hedgehog.services.lock import FabricLocked
from netbox_hedgehog.services.removal import DELETED, delete_managed_object
from netbox_hedgehog.services.upload import (
    UploadFailed,
    UploadRefused,
)
from netbox_hedgehog.ui.panels import (
    HedgehogResourcePanel,
    ManagedFilePanel,
    ReferencesPanel,
    ResourceProvenancePanel,
)
from netbox_hedgehog.views.base import object_page


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
    """Delete a managed object: a confirmation, then services.removal (file kept in .hnp/deleted/, row gone).

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
        return_url = resource.get_absolute_url()
        return object_page(request, self.template_name, resource, kept_in=DELETED, return_url=return_url)

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
