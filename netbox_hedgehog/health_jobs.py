"""The scheduled health check: every fabric's health recorded periodically, its status kept current.

`HealthCheckJob` is a NetBox system job (run by `netbox rqworker` every `health_interval_minutes`;
0 turns it off). Each run checks every fabric, repairs those that opted in to self-healing
(gitops/selfheal.py), records a summary per fabric in the job's data
(NetBox keeps jobs for JOB_RETENTION days: that is the history, and the metrics read the latest),
updates each fabric's GitOps status (see `health.gitops_status_for`) and logs one key=value line
per fabric. `register()` hooks the job into NetBox; the plugin's `ready()` calls it (and registers
the Prometheus collector, metrics.py, which reads what this job stored).

Monitoring reads these stored results (`stored_health` for the API's `health/`, the metrics), so
no anonymous or frequent request ever runs a check. Each check also stores the fabric's whole report
(`store_report`, a FabricHealth row), which the Health tab shows: opening the tab never walks the tree.
Before it, files that reached raw/ unseen (by git or a shell) are checked and their findings recorded
(gitops/waiting.py), so the fabric page shows them before any ingestion.
`FabricHealthJob` checks one fabric now (the tab's Check now button).
"""

import logging
from contextlib import suppress

from core.choices import JobStatusChoices
from core.exceptions import JobFailed
from core.models import Job
from netbox.jobs import JobRunner, system_job
from netbox.plugins import get_plugin_config

from netbox_hedgehog.core.errors import public_message
from netbox_hedgehog.core.tree import UnsafePathError
from netbox_hedgehog.models import FabricHealth, HedgehogFabric
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.services.health import check_fabric, update_fabric_status
from netbox_hedgehog.services.history import HEALTH_CHECK_JOB
from netbox_hedgehog.services.selfheal import self_heal
from netbox_hedgehog.services.waiting import check_arrivals

__all__ = (
    'FabricHealthJob',
    'HealthCheckJob',
    'latest_summaries',
    'record',
    'register',
    'store_report',
    'stored_health',
    'summary',
)

logger = logging.getLogger('netbox_hedgehog.health')


class HealthCheckJob(JobRunner):
    class Meta:
        name = HEALTH_CHECK_JOB

    def run(self, *args, **kwargs):
        summaries = {}
        for fabric in HedgehogFabric.objects.all():
            try:
                summaries[fabric.name] = summary(record(fabric, self.logger, self.job.job_id))
            except Exception as exc:  # one broken fabric must not hide the others' health
                # The job's log and data are shown in NetBox's UI: the details go to the server log only.
                logger.exception('fabric=%s event=health_check_failed', fabric.name)
                message = public_message(exc, fabric.tree_path, gitops_root())
                self.logger.error(f'fabric={fabric.name} event=health_check_failed error={message}')
                summaries[fabric.name] = {'error': message}
        self.job.data = {'fabrics': summaries}


class FabricHealthJob(JobRunner):
    """Check one fabric now (the Health tab's Check now button): the tab then shows this check's report."""

    class Meta:
        name = 'Hedgehog health check of a fabric'

    def run(self, *args, **kwargs):
        fabric = self.job.object
        try:
            report = record(fabric, self.logger, scheduled=False)
        except Exception as exc:  # the job's page shows its error: no server path in it, the details in the log
            logger.exception('fabric=%s event=health_check_failed', fabric.name)
            raise JobFailed(public_message(exc, fabric.tree_path, gitops_root())) from None
        self.job.data = summary(report)


def record(fabric, log=logger, request_id=None, *, scheduled=True):
    """Check `fabric`, repair it when the check is the scheduled one and the fabric opted in to self-healing
    (gitops/selfheal.py), store its report, update its GitOps status, log one line; returns the HealthReport
    (of the tree as the repairs left it)."""
    status_before = fabric.gitops_status
    with suppress(OSError, UnsafePathError):  # a tree that cannot be read is the check's to report, below
        check_arrivals(fabric)  # files that reached raw/ by git or a shell get their findings recorded too
    report = check_fabric(fabric, scheduled=scheduled)
    repaired = self_heal(fabric, report, log, request_id) if scheduled else None
    if repaired is not None and repaired.changes:
        report = check_fabric(fabric, scheduled=scheduled)
    store_report(fabric, report)
    update_fabric_status(fabric, report)
    changed = fabric.gitops_status != status_before
    counts = report.counts()
    codes = {}
    for finding in report.findings:
        codes[finding.code] = codes.get(finding.code, 0) + 1
    log.info(
        f'fabric={fabric.name} event=health status={report.status} score={report.score} '
        f'errors={counts["error"]} warnings={counts["warning"]} info={counts["info"]} '
        f'duration_ms={report.duration * 1000:.0f} gitops_status={fabric.gitops_status} '
        f'status_changed={"yes" if changed else "no"} raw_backlog={report.stats.get("raw_backlog", 0)} '
        f'codes={",".join(f"{code}:{n}" for code, n in sorted(codes.items())) or "-"} '
        f'self_repairs={len(repaired.changes) if repaired else 0}'
    )
    return report


def store_report(fabric, report):
    """Keep `report` as the fabric's latest check (findings and missing files included) for the Health tab."""
    stored = {**report.as_dict(), 'missing': [item._asdict() for item in report.missing]}
    FabricHealth.objects.update_or_create(fabric_id=fabric.pk, defaults={'checked': report.checked, 'report': stored})


def summary(report):
    """What a job records per fabric: the report without its findings (those can be thousands) and patterns."""
    data = report.as_dict()
    del data['findings'], data['patterns']
    return data


def latest_summaries():
    """{fabric name: summary} of the latest completed health check job, {} when none has run."""
    job = (
        Job.objects.filter(name=HealthCheckJob.name, status=JobStatusChoices.STATUS_COMPLETED)
        .order_by('-completed')
        .only('data')
        .first()
    )
    return (job.data or {}).get('fabrics', {}) if job else {}


def stored_health(fabrics):
    """Per fabric of `fabrics`: its latest recorded health (status, score, when checked, counts by severity).

    Two queries whatever the number of fabrics. A fabric the job has not checked yet (new, renamed, or the
    job turned off) has status, score and checked None; one whose check failed has its `error`.
    """
    summaries = latest_summaries()
    results = []
    for fabric in fabrics:
        recorded = summaries.get(fabric.name) or {}
        results.append(
            {
                'id': fabric.pk,
                'name': fabric.name,
                'gitops_status': fabric.gitops_status,
                'status': recorded.get('status'),
                'score': recorded.get('score'),
                'checked': recorded.get('checked'),
                'counts': recorded.get('counts'),
                **({'error': recorded['error']} if 'error' in recorded else {}),
            }
        )
    return results


def register():
    """Schedule the system job (unless health_interval_minutes is 0)."""
    interval = get_plugin_config('netbox_hedgehog', 'health_interval_minutes')
    if interval:
        system_job(interval=interval)(HealthCheckJob)
