"""`fix` what is safe to repair in a fabric's tree (backup and restore are gitops/backup.py).

`fix` repairs structure and index only (ARCHITECTURE.md section 3, rule 5): missing directories
and manifest (through onboarding, the one writer of the tree spec), a valid managed file at the
wrong path moved to its own path when that is free and no other file wants it, and the index
rebuilt from managed/. It never deletes or overwrites a file: moves are a hard link under the new
name (which fails if the name is taken) and then the removal of the old name.
"""

import hashlib
import uuid
from dataclasses import dataclass, field

import yaml
from django.utils import timezone
from netbox.plugins import get_plugin_config

from netbox_hedgehog.core import kinds
from netbox_hedgehog.core.errors import public_message
from netbox_hedgehog.core.health_report import HealthReport
from netbox_hedgehog.core.plan_model import managed_target
from netbox_hedgehog.core.tree import HNP, UnsafePathError, layout_folders
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.services import onboarding, staging
from netbox_hedgehog.services.fabrics import finish_staged, staging_leftovers
from netbox_hedgehog.services.fileops import TEMPORARY_SUFFIX
from netbox_hedgehog.services.health import check_fabric, missing_managed, update_fabric_status
from netbox_hedgehog.services.health_managed import MissingSource, inspect_managed_file
from netbox_hedgehog.services.lock import fabric_lock
from netbox_hedgehog.services.reindex import reindex
from netbox_hedgehog.services.repository import GitError
from netbox_hedgehog.services.treefs import LINKS_ASIDE, find_links

__all__ = (
    'Change',
    'RepairResult',
    'fix',
    'index_text',
)

PLUGIN = 'netbox_hedgehog'
STRUCTURE_CODES = {'HEALTH_TREE_MISSING', 'HEALTH_DIR_MISSING', 'HEALTH_MANIFEST_MISSING'}
MISPLACED_CODES = {'HEALTH_MANAGED_WRONG_DIR', 'HEALTH_MANAGED_NAME_MISMATCH'}
LINK_CODES = {'HEALTH_SYMLINK'}
INDEX_CODES = {'HEALTH_INDEX_ROW_ORPHANED', 'HEALTH_INDEX_FILE_UNINDEXED', 'HEALTH_INDEX_HASH_MISMATCH'}
# Written back from git HEAD or from the index row (never dropped without a commit or a person saying so).
MISSING_CODES = {'HEALTH_MANAGED_MISSING'}
STAGING_CODES = {'HEALTH_TREE_STAGED', 'HEALTH_STAGING_LEFTOVER'}


# --- fix ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One change `fix` made (or, in a dry run, would make); paths are relative to the tree."""

    action: str  # create | adopt | move | reindex
    path: str
    detail: str = ''

    def as_dict(self):
        return {'action': self.action, 'path': self.path, 'detail': self.detail}


@dataclass
class RepairResult:
    fabric: str
    dry_run: bool
    before: HealthReport
    changes: list = field(default_factory=list)
    # Repairs refused or failed, each with its reason: these need a person.
    refused: list = field(default_factory=list)
    after: HealthReport | None = None

    @property
    def exit_code(self):
        """0 when every repair was (or would be) made, 1 when one was refused or failed."""
        return 1 if self.refused else 0

    def as_dict(self):
        return {
            'fabric': self.fabric,
            'dry_run': self.dry_run,
            'changes': [change.as_dict() for change in self.changes],
            'refused': self.refused,
            'before': self.before.as_dict(),
            'after': self.after.as_dict() if self.after else None,
        }


def fix(fabric, *, dry_run=False, forget_missing=False):
    """Repair what health found that is safe to repair; with `dry_run`, only the plan.

    A managed file that is missing while its index row holds the object is written back (from git
    HEAD when the fabric's working copy still has it, else from the row). A row is dropped only when
    its file's deletion is intended: a commit removed the file, or a person confirmed it through
    `forget_missing` (True: every managed file missing now; or the tree-relative paths they confirmed).

    Raises FabricLocked when an ingestion (or another repair) holds the fabric; a dry run takes no
    lock, as it changes nothing.
    """
    if dry_run:
        return _fix(fabric, check_fabric(fabric), dry_run=True, forget=forget_missing)
    with fabric_lock(fabric, 'repair'):
        result = _fix(fabric, check_fabric(fabric, under_lock=True), dry_run=False, forget=forget_missing)
        result.after = check_fabric(fabric, under_lock=True)
    update_fabric_status(fabric, result.after)
    return result


def _fix(fabric, before, dry_run, forget=False):
    result = RepairResult(fabric.name, dry_run, before)
    current = before
    codes = {finding.code for finding in before.findings}
    if codes & LINK_CODES:
        # First, before anything is written through them: links go aside, linked folders become real ones.
        _move_links_aside(fabric, result)
        if result.refused:
            return result
        if not dry_run:
            current = before = check_fabric(fabric, under_lock=True)
    if codes & STAGING_CODES:
        _finish_staging(fabric, result)
        if not dry_run:
            current = before = check_fabric(fabric, under_lock=True)
    if {finding.code for finding in current.findings} & STRUCTURE_CODES:
        _repair_structure(fabric, result)
        if not dry_run:  # a directory that was missing (managed/, say) can now be checked
            current = check_fabric(fabric, under_lock=True)
    moved = _move_misplaced(fabric, result, [f for f in current.findings if f.code in MISPLACED_CODES])
    # A misplaced file moved back to its own path is the missing file itself: nothing to restore there.
    missing = [item for item in _missing(fabric) if item.path not in moved]
    dropped = _restore_or_drop(fabric, result, missing, forget)
    codes = {finding.code for finding in current.findings}
    if codes & INDEX_CODES or moved or dropped or any(change.action == 'restore' for change in result.changes):
        _reindex(fabric, result, current, dropped)
    return result


def _missing(fabric):
    """Read again rather than taken from the report: a dry run's report skips managed/ when it is missing."""
    try:
        return missing_managed(fabric)
    except UnsafePathError:
        return []  # HEALTH_TREE_UNSAFE: nothing under the tree is touched


def _restore_or_drop(fabric, result, missing, forget):
    """Write each missing managed file back, or, for an intended deletion, plan its row's drop.

    Returns {path: Change} for the rows that go: committed deletions, and those `forget` confirms.
    """
    confirmed = {item.path for item in missing} if forget is True else set(forget or ())
    for path in sorted(confirmed - {item.path for item in missing}):
        result.refused.append(f'{path}: not a missing managed file (it exists, or no row names it); not forgotten')
    dropped = {}
    rows = {row.managed_path: row for row in fabric.resources.filter(managed_path__in=[m.path for m in missing])}
    for item in missing:
        if item.path in confirmed:
            dropped[item.path] = Change('forget', item.path, f'{item.kind} {item.name}: deletion confirmed')
        elif item.source == MissingSource.COMMITTED:
            dropped[item.path] = Change('drop', item.path, f'{item.kind} {item.name}: deletion committed in git')
        elif (row := rows.get(item.path)) is not None:
            _restore(fabric, result, item, row)
    if result.dry_run:
        result.changes += dropped.values()
    return dropped


def _restore(fabric, result, item, row):
    """Write `row`'s missing file back: HEAD's exact bytes when they are what the row indexed, else the row."""
    layout = fabric.layout()
    kind = kinds.by_kind(row.kind)
    if kind is None or managed_target(kind, row.name) != row.managed_path:
        result.refused.append(f'{row.managed_path}: its row names {row.kind} {row.name}, whose place is elsewhere')
        return
    data, detail = None, ''
    if item.source == MissingSource.GIT:
        try:
            committed = fabric.working_copy().committed_bytes(row.managed_path)
        except GitError as exc:
            committed, detail = None, f'git HEAD unreadable ({exc}); '
        if committed is not None and hashlib.sha256(committed).hexdigest() == row.sha256:
            data, detail = committed, 'from git HEAD, byte-identical (SHA-256 checked)'
        elif committed is not None:
            detail = 'git HEAD holds an older version; '
    if data is None:
        data = index_text(row).encode()
        if hashlib.sha256(data).hexdigest() == row.sha256:
            detail += 'from the index, byte-identical (SHA-256 checked)'
        else:
            detail += (
                'from the index as clean CR YAML: the index holds apiVersion, kind, name, namespace and spec, not '
                "the author's text (comments, layout, labels and annotations are not restored)"
            )
    if result.dry_run:
        result.changes.append(Change('restore', row.managed_path, detail))
        return
    try:
        with fabric.files() as tree:
            _write_missing(tree, row.managed_path, data)
    except OSError as exc:
        reason = public_message(exc, layout.path, gitops_root())
        result.refused.append(f'{row.managed_path}: cannot write it back ({reason}); its index row is kept')
        return
    result.changes.append(Change('restore', row.managed_path, detail))


def index_text(row):
    """The object an index row holds, as the clean CR YAML of a managed file."""
    metadata = {'name': row.name}
    if row.namespace and row.namespace != 'default':
        metadata['namespace'] = row.namespace
    document = {'apiVersion': row.api_version, 'kind': row.kind, 'metadata': metadata}
    if row.spec is not None:
        document['spec'] = row.spec
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)


def _write_missing(tree, relative, data):
    """Write `relative`, which must not exist, through the tree (no link followed): a durable temporary beside
    it, then a hard link under the name (which fails if the name was taken meanwhile: nothing is ever
    overwritten)."""
    folder, _, name = relative.rpartition('/')
    tree.folder(folder, create=True)
    temporary = f'{folder}/.{name[:100]}.{uuid.uuid4().hex}{TEMPORARY_SUFFIX}'
    try:
        tree.write_new(temporary, data, fsync=True)
        tree.link(temporary, relative)
        tree.fsync_folder(folder)
    finally:
        tree.unlink(temporary, missing_ok=True)


def _finish_staging(fabric, result):
    """A tree built at the fabric's creation whose move into place failed: moved now. Staging folders of
    creations that never committed: removed (they hold only what the creation made or cloned)."""

    try:
        staged = finish_staged(fabric, dry_run=result.dry_run)
    except OSError as exc:
        reason = public_message(exc, root=gitops_root())
        result.refused.append(f'tree staged at the creation: cannot move it into place ({reason})')
        staged = None
    if staged is not None:
        result.changes.append(Change('finish', fabric.gitops_path, f'moved into place from {staged.name}'))
    for leftover in staging_leftovers(gitops_root()):
        if not result.dry_run:
            staging.discard(leftover.path)
        detail = f'staging folder of a creation of {leftover.fabric_name} that did not commit, removed'
        result.changes.append(Change('sweep', leftover.name, detail))


def _repair_structure(fabric, result):
    try:
        copy = None if result.dry_run else fabric.working_copy()
        if copy is not None and copy.ensure():
            # A fabric with a remote gets its tree back from the remote, not from scratch.
            result.changes.append(Change('clone', str(copy.folder), f'from {fabric.display_remote_url}'))
        done = onboarding.initialize(
            gitops_root(),
            fabric.tree_relative_path,
            fabric_name=fabric.name,
            fabric_id=fabric.pk,
            dry_run=result.dry_run,
        )
    except (onboarding.OnboardingError, GitError) as exc:
        result.refused.append(f'tree structure: {public_message(exc, fabric.tree_path, gitops_root())}')
        return
    tree = done.tree
    result.changes += [Change('create', _shown(path, tree)) for path in done.created]
    result.changes += [
        Change('adopt', _shown(target, tree), f'from {_shown(src, tree)}') for src, target in done.adopted
    ]


def _move_links_aside(fabric, result):
    """Each link that stops the writers moves, as itself (never followed), into .hnp/links-aside/; a layout
    folder that was a link is replaced by a real empty folder. Nothing is deleted."""
    stamp = timezone.now().strftime('%Y%m%dT%H%M%SZ')
    with fabric.files() as tree:
        links = find_links(tree)
        for link in links:
            aside = f'{LINKS_ASIDE}/{link.replace("/", "__")}.{stamp}'
            result.changes.append(Change('move-aside', link, f'to {aside}'))
            if link in layout_folders():
                result.changes.append(Change('create', link, 'a real folder in place of the link'))
        if result.dry_run or not links:
            return
        try:
            if HNP in links:  # .hnp/ itself: out of the way first, so a real .hnp/ can receive the links
                parked = f'.hnp-link-{uuid.uuid4().hex}'
                tree.move_new(HNP, parked)
                tree.mkdir(HNP)
                links = [parked if link == HNP else link for link in links]
            tree.folder(LINKS_ASIDE, create=True)
            for link in links:
                name = HNP if link.startswith('.hnp-link-') else link
                aside = f'{LINKS_ASIDE}/{name.replace("/", "__")}.{stamp}'
                if tree.lstat_or_none(aside) is not None:
                    aside = f'{aside}-{uuid.uuid4().hex[:8]}'
                tree.move_new(link, aside)
                if name in layout_folders() and name != HNP:
                    tree.mkdir(name)
        except OSError as exc:
            result.refused.append(f'symbolic links: cannot move {exc.filename} aside ({exc.strerror or exc})')


def _shown(path, tree):
    return path.relative_to(tree).as_posix() if path.is_relative_to(tree) else str(path)


def _move_misplaced(fabric, result, findings):
    """Move each misplaced valid file to its own path when that is free and wanted by no other file.

    Returns the paths moved to (in a dry run, that would be)."""
    max_bytes = get_plugin_config(PLUGIN, 'max_file_bytes')
    with fabric.files() as tree:
        wanted = {}
        for finding in findings:
            try:
                target = inspect_managed_file(finding.file, tree.read(finding.file), max_bytes).target
            except OSError as exc:
                result.refused.append(f'{finding.file}: cannot read it ({exc.strerror or exc})')
                continue
            if target is not None:
                wanted.setdefault(target, []).append(finding.file)
        return _move_wanted(tree, result, wanted)


def _move_wanted(tree, result, wanted):
    moved = set()
    for target, sources in sorted(wanted.items()):
        if len(sources) > 1:
            result.refused.append(f'{", ".join(sources)}: all belong at {target}; keep one, remove the others')
        elif tree.lstat_or_none(target) is not None:
            result.refused.append(f'{sources[0]}: {target} already exists (never overwritten); compare and keep one')
        elif result.dry_run:
            result.changes.append(Change('move', target, f'from {sources[0]}'))
            moved.add(target)
        else:
            try:
                tree.move_new(sources[0], target)  # fails if the name is taken: never overwrites
            except OSError as exc:
                result.refused.append(f'{sources[0]}: cannot move it to {target} ({exc.strerror or exc})')
                continue
            result.changes.append(Change('move', target, f'from {sources[0]}'))
            moved.add(target)
    return moved


def _reindex(fabric, result, report, dropped):
    if result.dry_run:
        for finding in report.findings:
            if finding.code in INDEX_CODES and finding.file not in dropped:
                result.changes.append(Change('reindex', finding.file, finding.message))
        if any(change.action in ('move', 'restore') for change in result.changes):
            result.changes.append(Change('reindex', 'managed/', 'the moved and restored files'))
        return
    done = reindex(fabric, drop_missing=dropped)
    for action, paths in (('row created', done.created), ('row updated', done.updated)):
        result.changes += [Change('reindex', path, action) for path in paths]
    for path in done.deleted:
        result.changes.append(dropped.get(path) or Change('reindex', path, 'row deleted: no valid object in the file'))
