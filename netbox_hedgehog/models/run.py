from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from netbox.models import NetBoxModel

from netbox_hedgehog.choices import IngestionStatusChoices

__all__ = ('IngestionRun',)


class IngestionRun(NetBoxModel):
    """One ingestion of a fabric's raw/ folder: when, why, what it did and what it found.

    Findings and provenance are kept as JSON in the finding shape (netbox_hedgehog.core.findings) so
    the UI, the API and the command show exactly what the run saw.
    """

    fabric = models.ForeignKey(to='netbox_hedgehog.HedgehogFabric', on_delete=models.CASCADE, related_name='runs')
    started = models.DateTimeField(verbose_name=_('started'))
    finished = models.DateTimeField(verbose_name=_('finished'), null=True, blank=True)
    status = models.CharField(
        verbose_name=_('status'),
        max_length=20,
        choices=IngestionStatusChoices,
        default=IngestionStatusChoices.RUNNING,
    )
    trigger = models.CharField(verbose_name=_('trigger'), max_length=100, help_text=_('What started the run'))
    user = models.ForeignKey(
        to=settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name='+', null=True, blank=True
    )
    counts = models.JSONField(verbose_name=_('counts'), default=dict, help_text=_('Documents and files per action'))
    findings = models.JSONField(verbose_name=_('findings'), default=list)
    provenance = models.JSONField(verbose_name=_('provenance'), default=list)
    error = models.TextField(verbose_name=_('error'), blank=True)
    # With a git remote: the run's one commit (none when nothing changed), and why it was not pushed.
    git_commit = models.CharField(verbose_name=_('git commit'), max_length=64, blank=True)
    git_error = models.TextField(verbose_name=_('git error'), blank=True)

    class Meta:
        ordering = ('-started', '-pk')
        verbose_name = _('ingestion run')
        verbose_name_plural = _('ingestion runs')
        constraints = (
            models.CheckConstraint(
                condition=models.Q(status__in=IngestionStatusChoices.values()),
                name='%(app_label)s_%(class)s_status_valid',
            ),
        )

    def __str__(self):
        return f'{self.fabric} @ {self.started:%Y-%m-%d %H:%M:%S}'

    def get_absolute_url(self):
        return reverse('plugins:netbox_hedgehog:ingestionrun', args=[self.pk])

    def get_status_color(self):
        return IngestionStatusChoices.colors.get(self.status)
