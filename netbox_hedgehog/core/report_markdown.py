"""The health report as Markdown: status, score, findings, failure patterns, last runs, last repairs.

Plain Python over what gitops/health_report.py gathers, so `hedgehog health --report` and the Health tab's
download write the same text.
"""

from dataclasses import dataclass

__all__ = ('FabricReport', 'RunLine', 'render')


@dataclass(frozen=True)
class RunLine:
    id: int
    started: object
    status: str
    trigger: str
    counts: str
    git: str


@dataclass(frozen=True)
class FabricReport:
    """One fabric's report: `health` a HealthReport, `runs` RunLines newest first, `repairs` (time, what) pairs
    newest first, `generated` when it was gathered."""

    fabric: str
    self_healing: bool
    health: object
    runs: list
    repairs: list
    generated: object


def render(reports):
    """Every report of `reports`, one after the other."""
    return '\n'.join(_fabric(report) for report in reports)


def _fabric(report):
    health = report.health
    counts = health.counts()
    lines = [f'# Health of fabric {report.fabric}', '', f'Generated {_when(report.generated)}.', '']
    status = [
        health.status,
        f'{health.score} / 100',
        counts['error'],
        counts['warning'],
        counts['info'],
        f'{health.duration:.2f} s',
        'on' if report.self_healing else 'off',
    ]
    lines += _table('Status', ('Status', 'Score', 'Errors', 'Warnings', 'Info', 'Checked in', 'Self-healing'), [status])
    findings = [
        (finding.severity, f'`{finding.code}`', finding.location, finding.message, finding.hint)
        for finding in health.findings
    ]
    lines += _table(
        'Findings',
        ('Severity', 'Code', 'Location', 'Message', 'Hint'),
        findings,
        'No findings: the tree, its files and the index agree.',
    )
    lines += ['## Patterns', '']
    for pattern in health.patterns:
        where = f' ({pattern.file})' if pattern.file else ''
        lines += [
            f'### `{pattern.code}`{where}',
            '',
            f'- **What:** {pattern.summary}',
            f'- **Evidence:** {pattern.evidence}',
            f'- **Likely cause:** {pattern.cause}',
            f'- **Remedy:** {pattern.remedy}',
            '',
        ]
    if not health.patterns:
        lines += ['No failure pattern across the recent runs and checks.', '']
    runs = [(run.id, _when(run.started), run.status, run.trigger, run.counts, run.git) for run in report.runs]
    lines += _table(
        'Last runs', ('Run', 'Started', 'Status', 'Trigger', 'Counts', 'Git'), runs, 'No ingestion run yet.'
    )
    repairs = [(_when(when), what) for when, what in report.repairs]
    nothing = 'No automatic repair yet.' if report.self_healing else 'No automatic repair: self-healing is off.'
    lines += _table('Last repairs', ('When', 'Repaired by the scheduled health check'), repairs, nothing)
    return '\n'.join(lines)


def _table(title, header, rows, empty=''):
    """A `## title` section: a table of `rows` under `header`, or the sentence `empty` when there are none."""
    lines = [f'## {title}', '']
    if rows:
        lines += [_row(header), _row(['---'] * len(header)), *(_row(row) for row in rows)]
    else:
        lines.append(empty)
    return [*lines, '']


def _row(cells):
    return '| ' + ' | '.join(_cell(cell) for cell in cells) + ' |'


def _when(moment):
    return f'{moment:%Y-%m-%d %H:%M:%S} UTC'


def _cell(value):
    """`value` fit for a table cell: no pipe ends the cell early, no line break ends the row."""
    return ' '.join(str(value if value is not None else '').replace('|', '\\|').split()) or '-'
