"""One ingestion (or restore) per fabric at a time, across processes and machines.

A PostgreSQL session-level advisory lock keyed on the fabric: every NetBox process and RQ worker
shares the database, a second caller is told at once (or, for a job, after waiting), and it goes
away with the connection if the holder dies, so a crash never leaves a fabric locked.
"""

import time
from contextlib import contextmanager

from django.db import connection

__all__ = ('FabricLocked', 'fabric_lock', 'lock_holder')

# First key of the two-int advisory lock space: ours, so fabric ids never collide with other users'.
LOCK_NAMESPACE = 0x48_4E_50  # 'HNP'
POLL_SECONDS = 0.2


class FabricLocked(Exception):
    """Another process holds the fabric's lock."""

    def __init__(self, fabric, operation='ingestion'):
        super().__init__(f'{operation} of fabric {fabric.name!r} is already running; try again when it has finished')
        self.fabric = fabric


@contextmanager
def fabric_lock(fabric, operation='ingestion', wait=0):
    """Hold the fabric's lock for the block; raise FabricLocked at once, or after `wait` seconds of trying.

    Waiting is for background jobs: two workers asked to ingest the same fabric run one after the
    other instead of one failing. It polls rather than blocking in pg_advisory_lock, so the wait is
    bounded without touching the session's lock_timeout.
    """
    deadline = time.monotonic() + wait
    while not _try_lock(fabric):
        if time.monotonic() >= deadline:
            raise FabricLocked(fabric, operation)
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute('SELECT pg_advisory_unlock(%s, %s)', [LOCK_NAMESPACE, fabric.pk])


def _try_lock(fabric):
    with connection.cursor() as cursor:
        cursor.execute('SELECT pg_try_advisory_lock(%s, %s)', [LOCK_NAMESPACE, fabric.pk])
        return cursor.fetchone()[0]


def lock_holder(fabric):
    """Who holds the fabric's lock, as health records it ('database session <pid> (connected <when>)'), or None.

    The session's start tells a session apart from a later one that got the same pid: the failure patterns
    compare holders across health checks (HEALTH_PATTERN_LOCK_HELD).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT locks.pid, activity.backend_start FROM pg_locks locks '
            'LEFT JOIN pg_stat_activity activity ON activity.pid = locks.pid '
            "WHERE locks.locktype = 'advisory' AND locks.classid = %s AND locks.objid = %s "
            'AND locks.objsubid = 2 AND locks.granted '
            'AND locks.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1',
            [LOCK_NAMESPACE, fabric.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    pid, started = row
    return f'database session {pid}' + (f' (connected {started:%Y-%m-%d %H:%M:%S %Z})' if started else '')
