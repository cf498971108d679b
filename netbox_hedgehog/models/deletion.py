"""Set-based deletion of index rows, runs and ingested-file records: a fabric of any size goes in seconds.

Django's collector would load every dependent row of a fabric as a model instance and send NetBox's
signals for each (a change record's snapshot, an event, a search-cache delete): a 10k-resource fabric
took over a minute and a 100k one ran out of memory. The rows here are written in bulk by the
ingestion, without per-object signals, so they are removed the same way: a few DELETE statements
that never bring a row into Python. What NetBox attaches to a row by content type (search-cache
entries, tags, journal entries, bookmarks, ...) goes with it; the change log is history and stays,
and records the resources' deletion in bulk as ingestion records their changes (models/changelog.py).

The files stay: managed/ is the truth, and deleting a fabric never deletes what a person wrote.
"""

from dataclasses import dataclass

from core.models import ObjectType
from django.contrib.contenttypes.fields import GenericRelation
from django.db import connection, transaction
from extras.models import CachedValue

# The model modules themselves, not the package: models/fabric.py imports this module while the package loads.
from netbox_hedgehog.models.changelog import record_fabric_deletion
from netbox_hedgehog.models.ingested import IngestedFile
from netbox_hedgehog.models.resource import HedgehogResource
from netbox_hedgehog.models.run import IngestionRun

__all__ = ('FabricRecords', 'delete_fabric_records', 'delete_resources', 'delete_search_entries', 'fabric_records')


@dataclass(frozen=True)
class FabricRecords:
    """How many rows of each kind a fabric has (or had, once deleted)."""

    resources: int = 0
    runs: int = 0
    ingested_files: int = 0

    def by_model(self):
        return {HedgehogResource: self.resources, IngestionRun: self.runs, IngestedFile: self.ingested_files}

    def summary(self):
        return (
            f'with its index: {self.resources} resources, {self.runs} ingestion runs and '
            f"{self.ingested_files} ingested-file records (the tree's files are kept)"
        )


def fabric_records(fabric_ids):
    """The counts delete_fabric_records would remove, read with three counts (no row is loaded)."""
    return FabricRecords(
        *(
            model.objects.filter(fabric_id__in=fabric_ids).count()
            for model in (HedgehogResource, IngestionRun, IngestedFile)
        )
    )


def delete_fabric_records(fabric_ids):
    """Delete the index rows, runs and ingested-file records of the fabrics `fabric_ids`; returns FabricRecords.

    Called before the fabrics' own deletion (models.HedgehogFabric.delete and its queryset's delete),
    inside its transaction, so that Django's collector and NetBox's signals find nothing left to walk.
    """
    fabric_ids = list(fabric_ids)
    if not fabric_ids:
        return FabricRecords()
    with transaction.atomic():
        record_fabric_deletion(fabric_ids)
        resources = _delete_with_attachments(HedgehogResource, 'fabric_id = ANY(%s)', [fabric_ids])
        ingested_files = _execute(f'DELETE FROM {IngestedFile._meta.db_table} WHERE fabric_id = ANY(%s)', [fabric_ids])
        runs = _delete_with_attachments(IngestionRun, 'fabric_id = ANY(%s)', [fabric_ids])
    return FabricRecords(resources, runs, ingested_files)


def delete_resources(ids):
    """Delete the index rows `ids` (and what NetBox attaches to them), as a re-index dropping many rows does."""
    ids = list(ids)
    if not ids:
        return 0
    with transaction.atomic():
        return _delete_with_attachments(HedgehogResource, 'id = ANY(%s)', [ids])


def delete_search_entries(model, ids):
    """Drop NetBox's search-cache entries of the `model` rows `ids`, in one statement."""
    if ids:
        _execute(
            f'DELETE FROM {CachedValue._meta.db_table} WHERE object_type_id = %s AND object_id = ANY(%s)',
            [ObjectType.objects.get_for_model(model).pk, list(ids)],
        )


def _delete_with_attachments(model, where, parameters):
    """DELETE the `model` rows matching `where`, after what refers to them by content type."""
    table = model._meta.db_table
    selected = f'SELECT id FROM {table} WHERE {where}'
    object_type = ObjectType.objects.get_for_model(model)
    _execute(
        f'DELETE FROM {CachedValue._meta.db_table} WHERE object_type_id = %s AND object_id IN ({selected})',
        [object_type.pk, *parameters],
    )
    for related, type_column, id_column in _generic_attachments(model):
        _execute(
            f'DELETE FROM {related._meta.db_table} WHERE {type_column} = %s AND {id_column} IN ({selected})',
            [object_type.pk, *parameters],
        )
    if model is IngestionRun:
        # Rows that name a run as their last (kept here only when deleting runs of a fabric that stays).
        _execute(
            f'UPDATE {HedgehogResource._meta.db_table} SET last_run_id = NULL WHERE last_run_id IN ({selected})',
            parameters,
        )
    return _execute(f'DELETE FROM {table} WHERE {where}', parameters)


def _generic_attachments(model):
    """(model, content-type column, object-id column) of what NetBox attaches to `model`'s rows by content type:
    its generic relations (tags, journal entries, bookmarks, subscriptions), as Django's collector finds them."""
    attachments = []
    for field in model._meta.private_fields:
        if isinstance(field, GenericRelation):
            related = field.related_model
            attachments.append(
                (
                    related,
                    related._meta.get_field(field.content_type_field_name).column,
                    related._meta.get_field(field.object_id_field_name).column,
                )
            )
    return attachments


def _execute(sql, parameters):
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return cursor.rowcount
