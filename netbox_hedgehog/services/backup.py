"""Backup and restore of a fabric's tree.

`backup` writes the tree to `<folder>/<fabric>/<fabric>-<UTC time>.tar.gz` with a `.sha256`
file beside it (`sha256sum -c` reads it). `restore` verifies that checksum, unpacks the archive
next to the tree, backs the current tree up, swaps the two directories in one rename
(`renameat2(RENAME_EXCHANGE)`; two renames where the file system lacks it), removes the old tree
(now safe in its backup) and re-indexes. Backup and restore hold the fabric's lock, so neither
runs during an ingestion, and both refuse a tree that holds a link.
"""

import ctypes
import errno
import hashlib
import os
import re
import shutil
import stat
import tarfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from netbox.plugins import get_plugin_config

from netbox_hedgehog.core.tree import ManifestError, TreeLayout, read_manifest
from netbox_hedgehog.services.lock import fabric_lock
from netbox_hedgehog.services.reindex import reindex
from netbox_hedgehog.services.treefs import LinkRefused, find_links, link_message

__all__ = ('BackupError', 'BackupResult', 'RestoreError', 'RestoreResult', 'backup', 'restore')

PLUGIN = 'netbox_hedgehog'

# --- backup -------------------------------------------------------------------------------------


class BackupError(Exception):
    """No backup was written (no folder configured, no tree, a file system failure)."""


@dataclass(frozen=True)
class BackupResult:
    archive: Path
    sha256: str
    size: int
    members: int

    def as_dict(self):
        return {'archive': str(self.archive), 'sha256': self.sha256, 'size': self.size, 'members': self.members}


def backup(fabric, folder=None):
    """Archive `fabric`'s tree under `folder` (default: the backup_root setting)/<fabric name>/.

    Raises BackupError, or FabricLocked while an ingestion runs (the archive must be one moment).
    """
    folder = folder or get_plugin_config(PLUGIN, 'backup_root')
    if not folder:
        raise BackupError('no backup folder: set the plugin setting backup_root, or pass one (--to)')
    tree = fabric.layout().path
    if not tree.is_dir():
        raise BackupError(f'the tree {tree} does not exist: nothing to back up')
    with fabric_lock(fabric, 'backup'), fabric.files() as files:
        _refuse_links(files, BackupError, 'no backup was written')
        return _write_archive(files, Path(folder) / fabric.name, fabric.name)


def _refuse_links(files, error, stopped):
    """A link in the tree stops a backup or a restore before it writes anything; the message names it."""
    try:
        links = find_links(files)
    except LinkRefused as exc:
        links = [exc.filename]
    if links:
        raise error(' '.join(link_message(link, stopped) for link in links))


def _archive_tree(files, tar):
    """Add the tree read through `files` (a treefs.Tree): folders and regular files only, never a link (a link
    in raw/, never read, is left out; one that appears meanwhile stops the backup). Members as `tar.add(tree,
    arcname='.')` names them."""
    tar.addfile(_member('.', os.fstat(files.folder())))
    for path, entry in sorted(files.walk(''), key=lambda item: item[0]):
        if entry.is_symlink():
            continue
        if entry.is_dir(follow_symlinks=False):
            tar.addfile(_member(f'./{path}', files.lstat(path)))
        elif entry.is_file(follow_symlinks=False):
            descriptor, found = files.open_file(path)
            with os.fdopen(descriptor, 'rb') as handle:
                tar.addfile(_member(f'./{path}', found), handle)


def _member(name, found):
    member = tarfile.TarInfo(name)
    member.mode = stat.S_IMODE(found.st_mode)
    member.mtime = int(found.st_mtime)
    member.uid, member.gid = found.st_uid, found.st_gid
    if stat.S_ISDIR(found.st_mode):
        member.type = tarfile.DIRTYPE
    else:
        member.size = found.st_size
    return member


def _write_archive(files, folder, label):
    """The tree of `files` -> <folder>/<label>-<UTC time>.tar.gz, fsynced, then its .sha256; never replaces a file."""
    tree = files.path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime('%Y%m%dT%H%M%SZ')
        archive = folder / f'{label}-{stamp}.tar.gz'
        number = 1
        while os.path.lexists(archive) or os.path.lexists(_checksum_path(archive)):
            number += 1
            archive = folder / f'{label}-{stamp}-{number}.tar.gz'
        temporary = folder / f'.{archive.name}.{uuid.uuid4().hex}.tmp'
        try:
            with open(temporary, 'xb') as handle:
                with tarfile.open(fileobj=handle, mode='w:gz', compresslevel=6) as tar:
                    _archive_tree(files, tar)
                    members = len(tar.getmembers())
                handle.flush()
                os.fsync(handle.fileno())
            os.link(temporary, archive)
        finally:
            temporary.unlink(missing_ok=True)
        digest = _sha256_file(archive)
        _write_new(_checksum_path(archive), f'{digest}  {archive.name}\n'.encode())
    except OSError as exc:
        raise BackupError(f'cannot write a backup of {tree} into {folder}: {exc}') from exc
    return BackupResult(archive, digest, archive.stat().st_size, members)


def _checksum_path(archive):
    return archive.with_name(archive.name + '.sha256')


def _sha256_file(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_new(path, data):
    with open(path, 'xb') as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


# --- restore ------------------------------------------------------------------------------------


class RestoreError(Exception):
    """The restore was refused or failed before the swap: the tree is as it was."""


@dataclass(frozen=True)
class RestoreResult:
    archive: Path
    tree: Path
    # The tree as it was before the restore (None when there was no tree).
    previous: BackupResult | None
    reindexed: object

    def as_dict(self):
        return {
            'archive': str(self.archive),
            'tree': str(self.tree),
            'previous': self.previous.as_dict() if self.previous else None,
            'reindexed': self.reindexed.as_dict(),
        }


_CHECKSUM_LINE = re.compile(r'^([0-9a-f]{64}) [ *](.+)$')


def restore(fabric, archive):
    """Replace `fabric`'s tree with the backup `archive` (checked against its .sha256 first).

    The current tree is first backed up beside `archive`; it is removed only once the swap has
    succeeded. Raises RestoreError (nothing changed) or FabricLocked (while an ingestion runs).
    """
    archive = Path(archive)
    expected = _expected_checksum(archive)
    try:
        actual = _sha256_file(archive)
    except OSError as exc:
        raise RestoreError(f'cannot read {archive}: {exc}; nothing was changed') from exc
    if actual != expected:
        raise RestoreError(f'{archive.name}: SHA-256 is {actual}, its .sha256 says {expected}; nothing was changed')
    tree = fabric.layout().path
    with fabric_lock(fabric, 'restore'):
        with fabric.files() as files:
            _refuse_links(files, RestoreError, 'nothing was changed')
        tree.parent.mkdir(parents=True, exist_ok=True)
        staging = tree.with_name(f'.{tree.name}.restore-{uuid.uuid4().hex}')
        try:
            _unpack(archive, staging, fabric)
            previous = _back_up_previous(fabric, archive.parent)
            os.sync()  # the unpacked tree and the previous tree's archive are durable before the swap
            _swap(staging, tree)
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # after a swap: the previous tree, safe in `previous`
        # The archive is the tree now, on purpose; the previous one is kept in `previous`.
        reindexed = reindex(fabric, drop_missing=True)
    return RestoreResult(archive, tree, previous, reindexed)


def _back_up_previous(fabric, folder):
    try:
        with fabric.files() as files:
            if not files.exists():
                return None
            return _write_archive(files, folder, fabric.name)
    except BackupError as exc:
        raise RestoreError(f'{exc}; the current tree must be backed up first, so nothing was changed') from exc


def _expected_checksum(archive):
    try:
        line = _checksum_path(archive).read_text(encoding='utf-8').strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise RestoreError(f'cannot read the checksum file of {archive.name}: {exc}; nothing was changed') from exc
    match = _CHECKSUM_LINE.match(line)
    if not match or match.group(2) != archive.name:
        raise RestoreError(f'{_checksum_path(archive).name} is not "<sha256>  {archive.name}"; nothing was changed')
    return match.group(1)


def _unpack(archive, staging, fabric):
    """Unpack into `staging`; tarfile's `data` filter refuses absolute paths, `..` and links leaving it."""
    try:
        with tarfile.open(archive, mode='r:gz') as tar:
            # A link in a tree is never followed, so a backup never holds one: an archive that does is refused.
            if linked := [member.name for member in tar.getmembers() if member.issym() or member.islnk()]:
                raise RestoreError(
                    f'{archive.name} holds symbolic or hard links ({", ".join(linked[:5])}); nothing was changed'
                )
            tar.extractall(staging, filter='data')
    except (OSError, tarfile.TarError) as exc:
        raise RestoreError(f'cannot unpack {archive.name}: {exc}; nothing was changed') from exc
    manifest = TreeLayout(staging).manifest
    try:
        owner = read_manifest(manifest)
    except (OSError, ManifestError) as exc:
        raise RestoreError(f'{archive.name} holds no readable tree manifest ({exc}); nothing was changed') from exc
    if not owner.belongs_to(fabric.name, fabric.pk):
        raise RestoreError(
            f'{archive.name} is the tree of fabric {owner.fabric_name!r} (id {owner.fabric_id}), '
            f'not of {fabric.name!r} (id {fabric.pk}); nothing was changed'
        )


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap(staging, tree):
    """Put `staging` at `tree`; afterwards `staging` holds the previous tree (if there was one)."""
    if not os.path.lexists(tree):
        os.rename(staging, tree)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, 'renameat2', None)
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, os.fsencode(staging), _AT_FDCWD, os.fsencode(tree), _RENAME_EXCHANGE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(code, os.strerror(code), str(tree))
    # No atomic exchange here: the tree is absent between the two renames, and put back on failure.
    aside = tree.with_name(f'.{tree.name}.previous-{uuid.uuid4().hex}')
    os.rename(tree, aside)
    try:
        os.rename(staging, tree)
    except BaseException:
        os.rename(aside, tree)
        raise
    os.rename(aside, staging)
