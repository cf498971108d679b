"""Status and score of a health check from its findings, and acknowledgements applied to a report."""

from datetime import UTC, datetime

from netbox_hedgehog.core.findings import Finding, Severity
from netbox_hedgehog.core.health_report import HealthReport, acknowledged_report, acknowledgement_key
from netbox_hedgehog.core.health_status import (
    BAND_WIDTH,
    DEGRADED_TOP,
    HEALTHY_SCORE,
    PENALTIES,
    UNHEALTHY_TOP,
    HealthStatus,
    score_of,
    status_of,
    worst,
)


def finding(severity, code='HEALTH_X', file=''):
    return Finding(severity, code, f'{code} found.', file)


def warnings(count, code='HEALTH_W'):
    return [finding(Severity.WARNING, code, f'f{number}') for number in range(count)]


def test_no_finding_or_only_info_is_healthy_and_scores_full():
    for findings in ([], [finding(Severity.INFO)] * 3):
        assert (status_of(findings), score_of(findings)) == (HealthStatus.HEALTHY, HEALTHY_SCORE)


def test_a_warning_is_degraded_and_an_error_unhealthy_whatever_else_there_is():
    assert status_of([finding(Severity.INFO), finding(Severity.WARNING)]) == HealthStatus.DEGRADED
    assert status_of([finding(Severity.WARNING), finding(Severity.ERROR)]) == HealthStatus.UNHEALTHY


def test_each_finding_costs_its_severitys_penalty():
    assert score_of(warnings(1)) == DEGRADED_TOP - PENALTIES[Severity.WARNING].per_finding
    assert score_of([finding(Severity.ERROR)]) == UNHEALTHY_TOP - PENALTIES[Severity.ERROR].per_finding


def test_many_findings_of_one_code_cost_no_more_than_its_cap():
    assert score_of(warnings(10_000)) == DEGRADED_TOP - PENALTIES[Severity.WARNING].cap
    # Near miss: the same count spread over three codes costs three caps.
    spread = warnings(10, 'HEALTH_A') + warnings(10, 'HEALTH_B') + warnings(10, 'HEALTH_C')
    assert score_of(spread) == DEGRADED_TOP - 3 * PENALTIES[Severity.WARNING].cap


def test_a_score_never_leaves_its_status_band():
    many_codes = [finding(Severity.WARNING, f'HEALTH_{number}') for number in range(100)]
    assert score_of(many_codes) == DEGRADED_TOP - BAND_WIDTH == UNHEALTHY_TOP + 1
    many_errors = [finding(Severity.ERROR, f'HEALTH_{number}') for number in range(100)]
    assert score_of(many_errors) == 0


def test_worst_status_of_several_and_of_none():
    assert worst([]) == HealthStatus.HEALTHY
    assert worst([HealthStatus.DEGRADED, HealthStatus.UNHEALTHY, HealthStatus.HEALTHY]) == HealthStatus.UNHEALTHY
    assert worst([HealthStatus.HEALTHY, HealthStatus.DEGRADED]) == HealthStatus.DEGRADED


def report(findings, acknowledged=None):
    return HealthReport('dc1', findings, 0.1, datetime(2026, 1, 1, tzinfo=UTC), acknowledged=acknowledged or {})


def test_an_acknowledged_warning_stays_listed_but_does_not_count():
    warning = finding(Severity.WARNING, 'HEALTH_REF_DANGLING', 'managed/vpcs/vpc-1.yaml')
    checked = report([warning], {acknowledgement_key(warning): 'lives in dc2'})
    assert (checked.status, checked.score, checked.reason_for(warning)) == (HealthStatus.HEALTHY, 100, 'lives in dc2')
    assert checked.as_dict()['findings'][0]['acknowledged'] == 'lives in dc2'


def test_an_error_is_never_acknowledged():
    error = finding(Severity.ERROR, 'HEALTH_DISK_LOW')
    checked = report([error], {acknowledgement_key(error): 'we know'})
    assert (checked.status, checked.reason_for(error)) == (HealthStatus.UNHEALTHY, None)


def test_a_stored_report_gets_new_acknowledgements_applied_with_status_and_score_recomputed():
    warning = finding(Severity.WARNING, 'HEALTH_GIT_AHEAD')
    stored = report([warning]).as_dict()
    assert stored['status'] == 'degraded'
    again = acknowledged_report(stored, {acknowledgement_key(warning): 'pushed by hand later'})
    assert (again['status'], again['score']) == ('healthy', 100)
    assert again['findings'][0]['acknowledged'] == 'pushed by hand later'
    assert acknowledged_report(stored, {}) == {**stored, 'findings': stored['findings']}
