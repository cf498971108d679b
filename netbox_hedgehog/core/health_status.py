"""A health check's status and score from its findings, and the exit codes of `hedgehog health`.

Unhealthy with any error, degraded with any warning, else healthy (info never counts); the score 0-100
places a check within its status's band, so a score never contradicts the status shown beside it.
"""

from enum import StrEnum
from typing import NamedTuple

from netbox_hedgehog.core.findings import Severity

__all__ = (
    'BAND_WIDTH',
    'DEGRADED_TOP',
    'EXIT_CODES',
    'HEALTHY_SCORE',
    'PENALTIES',
    'UNHEALTHY_TOP',
    'HealthStatus',
    'Penalty',
    'score_of',
    'status_of',
    'worst',
)


class HealthStatus(StrEnum):
    HEALTHY = 'healthy'
    DEGRADED = 'degraded'
    UNHEALTHY = 'unhealthy'


# `hedgehog health` exit codes, and the order of badness.
EXIT_CODES = {HealthStatus.HEALTHY: 0, HealthStatus.DEGRADED: 1, HealthStatus.UNHEALTHY: 2}

# The score bands: healthy is 100, degraded 50-99, unhealthy 0-49. Penalties move a score down within its
# band (at most BAND_WIDTH), never into the next band.
HEALTHY_SCORE = 100
DEGRADED_TOP = 99
UNHEALTHY_TOP = 49
BAND_WIDTH = 49


class Penalty(NamedTuple):
    """What each finding of one code costs, and the most all findings of that code cost together."""

    per_finding: int
    cap: int


# The caps keep ten thousand copies of one problem from outweighing three different ones.
PENALTIES = {
    Severity.ERROR: Penalty(per_finding=10, cap=40),
    Severity.WARNING: Penalty(per_finding=2, cap=10),
    Severity.INFO: Penalty(per_finding=0, cap=0),
}


def status_of(findings):
    """Unhealthy with any error, degraded with any warning, else healthy (info never counts)."""
    severities = {finding.severity for finding in findings}
    if Severity.ERROR in severities:
        return HealthStatus.UNHEALTHY
    return HealthStatus.DEGRADED if Severity.WARNING in severities else HealthStatus.HEALTHY


def worst(statuses):
    """The worst of `statuses` (healthy when there are none)."""
    return max(statuses, key=EXIT_CODES.__getitem__, default=HealthStatus.HEALTHY)


def score_of(findings):
    """0-100 within the status's band: healthy 100, degraded 50-99, unhealthy 0-49.

    Each code costs per finding up to its severity's cap (PENALTIES), so ten thousand copies of one
    problem do not outweigh three different ones.
    """
    per_code = {}
    for finding in findings:
        per_code[(finding.code, finding.severity)] = per_code.get((finding.code, finding.severity), 0) + 1
    penalty = sum(
        min(PENALTIES[severity].cap, PENALTIES[severity].per_finding * count)
        for (_, severity), count in per_code.items()
    )
    status = status_of(findings)
    if status == HealthStatus.HEALTHY:
        return HEALTHY_SCORE
    top = DEGRADED_TOP if status == HealthStatus.DEGRADED else UNHEALTHY_TOP
    return top - min(BAND_WIDTH, penalty)
