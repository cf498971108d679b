"""`netbox hedgehog reindex <fabric> [--json]`: rebuild NetBox's index of a fabric from its managed/ files."""

import json

from netbox_hedgehog.cli import find_fabric, lock_held, print_findings, usage_error

HELP = "Rebuild a fabric's resource index from managed/ (files are the truth; they are not changed)."


def add_arguments(parser):
    parser.add_argument('fabric', help='fabric name')
    parser.add_argument('--json', action='store_true', help='print the result as JSON')


def run(options, out):
    from netbox_hedgehog.gitops.ingestion import reindex
    from netbox_hedgehog.gitops.lock import FabricLocked

    fabric = find_fabric(options['fabric'])
    if fabric is None:
        return usage_error(f'no fabric named {options["fabric"]!r}')
    try:
        result = reindex(fabric)
    except FabricLocked as exc:
        return lock_held(exc)
    if options['json']:
        out.write(json.dumps(result.as_dict(), indent=2) + '\n')
        return 0
    print_findings(result.findings, out, fabric.name)
    out.write(
        f'fabric {fabric.name}: {len(result.created)} created, {len(result.updated)} updated, '
        f'{len(result.deleted)} deleted, {result.unchanged} unchanged\n'
    )
    if result.kept:
        out.write(
            f'{len(result.kept)} row(s) kept whose managed file is missing: `hedgehog fix {fabric.name}` writes '
            f'them back, `hedgehog fix {fabric.name} --forget-missing` drops them\n'
        )
    return 0
