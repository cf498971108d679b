from django import forms
from django.utils.translation import gettext_lazy as _
from netbox.forms import NetBoxModelFilterSetForm
from utilities.forms.fields import DynamicModelMultipleChoiceField
from utilities.forms.rendering import FieldSet

from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
from netbox_hedgehog.models.resource import KIND_CHOICES

__all__ = ('HedgehogResourceFilterForm',)


class HedgehogResourceFilterForm(NetBoxModelFilterSetForm):
    """Filters only: index rows are rebuilt from managed/ files, so there is no edit or import form."""

    model = HedgehogResource
    fieldsets = (
        FieldSet('q', 'filter_id'),
        FieldSet('fabric_id', 'kind', 'name', 'namespace', name=_('Resource')),
    )
    fabric_id = DynamicModelMultipleChoiceField(
        queryset=HedgehogFabric.objects.all(), required=False, label=_('Fabric')
    )
    kind = forms.MultipleChoiceField(label=_('Kind'), choices=KIND_CHOICES, required=False)
    name = forms.CharField(label=_('Name'), required=False)
    namespace = forms.CharField(label=_('Namespace'), required=False)
