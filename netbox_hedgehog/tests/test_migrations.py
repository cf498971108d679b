from io import StringIO

from django.core.management import call_command
from django.test import TestCase


class MigrationsTest(TestCase):
    def test_models_and_migrations_agree(self):
        # Exits non-zero (SystemExit) when a model change has no migration.
        out = StringIO()
        call_command('makemigrations', 'netbox_hedgehog', '--check', '--dry-run', stdout=out, stderr=out)
        self.assertIn('No changes detected', out.getvalue())
