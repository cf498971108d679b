"""The system calls a `Tree` (access.py) is made of: on a folder's descriptor and one plain name at a time,
never following a link, and raising their errors with the tree-relative path."""

import errno
import os
import stat
from contextlib import contextmanager, suppress

__all__ = ('LinkRefused', 'NotRegularFile')

FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class LinkRefused(OSError):
    """A symbolic link where the tree needs a file or folder: refused, never followed. `filename` is the
    path relative to the tree (relative to gitops_root for a link above the tree)."""

    def __init__(self, relative):
        super().__init__(errno.ELOOP, 'symbolic link refused', relative)


class NotRegularFile(OSError):
    """Something other than a regular file (a folder, a FIFO, a device) where a file is read."""

    def __init__(self, relative):
        super().__init__(errno.EINVAL, 'not a regular file', relative)


@contextmanager
def named(relative):
    """OSErrors leave with the tree-relative path as their filename (the OS gave only the last name)."""
    try:
        yield
    except LinkRefused:
        raise
    except OSError as exc:
        if exc.errno is not None:  # the OS's own error (one raised by Python code keeps its words)
            exc.filename, exc.filename2 = relative, None
        raise


def renamed(exc, relative):
    """`exc` naming the tree-relative path (the OS gave only the last name)."""
    exc.filename, exc.filename2 = relative, None
    return exc


def write_whole(descriptor, data, mtime_ns=None):
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]
    if mtime_ns is not None:
        os.utime(descriptor, ns=(mtime_ns, mtime_ns))


def split(relative):
    folder, _, name = relative.rpartition('/')
    return folder, name


def open_folder(parent, name, relative, create):
    """Open the folder `name` in `parent` without following a link; make it first with `create`."""
    for attempt in (1, 2):
        try:
            return os.open(name, FOLDER, dir_fd=parent)
        except FileNotFoundError:
            if not create or attempt == 2:
                exc = FileNotFoundError(errno.ENOENT, 'No such file or directory', relative)
                raise exc from None
            with suppress(FileExistsError):
                os.mkdir(name, dir_fd=parent)
        except OSError as exc:
            # O_DIRECTORY|O_NOFOLLOW on a link gives ENOTDIR (or ELOOP): which one is it?
            if exc.errno in (errno.ENOTDIR, errno.ELOOP) and is_link(parent, name):
                raise LinkRefused(relative) from None
            exc.filename, exc.filename2 = relative, None
            raise
    raise AssertionError('unreachable')


def is_link(parent, name):
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
    except OSError:
        return False


def read_all(descriptor, size, relative):
    """The file's bytes in one read when its size is still `size` (a regular file reads short only at its end),
    more reads when it grew meanwhile."""
    try:
        data = os.read(descriptor, size + 1)
        if len(data) <= size:
            return data
        chunks = [data]
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
        return b''.join(chunks)
    except OSError as exc:
        raise renamed(exc, relative) from None
