from django.utils.translation import gettext_lazy as _
from netbox.plugins import PluginMenu, PluginMenuButton, PluginMenuItem

menu = PluginMenu(
    label=_('Hedgehog'),
    icon_class='mdi mdi-hexagon-multiple-outline',
    groups=(
        (
            _('GitOps'),
            (
                PluginMenuItem(
                    link='plugins:netbox_hedgehog:hedgehogfabric_list',
                    link_text=_('Fabrics'),
                    permissions=['netbox_hedgehog.view_hedgehogfabric'],
                    buttons=(
                        PluginMenuButton(
                            link='plugins:netbox_hedgehog:hedgehogfabric_add',
                            title=_('Add'),
                            icon_class='mdi mdi-plus-thick',
                            permissions=['netbox_hedgehog.add_hedgehogfabric'],
                        ),
                    ),
                ),
                # No add buttons below: resources are rebuilt from managed/ files and runs are recorded by ingestion.
                PluginMenuItem(
                    link='plugins:netbox_hedgehog:hedgehogresource_list',
                    link_text=_('Resources'),
                    permissions=['netbox_hedgehog.view_hedgehogresource'],
                ),
                PluginMenuItem(
                    link='plugins:netbox_hedgehog:ingestionrun_list',
                    link_text=_('Ingestion runs'),
                    permissions=['netbox_hedgehog.view_ingestionrun'],
                ),
            ),
        ),
    ),
)
