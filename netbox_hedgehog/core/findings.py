"""The one shape of a finding, shared by validation, ingestion, health, the UI, the API and the CLI.

A finding tells a person what is wrong (or worth knowing), where (file, line, document, field
path) and, where we know one, what to do about it. Codes are stable: tests, docs and monitoring
rely on them.
"""

import re
from dataclasses import asdict, dataclass
from enum import StrEnum

__all__ = (
    'FIX_ACTION',
    'HEALTH_ACTION',
    'INGEST_ACTION',
    'Finding',
    'Severity',
    'action',
    'command_hint',
    'count_by_severity',
    'has_errors',
    'in_file_order',
    'page_hint',
)

# A hint that asks for an action carries its words for each place it shows, as [[on a page|on the command line]]:
# a page names its button, the command line the command. JSON (the REST API, --json) carries both.
_ACTION = re.compile(r'\[\[([^|\]]*)\|([^\]]*)\]\]')
FABRIC_PLACEHOLDER = '<fabric>'


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

    def __post_init__(self):
        # Every surface shows `file` beside the message, so the message never repeats it. Texts that also stand
        # alone (exceptions, log lines) open with the path: here it becomes "It" ("raw/a.yaml could not be read"
        # shows as "It could not be read" at raw/a.yaml).
        file, message = self.file, self.message
        if file and message.startswith(file):
            rest = message[len(file) :]
            if rest.startswith(': '):
                object.__setattr__(self, 'message', rest[2:3].upper() + rest[3:])
            elif rest.startswith(' '):
                object.__setattr__(self, 'message', 'It' + rest)

    def as_dict(self):
        data = asdict(self)
        data['severity'] = str(self.severity)
        return data

    @classmethod
    def from_dict(cls, data):
        """The finding of `data` (as_dict's), ignoring what a surface stored beside it (`acknowledged`, say)."""
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        return cls(**{**known, 'severity': Severity(data['severity'])})

    @property
    def location(self):
        """`file:line` (or what of it is known), as people and editors read it."""
        if self.file and self.line:
            return f'{self.file}:{self.line}'
        return self.file or (f'line {self.line}' if self.line else '')


def action(page, command):
    """The words of one action for a hint: `page` names the button or tab, `command` the command (with <fabric>)."""
    return f'[[{page}|{command}]]'


# The actions hints name, in both words.
FIX_ACTION = action('the Fix button', '`netbox hedgehog fix <fabric>`')
INGEST_ACTION = action('the Ingest button', '`netbox hedgehog ingest <fabric>`')
HEALTH_ACTION = action('the Health tab', '`netbox hedgehog health <fabric>`')


def page_hint(hint):
    """`hint` in the words of a page."""
    return _ACTION.sub(r'\1', hint)


def command_hint(hint, fabric=None):
    """`hint` in the words of the command line; `fabric` fills in the fabric's name where known."""

    def command(match):
        return match.group(2).replace(FABRIC_PLACEHOLDER, fabric) if fabric else match.group(2)

    return _ACTION.sub(command, hint)


def in_file_order(findings):
    """Findings as every surface lists them: by file, then line (findings of no file first, then a file's own
    findings without a line); findings at one line keep their order."""
    return sorted(findings, key=_file_and_line)


def _file_and_line(finding):
    return finding.file, finding.line or 0, -1 if finding.document is None else finding.document


def has_errors(findings):
    return any(f.severity == Severity.ERROR for f in findings)


def count_by_severity(findings):
    counts = {str(s): 0 for s in Severity}
    for finding in findings:
        counts[str(finding.severity)] += 1
    return counts
