"""An ingestion run's record: its outcome, provenance, status and failure, as people and adapters see it."""

import logging
from dataclasses import dataclass, field

from django.db import DatabaseError
from django.utils import timezone

from netbox_hedgehog.choices import GitOpsStatusChoices, IngestionStatusChoices
from netbox_hedgehog.core.errors import public_message
from netbox_hedgehog.core.exit_codes import FAILED, NOT_PUSHED, OK
from netbox_hedgehog.core.findings import in_file_order
from netbox_hedgehog.models import HedgehogFabric, IngestionRun
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.services.faults import StorageFault
from netbox_hedgehog.services.repository import PushResult

logger = logging.getLogger('netbox_hedgehog.ingestion')


PROVENANCE_LOG = 'ingestions.jsonl'


# The provenance action of a comment that belongs to no document: its text is kept in the record itself.
COMMENT_KEPT = 'comment'


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


def origins(fabric, paths):
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


def provenance(plan, origins):
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


def finish_run(outcome, provenance, error=''):
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


def record_late_findings(outcome):
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


def close_interrupted_runs(fabric):
    """A run still marked running while we hold the lock died with its process."""
    IngestionRun.objects.filter(fabric=fabric, status=IngestionStatusChoices.RUNNING).update(
        status=IngestionStatusChoices.FAILED, finished=timezone.now(), error='interrupted (the process stopped)'
    )


def last_run_failed(fabric):
    """True when the fabric's latest run failed or was interrupted (once closed, an interrupted run is failed)."""
    return fabric.runs.values_list('status', flat=True).first() == IngestionStatusChoices.FAILED


def record_failure(fabric, run, error):
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


def run_failure(exc, fabric, run=None):
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


def unexpected(exc, fabric):
    """The run's error for an exception that is a bug: its type (its text may name server paths; the log has it)."""
    logger.error('fabric=%s event=ingestion_failed unexpected=%s', fabric.name, type(exc).__name__, exc_info=exc)
    return f'unexpected {type(exc).__name__}: see the NetBox log'
