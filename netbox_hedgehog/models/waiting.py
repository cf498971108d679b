from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ('WaitingFileCheck',)


class WaitingFileCheck(models.Model):
    """What the next ingestion would make of a file waiting in raw/, checked when it arrived (an upload, the
    API, or the health job finding it there), so its findings are shown before any ingestion runs.

    Keyed by the file's path and identity (inode, size, modification time) as it was read: a file changed
    since (other bytes, hence another SHA-256) no longer matches and is checked again; a file that left raw/
    (ingested, discarded) has no entry in the listing to match, and its row is pruned at the next check.
    """

    fabric = models.ForeignKey(
        to='netbox_hedgehog.HedgehogFabric', on_delete=models.CASCADE, related_name='waiting_checks'
    )
    # Relative to the tree, as findings name it (raw/wiring.yaml).
    path = models.CharField(verbose_name=_('path'), max_length=1024)
    sha256 = models.CharField(verbose_name=_('SHA-256'), max_length=64)
    inode = models.BigIntegerField()
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()
    checked = models.DateTimeField(verbose_name=_('checked'))
    ingestible = models.BooleanField(verbose_name=_('ingestible'))
    # Finding.as_dict() of each finding the plan made for this file, in file order.
    findings = models.JSONField(verbose_name=_('findings'), default=list)

    class Meta:
        constraints = (models.UniqueConstraint(fields=('fabric', 'path'), name='%(app_label)s_%(class)s_unique_path'),)

    def __str__(self):
        return self.path

    @property
    def identity(self):
        return self.inode, self.size, self.mtime_ns
