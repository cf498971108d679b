import strawberry

from netbox_hedgehog.choices import GitOpsStatusChoices, IngestionStatusChoices

__all__ = ('GitOpsStatusEnum', 'IngestionStatusEnum')

GitOpsStatusEnum = strawberry.enum(GitOpsStatusChoices.as_enum(name='HedgehogGitOpsStatusEnum', prefix='status'))
IngestionStatusEnum = strawberry.enum(
    IngestionStatusChoices.as_enum(name='HedgehogIngestionStatusEnum', prefix='status')
)
