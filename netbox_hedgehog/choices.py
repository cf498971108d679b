from django.utils.translation import gettext_lazy as _
from utilities.choices import Choice, ChoiceSet

__all__ = ('GitOpsStatusChoices', 'IngestionStatusChoices')


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


class IngestionStatusChoices(ChoiceSet):
    RUNNING = 'running'
    COMPLETED = 'completed'
    REJECTED = 'rejected'
    FAILED = 'failed'

    CHOICES = (
        Choice(RUNNING, _('Running'), color='blue'),
        Choice(COMPLETED, _('Completed'), color='green', description=_('Every raw file was ingested')),
        Choice(REJECTED, _('Completed with rejections'), color='orange', description=_('Some raw files stay in raw/')),
        Choice(FAILED, _('Failed'), color='red', description=_('The run stopped on an error; nothing was lost')),
    )


class HealthStatusChoices(ChoiceSet):
    """A health check's status (core.health_status.HealthStatus), as lists, filters and badges show it."""

    HEALTHY = 'healthy'
    DEGRADED = 'degraded'
    UNHEALTHY = 'unhealthy'

    CHOICES = (
        Choice(HEALTHY, _('Healthy'), color='green'),
        Choice(DEGRADED, _('Degraded'), color='orange'),
        Choice(UNHEALTHY, _('Unhealthy'), color='red'),
    )
