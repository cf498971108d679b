"""Adding a YAML file to a fabric's raw/ folder from NetBox: the upload form and the API call this.

The file lands in raw/ as one copied there from a shell or pulled by git would: ingestion cannot
tell the difference. Before anything is written, the name must be one plain file name ending in
.yaml or .yml (no path, not hidden, no control characters) and the bytes must be non-empty UTF-8
text within `max_file_bytes`; otherwise the upload is refused (UploadRefused) and nothing is
written. The file is then planned as ingestion would plan it (`planner.plan_raw`, with the files waiting
beside it), under the name it got, so its findings are known at once and recorded (gitops/waiting.py);
`check_raw_file` gives the same verdict without writing (the Edit page's Check). A file with errors is
still written: raw/ is where a person's files wait to be fixed, and ingestion rejects such a file whole.

A new file is written as a hidden temporary in raw/ (ingestion skips hidden names), fsynced, and
hard-linked under its name, which fails instead of overwriting: a taken name makes the upload
pick the next free one (`name-2.yaml`, ...). No lock is needed: ingestion lists raw/ once, and a
new name is in that listing whole or not at all.

Replacing a file (to fix a rejected one in place) takes the fabric lock: an ingestion that read
the old bytes removes the raw file when it is done, and must not remove the new ones. The old
bytes are kept first, durably, under `.hnp/replaced/`; then the new file is renamed over the old.

Discarding a waiting file (`discard_raw_file`) takes the lock for the same reason, and keeps its bytes
durably under `.hnp/discarded/` before it goes from raw/: a person can look at them and put them back.

When the disk refuses (a full disk, an immutable raw/ or file, any OSError), the upload raises
UploadFailed naming the fabric-relative path and what the operating system said, and raw/ is as it
was: no temporary file stays, and a copy kept for a replacement that did not happen goes again.
"""

import stat
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from netbox.plugins import get_plugin_config

from netbox_hedgehog.core.findings import has_errors
from netbox_hedgehog.core.plan_model import FileAction, FilePlan
from netbox_hedgehog.core.tree import HNP, NAME_MAX, RAW, is_yaml_name
from netbox_hedgehog.services.faults import StorageFault, os_reason
from netbox_hedgehog.services.fileops import TEMPORARY_SUFFIX
from netbox_hedgehog.services.lock import fabric_lock
from netbox_hedgehog.services.planner import plan_raw
from netbox_hedgehog.services.treefs import LinkRefused, NotRegularFile, find_links, link_message
from netbox_hedgehog.services.waiting import check_raw, forget

__all__ = (
    'DISCARDED',
    'REPLACED',
    'Upload',
    'UploadFailed',
    'UploadRefused',
    'add_raw_file',
    'check_raw_file',
    'check_name',
    'discard_raw_file',
    'discarded_files',
    'raw_file_text',
    'set_aside',
)

# Where the previous bytes of a replaced raw file are kept, relative to the tree.
REPLACED = f'{HNP}/replaced'
# Where a discarded raw file is kept, relative to the tree.
DISCARDED = f'{HNP}/discarded'
# `wiring.yaml` taken: `wiring-2.yaml`, ... up to this many, then the upload is refused.
MAX_NAME_ATTEMPTS = 100


class UploadRefused(Exception):
    """The upload itself is unsafe or unusable; nothing was written. The message says why."""


class UploadFailed(StorageFault):
    """The disk refused the upload; raw/ is as it was. The message names no server path."""


@contextmanager
def _failing_as(what, consequence):
    """An OSError in the block becomes UploadFailed: `what` failed, what the operating system said, `consequence`."""
    try:
        yield
    except OSError as exc:
        raise UploadFailed(f'{what}: {os_reason(exc)}. {consequence}', errno=exc.errno) from exc


@dataclass
class Upload:
    """What became of an upload: where it is (relative to the tree) and what ingestion will make of it."""

    requested: str
    path: str
    # False when raw/ already held these very bytes under that name: nothing was written.
    written: bool = True
    # Where the previous bytes went, when an existing file was replaced.
    kept_as: str = ''
    plan: FilePlan | None = None

    @property
    def findings(self):
        return self.plan.findings

    @property
    def ingestible(self):
        """True when the next ingestion takes the file (no errors); else it stays in raw/ to be fixed."""
        return not has_errors(self.plan.findings)

    def as_dict(self):
        return {
            'requested': self.requested,
            'path': self.path,
            'written': self.written,
            'kept_as': self.kept_as,
            'ingestible': self.ingestible,
            'documents': [document.as_dict() for document in self.plan.documents],
            'findings': [finding.as_dict() for finding in self.plan.findings],
        }


def check_name(name):
    """Why `name` cannot be the name of a file added to raw/, or None when it can."""
    if not name:
        return 'A file name is required.'
    if '/' in name or '\\' in name:
        return f'{name!r} is a path; give a plain file name (the file goes straight into raw/).'
    if name.startswith('.'):
        return f'{name!r} starts with a dot: hidden files (and . or ..) are not ingested.'
    if any(ord(character) < 32 or 127 <= ord(character) < 160 for character in name):
        return 'The file name contains control characters.'
    if any(0xD800 <= ord(character) <= 0xDFFF for character in name):  # an API caller's "\ud800"
        return 'The file name is not valid Unicode text (a lone surrogate).'
    if not is_yaml_name(name):
        return f'{name!r} does not end in .yaml or .yml; only YAML files are ingested.'
    if len(name.encode()) > NAME_MAX:
        return f'The file name is longer than {NAME_MAX} bytes.'
    return None


def add_raw_file(fabric, name, data, *, replace=False):
    """Add `data` to `fabric`'s raw/ as `name` (or the next free name); with `replace`, put it in place of
    the file of that name. Raises UploadRefused, or FabricLocked when replacing during an ingestion."""
    _check(name, data)
    fabric.layout()  # UnsafePathError for a gitops_path the path rules refuse
    with fabric.files() as tree:
        _refuse_links(tree)
        if not tree.is_folder(RAW):
            raise UploadRefused(f'{RAW}/ of fabric {fabric.name} is missing; repair the tree (Health tab, Fix) first.')
        if replace:
            with fabric_lock(fabric):
                upload = _replace(tree, name, data)
        else:
            upload = _add(tree, name, data)
    # Planned once the file has its name (the findings point at the file a person will open), with the files
    # waiting beside it, as the next ingestion plans them; every waiting file's verdict is recorded.
    upload.plan = _file_plan(check_raw(fabric, upload.path, data), upload.path)
    return upload


def check_raw_file(fabric, name, data, *, replace=False):
    """The Upload `add_raw_file(fabric, name, data, replace=replace)` would give, without writing anything:
    a preview of the file's verdict and findings. Raises UploadRefused as the upload would."""
    _check(name, data)
    fabric.layout()
    path = f'{RAW}/{name}'
    if not replace:  # a name taken by other bytes gives the next free one
        with fabric.files() as tree:
            path = next(
                f'{RAW}/{candidate}'
                for candidate in _numbered(name)
                if tree.lstat_or_none(f'{RAW}/{candidate}') is None or _holds(tree, f'{RAW}/{candidate}', data)
            )
    plan, _ = plan_raw(fabric, path, data)
    return Upload(name, path, written=False, plan=_file_plan(plan, path))


def _file_plan(plan, path):
    """The FilePlan of `path` in `plan`; a tree whose links stop every run gives it the plan's blocking findings."""
    return next((file_plan for file_plan in plan.files if file_plan.path == path), None) or FilePlan(
        path, FileAction.REJECT, findings=plan.blocked
    )


def raw_file_text(fabric, name):
    """The text of raw/<name>, to be corrected and put back with `replace`. Raises UploadRefused when that
    file could not be put back so (a name an upload cannot have, not a regular file, not UTF-8 text)."""
    if problem := check_name(name):
        raise UploadRefused(problem)
    fabric.layout()
    with fabric.files() as tree:
        try:
            data = tree.read(f'{RAW}/{name}')
        except FileNotFoundError:
            raise UploadRefused(f'{RAW}/{name} is not there any more: ingested or removed meanwhile.') from None
        except (LinkRefused, NotRegularFile):
            raise UploadRefused(f'{RAW}/{name} is not a regular file.') from None
        except OSError as exc:
            raise UploadFailed(f'{RAW}/{name} could not be read: {os_reason(exc)}.', errno=exc.errno) from exc
    _check(name, data)
    return data.decode()


def discard_raw_file(fabric, name):
    """Take raw/<name> out of raw/, keeping its bytes under .hnp/discarded/ first; returns where they are.

    Raises UploadRefused when there is no such waiting file, FabricLocked while an ingestion runs (it may
    be reading the file), and UploadFailed when the disk refuses (the file then stays in raw/).
    """
    if problem := check_name(name):
        raise UploadRefused(problem)
    fabric.layout()
    with fabric.files() as tree, fabric_lock(fabric):
        _refuse_links(tree)
        kept = set_aside(
            tree,
            f'{RAW}/{name}',
            DISCARDED,
            name,
            gone='is not there any more: ingested or removed meanwhile.',
            unchanged=f'{RAW}/{name} is still waiting.',
        )
    forget(fabric, f'{RAW}/{name}')
    return kept


def discarded_files(fabric):
    """[{file, size, modified}] of the copies kept under .hnp/discarded/, newest first ([] when none)."""
    with fabric.files() as tree:
        if not tree.is_folder(DISCARDED):
            return []
        kept = [
            {
                'file': f'{DISCARDED}/{entry.name}',
                'size': found.st_size,
                'modified': datetime.fromtimestamp(found.st_mtime, UTC),
            }
            for entry in tree.scandir(DISCARDED)
            if not entry.name.startswith('.') and stat.S_ISREG((found := entry.stat(follow_symlinks=False)).st_mode)
        ]
    return sorted(kept, key=lambda item: item['modified'], reverse=True)


def _keep_copy(tree, folder, name, data):
    """Keep `data` durably as `<folder>/<name>.<UTC time>` before the file it came from is replaced or removed;
    returns that tree-relative path. No .yaml ending: nothing that reads YAML from the tree takes the copy for
    a live file. Raises UploadRefused when a copy of that name was kept in the same microsecond."""
    tree.folder(folder, create=True)
    kept_name = _write_new(tree, folder, [f'{name}.{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}'], data)
    if kept_name is None:
        raise UploadRefused(f'A copy of {name} was kept a moment ago; try again.')
    return f'{folder}/{kept_name}'


def set_aside(tree, path, folder, name, *, gone, unchanged):
    """Take the regular file `path` out of its folder, its bytes kept first as `<folder>/<name>.<UTC time>`;
    returns the kept copy's path. A missing file is refused with `gone`; when the disk refuses, the file
    stays and no copy is left (`unchanged` says so)."""
    with _failing_as(f'{path} could not be read', unchanged):
        try:
            data = tree.read(path)
        except FileNotFoundError:
            raise UploadRefused(f'{path} {gone}') from None
        except (LinkRefused, NotRegularFile):
            raise UploadRefused(f'{path} is not a regular file; it is left alone.') from None
    with _failing_as(f'{path} could not be kept in {folder}/', unchanged):
        kept = _keep_copy(tree, folder, name, data)
    try:
        with _failing_as(f'{path} could not be removed', unchanged):
            tree.unlink(path)
    except UploadFailed:
        with suppress(OSError):  # the file is still in place: the copy is not needed
            tree.unlink(kept)
        raise
    with _failing_as(f'{path} was set aside but may not be on disk yet', f'A copy is in {kept}.'):
        tree.fsync_folder(path.rpartition('/')[0])
    return kept


def _refuse_links(tree):
    """A link in the tree's layout could send the upload (or the kept copy) outside it: nothing is written."""
    try:
        links = find_links(tree)
    except LinkRefused as exc:
        links = [exc.filename]
    if links:
        raise UploadRefused(' '.join(link_message(link) for link in links))


def _check(name, data):
    if problem := check_name(name):
        raise UploadRefused(problem)
    limit = get_plugin_config('netbox_hedgehog', 'max_file_bytes')
    if len(data) > limit:
        raise UploadRefused(f'The file is larger than the limit of {limit} bytes (max_file_bytes).')
    if not data.strip():
        raise UploadRefused('The file is empty.')
    if b'\0' in data:
        raise UploadRefused('The file contains NUL bytes: it is binary, not YAML.')
    try:
        data.decode('utf-8')
    except UnicodeDecodeError as exc:
        line = data.count(b'\n', 0, exc.start) + 1
        raise UploadRefused(f'The file is not UTF-8 text (line {line}); save it as UTF-8.') from None


def _add(tree, name, data):
    if _holds(tree, f'{RAW}/{name}', data):
        return Upload(name, f'{RAW}/{name}', written=False)
    with _failing_as(f'{RAW}/{name} could not be written', f'Nothing was added to {RAW}/.'):
        written = _write_new(tree, RAW, _numbered(name), data)
    if written is None:
        raise UploadRefused(f'{RAW}/ already holds {name} and {MAX_NAME_ATTEMPTS - 1} numbered copies of it.')
    return Upload(name, f'{RAW}/{written}')


def _replace(tree, name, data):
    target = f'{RAW}/{name}'
    unchanged = f'{RAW}/{name} is unchanged.'
    with _failing_as(f'{RAW}/{name} could not be read', unchanged):
        found = tree.lstat_or_none(target)
        if found is None:
            return _add(tree, name, data)
        if not stat.S_ISREG(found.st_mode):
            raise UploadRefused(f'{RAW}/{name} is not a regular file; it is left alone.')
        try:
            previous = tree.read(target)
        except (LinkRefused, NotRegularFile):
            raise UploadRefused(f'{RAW}/{name} is not a regular file; it is left alone.') from None
    if previous == data:
        return Upload(name, f'{RAW}/{name}', written=False)
    with _failing_as(f'The previous {RAW}/{name} could not be kept in {REPLACED}/', unchanged):
        kept = _keep_copy(tree, REPLACED, name, previous)
    try:
        with _failing_as(f'{RAW}/{name} could not be replaced', unchanged):
            _replace_with(tree, target, data)
    except UploadFailed:
        with suppress(OSError):  # the file still holds these very bytes: the copy is not needed
            tree.unlink(kept)
        raise
    # Replaced: from here on the kept copy is the only one of the previous bytes, whatever happens.
    with _failing_as(f'{RAW}/{name} was replaced but may not be on disk yet', f'The previous one is in {REPLACED}/.'):
        tree.fsync_folder(RAW)
    return Upload(name, f'{RAW}/{name}', kept_as=kept)


def _replace_with(tree, target, data):
    """Put `data` at `target` in one rename; the temporary file goes again when the rename fails."""
    folder, _, _ = target.rpartition('/')
    temporary = _write_temporary(tree, folder, data)
    try:
        tree.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            tree.unlink(temporary)
        raise


def _write_new(tree, folder, names, data):
    """Write `data` durably under the first of `names` free in `folder` (never over a file); that name, or None."""
    temporary = _write_temporary(tree, folder, data)
    try:
        for name in names:
            try:
                tree.link(temporary, f'{folder}/{name}')  # fails instead of overwriting
            except FileExistsError:
                continue
            return name
        return None
    finally:
        with suppress(OSError):  # hidden, so never ingested even if it stays; the write's own error matters
            tree.unlink(temporary)
        tree.fsync_folder(folder)


def _write_temporary(tree, folder, data):
    """A hidden new file in `folder` holding `data`, fsynced; its tree-relative path. Named like ingestion's
    temporaries, which a fabric's git working copy never commits (write_new removes it again on failure)."""
    path = f'{folder}/.{uuid.uuid4().hex}{TEMPORARY_SUFFIX}'
    tree.write_new(path, data, fsync=True)
    return path


def _numbered(name):
    """`name`, then `stem-2.yaml`, `stem-3.yaml`, ...: the stem cut short where the number would make the name
    longer than a file name can be (found by the whole-path fuzzer: a taken 255-byte name answered 500)."""
    stem, dot, suffix = name.rpartition('.')
    yield name
    for number in range(2, MAX_NAME_ATTEMPTS + 1):
        tail = f'-{number}{dot}{suffix}'
        room = NAME_MAX - len(tail.encode())
        yield stem.encode()[:room].decode('utf-8', 'ignore') + tail


def _holds(tree, path, data):
    """Tree.holds, where a file that cannot be read (or is no regular file) is simply not the same file."""
    try:
        return tree.holds(path, data)
    except OSError:
        return False
