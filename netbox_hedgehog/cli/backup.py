"""`netbox hedgehog backup <fabric> [--to DIR] [--json]`: archive a fabric's tree with its SHA-256.

Exit codes: 0 written, 1 failed (nothing written), 2 bad usage, 3 an ingestion holds the fabric.
"""

import json
import sys

from netbox_hedgehog.cli import add_fabric_argument, add_json_option, fabric_subcommand
from netbox_hedgehog.core.exit_codes import FAILED, OK
from netbox_hedgehog.services.backup import BackupError, backup

HELP = "Write a fabric's tree to <backup_root>/<fabric>/<fabric>-<UTC time>.tar.gz and a .sha256 beside it."


def add_arguments(parser):
    add_fabric_argument(parser)
    parser.add_argument('--to', metavar='DIR', help='backup folder (default: the plugin setting backup_root)')
    add_json_option(parser)


@fabric_subcommand
def run(fabric, options, out):
    try:
        result = backup(fabric, options['to'])
    except BackupError as exc:
        sys.stderr.write(f'hedgehog: backup of {fabric.name} failed: {exc}\n')
        return FAILED
    if options['json']:
        out.write(json.dumps(result.as_dict(), indent=2) + '\n')
    else:
        out.write(f'fabric {fabric.name}: {result.archive} ({result.size} bytes, {result.members} entries)\n')
        out.write(f'sha256 {result.sha256}\n')
    return OK
