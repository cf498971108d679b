"""`netbox hedgehog <sub-command> ...`: dispatches to the modules in netbox_hedgehog.cli."""

import sys
from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from netbox_hedgehog.cli import SUBCOMMANDS
from netbox_hedgehog.core.exit_codes import FAILED


class Command(BaseCommand):
    help = 'Hedgehog GitOps tools: ' + ', '.join(SUBCOMMANDS)
    # The sub-commands manage their own DB work; Django's system checks add seconds per call.
    requires_system_checks = []

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest='subcommand', metavar='SUBCOMMAND', required=True)
        for name in SUBCOMMANDS:
            module = import_module(f'netbox_hedgehog.cli.{name}')
            sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
            module.add_arguments(sub)

    def handle(self, *args, subcommand, **options):
        module = import_module(f'netbox_hedgehog.cli.{subcommand}')
        try:
            code = module.run(options, self.stdout)
        except (OSError, DatabaseError) as exc:
            # A fault no sub-command turns into its own answer: one line, not a traceback (the server's
            # administrator runs this, so the file's path is told).
            where = f'{exc.filename}: ' if getattr(exc, 'filename', None) else ''
            reason = exc.strerror if getattr(exc, 'strerror', None) else type(exc).__name__
            sys.stderr.write(f'hedgehog {subcommand}: failed: {where}{reason}\n')
            code = FAILED
        self.stdout.flush()
        if code:
            sys.exit(code)
