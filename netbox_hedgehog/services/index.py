"""The index (HedgehogResource rows) of a fabric as the services read it: ingestion, re-index and health.

Plain SQL: the ORM's per-row conversions cost several times the query on a large fabric.
"""

from django.db import connection

from netbox_hedgehog.core.index_rows import IndexRow
from netbox_hedgehog.models import HedgehogResource

__all__ = ('index_specs', 'read_index')


def read_index(fabric):
    """{managed path: IndexRow} of the fabric's rows, in one query and without specs: references are checked
    from the keys each row stores, so no spec is fetched or decoded (a large fabric holds tens of thousands of
    referring objects)."""
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT managed_path, sha256, kind, name, reference_keys, file_size, file_mtime_ns, id '
            f'FROM {HedgehogResource._meta.db_table} WHERE fabric_id = %s',
            [fabric.pk],
        )
        return {
            path: IndexRow(path, sha, kind, name, tuple(keys), *rest) for path, sha, kind, name, keys, *rest in cursor
        }


def index_specs(fabric, paths):
    """{managed path: spec} of the fabric's index rows at `paths`, in one query."""
    return dict(fabric.resources.filter(managed_path__in=paths).values_list('managed_path', 'spec'))
