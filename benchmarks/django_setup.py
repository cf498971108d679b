"""Django set-up for benchmark scripts: the dev configuration, the dev database, a throwaway gitops_root.

Benchmarks change the database only inside transactions they roll back, or delete what they created.
"""

import atexit
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def setup():
    sys.path.insert(0, str(REPO))
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'testing.settings')
    import django

    django.setup()
    # testing/settings.py made a temporary gitops_root for this process (pytest's conftest removes its own).
    if root := os.environ.get('HEDGEHOG_TEST_GITOPS_ROOT'):
        atexit.register(shutil.rmtree, root, ignore_errors=True)


@contextmanager
def temporary_gitops_root(prefix):
    """The plugin's gitops_root is a new temporary folder while the block runs; it is removed afterwards."""
    from django.conf import settings
    from django.test import override_settings

    with tempfile.TemporaryDirectory(prefix=prefix) as root:
        config = {**settings.PLUGINS_CONFIG['netbox_hedgehog'], 'gitops_root': root}
        with override_settings(PLUGINS_CONFIG={**settings.PLUGINS_CONFIG, 'netbox_hedgehog': config}):
            yield root


@contextmanager
def change_records_removed():
    """Delete, at the end of the block, the change records the block's work wrote for the plugin's models (its
    fabric, runs and resources): a benchmark leaves nothing it made behind, and the next run writes its own change
    records into a change log of the same size (seen: a 100,000-resource delete took 7.4 s instead of 4.6 s with
    1.2 million records of earlier runs in the table, whose eight indexes every record goes into)."""
    from core.models import ObjectChange
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    started = timezone.now()
    try:
        yield
    finally:
        types = list(ContentType.objects.filter(app_label='netbox_hedgehog').values_list('pk', flat=True))
        with connection.cursor() as cursor:  # in SQL: the ORM would load each record to delete it
            cursor.execute(
                f'DELETE FROM {ObjectChange._meta.db_table} WHERE time >= %s AND changed_object_type_id = ANY(%s)',
                [started, types],
            )


# The tables an ingestion and a fabric's deletion write: their dead rows slow the next run's writes and scans.
WRITTEN_TABLES = (
    'netbox_hedgehog_hedgehogresource',
    'netbox_hedgehog_ingestedfile',
    'netbox_hedgehog_ingestionrun',
    'extras_cachedvalue',
    'core_objectchange',
)


def vacuum_without_autovacuum():
    """On a PostgreSQL server with autovacuum off (this machine's is), VACUUM ANALYZE the tables ingestion
    writes, as autovacuum would have done on a NetBox server since the previous run, and say so. Without it
    every earlier run's deleted fabric stays as dead rows that this run's writes and deletes wade through
    (seen: a delete taking 8.5 s instead of 3.5 s)."""
    import time

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute('SHOW autovacuum')
        if cursor.fetchone()[0] == 'on':
            return
        started = time.perf_counter()
        for table in WRITTEN_TABLES:
            cursor.execute(f'VACUUM ANALYZE {table}')  # outside a transaction: the connection autocommits
    print(
        f'autovacuum is off on this server: VACUUM ANALYZE of the written tables first '
        f'({time.perf_counter() - started:.1f} s)'
    )
