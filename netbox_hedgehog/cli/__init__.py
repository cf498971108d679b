"""Sub-commands of `netbox hedgehog ...`: one module each, thin adapters over the services.

Each module exposes `HELP`, `add_arguments(parser)` and `run(options, out) -> int` (the exit code),
so the management command only dispatches and every sub-command can be tested in-process.
"""

import sys

SUBCOMMANDS = ('onboard',)

# Argparse's own exit code for bad usage; sub-commands use it too (unknown fabric, bad path).
USAGE_ERROR = 2


def usage_error(message):
    sys.stderr.write(f'hedgehog: {message}\n')
    return USAGE_ERROR


def find_fabric(name):
    from netbox_hedgehog.models import HedgehogFabric

    return HedgehogFabric.objects.filter(name=name).first()
