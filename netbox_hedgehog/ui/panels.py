from django.utils.translation import gettext_lazy as _
from netbox.ui import attrs, panels


class HedgehogFabricPanel(panels.ObjectAttributesPanel):
    name = attrs.TextAttr('name')
    gitops_path = attrs.TextAttr('gitops_path', label=_('GitOps path'), style='font-monospace', copy_button=True)
    tree_path = attrs.TextAttr('tree_path', label=_('Tree folder'), style='font-monospace', copy_button=True)
    gitops_status = attrs.ChoiceAttr('gitops_status', label=_('GitOps status'))
    last_initialized = attrs.DateTimeAttr('last_initialized', label=_('Last initialized'))
    last_ingested = attrs.DateTimeAttr('last_ingested', label=_('Last ingested'))
    description = attrs.TextAttr('description')
