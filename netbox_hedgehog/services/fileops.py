"""Every change an ingestion makes to the disk, and the writing of a run's output files beside its index work.

The operations are counted, so crash tests can stop the process between any two of them
(`CRASH_AFTER_ENV`, read only when set). Output files are written atomically: a file without a name,
named once whole (or, over a file already there, a temporary file beside the target, then a rename); one
`os.sync()` after the last makes the whole run durable. Every operation goes through the run's
`treefs.Tree`, so none follows a symbolic link.

A file that cannot be written (a full disk, an immutable folder or file, any OSError) is that file's
failure, not the run's: the writer leaves no temporary file of it behind, goes on with the others and
reports it by path and errno (`writing` yields the map), also from the forked child, through its report.
"""

import os
import pickle
import signal
import threading
import uuid
from contextlib import contextmanager, suppress

from netbox_hedgehog.services.forking import other_threads

__all__ = ('CRASH_AFTER_ENV', 'TEMPORARY_SUFFIX', 'FileOperations', 'writing')

# Crash-safety tests only: kill the ingesting process (SIGKILL) after that many file system operations.
CRASH_AFTER_ENV = 'HEDGEHOG_TEST_CRASH_AFTER_FS_OPS'
TEMPORARY_SUFFIX = '.hnp-tmp'
TEMPORARY_NAME_PREFIX = 100  # characters of the target's name in its temporary's name
PROGRESS_REPORTS = 10  # a forked writer reports about every tenth of its files
# Forking a NetBox process costs about 25 ms (its page tables), as much as writing 500 files: a run
# writing fewer than this writes them in place.
FORK_MIN_FILES = 1000


class FileOperations:
    """The counted file system operations of one run, on the tree `tree` (a treefs.Tree): paths are
    relative to it, and no operation follows a symbolic link (treefs refuses them)."""

    def __init__(self, tree):
        self.tree = tree
        crash_after = os.environ.get(CRASH_AFTER_ENV)
        self.crash_after = int(crash_after) if crash_after else None
        self.count = 0
        self.counting = threading.Lock()  # operations may run in several threads
        self.process = os.getpid()  # the ingesting process, which a crash test kills
        # Names this run's temporary files; O_EXCL still refuses any name that exists.
        self.token = uuid.uuid4().hex

    def _done(self):
        with self.counting:
            self.count += 1
            if self.crash_after is not None and self.count >= self.crash_after:
                if os.getpid() != self.process:  # the forked writer: the ingestion dies with it
                    os.kill(self.process, signal.SIGKILL)
                os.kill(os.getpid(), signal.SIGKILL)

    def write_atomically(self, path, content, mtime_ns):
        """`path` (tree-relative) holds `content`, modified at `mtime_ns`, whole or not at all: written without a
        name, then named `path`; a `path` taken already (an update), or a file system without nameless files,
        gets it through a temporary name beside it, renamed over it."""
        folder, _, name = path.rpartition('/')
        # The start of the name tells a person what a stale temporary was; all of it might not fit.
        temporary = f'{folder}/.{name[:TEMPORARY_NAME_PREFIX]}.{self.token}{TEMPORARY_SUFFIX}'
        with self.tree.nameless_file(path, content, mtime_ns=mtime_ns) as nameless:
            if nameless is None:
                self.tree.write_new(temporary, content, mtime_ns=mtime_ns)
            self._done()
            if nameless is not None:
                try:
                    self.tree.name_file(nameless, path)
                    self._done()
                    return
                except FileExistsError:  # an update: named beside the old file, then renamed over it
                    self.tree.name_file(nameless, temporary)
        try:
            self.tree.replace(temporary, path)
        except BaseException:
            with suppress(OSError):
                self.tree.unlink(temporary)
            raise
        self._done()

    def remove_stale_temporaries(self, folders):
        """Temporary files of a run that was killed before renaming them: ours, never a user's, so removed."""
        for folder in folders:
            if not self.tree.is_folder(folder):
                continue
            for path, entry in list(self.tree.walk(folder)):
                name = entry.name
                if name.startswith('.') and name.endswith(TEMPORARY_SUFFIX) and not entry.is_dir(follow_symlinks=False):
                    with suppress(OSError):  # one that cannot go is harmless: hidden, never ingested
                        self.unlink(path)

    def unlink(self, path):
        self.tree.unlink(path, missing_ok=True)
        self._done()

    def creation_error(self, folder):
        """The OSError when `folder` (tree-relative) cannot take a new file now, else None (a file is created
        and removed again at once; not counted: only a run that already saw a write fail asks)."""
        probe = f'{folder}/.probe.{self.token}{TEMPORARY_SUFFIX}'
        try:
            self.tree.write_new(probe, b'')
        except OSError as exc:
            return exc
        with suppress(OSError):
            self.tree.unlink(probe)
        return None

    def append(self, path, text):
        self.tree.append(path, text.encode())
        self._done()


@contextmanager
def writing(operations, files, mtime_ns, progress):
    """Write `files` ([(tree-relative path, content)]) and make them durable (`os.sync()`) by the end of the block.

    Yields a dict that holds, once the block is over, {path: OSError} of each file that could not be
    written (the others are written and durable); an error other than OSError is raised.

    Creating ten thousand files is system calls, and so is the barrier: while the block runs (the
    index's work, Python and database) a forked child does them on the other core. A thread would
    not: it waits for the interpreter's lock behind the block's Python code. A few files, or a
    process running other threads, are written before the block instead: a fork costs more than a
    few files, and in a threaded process it copies the locks other threads hold without the threads
    that would release them.

    The writer's exception is raised at the end of the block; an exception of the block waits for the
    writer first, so nothing is written once the caller has moved on. `progress(step, done, total)`
    is called in this process.
    """
    failed = {}
    if len(files) < FORK_MIN_FILES or other_threads():
        for done in _write_all(operations, files, mtime_ns, failed):
            progress('write', done, len(files))
        yield failed
        return
    reading, writing_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the writer: never returns
        os.close(reading)
        _write_in_child(operations, files, mtime_ns, writing_end)
    os.close(writing_end)
    try:
        yield failed
    finally:
        report = _read_all(reading)
        os.waitpid(pid, 0)
    _replay(report, operations, len(files), progress, failed)


def _write_all(operations, files, mtime_ns, failed):
    """Write the files in turn, yielding how many are done after each; then the barrier. A file that cannot
    be written goes into `failed` ({path: OSError}) and the others are still written."""
    for number, (path, content) in enumerate(files, start=1):
        try:
            operations.write_atomically(path, content, mtime_ns)
        except OSError as exc:
            failed[path] = exc
        yield number
    os.sync()


def _write_in_child(operations, files, mtime_ns, pipe):
    """Write, sync, report through `pipe`, and leave with os._exit (nothing of the parent's runs here)."""
    parent, code = operations.process, 1
    step = max(len(files) // PROGRESS_REPORTS, 1)
    # A failed file crosses the pipe as (path, errno): an OSError's own attributes may not pickle.
    report = {'done': [], 'count': None, 'error': None, 'failed': []}
    failed = {}
    try:
        for done in _write_all(operations, files, mtime_ns, failed):
            if os.getppid() != parent:
                return  # the ingestion died (killed): stop, as a thread would have died with it
            if done % step == 0 or done == len(files):
                report['done'].append(done)
        report['count'] = operations.count
        report['failed'] = [(path, exc.errno) for path, exc in failed.items()]
        code = 0
    except BaseException as exc:
        report['error'] = _picklable(exc)
    finally:
        with suppress(BaseException):
            data = pickle.dumps(report)
            while data:
                data = data[os.write(pipe, data) :]
        os._exit(code)


def _picklable(exc):
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f'{type(exc).__name__}: {exc}')


def _read_all(descriptor):
    chunks = []
    with os.fdopen(descriptor, 'rb') as pipe:
        while chunk := pipe.read():
            chunks.append(chunk)
    return b''.join(chunks)


def _replay(data, operations, total, progress, failed):
    """The writer's report, in this process: its progress, its count of operations and the files it could not
    write (into `failed`), or its error."""
    if not data:
        raise OSError('the process writing the output files stopped before it finished')
    report = pickle.loads(data)
    for done in report['done']:
        progress('write', done, total)
    if report['error'] is not None:
        raise report['error']
    operations.count = report['count']
    for path, code in report['failed']:
        failed[path] = OSError(code, os.strerror(code) if code else 'the file could not be written', path)
