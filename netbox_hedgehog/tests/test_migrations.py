import json
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase, TransactionTestCase

from netbox_hedgehog.models import IngestedFile


def migrate_to_latest():
    """Every later test expects the schema of the models: leave the database at the newest migration."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


class MigrationsTest(TestCase):
    def test_models_and_migrations_agree(self):
        # Exits non-zero (SystemExit) when a model change has no migration.
        out = StringIO()
        call_command('makemigrations', 'netbox_hedgehog', '--check', '--dry-run', stdout=out, stderr=out)
        self.assertIn('No changes detected', out.getvalue())


class IngestedFileDocumentsAsTextTest(TransactionTestCase):
    """0006 turns the records' jsonb into text: records written before it must still be read as JSON."""

    before = ('netbox_hedgehog', '0005_resource_indexes_covered_by_unique')
    after = ('netbox_hedgehog', '0006_ingested_file_documents_as_text')

    def test_records_written_as_jsonb_read_back_as_the_same_json(self):
        executor = MigrationExecutor(connection)
        old = executor.migrate([self.before]).apps
        try:
            fabric = old.get_model('netbox_hedgehog', 'HedgehogFabric').objects.create(name='dc1')
            records = [[0, 1, 'create', 'VPC', 'vpc-1', 'managed/vpcs/vpc-1.yaml', 'ab' * 32, '', 195, 17953]]
            old.get_model('netbox_hedgehog', 'IngestedFile').objects.create(
                fabric=fabric, sha256='cd' * 32, documents=records
            )
        finally:
            MigrationExecutor(connection).migrate([self.after])
            migrate_to_latest()
        self.assertEqual(json.loads(IngestedFile.objects.get(fabric_id=fabric.pk).documents), records)


class LargeJsonCompressionTest(TestCase):
    def test_run_and_record_columns_use_lz4_where_the_server_has_it(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
            if not cursor.fetchone()[0]:
                self.skipTest('this PostgreSQL is built without lz4')
            cursor.execute(
                'SELECT attcompression FROM pg_attribute WHERE attrelid IN '
                "('netbox_hedgehog_ingestionrun'::regclass, 'netbox_hedgehog_ingestedfile'::regclass) "
                "AND attname IN ('provenance', 'findings', 'documents')"
            )
            self.assertEqual([compression for (compression,) in cursor.fetchall()], ['l', 'l', 'l'])
