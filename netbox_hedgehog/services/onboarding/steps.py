"""Onboarding's second phase: carry out a plan through a treefs.Tree of gitops_root, recording every path the
moment it exists, and revert exactly that (newest first) when a step fails or the caller's transaction rolls back."""

import uuid
from pathlib import Path

from netbox_hedgehog.services.onboarding.result import OnboardingError, os_reason_text
from netbox_hedgehog.services.treefs import Tree

__all__ = ('carry_out', 'revert')


def carry_out(plan, done):
    """Make the changes of `plan`, recording each path in `done` the moment it exists."""
    with Tree(done.root, '') as files:
        _carry_out_in(plan, done, _Files(files, done.root))


class _Files:
    """The gitops_root's treefs.Tree, called with the absolute paths onboarding plans with."""

    def __init__(self, tree, root):
        self.tree, self.root = tree, root

    def __getattr__(self, name):
        call = getattr(self.tree, name)
        return lambda *args, **options: call(*map(self._relative, args), **options)

    def _relative(self, value):
        return value.relative_to(self.root).as_posix() if isinstance(value, Path) else value

    def is_folder(self, path):
        try:
            return self.tree.is_folder(self._relative(path))
        except OSError:
            return False


def _carry_out_in(plan, done, files):
    for directory in plan.directories:
        _attempt(f'create directory {directory}', directory, files.mkdir, directory)
        done.created.append(directory)
    for source, target in plan.result.adopted:
        _move(files, source, target, done)
    if plan.replaced_manifest is not None:
        manifest, text = plan.layout.manifest, plan.manifest_text.encode()
        _write_atomically(files, manifest, text, done, replacing=plan.replaced_manifest)
    elif plan.manifest_text is not None:
        _write_atomically(files, plan.layout.manifest, plan.manifest_text.encode(), done)
    for gitkeep in plan.gitkeeps:
        _create_file(files, gitkeep, b'', done)
    for directory in plan.layout.directories():
        _probe_writable(files, directory, done)


def _attempt(what, path, call, *args):
    """Run one file system call; a failure becomes an OnboardingError naming `what` and the OS's reason."""
    try:
        return call(*args)
    except OSError as exc:
        reason = os_reason_text(exc)
        raise OnboardingError(f'cannot {what}: {reason}', path, reason) from exc


def _create_file(files, path, data, done, fsync=False):
    """A new file holding `data` (never an existing one: O_EXCL), recorded as created."""
    _attempt(f'create {path}', path, lambda: files.write_new(path, data, fsync=fsync))
    done.created.append(path)


def _write_atomically(files, path, data, done, replacing=None):
    """Temporary file in the same directory, written, fsynced, then renamed over `path` in one step.

    `replacing` (the previous bytes of `path`) makes the undo put them back instead of removing `path`.
    """
    temporary = path.with_name(f'.{path.name}.{uuid.uuid4().hex}.tmp')
    _create_file(files, temporary, data, done, fsync=True)
    _attempt(f'write {path}', path, files.replace, temporary, path)
    if replacing is None:
        done.created[done.created.index(temporary)] = path
    else:
        done.created.remove(temporary)
        done.replaced.append((path, replacing))


def _move(files, source, target, done):
    """Move without ever overwriting: link under the new name (fails if it exists), then unlink the old."""
    _attempt(f'move {source} to {target}', source, files.link, source, target)
    done.created.append(target)
    _attempt(f'move {source} to {target}', source, files.unlink, source)
    done.created.remove(target)
    done.adopted.append((source, target))


def _probe_writable(files, directory, done):
    """Write and remove a file: the only reliable test (permissions, read-only mounts, full disks, ACLs)."""
    probe = directory / f'.hnp-write-probe-{uuid.uuid4().hex}'
    _attempt(f'write in directory {directory}', directory, lambda: files.write_new(probe, b'probe'))
    done.created.append(probe)
    _attempt(f'remove {probe}', probe, files.unlink, probe)
    done.created.remove(probe)


def revert(done):
    """Undo `done`: created files first, then adoption moves, then created directories (each newest first),
    so every directory is empty again by the time it is removed. Returns what could not be undone."""
    with Tree(done.root, '') as tree:
        return _revert_in(done, _Files(tree, done.root))


def _revert_in(done, files):
    leftovers = []
    for path, previous in reversed(done.replaced):
        _undo_step(leftovers, f'restore {path}', _restore, files, path, previous)
    created = list(reversed(done.created))
    directories = [path for path in created if files.is_folder(path)]
    for path in created:
        if path not in directories:
            _undo_step(leftovers, f'remove {path}', files.unlink, path)
    for source, target in reversed(done.adopted):
        if _undo_step(leftovers, f'move {target} back to {source}', files.link, target, source):
            _undo_step(leftovers, f'move {target} back to {source}', files.unlink, target)
    for path in directories:
        _undo_step(leftovers, f'remove directory {path}', files.rmdir, path)
    return leftovers


def _restore(files, path, previous):
    temporary = path.with_name(f'.{path.name}.{uuid.uuid4().hex}.tmp')
    files.write_new(temporary, previous, fsync=True)
    files.replace(temporary, path)


def _undo_step(leftovers, what, call, *args):
    try:
        call(*args)
    except FileNotFoundError:
        return True  # already gone: nothing left to undo
    except OSError as exc:
        leftovers.append(f'{what}: {os_reason_text(exc)}')
        return False
    return True
