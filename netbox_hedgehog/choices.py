from django.utils.translation import gettext_lazy as _
from utilities.choices import Choice, ChoiceSet

__all__ = ('GitOpsStatusChoices',)


class GitOpsStatusChoices(ChoiceSet):
    PENDING = 'pending'
    INITIALIZED = 'initialized'
    SYNCED = 'synced'
    DEGRADED = 'degraded'
    FAILED = 'failed'

    CHOICES = (
        Choice(PENDING, _('Pending'), color='gray', description=_('GitOps tree not initialized yet')),
        Choice(INITIALIZED, _('Initialized'), color='blue', description=_('GitOps tree complete, nothing ingested')),
        Choice(SYNCED, _('Synced'), color='green', description=_('Tree healthy and ingested')),
        Choice(DEGRADED, _('Degraded'), color='orange', description=_('Tree usable but needs attention')),
        Choice(FAILED, _('Failed'), color='red', description=_('Last initialization or ingestion failed')),
    )
