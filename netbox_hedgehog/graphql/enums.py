import strawberry

from netbox_hedgehog.choices import GitOpsStatusChoices

__all__ = ('GitOpsStatusEnum',)

GitOpsStatusEnum = strawberry.enum(GitOpsStatusChoices.as_enum(name='HedgehogGitOpsStatusEnum', prefix='status'))
