"""Failure patterns: what keeps going wrong across ingestion runs and health checks, and its likely cause.

Plain Python. The history comes in as records (gitops/history.py gathers them from the ingestion runs and
the scheduled health check's stored results: nothing is polled for them); each pattern found goes out as
a Pattern with its evidence (how many times, first seen, last seen) and as a health finding with its own
code, whose message gives the likely cause and whose hint the remedy, in words a network engineer uses.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import takewhile
from typing import NamedTuple

from netbox_hedgehog.core.findings import Finding, Severity

__all__ = (
    'PATTERN_CODES',
    'HealthSample',
    'History',
    'Pattern',
    'PatternCode',
    'RunRecord',
    'Thresholds',
    'age_words',
    'find_patterns',
    'rejected_files',
)


class PatternCode(NamedTuple):
    severity: Severity
    meaning: str
    cause: str
    remedy: str


W = Severity.WARNING
PATTERN_CODES = {
    'HEALTH_PATTERN_REJECTED_REPEATEDLY': PatternCode(
        W,
        'A raw/ file was rejected with the same findings by pattern_rejected_runs ingestion runs in a row.',
        'nobody corrected the file, so every ingestion finds the same errors and leaves it in raw/ (a typo, '
        'a wrong apiVersion, a port or switch the wiring does not have, an object of another fabric).',
        'Open the file (Edit, in the Waiting in raw/ panel), correct what its findings say and ingest again; '
        'remove it from raw/ if it does not belong to this fabric.',
    ),
    'HEALTH_PATTERN_PUSH_FAILING': PatternCode(
        W,
        'The git push failed in pattern_push_failures ingestion runs in a row.',
        'the git server keeps refusing the push or cannot be reached: a token expired or without write access, '
        'a protected branch, or a firewall, DNS or proxy between NetBox and the git server. The commits wait in '
        'the working copy (nothing is lost), but ArgoCD or Flux does not see them.',
        'Press Test connection on the fabric page; check the token and the branch protection with whoever runs '
        'the git server. The next ingestion pushes every waiting commit.',
    ),
    'HEALTH_PATTERN_LOCK_HELD': PatternCode(
        W,
        'The same holder kept the fabric locked at consecutive health checks for longer than lock_wait_seconds.',
        'an ingestion, fix, backup or restore of the fabric is stuck (a hung git fetch or push, a slow or full '
        'disk); meanwhile every other ingestion of the fabric waits lock_wait_seconds and gives up.',
        "Look at the fabric's running job (Jobs) and the RQ worker's log; if it hangs, restart that worker: the "
        'lock goes with its database connection and nothing is lost.',
    ),
    'HEALTH_PATTERN_RAW_GROWING': PatternCode(
        W,
        'raw/ held more files at each of pattern_raw_growth_checks health checks in a row.',
        'files arrive in raw/ faster than they are ingested: ingestion is not started after each push, no RQ '
        'worker takes the jobs, the workers are too few, or rejected files pile up.',
        'Check that `netbox rqworker` runs and ingestions are queued after each push (or ingest now); correct '
        'the rejected files waiting in raw/.',
    ),
    'HEALTH_PATTERN_DISK_FILLING': PatternCode(
        W,
        'At the rate free disk space fell over the stored health checks, it runs out within '
        'pattern_disk_days_left days.',
        'something keeps writing to the volume of the trees: backups on the same disk, logs, git objects growing '
        'with every commit, or raw/ files nobody ingests.',
        'Free space or grow the volume before it is full: keep backups on another disk (backup_root) and prune '
        'old ones, run `git gc` in the working copies.',
    ),
    'HEALTH_PATTERN_HEALTH_JOB_STALE': PatternCode(
        W,
        'The scheduled health check has not recorded the fabric for more than twice health_interval_minutes.',
        'no RQ worker runs the scheduled job (the worker stopped, or none was started), or the check of this '
        'fabric fails each time: the GitOps status, the metrics and self-healing are out of date.',
        'Start `netbox rqworker` (it schedules the system job) and read the log of the last Hedgehog health check job.',
    ),
}


@dataclass(frozen=True)
class RunRecord:
    """A finished ingestion run: `rejected` maps each raw file it rejected to its error findings (as dicts,
    the way runs store them); `push_error` says why its git push failed ('' when it did not)."""

    id: int
    started: datetime
    rejected: dict
    push_error: str = ''


@dataclass(frozen=True)
class HealthSample:
    """What one health check measured: files in raw/, free bytes under the tree, who held the fabric's lock."""

    checked: datetime
    raw_backlog: int | None = None
    free_bytes: int | None = None
    lock_holder: str | None = None


@dataclass(frozen=True)
class Thresholds:
    """The plugin settings of the patterns (0 turns a pattern off)."""

    rejected_runs: int = 3
    push_failures: int = 3
    raw_growth_checks: int = 3
    disk_days_left: int = 7
    lock_wait_seconds: int = 120
    health_interval_minutes: int = 15


@dataclass(frozen=True)
class History:
    """`runs` newest first; `samples` oldest first (the last one may be the check in progress);
    `last_recorded`: when the scheduled check last recorded the fabric (None: never, count from
    `watched_since`); `recording`: the scheduled check itself is checking now."""

    runs: list
    samples: list
    now: datetime
    watched_since: datetime
    last_recorded: datetime | None = None
    recording: bool = False


@dataclass(frozen=True)
class Pattern:
    code: str
    summary: str
    count: int
    first_seen: datetime
    last_seen: datetime
    file: str = ''
    # What `count` counts: ingestion runs, health checks, or the checks that did not run.
    unit: str = 'runs'

    @property
    def cause(self):
        return PATTERN_CODES[self.code].cause

    @property
    def remedy(self):
        return PATTERN_CODES[self.code].remedy

    @property
    def evidence(self):
        return f'{self.count} {self.unit}, first seen {_when(self.first_seen)}, last seen {_when(self.last_seen)}'

    def finding(self):
        known = PATTERN_CODES[self.code]
        message = f'{self.summary} ({self.evidence}). Likely cause: {known.cause}'
        return Finding(known.severity, self.code, message, file=self.file, hint=known.remedy)

    def as_dict(self):
        return {
            'code': self.code,
            'summary': self.summary,
            'count': self.count,
            'first_seen': self.first_seen.isoformat(),
            'last_seen': self.last_seen.isoformat(),
            'file': self.file,
            'unit': self.unit,
            'cause': self.cause,
            'remedy': self.remedy,
        }


def rejected_files(findings):
    """{raw file: its error findings} of a run's stored findings (dicts): the files it rejected."""
    rejected = {}
    for finding in findings or ():
        if finding.get('severity') == str(Severity.ERROR):
            rejected.setdefault(finding.get('file'), []).append(finding)
    return rejected


def find_patterns(history, thresholds):
    """Every pattern `history` shows at `thresholds`."""
    return [
        *rejected_repeatedly(history.runs, thresholds.rejected_runs),
        *pushes_failing(history.runs, thresholds.push_failures),
        *lock_held(history.samples, thresholds.lock_wait_seconds),
        *raw_growing(history.samples, history.runs, thresholds.raw_growth_checks),
        *disk_filling(history.samples, thresholds.disk_days_left),
        *health_job_stale(history, thresholds.health_interval_minutes),
    ]


def rejected_repeatedly(runs, threshold):
    """Each file the latest run rejected whose findings were the same in `threshold` or more runs before it."""
    if not threshold or not runs:
        return []
    patterns = []
    for path, findings in sorted(runs[0].rejected.items()):
        streak = list(takewhile(lambda run, path=path, same=findings: run.rejected.get(path) == same, runs))
        if len(streak) >= threshold:
            first = findings[0]
            summary = (
                f'{path} was rejected by {len(streak)} ingestion runs in a row with the same '
                f'{len(findings)} finding(s), unchanged; first: {first.get("code")} {first.get("message")}'
            )
            code = 'HEALTH_PATTERN_REJECTED_REPEATEDLY'
            patterns.append(Pattern(code, summary, len(streak), streak[-1].started, streak[0].started, path))
    return patterns


def pushes_failing(runs, threshold):
    streak = list(takewhile(lambda run: run.push_error, runs))
    if not threshold or len(streak) < threshold:
        return []
    summary = (
        f'The git push failed in the last {len(streak)} ingestion runs, since run {streak[-1].id} of '
        f'{_when(streak[-1].started)}; last error: {streak[0].push_error}'
    )
    return [Pattern('HEALTH_PATTERN_PUSH_FAILING', summary, len(streak), streak[-1].started, streak[0].started)]


def lock_held(samples, wait_seconds):
    """The holder of the newest check's lock, when it held it at the checks before too for over `wait_seconds`."""
    holder = samples[-1].lock_holder if samples else None
    if holder is None:
        return []
    streak = list(takewhile(lambda sample: sample.lock_holder == holder, reversed(samples)))
    held = streak[0].checked - streak[-1].checked
    if len(streak) < 2 or held.total_seconds() <= wait_seconds:
        return []
    summary = (
        f"{holder} has held the fabric's lock at {len(streak)} health checks in a row, for {_duration(held)} "
        f'(lock_wait_seconds is {wait_seconds})'
    )
    first, last = streak[-1].checked, streak[0].checked
    return [Pattern('HEALTH_PATTERN_LOCK_HELD', summary, len(streak), first, last, unit='health checks')]


def raw_growing(samples, runs, checks):
    """raw/ held more files than at the check before at `checks` or more checks in a row, up to the newest."""
    measured = [sample for sample in samples if sample.raw_backlog is not None]
    if not checks or len(measured) < 2:
        return []
    start = len(measured) - 1
    while start > 0 and measured[start - 1].raw_backlog < measured[start].raw_backlog:
        start -= 1
    grew = len(measured) - 1 - start
    if grew < checks:
        return []
    first, last = measured[start], measured[-1]
    hours = max((last.checked - first.checked).total_seconds() / 3600, 1 / 60)
    ingested = sum(1 for run in runs if first.checked <= run.started <= last.checked)
    summary = (
        f'raw/ grew from {first.raw_backlog} to {last.raw_backlog} file(s) over {grew} health checks in a row '
        f'({(last.raw_backlog - first.raw_backlog) / hours:.1f} files an hour), with {ingested} ingestion run(s) '
        'meanwhile'
    )
    return [Pattern('HEALTH_PATTERN_RAW_GROWING', summary, grew, first.checked, last.checked, 'raw/', 'health checks')]


def disk_filling(samples, days_left):
    """Free bytes over the checks, fitted to a straight line: when it falls, the days until it reaches zero."""
    measured = [sample for sample in samples if sample.free_bytes is not None]
    if not days_left or len(measured) < 3:
        return []
    origin = measured[0].checked
    xs = [(sample.checked - origin).total_seconds() for sample in measured]
    ys = [sample.free_bytes for sample in measured]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if not spread:
        return []
    per_second = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    if per_second >= 0:
        return []
    per_day = -per_second * 86400
    left = ys[-1] / per_day
    if left > days_left:
        return []
    summary = (
        f'Free disk under the tree fell from {ys[0] // 2**20} MiB to {ys[-1] // 2**20} MiB over {len(measured)} '
        f'health checks ({per_day / 2**20:.0f} MiB a day): at this rate it is full in '
        f'{f"{left:.1f} day(s)" if left >= 1 else age_words(left * 86400)}'
    )
    first, last = measured[0].checked, measured[-1].checked
    return [Pattern('HEALTH_PATTERN_DISK_FILLING', summary, len(measured), first, last, unit='health checks')]


def health_job_stale(history, interval_minutes):
    """The scheduled check's last record of the fabric (or the fabric's creation) is older than twice its
    interval. Never while the scheduled check is the one checking: it is running."""
    if not interval_minutes or history.recording:
        return []
    since = history.last_recorded or history.watched_since
    age = history.now - since
    if age <= timedelta(minutes=2 * interval_minutes):
        return []
    recorded = f'last recorded the fabric {_when(since)}' if history.last_recorded else 'never recorded the fabric'
    summary = f'The scheduled health check {recorded}, {_duration(age)} ago; it should run every {interval_minutes} min'
    missed = int(age / timedelta(minutes=interval_minutes))
    return [Pattern('HEALTH_PATTERN_HEALTH_JOB_STALE', summary, missed, since, history.now, unit='checks missed')]


def _when(moment):
    return f'{moment:%Y-%m-%d %H:%M} UTC'


def age_words(seconds):
    """A duration as people say it: '12 min', '3 h 5 min', '4 days'."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f'{minutes} min'
    return f'{minutes // 60} h {minutes % 60} min' if minutes < 48 * 60 else f'{minutes // 1440} days'


def _duration(delta):
    return age_words(delta.total_seconds())
