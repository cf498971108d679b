"""Crash-safety harness, shared by the tests and benchmarks/bench_crash.py.

An ingestion runs in a forked child that is killed with SIGKILL, either by itself after its Nth
file system operation (the service counts them when HEDGEHOG_TEST_CRASH_AFTER_FS_OPS is set) or
by the parent after a delay. The child opens its own database connection, so a kill behaves like
a worker process dying: its session, and with it the fabric's lock, ends with it.
"""

import hashlib
import os
import signal
import time

from django.db import connections

from netbox_hedgehog.core.plan import make_plan
from netbox_hedgehog.core.plan_model import DocumentAction, FileAction, RawFile
from netbox_hedgehog.models import HedgehogResource
from netbox_hedgehog.services.fileops import CRASH_AFTER_ENV
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.lock import FabricLocked

__all__ = ('end_state', 'ingest_when_unlocked', 'lost_documents', 'run_killed')


def run_killed(fabric, *, after_operations=None, after_seconds=None):
    """Run `ingest(fabric)` in a child killed at the chosen point; True if it was killed before finishing."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            # Forget the parent's connections without closing them: closing would end the parent's session.
            for connection in connections.all(initialized_only=True):
                connection.connection = None
            if after_operations is not None:
                os.environ[CRASH_AFTER_ENV] = str(after_operations)
            ingest(fabric, trigger='crash-test')
            code = 0
        finally:
            os._exit(code)
    if after_seconds is not None:
        time.sleep(after_seconds)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0:
        raise AssertionError(f'the ingestion child failed (exit {os.WEXITSTATUS(status)})')
    return os.WIFSIGNALED(status)


def ingest_when_unlocked(fabric, timeout=10):
    """Re-run after a kill. PostgreSQL ends the killed child's session (and frees its lock) only once
    it notices the closed socket, so "already running" can be the honest answer for a moment."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return ingest(fabric, trigger='crash-test-rerun')
        except FabricLocked:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def lost_documents(tree, inputs):
    """Documents of `inputs` ({raw path: bytes}) found neither in their raw file nor in a durable output.

    A raw file still holding its original bytes keeps all its documents; otherwise each document
    must be in managed/ (an object of ours) or unmanaged/ (a foreign one) with the planned bytes.
    """
    lost = []
    for path, data in inputs.items():
        raw = tree / path
        if raw.exists() and raw.read_bytes() == data:
            continue
        (file_plan,) = make_plan([RawFile(path, data)]).files
        if file_plan.action == FileAction.REJECT:
            lost.append(f'{path} (a rejected file, no longer in raw/ as it was)')
        for document in file_plan.documents:
            if document.action == DocumentAction.DUPLICATE:
                continue
            output = tree / document.target
            if not output.exists() or hashlib.sha256(output.read_bytes()).hexdigest() != document.sha256:
                lost.append(f'{path} document {document.index} ({document.kind} {document.name})')
    return lost


def end_state(fabric, tree):
    """What must be equal after any run that completed: the files of raw/, managed/, unmanaged/ and the index."""
    files = {
        path.relative_to(tree).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in ('raw', 'managed', 'unmanaged')
        for path in sorted((tree / folder).rglob('*'))
        if path.is_file()
    }
    index = sorted(
        HedgehogResource.objects.filter(fabric=fabric).values_list('kind', 'name', 'managed_path', 'sha256', 'spec')
    )
    return files, [(kind, name, path, sha, repr(spec)) for kind, name, path, sha, spec in index]
