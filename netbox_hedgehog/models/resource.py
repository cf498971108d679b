from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from netbox.models import NetBoxModel

from netbox_hedgehog.core.kinds import KINDS

__all__ = ('INDEX_ORDER', 'NOT_CHANGE_LOGGED', 'RUN_SUMMARY_ONLY', 'HedgehogResource')

KIND_CHOICES = tuple((kind.kind, kind.kind) for kind in KINDS)


# The unique constraint's column order: a page of a fabric's rows is read from that index, where ordering by
# the fabric's name (Meta.ordering) makes PostgreSQL join and sort every row of the fabric first.
INDEX_ORDER = ('fabric_id', 'kind', 'name')
# Fields the change log leaves out: derived from the spec, which the records hold.
NOT_CHANGE_LOGGED = ('reference_keys',)
# A row's last run is shown by when it started: its findings and provenance (megabytes for a large run) stay
# in the database.
RUN_SUMMARY_ONLY = ('findings', 'provenance', 'counts')


class HedgehogResource(NetBoxModel):
    """The index row of one managed file: `managed/<dir>/<name>.yaml` is the truth, this row mirrors it.

    Rows are written only by ingestion and re-index (rebuilt from the files, never the reverse),
    so the UI and API offer no way to edit them.
    """

    # Lookups by fabric (and kind) use the unique constraint's index: no index of its own to maintain.
    fabric = models.ForeignKey(
        to='netbox_hedgehog.HedgehogFabric', on_delete=models.CASCADE, related_name='resources', db_index=False
    )
    kind = models.CharField(verbose_name=_('kind'), max_length=32, choices=KIND_CHOICES)
    name = models.CharField(verbose_name=_('name'), max_length=253)
    namespace = models.CharField(verbose_name=_('namespace'), max_length=63, default='default')
    api_version = models.CharField(verbose_name=_('API version'), max_length=100)
    spec = models.JSONField(verbose_name=_('spec'), null=True, blank=True)
    # '<kind>/<name>' of each object the spec refers to (validation.reference_keys, the reference table's rules),
    # written with the row: "referred to by" looks a key up in the GIN index instead of reading every spec.
    reference_keys = ArrayField(
        models.CharField(max_length=300), verbose_name=_('reference keys'), default=list, blank=True, editable=False
    )
    managed_path = models.CharField(verbose_name=_('managed path'), max_length=512)
    sha256 = models.CharField(verbose_name=_('SHA-256'), max_length=64)
    # With the hash, the file's size and modification time let a check trust a stat instead of a read.
    file_size = models.BigIntegerField(verbose_name=_('file size'), null=True, blank=True)
    file_mtime_ns = models.BigIntegerField(verbose_name=_('file modification time (ns)'), null=True, blank=True)
    last_run = models.ForeignKey(
        to='netbox_hedgehog.IngestionRun', on_delete=models.SET_NULL, related_name='+', null=True, blank=True
    )
    source_file = models.CharField(verbose_name=_('source file'), max_length=512, blank=True)
    source_document = models.PositiveIntegerField(verbose_name=_('source document'), null=True, blank=True)
    source_line = models.PositiveIntegerField(verbose_name=_('source line'), null=True, blank=True)

    class Meta:
        ordering = ('fabric', 'kind', 'name')
        verbose_name = _('Hedgehog resource')
        verbose_name_plural = _('Hedgehog resources')
        constraints = (
            models.UniqueConstraint(fields=('fabric', 'kind', 'name'), name='%(app_label)s_%(class)s_unique_name'),
        )
        indexes = (GinIndex(fields=('reference_keys',), name='hedgehog_resource_refkeys'),)

    def __str__(self):
        return f'{self.kind}/{self.name}'

    def get_absolute_url(self):
        return reverse('plugins:netbox_hedgehog:hedgehogresource', args=[self.pk])

    def serialize_object(self, exclude=None):
        # The change records of rows written in bulk (models/changelog.py) leave the same fields out.
        return super().serialize_object(exclude=[*(exclude or ()), *NOT_CHANGE_LOGGED])
