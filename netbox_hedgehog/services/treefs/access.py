"""`Tree`: a fabric's tree through folder descriptors, following no link (see the package's docstring)."""

import errno
import os
import stat
import threading
from contextlib import contextmanager, suppress

from netbox_hedgehog.services.treefs.calls import (
    LinkRefused,
    NotRegularFile,
    named,
    open_folder,
    read_all,
    renamed,
    split,
    write_whole,
)

__all__ = ('LinkRefused', 'NotRegularFile', 'Tree', 'open_tree')

# O_NONBLOCK: opening a FIFO someone left in the tree must not hang the process; regular files ignore it.
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_APPEND = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
# A file without a name (O_TMPFILE), named once whole by a link through /proc (open(2) shows how): a crash
# leaves no temporary behind, and the kernel does a third less than for a temporary name renamed.
_NAMELESS = hasattr(os, 'O_TMPFILE') and os.path.isdir('/proc/self/fd')
# What O_TMPFILE fails with where the file system (or an old kernel) makes no nameless file.
_NO_NAMELESS = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL}


class Tree:
    """A fabric's tree at `<root>/<path>`, with its folders' descriptors cached; close it (or use `with`).

    Paths given to methods are relative to the tree, '/'-separated, without '.' or '..' parts: they come
    from the layout, from listings, or from the index (checked by `_check` before use).
    """

    def __init__(self, root, path):
        self.root = os.fspath(root)
        self.path = path
        self._folders = {}
        self._opening = threading.Lock()  # several threads may ask for the same folder (parallel removals)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        folders, self._folders = self._folders, {}
        for descriptor in folders.values():
            os.close(descriptor)

    # --- folders ----------------------------------------------------------------------------------

    def folder(self, relative='', *, create=False):
        """The descriptor of the folder `relative` ('' is the tree). With `create`, missing folders are made."""
        descriptor = self._folders.get(relative)
        if descriptor is not None:
            return descriptor
        with self._opening:
            return self._open(relative, create)

    def _parent(self, relative):
        """(descriptor of the folder holding `relative`, its last name): the hot path of every operation."""
        folder, _, name = relative.rpartition('/')
        descriptor = self._folders.get(folder)
        return (self.folder(folder) if descriptor is None else descriptor), name

    def _open(self, relative, create):
        descriptor = self._folders.get(relative)
        if descriptor is not None:
            return descriptor
        if relative == '':
            descriptor = self._open_tree(create)
        else:
            self._check(relative)
            parent, name = split(relative)
            descriptor = open_folder(self._open(parent, create), name, relative, create)
        self._folders[relative] = descriptor
        return descriptor

    def _open_tree(self, create):
        with named(self.path):
            descriptor = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            walked = []
            for part in self.path.split('/') if self.path else ():
                walked.append(part)
                # Above the tree, a refusal names the path from gitops_root: there is no tree to be relative to.
                descriptor, parent = open_folder(descriptor, part, '/'.join(walked), create), descriptor
                os.close(parent)
        except BaseException:
            os.close(descriptor)
            raise
        return descriptor

    def forget(self, relative):
        """Close the cached descriptor of `relative` and of the folders below it (it was moved or removed)."""
        for key in [key for key in self._folders if key == relative or key.startswith(f'{relative}/')]:
            os.close(self._folders.pop(key))

    def exists(self):
        """True when the tree's folder is there (a link on the way to it still raises LinkRefused)."""
        try:
            self.folder()
        except (FileNotFoundError, NotADirectoryError):
            return False
        return True

    # --- looking ----------------------------------------------------------------------------------

    def lstat(self, relative):
        """The entry's own stat (a link's, not its target's). FileNotFoundError when it is not there."""
        parent, name = self._parent(relative)
        try:
            return os.stat(name, dir_fd=parent, follow_symlinks=False)
        except OSError as exc:
            raise renamed(exc, relative) from None

    def lstat_or_none(self, relative):
        try:
            return self.lstat(relative)
        except (FileNotFoundError, NotADirectoryError):
            return None

    def is_link(self, relative):
        found = self.lstat_or_none(relative)
        return found is not None and stat.S_ISLNK(found.st_mode)

    def is_folder(self, relative):
        """True for a real folder (a link to one is not)."""
        if not relative:
            return self.exists()
        found = self.lstat_or_none(relative)
        return found is not None and stat.S_ISDIR(found.st_mode)

    def scandir(self, relative=''):
        """The entries of a folder (os.DirEntry: `is_dir(follow_symlinks=False)`, `is_symlink()`, ...)."""
        with named(relative), os.scandir(self.folder(relative)) as entries:
            return list(entries)

    def names(self, relative=''):
        """The names in a folder: a large folder's at a fraction of `scandir`'s cost."""
        with named(relative):
            return os.listdir(self.folder(relative))

    def walk(self, relative, skip=()):
        """(tree-relative path, DirEntry) of every entry below `relative`, depth first; descends into real
        folders only (a link to a folder is an entry, never entered), and not into the folders `skip`
        (neither they nor their entries are given)."""
        pending = [relative]
        while pending:
            folder = pending.pop()
            for entry in self.scandir(folder):
                path = f'{folder}/{entry.name}' if folder else entry.name
                if path in skip:
                    continue
                yield path, entry
                if entry.is_dir(follow_symlinks=False):
                    pending.append(path)

    # --- reading ----------------------------------------------------------------------------------

    def open_file(self, relative):
        """A read descriptor of the regular file `relative` and its fstat; LinkRefused for a link."""
        parent, name = self._parent(relative)
        try:
            descriptor = os.open(name, _READ, dir_fd=parent)
        except OSError as exc:
            raise (LinkRefused(relative) if exc.errno == errno.ELOOP else renamed(exc, relative)) from None
        try:
            found = os.fstat(descriptor)
            if not stat.S_ISREG(found.st_mode):
                raise NotRegularFile(relative)
        except BaseException:
            os.close(descriptor)
            raise
        return descriptor, found

    def read(self, relative):
        """The bytes of the regular file `relative`."""
        descriptor, found = self.open_file(relative)
        try:
            return read_all(descriptor, found.st_size, relative)
        finally:
            os.close(descriptor)

    def holds(self, relative, data):
        """Whether the regular file `relative` holds exactly `data` (False when there is no file there): read
        no further than `data`'s length, so a large file that differs costs one stat."""
        try:
            descriptor, found = self.open_file(relative)
        except (FileNotFoundError, NotADirectoryError):
            return False
        try:
            return found.st_size == len(data) and os.read(descriptor, len(data) + 1) == data
        finally:
            os.close(descriptor)

    def read_with_stat(self, relative):
        """(bytes, stat before reading, stat after reading) of a regular file: a change while it was read
        shows as two different stats."""
        descriptor, before = self.open_file(relative)
        try:
            return read_all(descriptor, before.st_size, relative), before, os.fstat(descriptor)
        finally:
            os.close(descriptor)

    # --- writing ----------------------------------------------------------------------------------

    def write_new(self, relative, data, *, mtime_ns=None, fsync=False, mode=0o644):
        """Create `relative` holding `data`; FileExistsError when the name is taken (by anything, a link too)."""
        folder, name = split(relative)
        with named(relative):
            descriptor = os.open(name, _NEW, mode, dir_fd=self.folder(folder))
            try:
                write_whole(descriptor, data, mtime_ns)
                if fsync:
                    os.fsync(descriptor)
            except BaseException:
                os.close(descriptor)
                with suppress(FileNotFoundError):
                    os.unlink(name, dir_fd=self.folder(folder))
                raise
            os.close(descriptor)

    @contextmanager
    def nameless_file(self, relative, data, *, mtime_ns=None):
        """A file without a name in `relative`'s folder, holding `data`, until `name_file` names it (`relative`
        or another name): its descriptor, closed at the end of the block, when the file is gone unless named.
        None where the file system makes no such file (the caller writes under a temporary name instead)."""
        descriptor = None
        if _NAMELESS:
            folder, _ = split(relative)
            with named(relative):
                try:
                    descriptor = os.open(
                        '.', os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o644, dir_fd=self.folder(folder)
                    )
                except OSError as exc:
                    if exc.errno not in _NO_NAMELESS:
                        raise
        if descriptor is None:
            yield None
            return
        try:
            with named(relative):
                write_whole(descriptor, data, mtime_ns)
            yield descriptor
        finally:
            os.close(descriptor)

    def name_file(self, descriptor, relative):
        """Give the nameless file `descriptor` (nameless_file) the name `relative`; FileExistsError when taken
        (by anything, a link too: the new name is never followed)."""
        folder, name = split(relative)
        with named(relative):
            os.link(f'/proc/self/fd/{descriptor}', name, dst_dir_fd=self.folder(folder), follow_symlinks=True)

    def append(self, relative, data):
        """Append `data` to `relative` (created when missing) and fsync it; LinkRefused for a link."""
        folder, name = split(relative)
        parent = self.folder(folder)
        with named(relative):
            try:
                descriptor = os.open(name, _APPEND, 0o644, dir_fd=parent)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise LinkRefused(relative) from None
                raise
            try:
                if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                    raise NotRegularFile(relative)
                view = memoryview(data)
                while view:
                    view = view[os.write(descriptor, view) :]
                os.fsync(descriptor)
            finally:
                os.close(descriptor)

    def replace(self, source, target):
        """Rename `source` over `target` (both in the tree): the names themselves, never a link's target."""
        self._two_names(os.replace, source, target)

    def move_new(self, source, target):
        """Move `source` to `target` without ever overwriting: a hard link under the new name (which fails
        when it is taken), then the old name removed. A crash in between leaves two names, never none. A link
        is moved as itself (the link, not what it points at)."""
        self.link(source, target)
        self.unlink(source)

    def link(self, source, target):
        """A second name `target` for `source` (FileExistsError when taken); a link gets linked as itself."""
        self._two_names(os.link, source, target, follow_symlinks=False)

    def _two_names(self, call, source, target, **options):
        """`call` (os.replace, os.link) from the name `source` to the name `target`, each given relative to its
        folder's descriptor; an OSError names `target`."""
        (source_folder, source_name), (target_folder, target_name) = split(source), split(target)
        with named(target):
            call(
                source_name,
                target_name,
                src_dir_fd=self.folder(source_folder),
                dst_dir_fd=self.folder(target_folder),
                **options,
            )

    def unlink(self, relative, *, missing_ok=False):
        """Remove the file (or link: the link itself) `relative`."""
        folder, name = split(relative)
        with named(relative):
            try:
                os.unlink(name, dir_fd=self.folder(folder))
            except FileNotFoundError:
                if not missing_ok:
                    raise

    def mkdir(self, relative, mode=0o777):
        folder, name = split(relative)
        with named(relative):
            os.mkdir(name, mode, dir_fd=self.folder(folder))

    def rmdir(self, relative):
        folder, name = split(relative)
        self.forget(relative)
        with named(relative):
            os.rmdir(name, dir_fd=self.folder(folder))

    def fsync_folder(self, relative=''):
        with named(relative):
            os.fsync(self.folder(relative))

    # --- helpers ----------------------------------------------------------------------------------

    @staticmethod
    def _check(relative):
        if relative.startswith('/') or any(part in ('', '.', '..') for part in relative.split('/')):
            raise ValueError(f'{relative!r} is not a plain path inside the tree')


def open_tree(root, path):
    """A `Tree` for `<root>/<path>` (nothing is opened until first used)."""
    return Tree(root, path)
