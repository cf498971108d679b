from collections.abc import Mapping

from netbox.api.fields import ChoiceField
from netbox.api.serializers import NetBoxModelSerializer, PrimaryModelSerializer, ValidatedModelSerializer
from rest_framework import serializers
from users.api.serializers_.users import UserSerializer

from netbox_hedgehog.choices import GitOpsStatusChoices, IngestionStatusChoices
from netbox_hedgehog.models import FindingAcknowledgement, HedgehogFabric, HedgehogResource, IngestionRun

__all__ = ('HedgehogFabricSerializer', 'HedgehogResourceSerializer', 'IngestionRunSerializer')

# Fields a fabric no longer has, with what replaced them.
REMOVED_FIELDS = {
    'git_credentials': 'Not a fabric field any more: git credentials are configured by the NetBox administrator, '
    'bound to remote URL prefixes.',
}


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
            'git_remote_url',
            'git_branch',
            'git_path',
            'self_healing',
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

    def to_internal_value(self, data):
        # DRF drops unknown keys in silence: a client still sending git_credentials would believe it set
        # them. Refused instead, so nothing is saved and the caller learns why.
        if isinstance(data, Mapping) and (removed := sorted(set(data) & set(REMOVED_FIELDS))):
            raise serializers.ValidationError({name: REMOVED_FIELDS[name] for name in removed})
        return super().to_internal_value(data)


class IngestionRunSerializer(NetBoxModelSerializer):
    """Read-only: runs are recorded by the ingestion service (the viewset offers no writes)."""

    fabric = HedgehogFabricSerializer(nested=True, read_only=True)
    status = ChoiceField(choices=IngestionStatusChoices, read_only=True)
    user = UserSerializer(nested=True, read_only=True)

    class Meta:
        model = IngestionRun
        fields = (
            'id',
            'url',
            'display_url',
            'display',
            'fabric',
            'started',
            'finished',
            'status',
            'trigger',
            'user',
            'counts',
            'findings',
            'provenance',
            'error',
            'git_commit',
            'git_error',
            'tags',
            'custom_fields',
            'created',
            'last_updated',
        )
        brief_fields = ('id', 'url', 'display', 'started', 'status')
        read_only_fields = fields


class HedgehogResourceSerializer(NetBoxModelSerializer):
    """Read-only: a resource row mirrors a managed/ file and is rebuilt from it."""

    fabric = HedgehogFabricSerializer(nested=True, read_only=True)
    last_run = IngestionRunSerializer(nested=True, read_only=True)

    class Meta:
        model = HedgehogResource
        fields = (
            'id',
            'url',
            'display_url',
            'display',
            'fabric',
            'kind',
            'name',
            'namespace',
            'api_version',
            'spec',
            'managed_path',
            'sha256',
            'last_run',
            'source_file',
            'source_document',
            'source_line',
            'tags',
            'custom_fields',
            'created',
            'last_updated',
        )
        brief_fields = ('id', 'url', 'display', 'kind', 'name', 'namespace')
        read_only_fields = fields


class FindingAcknowledgementSerializer(ValidatedModelSerializer):
    """Read-only: acknowledgements are made on the Health tab (its change log and event rules use this too)."""

    fabric = HedgehogFabricSerializer(nested=True, read_only=True)

    class Meta:
        model = FindingAcknowledgement
        fields = ('id', 'url', 'display', 'fabric', 'code', 'file', 'path', 'reason', 'created', 'last_updated')
        read_only_fields = fields
        brief_fields = ('id', 'url', 'display', 'code', 'file', 'path')
