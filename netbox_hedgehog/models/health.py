from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ('FabricHealth',)


class FabricHealth(models.Model):
    """The latest health check of a fabric, whole (findings and missing files included), as the Health tab shows it.

    Written by the check itself (the scheduled health job, or "Check now"), so that opening the tab reads
    one row instead of walking and hashing the tree: on a 100k-document fabric a check takes seconds.
    """

    fabric = models.OneToOneField(
        to='netbox_hedgehog.HedgehogFabric', on_delete=models.CASCADE, primary_key=True, related_name='stored_health'
    )
    checked = models.DateTimeField(verbose_name=_('checked'))
    # HealthReport.as_dict() and its missing managed files (each {path, kind, name, source}).
    report = models.JSONField(verbose_name=_('report'), default=dict)

    def __str__(self):
        return f'{self.fabric_id} @ {self.checked:%Y-%m-%d %H:%M:%S}'
