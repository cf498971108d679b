"""The buttons of the panels: links to an object's own views, and the edit and delete of a managed object."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from netbox.ui.actions import LinkAction

__all__ = ('DeleteManagedObject', 'EditManagedObject', 'ManagedObjectAction', 'ObjectLinkAction')


class ObjectLinkAction(LinkAction):
    """A panel button to one of the page object's own views (its pk comes from the page)."""

    def get_url(self, context):
        return reverse(self.view_name, kwargs={'pk': context['object'].pk})


class ManagedObjectAction(LinkAction):
    """A Managed file panel button that changes the fabric's tree: shown to those who may change the fabric."""

    def render(self, context):
        resource = context['object']
        if not context['request'].user.has_perm('netbox_hedgehog.change_hedgehogfabric', resource.fabric):
            return ''
        return super().render(context)


class EditManagedObject(ManagedObjectAction):
    """Edit: the object's file in the fabric's upload form, to change and ingest it."""

    def __init__(self):
        upload = 'plugins:netbox_hedgehog:hedgehogfabric_upload'
        super().__init__(upload, label=_('Edit'), button_icon='pencil', button_class='warning')

    def get_url(self, context):
        resource = context['object']
        url = reverse(self.view_name, kwargs={'pk': resource.fabric_id})
        return f'{url}?{urlencode({"resource": resource.pk})}'


class DeleteManagedObject(ManagedObjectAction, ObjectLinkAction):
    """Delete: the object's confirmation page (services.removal)."""

    def __init__(self):
        delete = 'plugins:netbox_hedgehog:hedgehogresource_delete'
        super().__init__(delete, label=_('Delete'), button_icon='trash-can-outline', button_class='danger')
