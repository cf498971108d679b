"""`netbox hedgehog onboard <fabric> [--dry-run] [--json]`: create or repair a fabric's GitOps tree."""

import json

from netbox_hedgehog.cli import add_fabric_argument, add_json_option, fabric_subcommand, write_json
from netbox_hedgehog.core.exit_codes import FAILED, OK
from netbox_hedgehog.services.fabrics import mark_failed, onboard
from netbox_hedgehog.services.onboarding import OnboardingError
from netbox_hedgehog.services.repository import GitError

HELP = "Create or repair a fabric's GitOps tree and print what was (or would be) done."


def add_arguments(parser):
    add_fabric_argument(parser)
    parser.add_argument('--dry-run', action='store_true', help='show what would be done; change nothing')
    add_json_option(parser)


@fabric_subcommand
def run(fabric, options, out):
    try:
        result = onboard(fabric, dry_run=options['dry_run'])
    except (OnboardingError, GitError) as exc:
        if not options['dry_run']:
            mark_failed(fabric, exc)
        if options['json']:
            out.write(
                json.dumps({'fabric': fabric.name, 'ok': False, 'error': str(exc), 'path': getattr(exc, 'path', None)})
                + '\n'
            )
        else:
            out.write(f'onboarding {fabric.name} failed: {exc}\n')
        return FAILED
    if options['json']:
        write_json({'fabric': fabric.name, 'ok': True, **result.as_dict()}, out)
    else:
        out.write(_describe(fabric, result))
    return OK


def _describe(fabric, result):
    would = 'would ' if result.dry_run else ''
    lines = [f'fabric {fabric.name}: tree {result.tree}']
    lines += [f'  {would}create  {path}' for path in result.created]
    lines += [f'  {would}adopt   {source} -> {target}' for source, target in result.adopted]
    lines += [f'  {finding.severity:7} {finding.location}: {finding.message}' for finding in result.findings]
    if not result.changed:
        lines.append('  nothing to do: the tree is complete')
    if result.raw_has_files:
        lines.append('  raw/ holds files: ingestion requested' if not result.dry_run else '  raw/ holds files')
    return '\n'.join(lines) + '\n'
