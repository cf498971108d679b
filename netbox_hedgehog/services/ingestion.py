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
import time
from contextlib import contextmanager
from stat import S_ISREG

from django.db import DatabaseError, transaction
from django.utils import timezone
from netbox.plugins import get_plugin_config

from netbox_hedgehog.choices import GitOpsStatusChoices, IngestionStatusChoices
from netbox_hedgehog.core.findings import Finding, Severity
from netbox_hedgehog.core.foreign import adoption_offer
from netbox_hedgehog.core.plan import read_raw
from netbox_hedgehog.core.plan_model import (
    NOT_A_FILE,
    RECORD_SHA256,
    RECORD_TARGET,
    DocumentAction,
    Plan,
    RawFile,
    Unreadable,
    record_stat,
)
from netbox_hedgehog.core.tree import HNP, MANAGED, UNMANAGED
from netbox_hedgehog.models import HedgehogFabric, IngestionRun
from netbox_hedgehog.services import fileops, sync, treefs
from netbox_hedgehog.services.faults import os_reason
from netbox_hedgehog.services.index import read_index
from netbox_hedgehog.services.index_store import indexed_documents, known_files, record_ingested_files, update_index
from netbox_hedgehog.services.lock import fabric_lock
from netbox_hedgehog.services.raw_intake import RawIntake
from netbox_hedgehog.services.reindex import reindex_unlocked
from netbox_hedgehog.services.run_records import (
    PROVENANCE_LOG,
    IngestionFailed,
    IngestionOutcome,
    close_interrupted_runs,
    finish_run,
    last_run_failed,
    origins,
    provenance,
    record_failure,
    record_late_findings,
    run_failure,
    unexpected,
)

logger = logging.getLogger('netbox_hedgehog.ingestion')


# The provenance log could not be appended (codes in docs/findings.md): a warning, the run's record holds it.
LOG_FAILED = 'INGEST_LOG_FAILED'


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
        raise run_failure(exc, fabric) from exc


def _ingest(fabric, trigger, user, dry_run, progress, wait, adopt_unmanaged):
    with fabric_lock(fabric, wait=wait):
        copy = None if dry_run else fabric.working_copy()
        if copy is not None:
            changed = sync.pull_before_run(fabric, copy)
            if any('/managed/' in f'/{path}' for path in changed):
                # Another worker's run (already indexed) or a person's push (not yet): files are the truth.
                # A file the pull removed was deleted by a commit, on purpose: its row goes too.
                pulled = {path.removeprefix(f'{fabric.git_path}/') for path in changed}
                reindex_unlocked(fabric, drop_missing=pulled)
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
        raw_files, ignored, links, unreadable, misnamed = ingestion.raw.read()
        identities = ingestion.raw.identities
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
        self.raw = RawIntake(self.files, self.operations)  # what the run read of raw/, and removes of it
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
        raw_files, ignored, links, unreadable, misnamed = self.raw.read()
        adoptable = self.raw.read_adoptable()
        if self.adopt_unmanaged:
            plan = self.plan(raw_files + [raw for raw, _ in adoptable], ignored, links, unreadable, misnamed)
        else:
            plan = self.plan(raw_files, ignored, links, unreadable, misnamed)
            plan.offers = [adoption_offer(raw.path, *identity) for raw, identity in adoptable]
        outcome = IngestionOutcome(self.fabric, plan, dry_run)
        if dry_run:
            return outcome
        if self.adopt_unmanaged:
            self.origins = origins(self.fabric, [raw.path for raw, _ in adoptable])
        close_interrupted_runs(self.fabric)
        if last_run_failed(self.fabric):  # only a run that did not finish leaves temporary files behind
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
            outcome.removed = self.raw.remove_ingested(plan, outcome)
            if outcome.run.provenance:  # a run that ingested nothing leaves the log (and git) alone
                self._append_provenance(outcome)
            record_late_findings(outcome)
            if unusable is not None:  # recorded with the run: it failed, though what it could do is done
                raise unusable
        except IngestionFailed:
            raise
        except BaseException as exc:
            failure = run_failure(exc, self.fabric, outcome.run)
            record_failure(self.fabric, outcome.run, str(failure) if failure else unexpected(exc, self.fabric))
            if failure is None:
                raise
            raise failure from exc
        return outcome

    def _blocked(self, links, started, dry_run):
        plan = Plan(blocked=treefs.link_findings(links))
        outcome = IngestionOutcome(self.fabric, plan, dry_run)
        if dry_run:
            return outcome
        close_interrupted_runs(self.fabric)
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
                    update_index(
                        self.fabric, documents, lambda: self.rows, self.output_stats, outcome.run, self.origins
                    )
                    record_ingested_files(self.fabric, plan, outcome.run, self.output_stats)
                    finish_run(outcome, provenance(plan, self.origins))
                if failed:
                    transaction.set_rollback(True)
            if not failed:
                return None
            unusable = self._unusable_folder(failed, outcome.run)
            documents = plan.reject_unwritten({target: os_reason(exc) for target, exc in failed.items()})
            update_index(self.fabric, documents, lambda: self.rows, self.output_stats, outcome.run, self.origins)
            record_ingested_files(self.fabric, plan, outcome.run, self.output_stats)
            outcome.written = sorted(set(outputs) - set(failed))
            finish_run(outcome, provenance(plan, self.origins), error=str(unusable) if unusable else '')
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
            known_files(self.fabric, raw_files),
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
            indexed_documents(self.fabric) if reading.needs_context else (),
            ignored=ignored,
            links=links,
            unreadable=unreadable,
            misnamed=misnamed,
            scope=f'raw/ nor managed/ of fabric {self.fabric.name}',
        )

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
        return document.action == DocumentAction.FOREIGN and not self.files.holds(document.target, document.content)

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
