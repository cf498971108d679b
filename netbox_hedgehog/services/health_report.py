"""The health report of fabrics (gitops/markdown.py writes it): a check now, the failure patterns it found,
the last runs and the last automatic repairs. `hedgehog health --report` and the Health tab's download
both call `markdown_report`.
"""

from django.utils import timezone

from netbox_hedgehog.core.errors import scrub_paths
from netbox_hedgehog.core.report_markdown import FabricReport, RunLine, render
from netbox_hedgehog.core.run_counts import counts_summary
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.services.health import check_fabric
from netbox_hedgehog.services.selfheal import last_repairs

__all__ = ('RUNS_SHOWN', 'fabric_report', 'markdown_report')

RUNS_SHOWN = 10


def markdown_report(fabrics):
    """The Markdown report of each fabric of `fabrics`, one after the other."""
    return render([fabric_report(fabric) for fabric in fabrics])


def fabric_report(fabric):
    health = check_fabric(fabric)
    runs = fabric.runs.only('pk', 'started', 'status', 'trigger', 'counts', 'git_commit', 'git_error')
    lines = [
        RunLine(run.pk, run.started, run.status, run.trigger, counts_summary(run.counts), _git(fabric, run))
        for run in runs.order_by('-started', '-pk')[:RUNS_SHOWN]
    ]
    repairs = [(when, what) for when, what, _ in last_repairs(fabric)]
    return FabricReport(fabric.name, fabric.self_healing, health, lines, repairs, timezone.now())


def _git(fabric, run):
    if run.git_error:
        return f'push failed: {scrub_paths(run.git_error, fabric.tree_path, gitops_root())}'
    return f'commit {run.git_commit[:12]}' if run.git_commit else ''
