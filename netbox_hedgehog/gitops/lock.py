"""One ingestion (or restore) per fabric at a time, across processes and machines.

A PostgreSQL session-level advisory lock keyed on the fabric: every NetBox process and RQ worker
shares the database, the lock is never waited for (a second caller is told at once), and it goes
away with the connection if the holder dies, so a crash never leaves a fabric locked.
"""

from contextlib import contextmanager

from django.db import connection

__all__ = ('FabricLocked', 'fabric_lock')

# First key of the two-int advisory lock space: ours, so fabric ids never collide with other users'.
LOCK_NAMESPACE = 0x48_4E_50  # 'HNP'


class FabricLocked(Exception):
    """Another process holds the fabric's lock."""

    def __init__(self, fabric, operation='ingestion'):
        super().__init__(f'{operation} of fabric {fabric.name!r} is already running; try again when it has finished')
        self.fabric = fabric


@contextmanager
def fabric_lock(fabric, operation='ingestion'):
    """Hold the fabric's lock for the block, or raise FabricLocked at once."""
    with connection.cursor() as cursor:
        cursor.execute('SELECT pg_try_advisory_lock(%s, %s)', [LOCK_NAMESPACE, fabric.pk])
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise FabricLocked(fabric, operation)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute('SELECT pg_advisory_unlock(%s, %s)', [LOCK_NAMESPACE, fabric.pk])


def is_locked(fabric):
    """True while any session holds the fabric's lock (for health and restore)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s "
            'AND objsubid = 2 AND granted '
            'AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))',
            [LOCK_NAMESPACE, fabric.pk],
        )
        return cursor.fetchone()[0]
