"""Sub-commands of `netbox hedgehog ...`: one module each, thin adapters over the services.

Each module exposes `HELP`, `add_arguments(parser)` and `run(options, out) -> int` (the exit code),
so the management command only dispatches and every sub-command can be tested in-process.
"""

import sys

from netbox_hedgehog.findings import command_hint

SUBCOMMANDS = ('backup', 'export', 'fix', 'health', 'ingest', 'onboard', 'reindex', 'restore', 'validate')

# A sub-command that failed (a fault of the disk or the database no sub-command answers for itself).
FAILED = 1
# Argparse's own exit code for bad usage; sub-commands use it too (unknown fabric, bad path).
USAGE_ERROR = 2
# Another ingestion, fix or restore of the fabric holds its lock: try again later.
LOCK_HELD = 3


def usage_error(message):
    sys.stderr.write(f'hedgehog: {message}\n')
    return USAGE_ERROR


def lock_held(error):
    sys.stderr.write(f'hedgehog: {error}\n')
    return LOCK_HELD


def find_fabric(name):
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
