"""Sub-commands of `netbox hedgehog ...`: one module each, thin adapters over the services.

Each module exposes `HELP`, `add_arguments(parser)` and `run(options, out) -> int` (the exit code, named in
core/exit_codes.py), so the management command only dispatches and every sub-command can be tested in-process.
What they share is here: the `fabric` argument and its lookup, `--json`, the answer to a held lock
(`fabric_subcommand`), bad usage, and the findings table.
"""

import functools
import sys

from netbox_hedgehog.core.exit_codes import LOCK_HELD, USAGE_ERROR
from netbox_hedgehog.core.findings import command_hint
from netbox_hedgehog.services.lock import FabricLocked

SUBCOMMANDS = ('backup', 'export', 'fix', 'health', 'ingest', 'onboard', 'reindex', 'restore', 'validate')


def add_fabric_argument(parser, **kwargs):
    parser.add_argument('fabric', help='fabric name', **kwargs)


def add_json_option(parser, what='the result'):
    parser.add_argument('--json', action='store_true', help=f'print {what} as JSON')


def fabric_subcommand(run):
    """A sub-command's `run(fabric, options, out)` as its `run(options, out)`: the fabric named by the `fabric`
    argument (bad usage when none has that name), and another run holding the fabric's lock answered with
    LOCK_HELD and its message (a sub-command whose service takes no lock never meets one)."""

    @functools.wraps(run)
    def run_with_fabric(options, out):
        fabric = find_fabric(options['fabric'])
        if fabric is None:
            return usage_error(f'no fabric named {options["fabric"]!r}')
        try:
            return run(fabric, options, out)
        except FabricLocked as error:
            sys.stderr.write(f'hedgehog: {error}\n')
            return LOCK_HELD

    return run_with_fabric


def usage_error(message):
    sys.stderr.write(f'hedgehog: {message}\n')
    return USAGE_ERROR


def find_fabric(name):
    # Local: `validate` imports this package and runs without NetBox's apps loaded (no models to import).
    from netbox_hedgehog.models import HedgehogFabric

    return HedgehogFabric.objects.filter(name=name).first()


def print_findings(findings, out, fabric=None):
    """Findings as the table every sub-command prints: location, severity, code, field path, message, hint (in the
    command line's words, naming `fabric` where it says which)."""
    rows = [
        (f.location or '-', str(f.severity).upper(), f.code, f.path or '-', f.message, command_hint(f.hint, fabric))
        for f in findings
    ]
    if not rows:
        return
    header = ('LOCATION', 'SEVERITY', 'CODE', 'PATH')
    widths = [max(len(title), *(len(row[column]) for row in rows)) for column, title in enumerate(header)]
    out.write('  '.join(title.ljust(width) for title, width in zip(header, widths, strict=True)) + '  MESSAGE\n')
    for *columns, message, hint in rows:
        out.write('  '.join(value.ljust(width) for value, width in zip(columns, widths, strict=True)))
        out.write(f'  {message}\n')
        if hint:
            out.write(f'    hint: {hint}\n')
