from django import forms
from django.utils.translation import gettext_lazy as _
from netbox.forms import (
    PrimaryModelBulkEditForm,
    PrimaryModelFilterSetForm,
    PrimaryModelForm,
    PrimaryModelImportForm,
)
from utilities.forms import BOOLEAN_WITH_BLANK_CHOICES
from utilities.forms.fields import CommentField, TagFilterField
from utilities.forms.rendering import FieldSet
from utilities.forms.widgets import BulkEditNullBooleanSelect

from netbox_hedgehog.choices import GitOpsStatusChoices, HealthStatusChoices
from netbox_hedgehog.models import HedgehogFabric

__all__ = (
    'HedgehogFabricBulkEditForm',
    'HedgehogFabricFilterForm',
    'HedgehogFabricForm',
    'HedgehogFabricImportForm',
)

# No credentials here: the administrator binds them to remote URL prefixes (PLUGINS_CONFIG). Changing
# these needs netbox_hedgehog.change_remote_hedgehogfabric too (the model's clean() checks it).
GIT_FIELDS = ('git_remote_url', 'git_branch', 'git_path')


class HedgehogFabricForm(PrimaryModelForm):
    comments = CommentField()

    fieldsets = (
        FieldSet('name', 'gitops_path', 'description', 'tags', name=_('Fabric')),
        FieldSet(*GIT_FIELDS, name=_('Git (optional)')),
        FieldSet('self_healing', name=_('Health')),
    )

    class Meta:
        model = HedgehogFabric
        fields = GIT_FIELDS + ('name', 'gitops_path', 'self_healing', 'description', 'owner', 'comments', 'tags')


class HedgehogFabricImportForm(PrimaryModelImportForm):
    class Meta:
        model = HedgehogFabric
        fields = GIT_FIELDS + ('name', 'gitops_path', 'self_healing', 'description', 'owner', 'comments', 'tags')


class HedgehogFabricBulkEditForm(PrimaryModelBulkEditForm):
    model = HedgehogFabric
    description = forms.CharField(label=_('Description'), max_length=200, required=False)
    self_healing = forms.NullBooleanField(label=_('Self-healing'), required=False, widget=BulkEditNullBooleanSelect)
    comments = CommentField()

    fieldsets = (FieldSet('description', 'self_healing'),)
    nullable_fields = ('description', 'comments')


class HedgehogFabricFilterForm(PrimaryModelFilterSetForm):
    model = HedgehogFabric
    fieldsets = (
        FieldSet('q', 'filter_id', 'tag'),
        FieldSet('gitops_status', 'self_healing', name=_('GitOps')),
        FieldSet('health_status', 'health_score__gte', 'health_score__lte', name=_('Health')),
        FieldSet('owner_group_id', 'owner_id', name=_('Ownership')),
    )
    gitops_status = forms.MultipleChoiceField(label=_('GitOps status'), choices=GitOpsStatusChoices, required=False)
    self_healing = forms.NullBooleanField(
        label=_('Self-healing'), required=False, widget=forms.Select(choices=BOOLEAN_WITH_BLANK_CHOICES)
    )
    health_status = forms.MultipleChoiceField(label=_('Health'), choices=HealthStatusChoices, required=False)
    health_score__gte = forms.IntegerField(label=_('Score at least'), required=False, min_value=0, max_value=100)
    health_score__lte = forms.IntegerField(label=_('Score at most'), required=False, min_value=0, max_value=100)
    tag = TagFilterField(model)
