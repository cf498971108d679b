"""raw/ as an ingestion run sees it: the files it reads (and each one's identity when read), the unmanaged/
files it may adopt, and the removal of the raw files it ingested, only while each is still what was read.

A file being written while the run reads it (its identity changed between two stats) waits for the next run,
whole; a file changed or gone after it was read is not removed (INGEST_RAW_CHANGED); one that cannot be
removed stays with INGEST_REMOVE_FAILED and is settled by its record at the next run.
"""

from concurrent.futures import ThreadPoolExecutor

from netbox_hedgehog.core import kinds
from netbox_hedgehog.core.findings import Finding, Severity
from netbox_hedgehog.core.foreign import adoptable_document
from netbox_hedgehog.core.plan_model import RawFile
from netbox_hedgehog.core.tree import UNMANAGED, is_utf8_name, shown_name
from netbox_hedgehog.services import treefs
from netbox_hedgehog.services.faults import os_reason
from netbox_hedgehog.services.treefs import RawState

# Findings of removing what a run ingested (codes in docs/findings.md).
REMOVE_FAILED = 'INGEST_REMOVE_FAILED'
RAW_CHANGED = 'INGEST_RAW_CHANGED'
# Raw files removed at once: removing can wait for the disk (a file system mounted with `discard`).
REMOVERS = 8


class RawIntake:
    """The raw/ files of one run, through the run's `Tree` (`files`) and counted operations."""

    def __init__(self, files, operations):
        self.files = files
        self.operations = operations
        self.identities = {}  # raw path -> identity() when its bytes were read

    def read(self):
        """(raw files read, paths of files that are not YAML, paths of links, (path, reason) of the files that
        cannot be read, the names that are not UTF-8 as `shown_name` shows them), by the one raw/ listing rule;
        hidden names and special files are left alone without a word."""
        raw_files, ignored, links, unreadable, misnamed = [], [], [], [], []
        for entry in treefs.raw_entries(self.files):
            if entry.state in (RawState.HIDDEN, RawState.SPECIAL):
                continue
            if not is_utf8_name(entry.path):
                misnamed.append(shown_name(entry.path))
            elif entry.state == RawState.NOT_YAML:
                ignored.append(entry.path)
            elif entry.state == RawState.LINK:
                links.append(entry.path)
            elif entry.state == RawState.WAITING:
                try:
                    data, before, after = self.files.read_with_stat(entry.path)
                except treefs.LinkRefused:
                    links.append(entry.path)  # became a link since it was listed: still never read
                    continue
                except OSError as exc:
                    unreadable.append((entry.path, os_reason(exc)))
                    continue
                if identity(after) != identity(before):
                    continue  # being written right now: it waits for the next run, whole
                self.identities[entry.path] = identity(before)
                raw_files.append(RawFile(entry.path, data))
        return raw_files, ignored, links, unreadable, misnamed

    def read_adoptable(self):
        """(RawFile of its document, (kind, name)) of each unmanaged/ file holding a document of a kind managed
        now. Only files named after a managed kind are read (ingestion names them <kind>-<name>-<hash>.yaml);
        one that cannot be read, or changes while read, waits for a later run."""
        if not self.files.is_folder(UNMANAGED):
            return []
        prefixes = tuple(f'{kind.kind.lower()}-' for kind in kinds.KINDS)
        adoptable = []
        for entry in sorted(self.files.scandir(UNMANAGED), key=lambda entry: entry.name):
            if not entry.name.startswith(prefixes) or not entry.is_file(follow_symlinks=False):
                continue
            path = f'{UNMANAGED}/{entry.name}'
            try:
                data, before, after = self.files.read_with_stat(path)
            except OSError:
                continue
            found = adoptable_document(data, path) if identity(after) == identity(before) else None
            if found is not None:
                document, classified = found
                self.identities[path] = identity(before)
                adoptable.append((RawFile(path, document), (classified.kind.kind, classified.name)))
        return adoptable

    def _raw_identity(self, path):
        try:
            return identity(self.files.lstat(path))
        except FileNotFoundError:
            return None

    def remove_ingested(self, plan, outcome):
        removable = []
        for file_plan in plan.ingested:
            try:
                identity = self._raw_identity(file_plan.path)
            except OSError as exc:
                not_removed(outcome, file_plan, exc)
                continue
            if identity != self.identities[file_plan.path]:
                # Changed since it was read (an editor, a copy still arriving), or moved away: what was read
                # is in managed/ now, new content stays in raw/ for the next run.
                changed_during_run(outcome, file_plan, gone=identity is None)
            else:
                removable.append(file_plan)
        # Removing a file can wait for the disk (a file system mounted with `discard` trims the freed
        # blocks there and then): the removals wait together, not one after the other.
        with ThreadPoolExecutor(REMOVERS) as pool:
            errors = list(pool.map(self._unlink_raw, removable))
        removed = []
        for file_plan, error in zip(removable, errors, strict=True):
            if error is None:
                removed.append(file_plan.path)
            else:
                not_removed(outcome, file_plan, error)
        return removed

    def _unlink_raw(self, file_plan):
        """Remove an ingested raw file; the OSError when it cannot be (an immutable file or raw/ folder)."""
        try:
            self.operations.unlink(file_plan.path)
        except OSError as exc:
            return exc
        return None


def identity(stat):
    """Which file, of which size, last written when: any change of a raw file changes this."""
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def changed_during_run(outcome, file_plan, *, gone):
    path = file_plan.path
    if gone:
        what = f'{path} was removed or moved away during the run: its documents, as read, are ingested.'
    else:
        outcome.changed_during_run.append(path)
        what = (
            f'{path} changed during the run: its documents, as read, are ingested; the new content stays in raw/ '
            'for the next run.'
        )
    file_plan.findings.append(
        Finding(
            Severity.WARNING,
            RAW_CHANGED,
            what,
            file=path,
            hint='Nothing to do: nothing was lost. Let copies into raw/ finish before ingesting to avoid this.',
        )
    )


def not_removed(outcome, file_plan, exc):
    outcome.not_removed.append(file_plan.path)
    file_plan.findings.append(
        Finding(
            Severity.WARNING,
            REMOVE_FAILED,
            f'{file_plan.path} could not be removed ({os_reason(exc)}): its documents are ingested; it stays '
            f'in {file_plan.path.partition("/")[0]}/, and the next run settles it without writing anything again.',
            file=file_plan.path,
            hint='Lift what keeps it (an immutable file or raw/ folder), or remove it by hand: its documents '
            'are in managed/.',
        )
    )
