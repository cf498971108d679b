"""Ingestion: raw/ into managed/ and unmanaged/, then NetBox's index, without ever losing a document.

The order is the data-safety contract (ARCHITECTURE.md section 3): plan everything first; write
each managed/unmanaged file atomically (temporary file, rename); one durability barrier; the DB
index in one transaction; only then remove the raw files that were ingested whole; provenance
last. A crash anywhere leaves every document in its raw file or in a durable output file, and a
re-run reaches the state an uninterrupted run would have: outputs whose bytes are already right
are not rewritten, the index is rebuilt from what is on disk.

Every entry point (command, job, API, UI, onboarding) calls `ingest`, `reindex` or `raw_backlog`;
uploads into raw/ are checked with `planner.plan_raw`. What the plan needs is gathered by planner.py, the
raw files are read and removed by raw_intake.py, the outputs written by outputs.py.

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

import gc
import json
import logging
import time
from contextlib import contextmanager

from django.db import DatabaseError, transaction
from django.utils import timezone

from netbox_hedgehog.choices import GitOpsStatusChoices, IngestionStatusChoices
from netbox_hedgehog.core.findings import Finding, Severity
from netbox_hedgehog.core.foreign import adoption_offer
from netbox_hedgehog.core.plan_model import Plan
from netbox_hedgehog.core.tree import HNP, MANAGED, UNMANAGED
from netbox_hedgehog.models import HedgehogFabric, IngestionRun
from netbox_hedgehog.services import fileops, sync, treefs
from netbox_hedgehog.services.faults import os_reason
from netbox_hedgehog.services.index_store import (
    ingested_file_records,
    record_ingested_files,
    statistics_refreshed,
    update_index,
)
from netbox_hedgehog.services.lock import fabric_lock
from netbox_hedgehog.services.outputs import Outputs
from netbox_hedgehog.services.planner import Planner
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
        fabric.layout()  # the tree's path checked first: UnsafePathError before any file is opened
        self.files = fabric.files()  # every file operation of the run, through the run's folder descriptors
        self.operations = fileops.FileOperations(self.files)
        self.raw = RawIntake(self.files, self.operations)  # what the run read of raw/, and removes of it
        self.outputs = Outputs(fabric, self.files, self.operations, self.progress)  # what it writes
        # target -> (size, modification time) of each output this run looked at or wrote: its index rows
        # and ingested-file records carry them
        self.output_stats = {}
        self.planner = Planner(fabric, self.files, self.output_stats)

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
            plan = self.planner.plan(raw_files + [raw for raw, _ in adoptable], ignored, links, unreadable, misnamed)
        else:
            plan = self.planner.plan(raw_files, ignored, links, unreadable, misnamed)
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
            outputs, created = self.outputs.of(plan)
            # Every output gets this modification time, set by the writer, so the index rows are built
            # before the files exist. A later edit gets the kernel's time of that edit, so a same-size
            # edit is still told apart from what this run wrote.
            stamp = time.time_ns()
            self.output_stats.update((target, (len(content), stamp)) for target, content in outputs.items())
            try:
                unusable = self._write_and_index(plan, outcome, outputs, stamp)
            except BaseException:
                # Nothing of the run is indexed: what it created goes again; the documents are still in raw/.
                self.outputs.remove_created(created)
                raise
            with statistics_refreshed(sum(target.startswith(f'{MANAGED}/') for target in outcome.written)):
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
                with self.outputs.writing(outputs, stamp) as failed:
                    finish_run(outcome, self._index(plan, documents, outcome.run))
                if failed:
                    transaction.set_rollback(True)
            if not failed:
                return None
            unusable = self.outputs.unusable_folder(failed, outcome.run)
            documents = plan.reject_unwritten({target: os_reason(exc) for target, exc in failed.items()})
            entries = self._index(plan, documents, outcome.run)
            outcome.written = sorted(set(outputs) - set(failed))
            finish_run(outcome, entries, error=str(unusable) if unusable else '')
        return unusable

    def _index(self, plan, documents, run):
        """The index rows of `documents` ((file plan, document) pairs) and the records of the plan's files; returns
        the run's provenance entries. The records and the entries are made here while the database builds the
        rows' change records and search entries."""

        def meanwhile():
            return ingested_file_records(plan, self.output_stats), provenance(plan, self.origins)

        records, entries = update_index(
            self.fabric, documents, lambda: self.planner.rows, self.output_stats, run, self.origins, meanwhile
        )
        record_ingested_files(self.fabric, records, run)
        return entries

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
