"""One health check's report: its findings, the acknowledged ones, and the status and score they give.

Every surface (the Health tab, the API, `hedgehog health`, the scheduled job, the metrics) reads this one
report; `gitops/health.py` makes it, and a stored report is read back with `acknowledged_report`.
"""

from dataclasses import dataclass, field

from netbox_hedgehog.core.findings import Finding, Severity, count_by_severity
from netbox_hedgehog.core.health_status import EXIT_CODES, score_of, status_of

__all__ = ('ACKNOWLEDGEABLE', 'HealthReport', 'acknowledged_report', 'acknowledgement_key')


def acknowledgement_key(finding):
    """What an acknowledgement names of a finding: its code, file and field path (its line moves with edits)."""
    return (finding.code, finding.file, finding.path)


# Errors are never acknowledged: what a person may accept is a warning or an info (a reference to an object
# that lives in another fabric or repository, say).
ACKNOWLEDGEABLE = frozenset({Severity.WARNING, Severity.INFO})


@dataclass
class HealthReport:
    """One health check of one fabric. `duration` is in seconds; `stats` are the measured figures.

    `acknowledged` maps acknowledgement_key() to the reason a person gave: such findings stay listed but
    do not lower the status or the score."""

    fabric: str
    findings: list
    duration: float
    checked: object
    stats: dict = field(default_factory=dict)
    # The Missing managed files behind the HEALTH_MANAGED_MISSING and HEALTH_INDEX_ROW_ORPHANED findings.
    missing: list = field(default_factory=list)
    # The failure patterns (gitops/patterns.py) behind the HEALTH_PATTERN_* findings, with their evidence.
    patterns: list = field(default_factory=list)
    acknowledged: dict = field(default_factory=dict)

    @property
    def counted(self):
        """The findings that count towards the status and the score: all but the acknowledged ones."""
        return [finding for finding in self.findings if self.reason_for(finding) is None]

    def reason_for(self, finding):
        if finding.severity not in ACKNOWLEDGEABLE:
            return None
        return self.acknowledged.get(acknowledgement_key(finding))

    @property
    def status(self):
        return status_of(self.counted)

    @property
    def score(self):
        return score_of(self.counted)

    @property
    def exit_code(self):
        return EXIT_CODES[self.status]

    def counts(self):
        return count_by_severity(self.findings)

    def as_dict(self):
        return {
            'fabric': self.fabric,
            'status': str(self.status),
            'score': self.score,
            'checked': self.checked.isoformat(),
            'duration': round(self.duration, 4),
            'counts': self.counts(),
            'stats': self.stats,
            'findings': [{**finding.as_dict(), 'acknowledged': self.reason_for(finding)} for finding in self.findings],
            'patterns': [pattern.as_dict() for pattern in self.patterns],
        }


def acknowledged_report(stored, acknowledged):
    """A stored report (HealthReport.as_dict) with `acknowledged` applied anew: its findings marked, its status
    and score recomputed, so acknowledging shows at once without a new check."""
    findings = [Finding.from_dict(row) for row in stored['findings']]
    report = HealthReport(stored['fabric'], findings, 0, None, acknowledged=acknowledged)
    marked = [
        {**row, 'acknowledged': report.reason_for(finding)}
        for row, finding in zip(stored['findings'], findings, strict=True)
    ]
    return {**stored, 'findings': marked, 'status': str(report.status), 'score': report.score}
