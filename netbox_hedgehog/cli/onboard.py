"""`netbox hedgehog onboard <fabric> [--dry-run] [--json]`: create or repair a fabric's GitOps tree."""

import json

from netbox_hedgehog.cli import find_fabric, usage_error

HELP = "Create or repair a fabric's GitOps tree and print what was (or would be) done."
FAILED = 1


def add_arguments(parser):
    parser.add_argument('fabric', help='fabric name')
    parser.add_argument('--dry-run', action='store_true', help='show what would be done; change nothing')
    parser.add_argument('--json', action='store_true', help='print the result as JSON')


def run(options, out):
    from netbox_hedgehog.fabrics import mark_failed, onboard
    from netbox_hedgehog.gitops.onboarding import OnboardingError
    from netbox_hedgehog.gitops.repository import GitError

    fabric = find_fabric(options['fabric'])
    if fabric is None:
        return usage_error(f'no fabric named {options["fabric"]!r}')
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
        out.write(json.dumps({'fabric': fabric.name, 'ok': True, **result.as_dict()}, indent=2) + '\n')
    else:
        out.write(_describe(fabric, result))
    return 0


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
