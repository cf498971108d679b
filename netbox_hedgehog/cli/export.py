"""`netbox hedgehog export <fabric> [-o FILE]`: the fabric's managed objects as one wiring YAML."""

import sys
from pathlib import Path

from netbox_hedgehog.cli import FAILED, find_fabric, print_findings, usage_error

HELP = (
    "Print a fabric's managed objects as one multi-document wiring YAML, in the order hhfab reads them "
    '(namespaces, switch groups, switches, servers, connections, then VPC objects).'
)


def add_arguments(parser):
    parser.add_argument('fabric', help='fabric name')
    parser.add_argument('-o', '--output', metavar='FILE', help='write to FILE instead of standard output')


def run(options, out):
    from netbox_hedgehog.gitops.export import export_fabric

    fabric = find_fabric(options['fabric'])
    if fabric is None:
        return usage_error(f'no fabric named {options["fabric"]!r}')
    export = export_fabric(fabric)
    if options['output']:
        Path(options['output']).write_text(export.text, encoding='utf-8')
    elif export.text:  # an empty fabric prints nothing, not an empty line
        out.write(export.text)
    # The YAML owns standard output: what was left out, and why, goes to standard error.
    print_findings(export.findings, sys.stderr)
    sys.stderr.write(f'fabric {fabric.name}: {export.objects} object(s) exported\n')
    return FAILED if export.findings else 0
