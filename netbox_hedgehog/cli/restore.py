"""`netbox hedgehog restore <fabric> <archive> [--json]`: put a backup back as the fabric's tree.

Exit codes: 0 restored, 1 refused or failed (the tree is unchanged: bad checksum, another
fabric's archive, ...), 2 bad usage, 3 an ingestion holds the fabric.
"""

from netbox_hedgehog.cli import add_fabric_argument, add_json_option, fabric_subcommand, print_result
from netbox_hedgehog.core.exit_codes import OK
from netbox_hedgehog.services.backup import RestoreError, restore

HELP = "Restore a fabric's tree from a backup archive: checksum verified, current tree backed up, swapped atomically."


def add_arguments(parser):
    add_fabric_argument(parser)
    parser.add_argument('archive', help='a .tar.gz written by `hedgehog backup` (its .sha256 beside it)')
    add_json_option(parser)


@fabric_subcommand(refusal=(RestoreError, 'restore of {fabric} refused'))
def run(fabric, options, out):
    print_result(fabric, restore(fabric, options['archive']), options, out, _describe)
    return OK


def _describe(fabric, result, out):
    out.write(f'fabric {fabric.name}: tree {result.tree} restored from {result.archive}\n')
    if result.previous:
        out.write(f'previous tree backed up to {result.previous.archive}\n')
    out.write(f'index: {result.reindexed.summary()}\n')
