"""Kubernetes probes: is this process alive, and can this NetBox do its work now?

Liveness is answered by the process alone (the API view touches no database, Redis or disk).

Readiness checks what every request and job of the plugin needs, and nothing more:
- the database: one `SELECT 1`;
- Redis: a PING to the task queue's server (jobs) and to the cache's server (every request);
- gitops_root: a folder NetBox may write in (one stat and one access() call).
No fabric is looked at: no tree walk, no git, no content. A fabric's content problems are health
findings (the scheduled health job records them), never a reason to take NetBox out of service.

Probes come often and from anyone, so one answer serves every caller for `FRESH_SECONDS`, and one
thread at a time checks: while it does, others answer with the previous result (up to
`STALE_SECONDS` old; without one they wait for that check, up to `WAIT_SECONDS`, then unready).
Whatever the number of callers, a process runs at most one check per second and holds at most one
database connection for it, closed again if the check opened it (a thread-per-request server would
otherwise keep one per thread for CONN_MAX_AGE).
"""

import logging
import os
import stat
import threading
import time

import django_rq
from django.db import connection
from django_redis import get_redis_connection
from redis.backoff import NoBackoff
from redis.retry import Retry

from netbox_hedgehog.models.fabric import gitops_root

__all__ = ('FRESH_SECONDS', 'STALE_SECONDS', 'ReadinessCheck', 'check_once', 'readiness')

logger = logging.getLogger('netbox_hedgehog.probes')

FRESH_SECONDS = 1.0
STALE_SECONDS = 10.0
# How long a caller with no recent answer waits for the check another thread is running.
WAIT_SECONDS = 5.0
# A Redis server that accepts no connection must not hold a probe for long.
REDIS_TIMEOUT_SECONDS = 2.0


def check_database():
    """One trivial query; the connection is closed again when this check had to open it."""
    opened_here = connection.connection is None
    try:
        with connection.cursor() as cursor:
            cursor.execute('SELECT 1')
            cursor.fetchone()
    finally:
        if opened_here:
            connection.close()


def check_redis():
    """PING the task queue's Redis (a client of its own, closed after) and the cache's Redis (NetBox's pool)."""
    tasks = django_rq.get_connection('default')
    # No retries with back-off: the next probe is the retry.
    tasks.connection_pool.connection_kwargs.update(
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 0)
    )
    try:
        tasks.ping()
    finally:
        tasks.close()
    get_redis_connection('default').ping()


def check_gitops_root():
    """gitops_root is a folder this process may create files in: no listing, no walk."""
    root = gitops_root()
    if not stat.S_ISDIR(os.stat(root).st_mode):
        raise NotADirectoryError(f'gitops_root {root} is not a folder')
    if not os.access(root, os.W_OK | os.X_OK):
        raise PermissionError(f'gitops_root {root} is not writable by NetBox')


CHECKS = (('database', check_database), ('redis', check_redis), ('gitops_root', check_gitops_root))


def check_once():
    """Run every check now: (ready, name of the first failed check or None, its exception or None)."""
    for name, check in CHECKS:
        try:
            check()
        except Exception as exc:  # any failure means unready; what failed goes to the log, never the answer
            return False, name, exc
    return True, None, None


class ReadinessCheck:
    """The readiness answer, shared by all threads of the process (see the module docstring)."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.checking = threading.Lock()
        self.last = None  # (ready, when) of the latest finished check

    def clear(self):
        self.last = None

    def ready(self):
        last = self.last
        if self._within(last, FRESH_SECONDS):
            return last[0]
        if not self.checking.acquire(blocking=False):
            # Another thread is checking right now: its previous answer stands while it is recent; with
            # none (the first check, or after a quiet spell), wait for the one under way.
            if self._within(last, STALE_SECONDS):
                return last[0]
            if not self.checking.acquire(timeout=WAIT_SECONDS):
                return False
        try:
            last = self.last
            if self._within(last, FRESH_SECONDS):  # checked while this thread waited
                return last[0]
            ready, failed, exc = check_once()
            if not ready and (last is None or last[0]):
                logger.warning('event=unready check=%s error=%s: %s', failed, type(exc).__name__, exc)
            elif ready and last is not None and not last[0]:
                logger.info('event=ready')
            self.last = (ready, self.clock())
            return ready
        finally:
            self.checking.release()

    def _within(self, answer, seconds):
        return answer is not None and self.clock() - answer[1] < seconds


readiness = ReadinessCheck()
