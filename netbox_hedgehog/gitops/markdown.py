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
    lines = [
        f'# Health of fabric {report.fabric}',
        '',
        f'Generated {_when(report.generated)}.',
        '',
        '## Status',
        '',
        '| Status | Score | Errors | Warnings | Info | Checked in | Self-healing |',
        '|---|---|---|---|---|---|---|',
        f'| {health.status} | {health.score} / 100 | {counts["error"]} | {counts["warning"]} | {counts["info"]} '
        f'| {health.duration:.2f} s | {"on" if report.self_healing else "off"} |',
        '',
        '## Findings',
        '',
    ]
    if health.findings:
        lines += ['| Severity | Code | Location | Message | Hint |', '|---|---|---|---|---|']
        lines += [
            f'| {finding.severity} | `{finding.code}` | {_cell(finding.location)} | {_cell(finding.message)} '
            f'| {_cell(finding.hint)} |'
            for finding in health.findings
        ]
    else:
        lines.append('No findings: the tree, its files and the index agree.')
    lines += ['', '## Patterns', '']
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
    lines += ['## Last runs', '']
    if report.runs:
        lines += ['| Run | Started | Status | Trigger | Counts | Git |', '|---|---|---|---|---|---|']
        lines += [
            f'| {run.id} | {_when(run.started)} | {run.status} | {_cell(run.trigger)} | {_cell(run.counts)} '
            f'| {_cell(run.git)} |'
            for run in report.runs
        ]
    else:
        lines.append('No ingestion run yet.')
    lines += ['', '## Last repairs', '']
    if report.repairs:
        lines += ['| When | Repaired by the scheduled health check |', '|---|---|']
        lines += [f'| {_when(when)} | {_cell(what)} |' for when, what in report.repairs]
    else:
        lines.append('No automatic repair yet.' if report.self_healing else 'No automatic repair: self-healing is off.')
    return '\n'.join(lines) + '\n'


def _when(moment):
    return f'{moment:%Y-%m-%d %H:%M:%S} UTC'


def _cell(text):
    """`text` fit for a table cell: no pipe ends the cell early, no line break ends the row."""
    return ' '.join(str(text or '').replace('|', '\\|').split()) or '-'
