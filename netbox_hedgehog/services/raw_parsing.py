"""The raw files of a large plan parsed on two cores: half of them in a forked child, half in this process.

Parsing is most of the plan's first step and needs nothing but each file's bytes (core.yaml_reader's
`read_documents` is pure), while the other core is idle until the plan is made: the output writer and
the database only start after it. So the child parses the files of the second half (by bytes) and sends
each file's result back pickled, through a pipe that this process drains between its own files, so no
more than a few files' results wait in memory. The plan is the same either way: a file the child did not
send (the child was killed, or failed) is simply parsed by the plan itself.
"""

import fcntl
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


def parse_in_parallel(raw_files, max_bytes):
    """{path: ReadResult} of `raw_files` (RawFile), or of none when they are too few to be worth a fork or
    another thread runs in this process; the plan parses whatever is missing."""
    total = sum(len(raw.data) for raw in raw_files)
    if total < PARALLEL_MIN_BYTES or other_threads():
        return {}
    mine, theirs, seen = [], [], 0
    for raw in raw_files:
        (mine if seen < total / 2 else theirs).append(raw)
        seen += len(raw.data)
    reading, writing = os.pipe()
    with suppress(OSError):  # a larger pipe is an optimisation, refused above the system's maximum
        fcntl.fcntl(writing, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(reading)
        _parse_in_child(theirs, max_bytes, writing, parent)
    os.close(writing)
    received = _Received(reading)
    results = {}
    try:
        for raw in mine:
            results[raw.path] = read_documents(raw.data, raw.path, max_bytes=max_bytes)
            results.update(received.available())
        results.update(received.rest())
    finally:
        os.close(reading)
        os.waitpid(pid, 0)
    return results


def _parse_in_child(raw_files, max_bytes, pipe, parent):
    """Parse, send each result as (length, pickle), and leave with os._exit (nothing of the parent runs here)."""
    code = 1
    try:
        for raw in raw_files:
            if os.getppid() != parent:
                return  # the parent is gone: nobody reads
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
