"""Onboarding: give a fabric a complete, writable GitOps tree, or fail with the reason and leave nothing behind.

`initialize` works in two phases. It first inspects the disk and plans every change (the directories
to create, the YAML files to adopt into raw/, the manifest, the `.gitkeep` files), refusing before
any change what would need overwriting: a foreign manifest, an adoption name collision, a file where
a directory belongs. A dry run stops there. Otherwise it carries out the plan, recording each path
the moment it exists, so that on any failure exactly what this call made is removed again, in
reverse order, and nothing that was there before is touched. `undo` does the same for a finished
call, for a caller whose database transaction rolled back after the tree was made.

Plain Python, no Django: every entry point (signal, form, API, command) calls this module.
"""

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from netbox_hedgehog.findings import Finding, Severity
from netbox_hedgehog.gitops.tree import (
    GITKEEP,
    ManifestError,
    TreeLayout,
    UnsafePathError,
    is_yaml_name,
    read_manifest,
    render_manifest,
    resolve_tree,
)
from netbox_hedgehog.gitops.treefs import Tree, raw_entries

__all__ = (
    'AdoptionConflictError',
    'ForeignTreeError',
    'OnboardingError',
    'OnboardingResult',
    'initialize',
    'undo',
)


class OnboardingError(Exception):
    """The tree could not be made complete. `path` is where it failed, `reason` why (for a file system
    failure, the operating system's own words); `leftovers` lists what could not be undone, if anything."""

    def __init__(self, message, path, reason):
        super().__init__(message)
        self.message = message
        self.path = str(path)
        self.reason = reason
        self.leftovers = []

    def __str__(self):
        if not self.leftovers:
            return self.message
        return f'{self.message} (and could not undo: {"; ".join(self.leftovers)})'


class ForeignTreeError(OnboardingError):
    """The folder already holds (or lies inside) the tree of another fabric: it is left alone."""


class AdoptionConflictError(OnboardingError):
    """A YAML file to adopt has the same name as a file already in raw/: nothing was moved."""


@dataclass
class OnboardingResult:
    """What an `initialize` call did (or, for a dry run, would do). Paths are absolute."""

    tree: Path
    dry_run: bool = False
    created: list[Path] = field(default_factory=list)
    adopted: list[tuple[Path, Path]] = field(default_factory=list)
    # Files rewritten in place, with their previous bytes (only a claimed tree's manifest).
    replaced: list[tuple[Path, bytes]] = field(default_factory=list)
    present: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # raw/ holds files besides .gitkeep after the call: the caller requests an ingestion when True.
    raw_has_files: bool = False
    # gitops_root: every change is made through a treefs.Tree of it, so none follows a symbolic link.
    root: Path | None = None

    @property
    def changed(self):
        return bool(self.created or self.adopted or self.replaced)

    def as_dict(self):
        return {
            'tree': str(self.tree),
            'dry_run': self.dry_run,
            'changed': self.changed,
            'created': [str(path) for path in self.created],
            'adopted': [{'from': str(source), 'to': str(target)} for source, target in self.adopted],
            'replaced': [str(path) for path, _ in self.replaced],
            'present': [str(path) for path in self.present],
            'raw_has_files': self.raw_has_files,
            'findings': [finding.as_dict() for finding in self.findings],
        }


def initialize(root, gitops_path, *, fabric_name, fabric_id, dry_run=False, claimable=None):
    """Create or repair the tree `<root>/<gitops_path>` of a fabric; idempotent.

    Raises OnboardingError (or a subclass) after undoing its own changes when the tree cannot be
    made complete and writable; `root` (the `gitops_root` setting) must already exist.
    `claimable(manifest)` may say that a tree whose manifest names another fabric is free to take
    over (that fabric no longer exists): its manifest is then rewritten for this fabric.
    """
    try:
        plan = _plan(Path(root), gitops_path, fabric_name, fabric_id, claimable)
    except OSError as exc:
        reason, path = _os_reason(exc), exc.filename or root
        raise OnboardingError(f'cannot inspect {path}: {reason}', path, reason) from exc
    if dry_run:
        plan.result.dry_run = True
        return plan.result
    done = OnboardingResult(
        tree=plan.result.tree,
        present=plan.result.present,
        findings=plan.result.findings,
        raw_has_files=plan.result.raw_has_files,
        root=Path(root),
    )
    try:
        _carry_out(plan, done)
    except BaseException as exc:
        leftovers = _revert(done)
        if isinstance(exc, OnboardingError):
            exc.leftovers = leftovers
        elif leftovers:
            exc.add_note(f'onboarding could not undo: {"; ".join(leftovers)}')
        raise
    return done


def undo(result):
    """Remove what `result`'s call created and move adopted files back; never touch anything else.

    For a caller whose own transaction failed after onboarding succeeded. Does not raise: returns
    what could not be undone (a directory someone has written into since, say), empty when clean.
    """
    if result.dry_run:
        return []
    return _revert(result)


# --- planning: inspect, decide, refuse; no changes ------------------------------------------------


@dataclass
class _Plan:
    layout: TreeLayout
    result: OnboardingResult
    directories: list[Path] = field(default_factory=list)
    manifest_text: str | None = None
    replaced_manifest: bytes | None = None
    gitkeeps: list[Path] = field(default_factory=list)


def _plan(root, gitops_path, fabric_name, fabric_id, claimable=None):
    try:
        tree = resolve_tree(root, gitops_path)
    except UnsafePathError as exc:
        raise OnboardingError(str(exc), exc.path, exc.reason) from exc
    if not root.is_dir():
        reason = 'does not exist' if not os.path.lexists(root) else 'is not a directory'
        raise OnboardingError(
            f'gitops_root {root} {reason}: create it, or set the plugin setting gitops_root to an existing folder',
            root,
            reason,
        )
    _refuse_nesting(root, tree)
    layout = TreeLayout(tree)
    plan = _Plan(layout, OnboardingResult(tree=tree))
    for ancestor in reversed(tree.relative_to(root).parents[:-1]):
        _plan_directory(plan, root / ancestor, report_present=False)
    for directory in layout.directories():
        _plan_directory(plan, directory, report_present=True)
    _plan_adoption(plan, root)
    _plan_manifest(plan, fabric_name, fabric_id, root, claimable)
    _plan_gitkeeps(plan)
    plan.result.raw_has_files = bool(plan.result.adopted) or _holds_files(layout.raw)
    return plan


def _refuse_nesting(root, tree):
    """A tree inside another fabric's tree would have its files adopted and ingested by the wrong fabric."""
    for folder in tree.parents:
        if folder == root or not folder.is_relative_to(root):
            return
        manifest = TreeLayout(folder).manifest
        if os.path.lexists(manifest):
            raise ForeignTreeError(
                f'cannot create a tree at {tree}: it lies inside the GitOps tree at {folder} ({manifest})',
                folder,
                'inside another tree',
            )


def _plan_directory(plan, directory, *, report_present):
    if directory.is_symlink():
        reason = 'is a symbolic link; the tree must be real directories'
        raise OnboardingError(f'cannot use {directory}: {reason}', directory, reason)
    if directory.is_dir():
        if report_present:
            plan.result.present.append(directory)
    elif os.path.lexists(directory):
        reason = 'a file is in the way (it exists and is not a directory)'
        raise OnboardingError(f'cannot create directory {directory}: {reason}', directory, reason)
    else:
        plan.directories.append(directory)
        plan.result.created.append(directory)


def _plan_adoption(plan, root):
    """YAML files directly in the tree folder go into raw/. All names are checked before anything moves."""
    layout, result = plan.layout, plan.result
    if not layout.path.is_dir():
        return
    collisions = []
    for entry in sorted(os.scandir(layout.path), key=lambda e: e.name):
        if entry.name in TreeLayout.TOP_LEVEL or entry.name.startswith('.'):
            continue  # the layout's own, or hidden tool files (.gitlab-ci.yml, .yamllint.yml): never adopted
        source = Path(entry.path)
        if entry.is_file(follow_symlinks=False) and is_yaml_name(entry.name):
            target = layout.raw / entry.name
            if os.path.lexists(target):
                collisions.append(entry.name)
            result.adopted.append((source, target))
        else:
            symlinked_yaml = entry.is_symlink() and is_yaml_name(entry.name)
            result.findings.append(
                Finding(
                    Severity.WARNING if symlinked_yaml else Severity.INFO,
                    'tree-entry-not-adopted',
                    f'{entry.name} was left in place: only regular YAML files are moved into raw/',
                    file=str(source.relative_to(root)),
                    hint='copy the file itself into raw/ to have it ingested'
                    if symlinked_yaml
                    else 'nothing to do; copy it into raw/ if it is YAML meant for the fabric',
                )
            )
    if collisions:
        reason = f'raw/ already holds {", ".join(collisions)}'
        raise AdoptionConflictError(
            f'cannot adopt YAML files from {layout.path} into {layout.raw}: {reason}; nothing was moved. '
            'Rename or remove one file of each pair and run onboarding again.',
            layout.raw,
            reason,
        )


def _plan_manifest(plan, fabric_name, fabric_id, root, claimable):
    path = plan.layout.manifest
    if not os.path.lexists(path):
        plan.manifest_text = render_manifest(fabric_name, fabric_id)
        plan.result.created.append(path)
        return
    try:
        if path.is_symlink() or not path.is_file():
            raise ManifestError(f'{path} is not a regular file')
        manifest = read_manifest(path)
    except OSError as exc:
        reason = _os_reason(exc)
        raise OnboardingError(f'cannot read manifest {path}: {reason}', path, reason) from exc
    except ManifestError as exc:
        raise OnboardingError(f'cannot trust manifest {path}: {exc}; it was left as it is', path, str(exc)) from exc
    if not manifest.belongs_to(fabric_name, fabric_id) and claimable and claimable(manifest):
        plan.manifest_text = render_manifest(fabric_name, fabric_id)
        plan.replaced_manifest = path.read_bytes()
        plan.result.replaced.append((path, plan.replaced_manifest))
        plan.result.findings.append(
            Finding(
                Severity.INFO,
                'tree-claimed',
                f'took over the tree of fabric {manifest.fabric_name!r} (id {manifest.fabric_id}), '
                'which no longer exists',
                file=str(path.relative_to(root)),
                hint="nothing to do: the tree is this fabric's now",
            )
        )
        return
    if not manifest.belongs_to(fabric_name, fabric_id):
        reason = f'it belongs to fabric {manifest.fabric_name!r} (id {manifest.fabric_id})'
        raise ForeignTreeError(
            f'cannot onboard fabric {fabric_name!r} (id {fabric_id}) into {plan.layout.path}: {reason}. '
            'Choose another gitops_path.',
            path,
            reason,
        )
    if not manifest.describes(fabric_name, fabric_id):
        plan.result.findings.append(
            Finding(
                Severity.WARNING,
                'tree-manifest-outdated',
                f'the manifest names fabric {manifest.fabric_name!r} (id {manifest.fabric_id}), '
                f'format {manifest.format_version}; the fabric is now {fabric_name!r} (id {fabric_id})',
                file=str(path.relative_to(root)),
                hint='the manifest is never rewritten automatically',
            )
        )
    plan.result.present.append(path)


def _plan_gitkeeps(plan):
    """An empty directory gets a .gitkeep so git keeps it; "empty" means after this call's own changes."""
    filled = {path.parent for path in plan.result.created} | {target.parent for _, target in plan.result.adopted}
    for directory in plan.layout.directories():
        if directory in filled or (directory.is_dir() and any(directory.iterdir())):
            continue
        plan.gitkeeps.append(directory / GITKEEP)
        plan.result.created.append(directory / GITKEEP)


def _holds_files(raw):
    """raw/ holds anything (by the one raw/ listing rule of treefs) but .gitkeep."""
    tree = raw.parent
    with Tree(tree.parent, tree.name) as files:
        return bool(raw_entries(files))


# --- carrying out: every path is recorded in `done` the moment it exists ---------------------------


def _carry_out(plan, done):
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
        reason = _os_reason(exc)
        raise OnboardingError(f'cannot {what}: {reason}', path, reason) from exc


def _os_reason(exc):
    if exc.errno is not None and exc.strerror:
        return f'[Errno {exc.errno}] {exc.strerror}'
    return str(exc)


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


# --- reverting ----------------------------------------------------------------------------------


def _revert(done):
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
        leftovers.append(f'{what}: {_os_reason(exc)}')
        return False
    return True
