"""`netbox hedgehog restore <fabric> <archive> [--json]`: put a backup back as the fabric's tree.

Exit codes: 0 restored, 1 refused or failed (the tree is unchanged: bad checksum, another
fabric's archive, ...), 2 bad usage, 3 an ingestion holds the fabric.
"""

import json
import sys

from netbox_hedgehog.cli import find_fabric, lock_held, usage_error

HELP = "Restore a fabric's tree from a backup archive: checksum verified, current tree backed up, swapped atomically."
FAILED = 1


def add_arguments(parser):
    parser.add_argument('fabric', help='fabric name')
    parser.add_argument('archive', help='a .tar.gz written by `hedgehog backup` (its .sha256 beside it)')
    parser.add_argument('--json', action='store_true', help='print the result as JSON')


def run(options, out):
    from netbox_hedgehog.gitops.backup import RestoreError, restore
    from netbox_hedgehog.gitops.lock import FabricLocked

    fabric = find_fabric(options['fabric'])
    if fabric is None:
        return usage_error(f'no fabric named {options["fabric"]!r}')
    try:
        result = restore(fabric, options['archive'])
    except FabricLocked as exc:
        return lock_held(exc)
    except RestoreError as exc:
        sys.stderr.write(f'hedgehog: restore of {fabric.name} refused: {exc}\n')
        return FAILED
    if options['json']:
        out.write(json.dumps(result.as_dict(), indent=2) + '\n')
        return 0
    out.write(f'fabric {fabric.name}: tree {result.tree} restored from {result.archive}\n')
    if result.previous:
        out.write(f'previous tree backed up to {result.previous.archive}\n')
    indexed = result.reindexed
    out.write(
        f'index: {len(indexed.created)} created, {len(indexed.updated)} updated, '
        f'{len(indexed.deleted)} deleted, {indexed.unchanged} unchanged\n'
    )
    return 0
