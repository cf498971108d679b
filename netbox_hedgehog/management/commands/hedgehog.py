"""`netbox hedgehog <sub-command> ...`: dispatches to the modules in netbox_hedgehog.cli."""

import sys
from importlib import import_module

from django.core.management.base import BaseCommand

from netbox_hedgehog.cli import SUBCOMMANDS


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
        code = module.run(options, self.stdout)
        self.stdout.flush()
        if code:
            sys.exit(code)
