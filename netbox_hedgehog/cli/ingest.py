"""`netbox hedgehog ingest <fabric> [--dry-run] [--adopt-unmanaged] [--json]`: move raw/ into managed/ and index it.

With --adopt-unmanaged, documents filed in unmanaged/ whose kinds are managed now (the gateway kinds, in a
fabric ingested before they were) move to managed/ as well; without it the outcome only offers to
(INGEST_ADOPTABLE). See the plan with --dry-run first, as for `fix --forget-missing`.

Exit codes: 0 all ingested, 1 some files stay in raw/, 2 usage, 3 lock held, 4 the fabric's git
remote could not be synchronised (a pull refused before any change, or the run's commit not pushed),
5 the run failed (the tree cannot be written, the database failed; one line on stderr says why).
"""

import sys

from netbox_hedgehog.cli import (
    add_fabric_argument,
    add_json_option,
    add_plan_options,
    complain,
    fabric_subcommand,
    print_findings,
    print_result,
)
from netbox_hedgehog.core.exit_codes import NOT_PUSHED, RUN_FAILED
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.repository import GitError
from netbox_hedgehog.services.run_records import IngestionFailed

HELP = "Ingest a fabric's raw/ folder: validated YAML into managed/, foreign YAML into unmanaged/."


def add_arguments(parser):
    add_fabric_argument(parser)
    add_plan_options(parser, '--adopt-unmanaged', 'also move unmanaged/ documents of kinds managed now to managed/')
    add_json_option(parser, 'the outcome')


@fabric_subcommand
def run(fabric, options, out):
    show_progress = not options['json'] and sys.stderr.isatty()
    try:
        outcome = ingest(
            fabric,
            trigger='command',
            dry_run=options['dry_run'],
            adopt_unmanaged=options['adopt_unmanaged'],
            progress=_progress_bar if show_progress else None,
        )
    except GitError as exc:
        out.write(f'fabric {fabric.name}: nothing ingested, the git working copy is not up to date: {exc}\n')
        return NOT_PUSHED
    except IngestionFailed as exc:
        run = f'run {exc.run} ' if exc.run else ''
        return complain(f'fabric {fabric.name}: {run}{exc}', RUN_FAILED)
    print_result(fabric, outcome, options, out, _describe)
    return outcome.exit_code


def _progress_bar(step, done, total):
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f'\r{step} [{"#" * filled}{"." * (width - filled)}] {done}/{total}')
    if done == total:
        sys.stderr.write('\n')
    sys.stderr.flush()


def _describe(fabric, outcome, out):
    plan = outcome.plan
    if outcome.dry_run:
        prefix = 'plan (dry run)'
    else:
        prefix = f'run {outcome.run.pk}' if outcome.run else 'nothing to ingest (no run recorded)'
    out.write(f'fabric {fabric.name}: {prefix}\n')
    for file_plan in plan.files:
        out.write(f'  {file_plan.action:7} {file_plan.path}\n')
        for document in file_plan.documents:
            target = f' -> {document.target}' if document.target else ''
            detail = f' ({document.reason})' if document.reason else ''
            out.write(f'      {document.action:9} {document.kind} {document.name}{target}{detail}\n')
    print_findings(outcome.all_findings(), out, fabric.name)
    counts = plan.counts()
    files = ', '.join(f'{n} {action}' for action, n in counts['files'].items() if n)
    documents = ', '.join(f'{n} {action}' for action, n in counts['documents'].items() if n)
    out.write(f'files: {files or "none"}; documents: {documents or "none"}\n')
    if not outcome.dry_run:
        out.write(f'written: {len(outcome.written)}; removed from raw/: {len(outcome.removed)}\n')
    if outcome.git is not None:
        _describe_git(outcome.git, out)


def _describe_git(git, out):
    if git.commit is None:
        out.write('git: nothing to commit\n')
    elif git.pushed:
        out.write(f'git: pushed commit {git.commit[:12]}{" (after a rebase)" if git.retried else ""}\n')
    else:
        out.write(f'git: commit {git.commit[:12]} kept locally, not pushed: {git.error}\n')
