"""The history behind the failure patterns, and the last runs and automatic repairs the report lists.

Nothing is polled for it: the runs are the fabric's IngestionRun rows, the checks the results the scheduled
health check stored in its jobs' data (health_jobs.py), read for this one fabric by a JSON key in SQL, and
the repairs the change records self-healing wrote (gitops/selfheal.py). gitops/patterns.py finds the
patterns in it.
"""

from datetime import datetime
from functools import partial

from core.choices import JobStatusChoices
from core.models import Job
from django.db.models import F, Func, JSONField, Value
from netbox.plugins import get_plugin_config

from netbox_hedgehog.choices import IngestionStatusChoices
from netbox_hedgehog.core.errors import scrub_paths
from netbox_hedgehog.core.health_patterns import (
    HealthSample,
    History,
    RunRecord,
    Thresholds,
    find_patterns,
    rejected_files,
)
from netbox_hedgehog.models.fabric import gitops_root

__all__ = ('CHECKS_READ', 'RUNS_READ', 'fabric_patterns', 'health_samples', 'run_records', 'thresholds')

PLUGIN = 'netbox_hedgehog'
# How far back the patterns look: the latest runs, and a day of scheduled checks at the default interval.
RUNS_READ = 20
CHECKS_READ = 96
# The scheduled health check's job name (health_jobs.HealthCheckJob): its completed jobs hold the checks read here.
HEALTH_CHECK_JOB = 'Hedgehog health check'
# A run's findings can be thousands of warnings: only its errors (the rejections) leave the database.
ERRORS_ONLY = Value('$[*] ? (@.severity == "error")')


def thresholds():
    setting = partial(get_plugin_config, PLUGIN)
    return Thresholds(
        rejected_runs=setting('pattern_rejected_runs'),
        push_failures=setting('pattern_push_failures'),
        raw_growth_checks=setting('pattern_raw_growth_checks'),
        disk_days_left=setting('pattern_disk_days_left'),
        lock_wait_seconds=setting('lock_wait_seconds'),
        health_interval_minutes=setting('health_interval_minutes'),
    )


def fabric_patterns(fabric, now, stats, recording=False):
    """The patterns of `fabric`'s history, its newest check being the one that measured `stats` at `now`."""
    limits = thresholds()
    runs = [
        RunRecord(pk, started, rejected_files(errors), scrub_paths(push_error, fabric.tree_path, gitops_root()))
        for pk, started, errors, push_error in run_records(fabric, max(RUNS_READ, limits.rejected_runs))
    ]
    recorded = health_samples(fabric)
    now_sample = HealthSample(now, stats.get('raw_backlog'), stats.get('free_bytes'), stats.get('lock_holder'))
    history = History(
        runs=runs,
        samples=[sample for _, sample in recorded] + [now_sample],
        now=now,
        watched_since=fabric.created or now,
        last_recorded=recorded[-1][0] if recorded else None,
        recording=recording,
    )
    return find_patterns(history, limits)


def run_records(fabric, limit=RUNS_READ):
    """(id, started, error findings, git error) of the fabric's latest finished runs, newest first."""
    errors = Func(F('findings'), ERRORS_ONLY, function='jsonb_path_query_array', output_field=JSONField())
    return list(
        fabric.runs.exclude(status=IngestionStatusChoices.RUNNING)
        .order_by('-started', '-pk')
        .annotate(errors=errors)
        .values_list('pk', 'started', 'errors', 'git_error')[:limit]
    )


def health_samples(fabric, limit=CHECKS_READ):
    """[(when the job completed, HealthSample)] of the latest scheduled checks that recorded `fabric`, oldest
    first. A check that failed for the fabric counts as recorded, without figures."""
    rows = (
        Job.objects.filter(name=HEALTH_CHECK_JOB, status=JobStatusChoices.STATUS_COMPLETED)
        .order_by('-completed')
        .values_list('completed', f'data__fabrics__{fabric.name}')[:limit]
    )
    samples = []
    for completed, recorded in rows:
        if not isinstance(recorded, dict):
            continue  # the fabric did not exist yet (or had another name)
        stats = recorded.get('stats') or {}
        checked = datetime.fromisoformat(recorded['checked']) if 'checked' in recorded else completed
        sample = HealthSample(checked, stats.get('raw_backlog'), stats.get('free_bytes'), stats.get('lock_holder'))
        samples.append((completed, sample))
    samples.reverse()
    return samples
