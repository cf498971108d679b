"""The raw files of a large plan parsed on two cores: half of them in a forked child, half in this process.

Parsing is most of the plan's first step and needs nothing but each file's bytes (core.yaml_reader's
`read_documents` is pure), while the other core is idle until the plan is made: the output writer and
the database only start after it. So the child parses files too and sends each file's result back
pickled, through a pipe that this process drains between its own files, so no more than a few files'
results wait in memory. This process takes the files from the front of the list, the child from the back,
until they meet (`_Claims`): a fixed half would leave one of them waiting for the other, as sending and
receiving a result costs each side differently. The plan is the same either way: a file the child did not
send (the child was killed, or failed) is simply parsed by the plan itself.
"""

import fcntl
import mmap
import multiprocessing
import os
import pickle
import struct
from contextlib import suppress

from netbox_hedgehog.core.yaml_reader import read_documents
from netbox_hedgehog.services.forking import other_threads

__all__ = ('PARALLEL_MIN_BYTES', 'parse_in_parallel')

# Below this many bytes a fork (about 25 ms for a NetBox process) costs more than parsing half of them.
PARALLEL_MIN_BYTES = 2 << 20
PIPE_BYTES = 1 << 20  # a larger pipe lets the child run a few files ahead of this process
_LENGTH = struct.Struct('!Q')
_COUNTERS = struct.Struct('qq')  # the next file from the front, the end of the files nobody has claimed


def parse_in_parallel(raw_files, max_bytes):
    """{path: ReadResult} of `raw_files` (RawFile), or of none when they are too few to be worth a fork or
    another thread runs in this process; the plan parses whatever is missing."""
    total = sum(len(raw.data) for raw in raw_files)
    if total < PARALLEL_MIN_BYTES or other_threads():
        return {}
    claims = _Claims(len(raw_files))
    reading, writing = os.pipe()
    with suppress(OSError):  # a larger pipe is an optimisation, refused above the system's maximum
        fcntl.fcntl(writing, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(reading)
        _parse_in_child(raw_files, claims, max_bytes, writing, parent)
    os.close(writing)
    received = _Received(reading)
    results = {}
    try:
        while (index := claims.first()) is not None:
            raw = raw_files[index]
            results[raw.path] = read_documents(raw.data, raw.path, max_bytes=max_bytes)
            results.update(received.available())
        results.update(received.rest())
    finally:
        os.close(reading)
        os.waitpid(pid, 0)
    return results


class _Claims:
    """Which files each process parses: `first()` claims the first file nobody has (this process), `last()`
    the last one (the child), None once they meet. Two counters in memory both processes share, under a lock
    (a semaphore, made before the fork)."""

    def __init__(self, count):
        self.lock = multiprocessing.get_context('fork').Lock()
        self.counters = mmap.mmap(-1, _COUNTERS.size)  # anonymous and shared: the child sees this very memory
        _COUNTERS.pack_into(self.counters, 0, 0, count)

    def first(self):
        with self.lock:
            front, back = _COUNTERS.unpack_from(self.counters)
            if front >= back:
                return None
            _COUNTERS.pack_into(self.counters, 0, front + 1, back)
            return front

    def last(self):
        with self.lock:
            front, back = _COUNTERS.unpack_from(self.counters)
            if front >= back:
                return None
            _COUNTERS.pack_into(self.counters, 0, front, back - 1)
            return back - 1


def _parse_in_child(raw_files, claims, max_bytes, pipe, parent):
    """Parse the files claimed from the back, send each result as (length, pickle), and leave with os._exit
    (nothing of the parent runs here)."""
    code = 1
    try:
        while (index := claims.last()) is not None:
            if os.getppid() != parent:
                return  # the parent is gone: nobody reads
            raw = raw_files[index]
            frame = pickle.dumps((raw.path, read_documents(raw.data, raw.path, max_bytes=max_bytes)), protocol=5)
            data = memoryview(_LENGTH.pack(len(frame)) + frame)
            while data:
                data = data[os.write(pipe, data) :]
        code = 0
    finally:
        os._exit(code)


class _Received:
    """The child's results as they arrive: whole frames only, so a child killed mid-frame loses just that file."""

    def __init__(self, descriptor):
        self.descriptor = descriptor
        self.buffer = bytearray()
        os.set_blocking(descriptor, False)

    def available(self):
        """The results that have arrived: without waiting, or, once `rest` made the pipe blocking, all of them."""
        with suppress(BlockingIOError):
            while chunk := os.read(self.descriptor, PIPE_BYTES):
                self.buffer += chunk
        return self._frames()

    def rest(self):
        """Every result still to come, waiting for the child to finish or stop."""
        os.set_blocking(self.descriptor, True)
        return self.available()

    def _frames(self):
        results, start = {}, 0
        while len(self.buffer) - start >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(self.buffer, start)
            end = start + _LENGTH.size + length
            if end > len(self.buffer):
                break
            path, result = pickle.loads(self.buffer[start + _LENGTH.size : end])
            results[path] = result
            start = end
        del self.buffer[:start]
        return results
