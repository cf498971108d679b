from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from netbox.models import ChangeLoggedModel

__all__ = ('FindingAcknowledgement',)


class FindingAcknowledgement(ChangeLoggedModel):
    """A person's word that a health finding is expected (a reference to an object that lives in another fabric
    or repository, say): the finding stays listed, but no longer lowers the fabric's status or score.

    It names the finding by code, file and field path (core.health_report.acknowledgement_key), so it holds while the
    finding's line moves, and goes when the finding changes place. Change-logged, as every NetBox change.
    """

    fabric = models.ForeignKey(
        to='netbox_hedgehog.HedgehogFabric', on_delete=models.CASCADE, related_name='acknowledgements'
    )
    code = models.CharField(verbose_name=_('code'), max_length=64)
    file = models.CharField(verbose_name=_('file'), max_length=512, blank=True)
    path = models.CharField(verbose_name=_('field path'), max_length=512, blank=True)
    reason = models.CharField(verbose_name=_('reason'), max_length=500)

    class Meta:
        ordering = ('fabric', 'code', 'file', 'path')
        constraints = (
            models.UniqueConstraint(
                fields=('fabric', 'code', 'file', 'path'), name='%(app_label)s_%(class)s_unique_finding'
            ),
        )
        verbose_name = _('finding acknowledgement')

    def __str__(self):
        return f'{self.code} {self.file}{" " + self.path if self.path else ""}'

    def get_absolute_url(self):
        return reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[self.fabric_id])
