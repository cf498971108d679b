"""The one shape of a finding, shared by validation, ingestion, health, the UI, the API and the CLI.

A finding tells a person what is wrong (or worth knowing), where (file, line, document, field
path) and, where we know one, what to do about it. Codes are stable: tests, docs and monitoring
rely on them.
"""

from dataclasses import asdict, dataclass
from enum import StrEnum

__all__ = ('Finding', 'Severity', 'count_by_severity', 'has_errors')


class Severity(StrEnum):
    ERROR = 'error'
    WARNING = 'warning'
    INFO = 'info'


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    code: str
    message: str
    file: str = ''
    line: int | None = None
    document: int | None = None
    path: str = ''
    hint: str = ''

    def as_dict(self):
        data = asdict(self)
        data['severity'] = str(self.severity)
        return data

    @classmethod
    def from_dict(cls, data):
        return cls(**{**data, 'severity': Severity(data['severity'])})

    @property
    def location(self):
        """`file:line` (or what of it is known), as people and editors read it."""
        if self.file and self.line:
            return f'{self.file}:{self.line}'
        return self.file or (f'line {self.line}' if self.line else '')


def has_errors(findings):
    return any(f.severity == Severity.ERROR for f in findings)


def count_by_severity(findings):
    counts = {str(s): 0 for s in Severity}
    for finding in findings:
        counts[str(finding.severity)] += 1
    return counts
