"""Sub-commands of `netbox hedgehog ...`: one module each, thin adapters over the services.

Each module exposes `HELP`, `add_arguments(parser)` and `run(options, out) -> int` (the exit code),
so the management command only dispatches and every sub-command can be tested in-process.
"""

SUBCOMMANDS = ('validate',)
