"""`netbox hedgehog backup <fabric> [--to DIR] [--json]`: archive a fabric's tree with its SHA-256.

Exit codes: 0 written, 1 failed (nothing written), 2 bad usage, 3 an ingestion holds the fabric.
"""

import json
import sys

from netbox_hedgehog.cli import find_fabric, lock_held, usage_error

HELP = "Write a fabric's tree to <backup_root>/<fabric>/<fabric>-<UTC time>.tar.gz and a .sha256 beside it."
FAILED = 1


def add_arguments(parser):
    parser.add_argument('fabric', help='fabric name')
    parser.add_argument('--to', metavar='DIR', help='backup folder (default: the plugin setting backup_root)')
    parser.add_argument('--json', action='store_true', help='print the result as JSON')


def run(options, out):
    from netbox_hedgehog.gitops.backup import BackupError, backup
    from netbox_hedgehog.gitops.lock import FabricLocked

    fabric = find_fabric(options['fabric'])
    if fabric is None:
        return usage_error(f'no fabric named {options["fabric"]!r}')
    try:
        result = backup(fabric, options['to'])
    except FabricLocked as exc:
        return lock_held(exc)
    except BackupError as exc:
        sys.stderr.write(f'hedgehog: backup of {fabric.name} failed: {exc}\n')
        return FAILED
    if options['json']:
        out.write(json.dumps(result.as_dict(), indent=2) + '\n')
    else:
        out.write(f'fabric {fabric.name}: {result.archive} ({result.size} bytes, {result.members} entries)\n')
        out.write(f'sha256 {result.sha256}\n')
    return 0
