"""`netbox hedgehog fix <fabric> [--dry-run] [--forget-missing] [--json]`: repair what is safe in a fabric's tree.

A managed file missing while its index row holds the object is written back (from git HEAD, or from the
index); `--forget-missing` says its deletion was intended, so its row is dropped instead (run it with
--dry-run first: the plan lists each `forget`).

Exit codes: 0 every repair made (or, with --dry-run, possible), 1 a repair was refused or
failed (it needs a person), 2 bad usage, 3 an ingestion holds the fabric.
"""

from netbox_hedgehog.cli import (
    add_fabric_argument,
    add_json_option,
    add_plan_options,
    fabric_subcommand,
    print_findings,
    print_result,
)
from netbox_hedgehog.services.repair import fix

HELP = (
    'Repair a fabric tree: missing directories and manifest, misplaced managed files, missing managed files '
    '(written back), the index. Never deletes a file or the last copy of an object.'
)


def add_arguments(parser):
    add_fabric_argument(parser)
    add_plan_options(
        parser,
        '--forget-missing',
        'the deletion of every managed file missing now was intended: drop their index rows instead of writing '
        'the files back',
    )
    add_json_option(parser)


@fabric_subcommand
def run(fabric, options, out):
    result = fix(fabric, dry_run=options['dry_run'], forget_missing=options['forget_missing'])
    print_result(fabric, result, options, out, _describe)
    return result.exit_code


def _describe(fabric, result, out):
    would = 'would ' if result.dry_run else ''
    out.write(f'fabric {fabric.name}: {"plan (dry run)" if result.dry_run else "repair"}\n')
    for change in result.changes:
        detail = f' ({change.detail})' if change.detail else ''
        out.write(f'  {would}{change.action:8} {change.path}{detail}\n')
    for reason in result.refused:
        out.write(f'  refused  {reason}\n')
    if not result.changes and not result.refused:
        out.write('  nothing to repair\n')
    report = result.after or result.before
    out.write(f'health {"after" if result.after else "now"}: {report.status}, score {report.score}\n')
    print_findings(report.findings, out, fabric.name)
