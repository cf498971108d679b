"""`netbox hedgehog export <fabric> [-o FILE]`: the fabric's managed objects as one wiring YAML."""

import sys
from pathlib import Path

from netbox_hedgehog.cli import add_fabric_argument, fabric_subcommand, print_findings
from netbox_hedgehog.core.exit_codes import FAILED, OK
from netbox_hedgehog.services.export import export_fabric

HELP = (
    "Print a fabric's managed objects as one multi-document wiring YAML, in the order hhfab reads them "
    '(namespaces, switch groups, switches, servers, connections, then VPC objects).'
)


def add_arguments(parser):
    add_fabric_argument(parser)
    parser.add_argument('-o', '--output', metavar='FILE', help='write to FILE instead of standard output')


@fabric_subcommand
def run(fabric, options, out):
    export = export_fabric(fabric)
    if options['output']:
        Path(options['output']).write_text(export.text, encoding='utf-8')
    elif export.text:  # an empty fabric prints nothing, not an empty line
        out.write(export.text)
    # The YAML owns standard output: what was left out, and why, goes to standard error.
    print_findings(export.findings, sys.stderr)
    sys.stderr.write(f'fabric {fabric.name}: {export.objects} object(s) exported\n')
    return FAILED if export.findings else OK
