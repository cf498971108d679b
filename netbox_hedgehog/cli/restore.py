"""`netbox hedgehog restore <fabric> <archive> [--json]`: put a backup back as the fabric's tree.

Exit codes: 0 restored, 1 refused or failed (the tree is unchanged: bad checksum, another
fabric's archive, ...), 2 bad usage, 3 an ingestion holds the fabric.
"""

import json
import sys

from netbox_hedgehog.cli import add_fabric_argument, add_json_option, fabric_subcommand
from netbox_hedgehog.core.exit_codes import FAILED, OK
from netbox_hedgehog.services.backup import RestoreError, restore

HELP = "Restore a fabric's tree from a backup archive: checksum verified, current tree backed up, swapped atomically."


def add_arguments(parser):
    add_fabric_argument(parser)
    parser.add_argument('archive', help='a .tar.gz written by `hedgehog backup` (its .sha256 beside it)')
    add_json_option(parser)


@fabric_subcommand
def run(fabric, options, out):
    try:
        result = restore(fabric, options['archive'])
    except RestoreError as exc:
        sys.stderr.write(f'hedgehog: restore of {fabric.name} refused: {exc}\n')
        return FAILED
    if options['json']:
        out.write(json.dumps(result.as_dict(), indent=2) + '\n')
        return OK
    out.write(f'fabric {fabric.name}: tree {result.tree} restored from {result.archive}\n')
    if result.previous:
        out.write(f'previous tree backed up to {result.previous.archive}\n')
    indexed = result.reindexed
    out.write(
        f'index: {len(indexed.created)} created, {len(indexed.updated)} updated, '
        f'{len(indexed.deleted)} deleted, {indexed.unchanged} unchanged\n'
    )
    return OK
