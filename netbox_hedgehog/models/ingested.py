from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ('IngestedFile',)


class IngestedFile(models.Model):
    """A raw file (by the SHA-256 of its bytes) a fabric ingested, and the outputs it produced.

    When the same bytes are dropped into raw/ again and every output is still what it wrote, the
    file is settled without parsing it: re-ingesting unchanged input costs a hash and some stats.
    """

    fabric = models.ForeignKey(to='netbox_hedgehog.HedgehogFabric', on_delete=models.CASCADE, related_name='+')
    sha256 = models.CharField(verbose_name=_('SHA-256'), max_length=64)
    # JSON: one list per document of the file, in core.plan_model.RECORD_FIELDS order, then its output's size
    # and modification time as the run wrote or saw it (absent in records of earlier versions). Text, not
    # jsonb: it is only ever read and written whole, and jsonb's conversion each way costs more than the
    # rest of settling a large unchanged input.
    documents = models.TextField(verbose_name=_('documents'), default='[]')
    run = models.ForeignKey(to='netbox_hedgehog.IngestionRun', on_delete=models.SET_NULL, related_name='+', null=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=('fabric', 'sha256'), name='%(app_label)s_%(class)s_unique_sha256'),
        )

    def __str__(self):
        return self.sha256
