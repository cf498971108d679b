from netbox.api.fields import ChoiceField
from netbox.api.serializers import PrimaryModelSerializer

from netbox_hedgehog.choices import GitOpsStatusChoices
from netbox_hedgehog.models import HedgehogFabric

__all__ = ('HedgehogFabricSerializer',)


class HedgehogFabricSerializer(PrimaryModelSerializer):
    gitops_status = ChoiceField(choices=GitOpsStatusChoices, read_only=True)

    class Meta:
        model = HedgehogFabric
        fields = (
            'id',
            'url',
            'display_url',
            'display',
            'name',
            'gitops_path',
            'gitops_status',
            'last_initialized',
            'last_ingested',
            'description',
            'owner',
            'comments',
            'tags',
            'custom_fields',
            'created',
            'last_updated',
        )
        brief_fields = ('id', 'url', 'display', 'name', 'gitops_status', 'description')
        read_only_fields = ('last_initialized', 'last_ingested')
