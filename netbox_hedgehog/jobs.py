"""Background jobs (NetBox JobRunner on the RQ workers): thin adapters over the GitOps services.

A job's log and error are shown in NetBox to whoever may view jobs: what they say about an error goes
through errors.public_message (no server path); the details go to the server log.
"""

import logging

from core.exceptions import JobFailed
from netbox.jobs import JobRunner
from netbox.plugins import get_plugin_config

from netbox_hedgehog.core.errors import public_message, scrub_paths
from netbox_hedgehog.health_jobs import store_report
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.lock import FabricLocked
from netbox_hedgehog.services.repair import fix
from netbox_hedgehog.services.repository import GitError
from netbox_hedgehog.services.run_records import IngestionFailed

__all__ = ('IngestionJob', 'RepairJob')

logger = logging.getLogger('netbox_hedgehog.jobs')


def _fail(job_logger, fabric, exc):
    """Fail the job with a message fit for its page; the exception itself goes to the server log."""
    logger.warning('fabric=%s event=job_failed error=%s: %s', fabric.name, type(exc).__name__, exc)
    message = public_message(exc, fabric.tree_path, gitops_root())
    job_logger.error(message)
    raise JobFailed(message) from None


def _safe(fabric, text):
    return scrub_paths(text, fabric.tree_path, gitops_root())


class IngestionJob(JobRunner):
    """Ingest one fabric's raw/ folder; the job's log shows progress, its data the outcome."""

    class Meta:
        name = 'Hedgehog ingestion'

    def run(self, *args, trigger='job', adopt_unmanaged=False, **kwargs):
        fabric = self.job.object
        self.logger.info(f'fabric={fabric.name} event=ingestion_started trigger={trigger}')
        try:
            outcome = ingest(
                fabric,
                trigger=trigger,
                user=self.job.user,
                adopt_unmanaged=adopt_unmanaged,
                progress=self._progress(),
                # Another worker ingesting the same fabric: run after it rather than fail.
                wait=get_plugin_config('netbox_hedgehog', 'lock_wait_seconds'),
            )
        except (FabricLocked, GitError, IngestionFailed) as exc:
            _fail(self.logger, fabric, exc)
        self.job.data = outcome.as_dict()
        if outcome.run is None:
            self.logger.info(f'fabric={fabric.name} event=nothing_to_ingest (no run recorded)')
        else:
            counts = outcome.plan.counts()
            self.logger.info(f'fabric={fabric.name} event=ingestion_finished run={outcome.run.pk} counts={counts}')
        # Rejected files are an outcome, not a job failure: they stay in raw/ with their findings.
        for rejected in outcome.plan.rejected:
            self.logger.warning(f'fabric={fabric.name} event=file_rejected file={rejected.path}')
        for path in outcome.changed_during_run:
            self.logger.warning(f'fabric={fabric.name} event=raw_file_changed_during_run file={path} kept=true')
        for path in outcome.not_removed:
            self.logger.warning(f'fabric={fabric.name} event=raw_file_not_removed file={path}')
        for finding in outcome.findings:
            self.logger.warning(f'fabric={fabric.name} event={finding.code.lower()} {finding.message}')
        if outcome.git is not None and outcome.git.error:
            self.logger.warning(f'fabric={fabric.name} event=git_push_failed reason={_safe(fabric, outcome.git.error)}')
        elif outcome.git is not None and outcome.git.commit:
            self.logger.info(f'fabric={fabric.name} event=git_pushed commit={outcome.git.commit}')

    def _progress(self):
        """Log about every tenth of the writes, so a large ingestion shows it is moving."""
        logged = set()

        def progress(step, done, total):
            tenth = done * 10 // max(total, 1)
            if tenth not in logged or done == total:
                logged.add(tenth)
                self.logger.info(f'{step}: {done}/{total}')

        return progress


class RepairJob(JobRunner):
    """Repair one fabric's tree (the Health tab's Fix button); the log lists each change and each refusal.

    `forget`: the managed paths a person confirmed as deleted on purpose (the Forget missing objects page):
    their index rows are dropped instead of the files being written back.
    """

    class Meta:
        name = 'Hedgehog fix'

    def run(self, *args, forget=(), **kwargs):
        fabric = self.job.object
        self.logger.info(f'fabric={fabric.name} event=fix_started forget={len(forget)}')
        try:
            result = fix(fabric, forget_missing=list(forget))
        except FabricLocked as exc:
            _fail(self.logger, fabric, exc)
        self.job.data = result.as_dict()
        store_report(fabric, result.after)  # the Health tab shows the tree as the fix left it
        for change in result.changes:
            self.logger.info(f'{change.action}: {change.path} {change.detail}'.strip())
        # A refused repair needs a person, like a rejected raw file: the log says so, the job still completes.
        for refusal in result.refused:
            self.logger.warning(f'refused: {_safe(fabric, refusal)}')
        if not result.changes and not result.refused:
            self.logger.info('nothing to fix')
        self.logger.info(
            f'fabric={fabric.name} event=fix_finished status={result.after.status} score={result.after.score}'
        )
