"""Ingestion: raw/ into managed/ and unmanaged/, then NetBox's index, without ever losing a document.

The order is the data-safety contract (ARCHITECTURE.md section 3): plan everything first; write
each managed/unmanaged file atomically (temporary file, rename); one durability barrier; the DB
index in one transaction; only then remove the raw files that were ingested whole; provenance
last. A crash anywhere leaves every document in its raw file or in a durable output file, and a
re-run reaches the state an uninterrupted run would have: outputs whose bytes are already right
are not rewritten, the index is rebuilt from what is on disk.

Every entry point (command, job, API, UI, onboarding) calls `ingest`, `reindex` or `raw_backlog`;
uploads into raw/ are checked with `plan_raw`.

Faults of the disk are one file's failure, not the run's. A raw file that cannot be read, or whose
output cannot be read, is rejected (INGEST_READ_FAILED). An output that cannot be written (a full disk,
an immutable folder or file) rejects the raw files with a document bound there (INGEST_WRITE_FAILED);
the outputs that were written are durable and indexed like any other ("index what was durably
written"), so a re-run finds them unchanged. A raw file ingested whole that cannot be removed stays in
raw/ with INGEST_REMOVE_FAILED: its record settles it at the next run (one stat per output, nothing
rewritten), which tries to remove it again. A provenance log that cannot be appended is a warning
(INGEST_LOG_FAILED): the run's record in the database holds the same provenance.

Only a fault of the whole tree or of the database fails the run (IngestionFailed, with a message
naming no server path): managed/ (or unmanaged/) cannot take a new file at all, which is asked only
once a write failed, or the database fails. The run is then recorded as failed with the reason. When
the index could not be committed, the outputs this run created are removed again (their documents
are still in their raw files, which go only after the commit): no output is left without its index
row. An output this run replaced keeps its earlier row, which the next run brings up to date.
"""

import functools
import gc
import hashlib
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from stat import S_ISREG

from core.models import ObjectType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from extras.models import CachedValue
from netbox.plugins import get_plugin_config
from netbox.search import get_indexer
from psycopg.types.json import Jsonb

from netbox_hedgehog import kinds
from netbox_hedgehog.choices import GitOpsStatusChoices, IngestionStatusChoices
from netbox_hedgehog.core.exit_codes import FAILED, NOT_PUSHED, OK
from netbox_hedgehog.errors import public_message
from netbox_hedgehog.findings import HEALTH_ACTION, Finding, Severity, in_file_order
from netbox_hedgehog.gitops import fileops, sync, treefs
from netbox_hedgehog.gitops.faults import StorageFault, os_reason
from netbox_hedgehog.gitops.foreign import adoptable_document, adoption_offer
from netbox_hedgehog.gitops.index import read_index
from netbox_hedgehog.gitops.lock import fabric_lock
from netbox_hedgehog.gitops.plan import read_raw
from netbox_hedgehog.gitops.plan_model import (
    NOT_A_FILE,
    RECORD_SHA256,
    RECORD_TARGET,
    DocumentAction,
    Plan,
    RawFile,
    Unreadable,
    managed_target,
    record_stat,
)
from netbox_hedgehog.gitops.repository import PushResult
from netbox_hedgehog.gitops.tree import HNP, MANAGED, UNMANAGED, is_utf8_name, shown_name
from netbox_hedgehog.gitops.treefs import RawState
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestedFile, IngestionRun
from netbox_hedgehog.models.changelog import ResourceChanges
from netbox_hedgehog.models.deletion import delete_resources, delete_search_entries
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.validation import classify, reference_keys, validate_document
from netbox_hedgehog.yamlio import Document, read_documents

__all__ = (
    'IngestionFailed',
    'IngestionOutcome',
    'ReindexResult',
    'ingest',
    'last_finished_run',
    'plan_raw',
    'raw_backlog',
    'raw_backlog_page',
    'reindex',
)

logger = logging.getLogger('netbox_hedgehog.ingestion')

PROVENANCE_LOG = 'ingestions.jsonl'
# The provenance action of a comment that belongs to no document: its text is kept in the record itself.
COMMENT_KEPT = 'comment'
# Findings of the steps after the plan (codes in docs/findings.md).
REMOVE_FAILED = 'INGEST_REMOVE_FAILED'
RAW_CHANGED = 'INGEST_RAW_CHANGED'
LOG_FAILED = 'INGEST_LOG_FAILED'
REMOVERS = 8
# Rows inserted at once from which the planner's statistics of the index table are refreshed at once.
ANALYZE_AFTER_ROWS = 1000


@dataclass
class IngestionOutcome:
    fabric: HedgehogFabric
    plan: object
    dry_run: bool
    run: IngestionRun | None = None
    written: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    # Raw files ingested as they were read, then changed before their removal: kept in raw/.
    changed_during_run: list = field(default_factory=list)
    # Raw files ingested whole that could not be removed (INGEST_REMOVE_FAILED): the next run settles them.
    not_removed: list = field(default_factory=list)
    # Findings of the run beyond its plan's (INGEST_LOG_FAILED).
    findings: list = field(default_factory=list)

    # With a git remote: the run's commit and whether it reached the remote.
    git: PushResult | None = None

    @property
    def exit_code(self):
        """The command's exit code: 0 when every raw file was ingested (and pushed, with a remote), 1 when
        some stay in raw/, 4 when the run's commit could not be pushed (it is kept in the working copy)."""
        if self.git is not None and self.git.error:
            return NOT_PUSHED
        return FAILED if self.plan.rejected or self.plan.blocked or self.not_removed else OK

    def all_findings(self):
        return in_file_order(self.plan.findings() + self.findings)

    def as_dict(self):
        return {
            'fabric': self.fabric.name,
            'dry_run': self.dry_run,
            'run': self.run.pk if self.run else None,
            'written': self.written,
            'removed': self.removed,
            'changed_during_run': self.changed_during_run,
            'not_removed': self.not_removed,
            'findings': [finding.as_dict() for finding in self.findings],
            'git': self.git.as_dict() if self.git else None,
            **self.plan.as_dict(),
        }


class IngestionFailed(StorageFault):
    """The run failed as a whole: the tree cannot be written, or the database failed. Nothing was lost;
    `run` is the run's id when it was recorded (failed, with this message)."""

    def __init__(self, message, *, errno=None, run=None):
        super().__init__(message, errno=errno)
        self.run = run


def ingest(fabric, *, trigger, user=None, dry_run=False, progress=None, wait=0, adopt_unmanaged=False):
    """Ingest `fabric`'s raw/ folder; with `adopt_unmanaged`, also move the unmanaged/ documents of kinds
    managed now (foreign when they were filed) to managed/: without it, the plan only offers to.

    Raises FabricLocked when another ingestion holds the fabric (at once, or after `wait`
    seconds), GitError, before any change, when the fabric's working copy cannot be brought up
    to date with its remote, and IngestionFailed when a fault of the tree or the database stopped the
    run (the message names no server path). A dry run neither pulls nor commits.
    """
    try:
        return _ingest(fabric, trigger, user, dry_run, progress, wait, adopt_unmanaged)
    except (OSError, DatabaseError) as exc:  # before the run was recorded, or while recording it
        raise _failure(exc, fabric) from exc


def _ingest(fabric, trigger, user, dry_run, progress, wait, adopt_unmanaged):
    with fabric_lock(fabric, wait=wait):
        copy = None if dry_run else fabric.working_copy()
        if copy is not None:
            changed = sync.pull_before_run(fabric, copy)
            if any('/managed/' in f'/{path}' for path in changed):
                # Another worker's run (already indexed) or a person's push (not yet): files are the truth.
                # A file the pull removed was deleted by a commit, on purpose: its row goes too.
                pulled = {path.removeprefix(f'{fabric.git_path}/') for path in changed}
                _reindex(fabric, drop_missing=pulled)
        outcome = _Ingestion(fabric, trigger, user, progress, adopt_unmanaged).run(dry_run)
        if copy is not None and not outcome.plan.blocked:  # a link in the tree: nothing is committed either
            # Without a run (nothing in raw/), a commit an earlier run could not push is still pushed now.
            run = outcome.run
            message = sync.commit_message(fabric, run.counts if run else {}, run)
            outcome.git = sync.publish(fabric, copy, message, user)
            if run is not None:
                IngestionRun.objects.filter(pk=run.pk).update(
                    git_commit=outcome.git.commit or '', git_error=outcome.git.error
                )
        return outcome


def plan_raw(fabric, path=None, data=None):
    """The plan the next ingestion would make of raw/ as it is now, with `data` as the raw file `path` when
    given (an upload, written or not): the files waiting beside it are planned with it, so a clash with one
    of them is this file's verdict too. Returns (Plan, {path: identity} of the files read from disk as
    planned). Takes no lock and writes nothing."""
    ingestion = _Ingestion(fabric, trigger=None, user=None, progress=None)
    with ingestion.files:
        if links := treefs.find_links(ingestion.files):
            return Plan(blocked=treefs.link_findings(links)), {}
        raw_files, ignored, links, unreadable, misnamed = ingestion._read_raw()
        identities = ingestion.raw_identities
        if path is not None:
            if any(raw.path == path and raw.data != data for raw in raw_files):
                del identities[path]  # planned with other bytes than the disk holds
            raw_files = [raw for raw in raw_files if raw.path != path] + [RawFile(path, data)]
        return ingestion.plan(raw_files, ignored, links, unreadable, misnamed), identities


class _Ingestion:
    def __init__(self, fabric, trigger, user, progress, adopt_unmanaged=False):
        self.fabric = fabric
        self.adopt_unmanaged = adopt_unmanaged
        # unmanaged/ path -> where its document first came from (run, raw file, document, line), for the
        # files this run adopts: their index rows and provenance keep naming that origin.
        self.origins = {}
        self.trigger = trigger
        self.user = user
        self.progress = progress or (lambda step, done, total: None)
        self.layout = fabric.layout()
        self.files = fabric.files()  # every file operation of the run, through the run's folder descriptors
        self.operations = fileops.FileOperations(self.files)
        self.raw_identities = {}  # raw path -> _identity() when its bytes were read
        # target -> (size, modification time) of each output this run looked at or wrote: its index rows
        # and ingested-file records carry them
        self.output_stats = {}

    def run(self, dry_run):
        with _cyclic_collector_paused(), self.files:
            return self._run(dry_run)

    def _run(self, dry_run):
        started = timezone.now()
        if links := treefs.find_links(self.files):
            # A link among the tree's folders (or inside managed/, unmanaged/, .hnp/) could lead a write
            # outside the tree: the run stops before it writes anything, naming each link.
            return self._blocked(links, started, dry_run)
        raw_files, ignored, links, unreadable, misnamed = self._read_raw()
        adoptable = self._read_adoptable()
        if self.adopt_unmanaged:
            plan = self.plan(raw_files + [raw for raw, _ in adoptable], ignored, links, unreadable, misnamed)
        else:
            plan = self.plan(raw_files, ignored, links, unreadable, misnamed)
            plan.offers = [adoption_offer(raw.path, *identity) for raw, identity in adoptable]
        outcome = IngestionOutcome(self.fabric, plan, dry_run)
        if dry_run:
            return outcome
        if self.adopt_unmanaged:
            self.origins = _origins(self.fabric, [raw.path for raw, _ in adoptable])
        _close_interrupted_runs(self.fabric)
        if _last_run_failed(self.fabric):  # only a run that did not finish leaves temporary files behind
            self.operations.remove_stale_temporaries((MANAGED, UNMANAGED))
        if not (plan.ingested or plan.rejected):
            # A run is an event of the tree's history: with nothing to ingest or reject, none is recorded.
            return outcome
        outcome.run = IngestionRun.objects.create(
            fabric=self.fabric, started=started, trigger=self.trigger, user=self.user
        )
        try:
            outputs, created = self._outputs(plan)
            # Every output gets this modification time, set by the writer, so the index rows are built
            # before the files exist. A later edit gets the kernel's time of that edit, so a same-size
            # edit is still told apart from what this run wrote.
            stamp = time.time_ns()
            self.output_stats.update((target, (len(content), stamp)) for target, content in outputs.items())
            try:
                unusable = self._write_and_index(plan, outcome, outputs, stamp)
            except BaseException:
                # Nothing of the run is indexed: what it created goes again; the documents are still in raw/.
                self._remove_created(created)
                raise
            outcome.removed = self._remove_ingested(plan, outcome)
            if outcome.run.provenance:  # a run that ingested nothing leaves the log (and git) alone
                self._append_provenance(outcome)
            _record_late_findings(outcome)
            if unusable is not None:  # recorded with the run: it failed, though what it could do is done
                raise unusable
        except IngestionFailed:
            raise
        except BaseException as exc:
            failure = _failure(exc, self.fabric, outcome.run)
            _record_failure(self.fabric, outcome.run, str(failure) if failure else _unexpected(exc, self.fabric))
            if failure is None:
                raise
            raise failure from exc
        return outcome

    def _blocked(self, links, started, dry_run):
        plan = Plan(blocked=treefs.link_findings(links))
        outcome = IngestionOutcome(self.fabric, plan, dry_run)
        if dry_run:
            return outcome
        _close_interrupted_runs(self.fabric)
        error = '; '.join(treefs.link_message(link) for link in links)
        outcome.run = IngestionRun.objects.create(
            fabric=self.fabric,
            started=started,
            finished=timezone.now(),
            trigger=self.trigger,
            user=self.user,
            status=IngestionStatusChoices.FAILED,
            error=error,
            counts={**plan.counts(), 'written': 0},
            findings=[finding.as_dict() for finding in plan.blocked],
        )
        HedgehogFabric.objects.filter(pk=self.fabric.pk).update(gitops_status=GitOpsStatusChoices.FAILED)
        self.fabric.gitops_status = GitOpsStatusChoices.FAILED
        return outcome

    def _write_and_index(self, plan, outcome, outputs, stamp):
        """Write the outputs and fill the index in one transaction; the run's record is finished in it too.

        The files are written, and made durable by the run's one barrier, while the index is filled in the
        open transaction: it commits only after the barrier, so the index never names a file that is not
        durable, and no raw file goes before both. When outputs could not be written, the index work is
        undone (a savepoint) and done again for what is in place, with the files bound for the failed
        outputs rejected. Returns the IngestionFailed to raise when managed/ or unmanaged/ itself turned out
        unusable, else None.
        """
        documents = [(file_plan, document) for file_plan in plan.parsed for document in file_plan.documents]
        outcome.written = sorted(outputs)
        with transaction.atomic():
            with transaction.atomic():
                with self._writing(outputs, stamp) as failed:
                    _update_index(
                        self.fabric, documents, lambda: self.rows, self.output_stats, outcome.run, self.origins
                    )
                    _record_ingested_files(self.fabric, plan, outcome.run, self.output_stats)
                    _finish_run(outcome, _provenance(plan, self.origins))
                if failed:
                    transaction.set_rollback(True)
            if not failed:
                return None
            unusable = self._unusable_folder(failed, outcome.run)
            documents = plan.reject_unwritten({target: os_reason(exc) for target, exc in failed.items()})
            _update_index(self.fabric, documents, lambda: self.rows, self.output_stats, outcome.run, self.origins)
            _record_ingested_files(self.fabric, plan, outcome.run, self.output_stats)
            outcome.written = sorted(set(outputs) - set(failed))
            _finish_run(outcome, _provenance(plan, self.origins), error=str(unusable) if unusable else '')
        return unusable

    def _unusable_folder(self, failed, run):
        """IngestionFailed when a top folder that a failed output belongs to cannot take any new file (a file
        system gone read-only, an immutable managed/ without the kind's folder), else None: the failures
        are those files' own (a full or immutable managed/<kind>, an immutable file)."""
        for top in sorted({target.split('/', 1)[0] for target in failed}):
            error = self.operations.creation_error(top)
            if error is not None:
                message = f'{top}/ cannot be written ({os_reason(error)}): the run failed; nothing was lost.'
                return IngestionFailed(message, errno=error.errno, run=run.pk)
        return None

    def _remove_created(self, created):
        for target in created:
            try:
                self.operations.unlink(target)
            except OSError as exc:  # the next run indexes it (the raw file is still there)
                logger.warning(
                    'fabric=%s event=output_not_removed file=%s reason=%r', self.fabric.name, target, os_reason(exc)
                )

    @functools.cached_property
    def rows(self):
        """The index entries by managed path; read only when a file is not settled by its records alone."""
        return read_index(self.fabric)

    def plan(self, raw_files, ignored=(), links=(), unreadable=(), misnamed=()):
        """The plan of `raw_files`, with what each of its steps needs gathered from the tree and the index."""
        reading = read_raw(
            raw_files,
            _known_files(self.fabric, raw_files),
            max_bytes=get_plugin_config('netbox_hedgehog', 'max_file_bytes'),
        )
        in_place = {
            (record[RECORD_TARGET], record[RECORD_SHA256])
            for record in reading.records_to_check()
            if self._output_in_place(record)
        }
        reading.settle(in_place)
        return reading.decide(
            {target: self._current_sha256(target) for target in sorted(reading.targets())},
            _indexed_documents(self.fabric) if reading.needs_context else (),
            ignored=ignored,
            links=links,
            unreadable=unreadable,
            misnamed=misnamed,
            scope=f'raw/ nor managed/ of fabric {self.fabric.name}',
        )

    def _read_raw(self):
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
                if _identity(after) != _identity(before):
                    continue  # being written right now: it waits for the next run, whole
                self.raw_identities[entry.path] = _identity(before)
                raw_files.append(RawFile(entry.path, data))
        return raw_files, ignored, links, unreadable, misnamed

    def _read_adoptable(self):
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
            found = adoptable_document(data, path) if _identity(after) == _identity(before) else None
            if found is not None:
                document, classified = found
                self.raw_identities[path] = _identity(before)
                adoptable.append((RawFile(path, document), (classified.kind.kind, classified.name)))
        return adoptable

    def _output_in_place(self, record):
        """Whether a known file's output still holds what its record says: at once when the file's size and
        modification time are those the record saw, else by its hash."""
        target = record[RECORD_TARGET]
        if (recorded := record_stat(record)) is not None:  # records of earlier versions carry no stats
            try:
                stat = self.files.lstat(target)
            except OSError:  # missing, or not to be looked at: not in place (the plan says why)
                return False
            if (stat.st_size, stat.st_mtime_ns) == tuple(recorded) and S_ISREG(stat.st_mode):
                return True
        return self._current_sha256(target) == record[RECORD_SHA256]

    def _current_sha256(self, target):
        """The file's hash: from the index when its size and modification time still match, else read."""
        try:
            stat = self.files.lstat(target)
            if not S_ISREG(stat.st_mode):
                return NOT_A_FILE
            size, mtime_ns = self.output_stats[target] = stat.st_size, stat.st_mtime_ns
            row = self.rows.get(target)
            if row is not None and row.file_size == size and row.file_mtime_ns == mtime_ns:
                return row.sha256
            return hashlib.sha256(self.files.read(target)).hexdigest()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            return Unreadable(os_reason(exc))

    def _outputs(self, plan):
        """{target: content} of every file this run writes, and the targets among them that do not exist yet."""
        outputs, created = {}, set()
        for file_plan in plan.parsed:
            for document in file_plan.documents:
                if self._needs_writing(document):
                    outputs[document.target] = document.content
                    if document.action == DocumentAction.CREATE or (
                        document.action == DocumentAction.FOREIGN and self.files.lstat_or_none(document.target) is None
                    ):
                        created.add(document.target)
        return outputs, created

    @contextmanager
    def _writing(self, outputs, mtime_ns):
        """Write `outputs` (see fileops.writing) around the block; yields {target: OSError} of those that could
        not be written, filled when the block is over. A folder that cannot be made fails its files."""
        failed, unmade = {}, {}
        for folder in sorted({target.rpartition('/')[0] for target in outputs}):
            try:
                self.files.folder(folder, create=True)
            except OSError as exc:
                unmade[folder] = exc
        for target in outputs:
            if target.rpartition('/')[0] in unmade:
                failed[target] = unmade[target.rpartition('/')[0]]
        files = [(target, content) for target, content in sorted(outputs.items()) if target not in failed]
        with fileops.writing(self.operations, files, mtime_ns, self.progress) as written_failed:
            yield failed
        failed.update(written_failed)

    def _needs_writing(self, document):
        if document.content is None:
            return False  # a document of a settled file: its output is in place
        if document.action in (DocumentAction.CREATE, DocumentAction.UPDATE):
            return True  # the plan found the target missing or holding other bytes
        # A foreign document's file is named by its content, so it may be there already.
        return document.action == DocumentAction.FOREIGN and not self._holds(document.target, document.content)

    def _holds(self, target, content):
        try:
            descriptor, stat = self.files.open_file(target)
        except (FileNotFoundError, NotADirectoryError):
            return False
        try:
            return stat.st_size == len(content) and os.read(descriptor, len(content) + 1) == content
        finally:
            os.close(descriptor)

    def _raw_identity(self, path):
        try:
            return _identity(self.files.lstat(path))
        except FileNotFoundError:
            return None

    def _remove_ingested(self, plan, outcome):
        removable = []
        for file_plan in plan.ingested:
            try:
                identity = self._raw_identity(file_plan.path)
            except OSError as exc:
                _not_removed(outcome, file_plan, exc)
                continue
            if identity != self.raw_identities[file_plan.path]:
                # Changed since it was read (an editor, a copy still arriving), or moved away: what was read
                # is in managed/ now, new content stays in raw/ for the next run.
                _changed_during_run(outcome, file_plan, gone=identity is None)
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
                _not_removed(outcome, file_plan, error)
        return removed

    def _unlink_raw(self, file_plan):
        """Remove an ingested raw file; the OSError when it cannot be (an immutable file or raw/ folder)."""
        try:
            self.operations.unlink(file_plan.path)
        except OSError as exc:
            return exc
        return None

    def _append_provenance(self, outcome):
        run = outcome.run
        record = {
            'run': run.pk,
            'started': run.started.isoformat(),
            'finished': run.finished.isoformat(),
            'trigger': self.trigger,
            'entries': run.provenance,
        }
        log = f'{HNP}/{PROVENANCE_LOG}'
        try:
            self.operations.append(log, json.dumps(record, sort_keys=True) + '\n')
        except OSError as exc:
            outcome.findings.append(
                Finding(
                    Severity.WARNING,
                    LOG_FAILED,
                    f'{log} could not be appended ({os_reason(exc)}): the provenance of run {run.pk} is in '
                    'its record in NetBox only.',
                    file=log,
                    hint='Lift what blocks the file (an immutable file, a full disk); later runs append again.',
                )
            )


@contextmanager
def _cyclic_collector_paused():
    """A run builds millions of small objects without cycles (parsed documents, plan, rows); meanwhile
    CPython's cyclic collector would walk the whole heap, NetBox's included, again and again: a quarter
    of the plan's time. Paused for the run, and resumed as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _identity(stat):
    """Which file, of which size, last written when: any change of a raw file changes this."""
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def _changed_during_run(outcome, file_plan, *, gone):
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


def _not_removed(outcome, file_plan, exc):
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


def _indexed_documents(fabric):
    """The index as documents, so raw/ references to managed objects resolve without reading files."""
    fields = ('managed_path', 'api_version', 'kind', 'name', 'namespace', 'spec')
    rows = HedgehogResource.objects.filter(fabric=fabric)
    return [
        Document(
            file=path,
            index=0,
            line=1,
            text_line=1,
            text='',
            data={'apiVersion': api, 'kind': kind, 'metadata': {'name': name, 'namespace': namespace}, 'spec': spec},
        )
        for path, api, kind, name, namespace, spec in rows.values_list(*fields)
    ]


def _origins(fabric, paths):
    """{unmanaged/ path: where its document came from} for `paths`, from the provenance of the latest run that
    filed each there: the run, its raw file, the document's index and line."""
    origins = {}
    for path in paths:
        runs = IngestionRun.objects.filter(fabric=fabric, provenance__contains=[{'destination': path}]).order_by('-pk')
        for run_pk, provenance in runs.values_list('pk', 'provenance')[:1]:
            entry = next(entry for entry in provenance if entry.get('destination') == path)
            origins[path] = {
                'run': run_pk,
                'source': entry['source'],
                'document': entry['document'],
                'line': entry['line'],
            }
    return origins


def _provenance(plan, origins):
    """Where each document went, and each comment that went into no output (a file's header, a commented-out
    document), verbatim: the raw file is removed, and nothing its author wrote may disappear with it. A
    document adopted from unmanaged/ names where it came from before (`origins`).

    A settled file (same bytes as an earlier run, outputs intact) gets one entry for the file: its
    documents' and comments' provenance is the earlier run's, recorded then."""
    entries = []
    for file_plan in plan.ingested:
        if file_plan.settled:
            entries.append({'source': file_plan.path, 'sha256': file_plan.sha256, 'action': 'settled'})
            continue
        origin = {'adopted_from': origins[file_plan.path]} if file_plan.path in origins else {}
        entries.extend(
            {
                'source': file_plan.path,
                'document': document.index,
                'line': document.line,
                'sha256': document.sha256,
                'destination': document.target,
                'action': document.action.value,
                **origin,
            }
            for document in file_plan.documents
        )
        entries.extend(
            {'source': file_plan.path, 'line': line, 'action': COMMENT_KEPT, 'text': text}
            for line, text in file_plan.comments
        )
    return entries


def _update_index(fabric, documents, index_rows, output_stats, run, origins):
    """One row per managed object this run wrote; rows of unchanged objects are not touched.

    `documents` are (file plan, document) pairs of parsed files; `index_rows()` gives the index entries by
    managed path: only asked for when a file was parsed. A document adopted from unmanaged/ keeps naming the
    raw file it came from (`origins`), where that is known.
    """
    creates, updates = [], []
    for file_plan, document in documents:
        if document.data is None or document.action in (DocumentAction.DUPLICATE, DocumentAction.FOREIGN):
            continue
        row = index_rows().get(document.target)
        if row is not None and row.sha256 == document.sha256 and row.file_size is not None:
            continue
        size, mtime_ns = output_stats[document.target]  # written now, or looked at by the plan
        origin = origins.get(file_plan.path) or {'source': file_plan.path, 'document': document.index}
        fields = {
            **_row_fields(document.data, document.target, document.sha256, document.reference_keys),
            'file_size': size,
            'file_mtime_ns': mtime_ns,
            'source_file': origin['source'],
            'source_document': origin['document'],
            'source_line': origin.get('line', document.line),
            'last_run_id': run.pk,
        }
        if row is None:
            creates.append(fields)
        else:
            updates.append((row.pk, fields))
    if creates or updates:
        changes = ResourceChanges.of_run(run)
        created = _insert_rows(fabric, creates)
        changes.created(pk for pk, _ in created)
        with changes.updating(pk for pk, _ in updates):
            _update_rows(updates)
        _refresh_search([pk for pk, _ in created + updates], stale_ids=[pk for pk, _ in updates])


def _refresh_search(written_ids, stale_ids=()):
    """NetBox's global search cache for rows written in bulk (bulk writes skip the signals that keep it).

    `written_ids` are the rows written; `stale_ids` the rows whose entries are outdated (updated or
    deleted; a row created now has none), dropped in one statement. The entries are what the search
    index's `to_cache()` gives, made by the database from the rows just written, in one statement:
    building them in Python costs a fifth of a large first ingestion.
    """
    delete_search_entries(HedgehogResource, stale_ids)
    if not written_ids:
        return
    object_type = ObjectType.objects.get_for_model(HedgehogResource)
    fields, parameters = [], []
    index = get_indexer(HedgehogResource)  # search.py's, as NetBox registered it: no import of the adapter
    for name, weight in index.fields:
        fields.append(f'(%s, %s, %s, r.{connection.ops.quote_name(name)})')
        parameters += [name, index.get_field_type(HedgehogResource, name), weight]
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {CachedValue._meta.db_table} '
            '(id, timestamp, object_type_id, object_id, field, type, weight, value) '
            'SELECT gen_random_uuid(), now(), %s, r.id, f.field, f.type, f.weight, f.value '
            f'FROM {HedgehogResource._meta.db_table} r '
            f'CROSS JOIN LATERAL (VALUES {", ".join(fields)}) AS f(field, type, weight, value) '
            "WHERE r.id = ANY(%s) AND f.value <> ''",  # to_cache() leaves empty values out
            [object_type.pk, *parameters, list(written_ids)],
        )


def _insert_rows(fabric, rows):
    """Insert `rows` (field dicts) with one COPY; returns (pk, fields) per row.

    The primary keys are drawn from the table's sequence first, so nothing has to be read back.
    """
    if not rows:
        return []
    table = HedgehogResource._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [len(rows)]
        )
        created = [(pk, fields) for (pk,), fields in zip(cursor.fetchall(), rows, strict=True)]
    now = timezone.now()
    columns = ('id', 'created', 'last_updated', 'custom_field_data', 'fabric_id', *rows[0])
    _copy(
        table,
        columns,
        (
            (pk, now, now, '{}', fabric.pk, *(_copy_text(name, value) for name, value in fields.items()))
            for pk, fields in created
        ),
    )
    if len(rows) >= ANALYZE_AFTER_ROWS:
        # Autovacuum notices a large COPY only later: until then the planner believes a fabric holds a few
        # rows and sorts all of them to show a page of its resources, where the unique index gives the page.
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE {table}')
    return created


def _copy_text(name, value):
    """JSON and arrays as COPY's text: what psycopg's adapters would produce, at a fraction of their cost."""
    if name == 'spec':
        return json.dumps(value)
    if name == 'reference_keys':  # an array literal; each element quoted, '"' and '\\' escaped as JSON does
        return '{' + ','.join(json.dumps(key, ensure_ascii=False) for key in value) + '}'
    return value


def _copy(table, columns, rows):
    """COPY: ten thousand rows in a fraction of a second, where INSERTs built by the ORM take seconds."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY {table} ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)


def _update_rows(updates):
    if not updates:
        return
    names = list(updates[0][1])
    table = HedgehogResource._meta.db_table
    assignments = ', '.join(f'{name} = %s' for name in ['last_updated', *names])
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.executemany(
            f'UPDATE {table} SET {assignments} WHERE id = %s',
            [
                [now, *(Jsonb(value) if name == 'spec' else value for name, value in fields.items()), pk]
                for pk, fields in updates
            ],
        )


def _known_files(fabric, raw_files):
    shas = {raw.sha256 for raw in raw_files}
    recorded = IngestedFile.objects.filter(fabric=fabric, sha256__in=shas).values_list('sha256', 'documents')
    return {sha256: json.loads(documents) for sha256, documents in recorded}


def _record_ingested_files(fabric, plan, run, output_stats):
    """Remember each file ingested from its bytes (settled files are already recorded).

    Each document's record carries its output's size and modification time as this run wrote or saw
    it (`output_stats`), so that a later run settles the file with a stat per output. Byte-identical
    files get one record; a record of the same bytes from an earlier run (whose outputs were edited
    since, so the file was parsed again) is replaced. One DELETE and one COPY.
    """
    records = {}
    for file_plan in plan.parsed:
        records.setdefault(
            file_plan.sha256,
            [document.record(output_stats.get(document.target, ())) for document in file_plan.documents],
        )
    if not records:
        return
    table = IngestedFile._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM {table} WHERE fabric_id = %s AND sha256 = ANY(%s)', [fabric.pk, list(records)])
    _copy(
        table,
        ('fabric_id', 'sha256', 'documents', 'run_id'),
        ((fabric.pk, sha256, json.dumps(documents), run.pk) for sha256, documents in records.items()),
    )


def _row_fields(data, target, sha256, keys=None):
    """A row's fields for the object `data`; `keys` are its reference keys when validation found them already."""
    metadata = data.get('metadata') or {}
    return {
        'kind': data['kind'],
        'name': metadata['name'],
        'namespace': metadata.get('namespace') or 'default',
        'api_version': data['apiVersion'],
        'spec': data.get('spec'),
        'reference_keys': reference_keys(data['kind'], data.get('spec')) if keys is None else keys,
        'managed_path': target,
        'sha256': sha256,
    }


def _finish_run(outcome, provenance, error=''):
    """The run's record and the fabric's status; `error` marks the run failed (the tree cannot be written)."""
    run, plan, fabric = outcome.run, outcome.plan, outcome.fabric
    run.finished = timezone.now()
    if error:
        run.status, run.error, status = IngestionStatusChoices.FAILED, error, GitOpsStatusChoices.FAILED
    elif plan.rejected:
        run.status, status = IngestionStatusChoices.REJECTED, GitOpsStatusChoices.DEGRADED
    else:
        run.status, status = IngestionStatusChoices.COMPLETED, GitOpsStatusChoices.SYNCED
    run.counts = {**plan.counts(), 'written': len(outcome.written)}
    run.findings = [finding.as_dict() for finding in plan.findings()]
    run.provenance = provenance
    run.save()
    HedgehogFabric.objects.filter(pk=fabric.pk).update(last_ingested=run.finished, gitops_status=status)
    fabric.last_ingested, fabric.gitops_status = run.finished, status


def _record_late_findings(outcome):
    """Findings of the steps after the commit (a raw file changed or not removed, the log not appended) join
    the run's; a raw file that could not be removed makes it a run with rejections."""
    run = outcome.run
    findings = outcome.all_findings()
    if len(findings) == len(run.findings):  # the record holds the plan's findings already
        return
    run.findings = [finding.as_dict() for finding in findings]
    if outcome.not_removed and run.status == IngestionStatusChoices.COMPLETED:
        run.status = IngestionStatusChoices.REJECTED
        HedgehogFabric.objects.filter(pk=outcome.fabric.pk).update(gitops_status=GitOpsStatusChoices.DEGRADED)
        outcome.fabric.gitops_status = GitOpsStatusChoices.DEGRADED
    IngestionRun.objects.filter(pk=run.pk).update(findings=run.findings, status=run.status)


def _close_interrupted_runs(fabric):
    """A run still marked running while we hold the lock died with its process."""
    IngestionRun.objects.filter(fabric=fabric, status=IngestionStatusChoices.RUNNING).update(
        status=IngestionStatusChoices.FAILED, finished=timezone.now(), error='interrupted (the process stopped)'
    )


def _last_run_failed(fabric):
    """True when the fabric's latest run failed or was interrupted (once closed, an interrupted run is failed)."""
    return fabric.runs.values_list('status', flat=True).first() == IngestionStatusChoices.FAILED


def _record_failure(fabric, run, error):
    """Mark the run and fabric failed with `error`, a message for people; when the database is what failed,
    this fails too, and the run is closed as interrupted by the next one."""
    try:
        IngestionRun.objects.filter(pk=run.pk).update(
            status=IngestionStatusChoices.FAILED, finished=timezone.now(), error=error
        )
        HedgehogFabric.objects.filter(pk=fabric.pk).update(gitops_status=GitOpsStatusChoices.FAILED)
    except Exception as status_error:
        logger.warning(
            'fabric=%s event=run_failure_not_recorded run=%s error=%s', fabric.name, run.pk, type(status_error).__name__
        )


def _failure(exc, fabric, run=None):
    """The IngestionFailed for a fault of the disk (an OSError outside the per-file steps) or of the database,
    with a message naming no server path; None for anything else (a bug: raised as itself). The log has the
    exception itself, for the administrator."""
    run_id = run.pk if run is not None else None
    if isinstance(exc, OSError):
        reason = public_message(exc, fabric.tree_path, gitops_root())  # the tree-relative file, the OS's reason
        failure = IngestionFailed(f'the run failed: {reason}; nothing was lost.', errno=exc.errno, run=run_id)
    elif isinstance(exc, DatabaseError):
        failure = IngestionFailed(
            f'the run failed: the database failed ({type(exc).__name__}); the raw files stay in raw/.', run=run_id
        )
    else:
        return None
    logger.error('fabric=%s event=ingestion_failed run=%s', fabric.name, run_id, exc_info=exc)
    return failure


def _unexpected(exc, fabric):
    """The run's error for an exception that is a bug: its type (its text may name server paths; the log has it)."""
    logger.error('fabric=%s event=ingestion_failed unexpected=%s', fabric.name, type(exc).__name__, exc_info=exc)
    return f'unexpected {type(exc).__name__}: see the NetBox log'


#
# Re-index: the index rebuilt from managed/
#


@dataclass
class ReindexResult:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    # Rows whose managed file is missing, kept: they may hold the last copy of the object (`fix` restores it).
    kept: list = field(default_factory=list)
    unchanged: int = 0
    findings: list = field(default_factory=list)

    def as_dict(self):
        return {
            'created': self.created,
            'updated': self.updated,
            'deleted': self.deleted,
            'kept': self.kept,
            'unchanged': self.unchanged,
            'findings': [finding.as_dict() for finding in self.findings],
        }


def reindex(fabric, *, drop_missing=()):
    """Make the index follow managed/: rows follow files; files are never touched.

    A row whose file is missing is kept (it may hold the last copy of the object: `fix` writes the
    file back from it) unless its path is in `drop_missing`, the deletions known to be intended (a
    commit removed the file, or a person confirmed it); `drop_missing=True` drops every such row (a
    restored backup replaced the whole tree, the previous one kept in its own backup).
    """
    with fabric_lock(fabric, 'reindex'):
        return _reindex(fabric, drop_missing=drop_missing)


def _reindex(fabric, *, drop_missing=()):
    with fabric.files() as files:
        return _reindex_files(fabric, files, drop_missing)


def _reindex_files(fabric, files, drop_missing):
    result = ReindexResult()
    if links := treefs.find_links(files):
        # managed/ through a link is not this tree's: the index is left as it is until the link is gone.
        result.findings = treefs.link_findings(links, stopped='the index was not changed')
        return result
    rows = read_index(fabric)
    creates, updates, restamped, present, seen = [], [], [], set(), set()
    for kind in kinds.KINDS:
        for name in _managed_yaml_files(files, f'{MANAGED}/{kind.directory}'):
            target = shown_name(name)  # no valid object has a non-UTF-8 name: findings show it so
            seen.add(target)
            try:
                data, stat, _ = files.read_with_stat(name)
            except OSError as exc:
                # Rows follow files, and this one cannot be looked at: its row, if any, stays as it is.
                present.add(target)
                result.findings.append(_unreadable_managed_file(target, exc))
                continue
            sha256 = hashlib.sha256(data).hexdigest()
            stamp = {'file_size': stat.st_size, 'file_mtime_ns': stat.st_mtime_ns}
            row = rows.get(target)
            if row is not None and row.sha256 == sha256:
                present.add(target)
                result.unchanged += 1
                if (row.file_size, row.file_mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                    restamped.append((row.pk, stamp))
                continue
            fields = _managed_file_fields(kind, target, data, sha256, result.findings)
            if fields is None:
                continue  # not a valid object: no row claims it is (health reports the file)
            present.add(target)
            if row is None:
                creates.append({**fields, **stamp, 'source_file': ''})
                result.created.append(target)
            else:
                updates.append((row.pk, {**fields, **stamp, 'source_file': ''}))
                result.updated.append(target)
    gone = {path for path in set(rows) - present if path not in seen and files.lstat_or_none(path) is None}
    dropped = gone if drop_missing is True else gone & set(drop_missing)
    result.kept = sorted(gone - dropped)
    result.deleted = sorted(set(rows) - present - set(result.kept))
    changes = ResourceChanges.of_reindex(fabric)
    with transaction.atomic():
        # In bulk, with their search-cache entries: a pull that removed most of a fabric drops most of its rows.
        changes.deleting(rows[path].pk for path in result.deleted)
        delete_resources(rows[path].pk for path in result.deleted)
        created = _insert_rows(fabric, creates)
        changes.created(pk for pk, _ in created)
        with changes.updating(pk for pk, _ in updates):
            _update_rows(updates)
        _refresh_search([pk for pk, _ in created + updates], stale_ids=[pk for pk, _ in updates])
        _update_rows(restamped)
    return result


def _managed_yaml_files(files, folder):
    """Tree-relative paths of the regular `*.yaml` files directly in `folder` (none when it is missing), sorted."""
    if not files.is_folder(folder):
        return []
    return sorted(
        f'{folder}/{entry.name}'
        for entry in files.scandir(folder)
        if entry.name.endswith('.yaml') and not entry.name.startswith('.') and entry.is_file(follow_symlinks=False)
    )


def _unreadable_managed_file(target, exc):
    return Finding(
        Severity.WARNING,
        'INDEX_SKIPPED_FILE',
        f'{target} could not be read ({os_reason(exc)}): its index row, if any, is left as it is.',
        file=target,
        hint='Make the file readable (or move it away), then re-index.',
    )


def _managed_file_fields(kind, target, data, sha256, findings):
    """Index fields of a managed file holding exactly one valid object of its directory's kind, else None."""
    read = read_documents(data, target)
    problem = None
    if read.findings or len(read.documents) != 1:
        problem = f'holds {read.total} documents' if not read.findings else read.findings[0].message
    else:
        document = read.documents[0]
        classified = classify(document)
        expected = managed_target(classified.kind, classified.name) if classified.kind else None
        if expected != target:
            problem = f'holds {classified.kind_name or "a foreign document"} {classified.name!r}, not {kind.kind}'
        elif any(f.severity == Severity.ERROR for f in validate_document(document)):
            problem = 'does not validate'
    if problem:
        findings.append(
            Finding(
                Severity.WARNING,
                'INDEX_SKIPPED_FILE',
                f'{target} {problem}: not indexed.',
                file=target,
                hint=f'Why: see {HEALTH_ACTION}; correct or move the file.',
            )
        )
        return None
    return _row_fields(document.data, target, sha256)


#
# raw/ backlog
#


def raw_backlog(fabric, limit=None):
    """Files waiting in raw/ now (by the one raw/ listing rule: links included, never followed), with the
    findings the last run recorded for each: the first `limit` of them by path (all with None)."""
    return raw_backlog_page(fabric, limit)[0]


def raw_backlog_page(fabric, limit):
    """(the first `limit` files of `raw_backlog`, how many wait in all): what a page shows, in bounded work.

    Only the files shown are looked at (a stat each) and only their findings leave the database: the
    last run's findings can list every file of a large input.
    """
    fabric.layout()  # UnsafePathError for a gitops_path the path rules refuse, as everywhere
    with fabric.files() as files:
        entries = treefs.raw_entries(files)
        shown = entries if limit is None else entries[:limit]
        backlog = []
        for entry in shown:
            stat = entry.stat()
            backlog.append(
                {
                    'file': shown_name(entry.path),
                    'size': stat.st_size,
                    'modified': datetime.fromtimestamp(stat.st_mtime, tz=timezone.get_current_timezone()),
                    'identity': _identity(stat),
                    'findings': [],
                }
            )
    if backlog:
        by_file = {entry['file']: entry for entry in backlog}
        for finding in _last_run_findings(fabric, list(by_file)):
            by_file[finding['file']]['findings'].append(finding)
    return backlog, len(entries)


def last_finished_run(fabric):
    """(pk, finished) of the fabric's last run that is not running, or None."""
    return (
        fabric.runs.exclude(status=IngestionStatusChoices.RUNNING)
        .order_by('-started', '-pk')
        .values_list('pk', 'finished')
        .first()
    )


def _last_run_findings(fabric, paths):
    """The findings the fabric's last finished run recorded for the files `paths`, in the run's order;
    filtered by the database, so a run with a finding for each of thousands of files is not loaded."""
    last = last_finished_run(fabric)
    if last is None:
        return []
    last, _ = last
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT finding FROM {IngestionRun._meta.db_table} run, '
            'jsonb_array_elements(run.findings) WITH ORDINALITY AS found(finding, position) '
            "WHERE run.id = %s AND finding->>'file' = ANY(%s) ORDER BY position",
            [last, paths],
        )
        return [json.loads(finding) for (finding,) in cursor.fetchall()]  # Django reads jsonb as text
