"""`netbox hedgehog backup <fabric> [--to DIR] [--json]`: archive a fabric's tree with its SHA-256.

Exit codes: 0 written, 1 failed (nothing written), 2 bad usage, 3 an ingestion holds the fabric.
"""

from netbox_hedgehog.cli import add_fabric_argument, add_json_option, fabric_subcommand, print_result
from netbox_hedgehog.core.exit_codes import OK
from netbox_hedgehog.services.backup import BackupError, backup

HELP = "Write a fabric's tree to <backup_root>/<fabric>/<fabric>-<UTC time>.tar.gz and a .sha256 beside it."


def add_arguments(parser):
    add_fabric_argument(parser)
    parser.add_argument('--to', metavar='DIR', help='backup folder (default: the plugin setting backup_root)')
    add_json_option(parser)


@fabric_subcommand(refusal=(BackupError, 'backup of {fabric} failed'))
def run(fabric, options, out):
    print_result(fabric, backup(fabric, options['to']), options, out, _describe)
    return OK


def _describe(fabric, result, out):
    out.write(f'fabric {fabric.name}: {result.archive} ({result.size} bytes, {result.members} entries)\n')
    out.write(f'sha256 {result.sha256}\n')
