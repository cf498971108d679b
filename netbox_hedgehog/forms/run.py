from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from netbox.forms import NetBoxModelFilterSetForm
from utilities.forms.fields import DynamicModelMultipleChoiceField, TagFilterField
from utilities.forms.rendering import FieldSet

from netbox_hedgehog.choices import IngestionStatusChoices
from netbox_hedgehog.models import HedgehogFabric, IngestionRun

__all__ = ('IngestionRunFilterForm',)


class IngestionRunFilterForm(NetBoxModelFilterSetForm):
    """Filters only: runs are recorded by the ingestion service, never entered by hand."""

    model = IngestionRun
    fieldsets = (
        FieldSet('q', 'filter_id', 'tag'),
        FieldSet('fabric_id', 'status', 'trigger', 'user_id', name=_('Run')),
    )
    fabric_id = DynamicModelMultipleChoiceField(
        queryset=HedgehogFabric.objects.all(), required=False, label=_('Fabric')
    )
    status = forms.MultipleChoiceField(label=_('Status'), choices=IngestionStatusChoices, required=False)
    trigger = forms.CharField(label=_('Trigger'), required=False)
    user_id = DynamicModelMultipleChoiceField(queryset=get_user_model().objects.all(), required=False, label=_('User'))
    tag = TagFilterField(model)
