"""The failure patterns from constructed histories (plain Python): each one at its threshold, none just below."""

from datetime import UTC, datetime, timedelta

from netbox_hedgehog.core.findings import Severity
from netbox_hedgehog.core.health_patterns import (
    PATTERN_CODES,
    HealthSample,
    History,
    RunRecord,
    Thresholds,
    find_patterns,
    rejected_files,
)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
LIMITS = Thresholds()
ERROR = {'severity': 'error', 'code': 'VPC_VLAN_RANGE', 'message': 'vlan 5000 is out of range', 'file': 'raw/a.yaml'}


def minutes_ago(minutes):
    return NOW - timedelta(minutes=minutes)


def history(runs=(), samples=(), last_recorded=NOW, watched_since=None, recording=False):
    return History(
        runs=list(runs),
        samples=list(samples) or [HealthSample(NOW)],
        now=NOW,
        watched_since=watched_since or minutes_ago(1),
        last_recorded=last_recorded,
        recording=recording,
    )


def codes(found):
    return [pattern.code for pattern in found]


def rejecting_runs(count, findings=(ERROR,)):
    """`count` runs, newest first, each rejecting raw/a.yaml with `findings`."""
    return [RunRecord(100 - n, minutes_ago(10 * n), rejected_files(findings)) for n in range(count)]


# --- a raw file rejected again and again ------------------------------------------------------------


def test_a_file_rejected_three_runs_in_a_row_with_the_same_findings():
    (pattern,) = find_patterns(history(runs=rejecting_runs(3)), LIMITS)
    assert pattern.code == 'HEALTH_PATTERN_REJECTED_REPEATEDLY'
    assert (pattern.file, pattern.count) == ('raw/a.yaml', 3)
    assert (pattern.first_seen, pattern.last_seen) == (minutes_ago(20), NOW)
    assert 'VPC_VLAN_RANGE vlan 5000 is out of range' in pattern.summary
    finding = pattern.finding()
    assert (finding.severity, finding.file) == (Severity.WARNING, 'raw/a.yaml')
    assert '(3 runs, first seen 2026-12-03 11:40 UTC, last seen 2026-12-03 12:00 UTC)' in finding.message
    assert 'Likely cause: nobody corrected the file' in finding.message
    assert finding.hint == PATTERN_CODES['HEALTH_PATTERN_REJECTED_REPEATEDLY'].remedy


def test_two_rejections_are_below_the_threshold():
    assert find_patterns(history(runs=rejecting_runs(2)), LIMITS) == []


def test_changed_findings_start_the_count_again():
    changed = {**ERROR, 'message': 'vlan 4096 is out of range'}
    runs = rejecting_runs(1, [changed]) + rejecting_runs(3)[1:]
    assert find_patterns(history(runs=runs), LIMITS) == []


def test_a_run_that_took_the_file_breaks_the_series():
    runs = rejecting_runs(2) + [RunRecord(1, minutes_ago(60), {})] + rejecting_runs(5)[3:]
    assert find_patterns(history(runs=runs), LIMITS) == []


# --- pushes that keep failing ---------------------------------------------------------------------


def failing_pushes(count):
    return [RunRecord(50 - n, minutes_ago(15 * n), {}, 'remote rejected (protected branch)') for n in range(count)]


def test_three_failed_pushes_say_since_when():
    (pattern,) = find_patterns(history(runs=failing_pushes(3) + [RunRecord(1, minutes_ago(90), {})]), LIMITS)
    assert (pattern.code, pattern.count, pattern.first_seen) == ('HEALTH_PATTERN_PUSH_FAILING', 3, minutes_ago(30))
    assert 'since run 48 of 2026-12-03 11:30 UTC' in pattern.summary
    assert 'last error: remote rejected (protected branch)' in pattern.summary


def test_two_failed_pushes_are_below_the_threshold():
    assert find_patterns(history(runs=failing_pushes(2)), LIMITS) == []


def test_a_push_that_went_through_ends_the_series():
    runs = [RunRecord(60, NOW, {})] + failing_pushes(4)[1:]
    assert find_patterns(history(runs=runs), LIMITS) == []


# --- the lock held by one holder ------------------------------------------------------------------


def locked(*minutes, holder='database session 42'):
    return [HealthSample(minutes_ago(m), lock_holder=holder) for m in minutes]


def test_the_same_holder_over_the_lock_wait():
    (pattern,) = find_patterns(history(samples=locked(15, 0)), LIMITS)
    assert (pattern.code, pattern.count) == ('HEALTH_PATTERN_LOCK_HELD', 2)
    assert 'database session 42 has held' in pattern.summary


def test_the_same_holder_for_the_lock_wait_or_less_is_not_a_pattern():
    two_minutes = [HealthSample(NOW - timedelta(seconds=120), lock_holder='s'), HealthSample(NOW, lock_holder='s')]
    assert find_patterns(history(samples=two_minutes), LIMITS) == []


def test_another_holder_is_not_the_same_lock():
    samples = locked(15, holder='database session 41') + locked(0)
    assert find_patterns(history(samples=samples), LIMITS) == []


# --- raw/ growing ---------------------------------------------------------------------------------


def backlog(*counts):
    """Checks 15 min apart, the last one now, with these raw/ backlogs."""
    last = len(counts) - 1
    return [HealthSample(minutes_ago(15 * (last - n)), raw_backlog=count) for n, count in enumerate(counts)]


def test_raw_growing_at_three_checks_in_a_row():
    runs = [RunRecord(1, minutes_ago(20), {})]
    (pattern,) = find_patterns(history(runs=runs, samples=backlog(5, 1, 2, 4, 9)), LIMITS)
    assert (pattern.code, pattern.count, pattern.first_seen) == ('HEALTH_PATTERN_RAW_GROWING', 3, minutes_ago(45))
    assert 'raw/ grew from 1 to 9 file(s) over 3 health checks in a row' in pattern.summary
    assert '(10.7 files an hour), with 1 ingestion run(s) meanwhile' in pattern.summary


def test_raw_growing_at_two_checks_is_below_the_threshold():
    assert find_patterns(history(samples=backlog(5, 1, 4, 9)), LIMITS) == []


def test_a_backlog_that_held_still_breaks_the_growth():
    assert find_patterns(history(samples=backlog(1, 2, 2, 3, 4)), LIMITS) == []


# --- free disk trending to zero -------------------------------------------------------------------


def disk(days_left, checks=4):
    """Checks an hour apart with free space falling steadily, so that it lasts `days_left` days after the last."""
    per_hour = 2**30
    last = int(per_hour * 24 * days_left)
    return [HealthSample(minutes_ago(60 * n), free_bytes=last + per_hour * n) for n in reversed(range(checks))]


def test_disk_full_within_the_days_left_setting():
    (pattern,) = find_patterns(history(samples=disk(6.9)), LIMITS)
    assert (pattern.code, pattern.count) == ('HEALTH_PATTERN_DISK_FILLING', 4)
    assert '(24576 MiB a day): at this rate it is full in 6.9 day(s)' in pattern.summary


def test_disk_full_just_after_the_days_left_setting_is_not_a_pattern():
    assert find_patterns(history(samples=disk(7.1)), LIMITS) == []


def test_disk_full_within_a_day_says_the_hours():
    (pattern,) = find_patterns(history(samples=disk(0.25)), LIMITS)
    assert pattern.summary.endswith('at this rate it is full in 6 h 0 min')
    assert pattern.evidence.startswith('4 health checks, first seen 2026-12-03 09:00 UTC')


def test_disk_trend_needs_three_checks_and_a_fall():
    assert find_patterns(history(samples=disk(1, checks=2)), LIMITS) == []
    rising = [HealthSample(minutes_ago(60 * n), free_bytes=2**30 - n) for n in range(4)]
    assert find_patterns(history(samples=rising), LIMITS) == []


# --- the scheduled health check not running ---------------------------------------------------------


def test_a_stale_health_job_after_twice_the_interval():
    (pattern,) = find_patterns(history(last_recorded=minutes_ago(31)), LIMITS)
    assert (pattern.code, pattern.count, pattern.first_seen) == ('HEALTH_PATTERN_HEALTH_JOB_STALE', 2, minutes_ago(31))
    assert 'last recorded the fabric 2026-12-03 11:29 UTC, 31 min ago; it should run every 15 min' in pattern.summary


def test_a_health_job_within_twice_the_interval_is_not_stale():
    assert find_patterns(history(last_recorded=minutes_ago(30)), LIMITS) == []


def test_a_fabric_never_recorded_counts_from_its_creation():
    (pattern,) = find_patterns(history(last_recorded=None, watched_since=minutes_ago(45)), LIMITS)
    assert 'never recorded the fabric' in pattern.summary
    assert find_patterns(history(last_recorded=None, watched_since=minutes_ago(29)), LIMITS) == []


def test_the_scheduled_check_itself_is_never_stale():
    assert find_patterns(history(last_recorded=minutes_ago(300), recording=True), LIMITS) == []


# --- the settings ---------------------------------------------------------------------------------------


def test_zero_turns_the_patterns_off():
    off = Thresholds(rejected_runs=0, push_failures=0, raw_growth_checks=0, disk_days_left=0, health_interval_minutes=0)
    busy = history(
        runs=[RunRecord(n, minutes_ago(n), rejected_files([ERROR]), 'refused') for n in range(5)],
        samples=backlog(1, 2, 3, 4),
        last_recorded=minutes_ago(600),
    )
    assert codes(find_patterns(busy, LIMITS)) == [
        'HEALTH_PATTERN_REJECTED_REPEATEDLY',
        'HEALTH_PATTERN_PUSH_FAILING',
        'HEALTH_PATTERN_RAW_GROWING',
        'HEALTH_PATTERN_HEALTH_JOB_STALE',
    ]
    assert find_patterns(busy, off) == []


def test_a_lower_threshold_finds_sooner():
    assert codes(find_patterns(history(runs=rejecting_runs(2)), Thresholds(rejected_runs=2))) == [
        'HEALTH_PATTERN_REJECTED_REPEATEDLY'
    ]
