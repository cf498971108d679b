"""Sub-commands of `netbox hedgehog ...`: one module each, thin adapters over the services.

Each module exposes `HELP`, `add_arguments(parser)` and `run(options, out) -> int` (the exit code, named in
core/exit_codes.py), so the management command only dispatches and every sub-command can be tested in-process.
What they share is here: the `fabric` argument and its lookup, `--json` and `--dry-run`, the answer to a held
lock or a refusal (`fabric_subcommand`), the result as JSON or as words (`print_result`), bad usage, and the findings
table.
"""

import functools
import json
import sys

from netbox_hedgehog.core.exit_codes import FAILED, LOCK_HELD, USAGE_ERROR
from netbox_hedgehog.core.findings import command_hint
from netbox_hedgehog.services.lock import FabricLocked

SUBCOMMANDS = ('backup', 'export', 'fix', 'health', 'ingest', 'onboard', 'reindex', 'restore', 'validate')


def add_fabric_argument(parser, **kwargs):
    parser.add_argument('fabric', help='fabric name', **kwargs)


def add_json_option(parser, what='the result'):
    parser.add_argument('--json', action='store_true', help=f'print {what} as JSON')


def add_plan_options(parser, flag, what):
    """`--dry-run`, and `flag`: a yes to a step that `what` says, which a person looks at in the plan first."""
    parser.add_argument('--dry-run', action='store_true', help='print the plan; change nothing')
    parser.add_argument(flag, action='store_true', help=f'{what} (see the plan with --dry-run first)')


def fabric_subcommand(run=None, *, refusal=None):
    """A sub-command's `run(fabric, options, out)` as its `run(options, out)`: the fabric named by the `fabric`
    argument (bad usage when none has that name), and another run holding the fabric's lock answered with
    LOCK_HELD and its message (a sub-command whose service takes no lock never meets one).

    `refusal`, (exception class, words): the service raising that exception refused and changed nothing:
    FAILED, with `hedgehog: <words>: <the error>` on stderr (`{fabric}` in the words names the fabric).
    """
    if run is None:
        return functools.partial(fabric_subcommand, refusal=refusal)
    refused, words = refusal or ((), '')

    @functools.wraps(run)
    def run_with_fabric(options, out):
        fabric = find_fabric(options['fabric'])
        if fabric is None:
            return usage_error(f'no fabric named {options["fabric"]!r}')
        try:
            return run(fabric, options, out)
        except FabricLocked as error:
            return complain(error, LOCK_HELD)
        except refused as error:
            return complain(f'{words.format(fabric=fabric.name)}: {error}', FAILED)

    return run_with_fabric


def print_result(fabric, result, options, out, describe):
    """A sub-command's result: with `--json` its `as_dict()`, else in the words `describe(fabric, result, out)`
    writes."""
    if options.get('json'):
        write_json(result.as_dict(), out)
    else:
        describe(fabric, result, out)


def write_json(payload, out):
    """`payload` as indented JSON, a value JSON has no type for (a time, a path) as its text."""
    out.write(json.dumps(payload, indent=2, default=str) + '\n')


def complain(message, code):
    """`message` on stderr, as every sub-command says what went wrong; returns the exit code `code`."""
    sys.stderr.write(f'hedgehog: {message}\n')
    return code


def usage_error(message):
    return complain(message, USAGE_ERROR)


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
