import json
import shutil
import tempfile
from io import StringIO
from pathlib import Path

from core.models import ObjectType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase, TransactionTestCase
from extras.models import CachedValue

from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestedFile
from netbox_hedgehog.services.fabrics import onboard
from netbox_hedgehog.services.health import check_credentials_configured
from netbox_hedgehog.tests.git_helpers import GitHttpServer, git, make_bare_repository
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, override_plugin_settings


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


class ResourceSearchByNameOnlyTest(TransactionTestCase):
    """0013: resources' search-cache entries of other fields than the name (their managed file, their kind)
    go; the name's entries, and other models' entries, stay."""

    before = ('netbox_hedgehog', '0012_waiting_file_checks')
    after = ('netbox_hedgehog', '0013_resource_search_by_name_only')

    def test_only_the_names_entries_are_left(self):
        resource, fabric = (ObjectType.objects.get_for_model(model) for model in (HedgehogResource, HedgehogFabric))
        MigrationExecutor(connection).migrate([self.before])
        try:
            for object_type, field, value in (
                (resource, 'name', 'leaf-01'),
                (resource, 'managed_path', 'managed/switches/leaf-01.yaml'),
                (resource, 'kind', 'Switch'),
                (fabric, 'gitops_path', 'fabrics/dc1/gitops'),
            ):
                CachedValue.objects.create(
                    object_type=object_type, object_id=1, field=field, type='str', weight=100, value=value
                )
        finally:
            MigrationExecutor(connection).migrate([self.after])
            migrate_to_latest()
        self.assertEqual(
            sorted(CachedValue.objects.values_list('field', 'value')),
            [('gitops_path', 'fabrics/dc1/gitops'), ('name', 'leaf-01')],
        )


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


class CredentialsBoundToPrefixesTest(TemporaryGitopsRootMixin, TransactionTestCase):
    """0008: a fabric's own credentials reference goes where the administrator's configuration covers its
    remote (and that remote keeps working with the configured entry); otherwise it is kept, hidden, for
    HEALTH_GIT_CREDENTIALS_UNCONFIGURED. Backwards, every fabric gets a reference again."""

    before = ('netbox_hedgehog', '0007_lz4_for_large_json')
    after = ('netbox_hedgehog', '0008_credentials_bound_to_url_prefixes')
    token = 'hh-migrated-token-2e8d41f6c3'

    def setUp(self):
        super().setUp()
        scratch = Path(tempfile.mkdtemp(prefix='hedgehog-migration-'))
        self.addCleanup(shutil.rmtree, scratch, ignore_errors=True)
        make_bare_repository(scratch / 'served' / 'fabrics.git')
        self.server = GitHttpServer(scratch / 'served', 'git', self.token).__enter__()
        self.addCleanup(self.server.__exit__)
        self.token_file = scratch / 'git-token'
        self.token_file.write_text(self.token)
        entry = {'name': 'served', 'url_prefixes': [self.server.url('')], 'token_file': str(self.token_file)}
        override_plugin_settings(self, git_credentials=[entry])

    def test_covered_references_go_the_others_are_kept_and_come_back(self):
        remotes = {
            'covered': (self.server.url('fabrics.git'), 'HEDGEHOG_FORMER_TOKEN'),
            'elsewhere': ('http://127.0.0.1:9/other.git', '/etc/netbox/former-token'),
            'local': ('/srv/git/local.git', 'HEDGEHOG_LOCAL_TOKEN'),  # never needed credentials
            'plain': ('', ''),
        }
        old = MigrationExecutor(connection).migrate([self.before]).apps
        try:
            for name, (url, reference) in remotes.items():
                old.get_model('netbox_hedgehog', 'HedgehogFabric').objects.create(
                    name=name,
                    gitops_path=name,
                    git_remote_url=url,
                    git_path=f'fabrics/{name}/gitops',
                    git_credentials=reference,
                )
            with self.assertLogs('netbox_hedgehog.migrations', 'WARNING') as logs:
                MigrationExecutor(connection).migrate([self.after])
        finally:
            migrate_to_latest()
        kept = dict(HedgehogFabric.objects.values_list('name', 'git_credentials_unmigrated'))
        self.assertEqual(kept, {'covered': '', 'elsewhere': '/etc/netbox/former-token', 'local': '', 'plain': ''})
        (line,) = logs.output
        self.assertIn('fabric=elsewhere', line)
        self.assertIn('add_url_prefix=http://127.0.0.1:9/other.git', line)

        # The covered fabric's remote works with the administrator's entry: its tree is cloned and pushed.
        covered = HedgehogFabric.objects.get(name='covered')
        self.assertEqual(covered.credentials_name, 'served')
        onboard(covered)
        self.assertIn(self.server.expected, self.server.authorizations)
        self.assertTrue(git(self.server.folder / 'fabrics.git', 'log', '--format=%s', 'main').strip())
        elsewhere = HedgehogFabric.objects.get(name='elsewhere')
        (finding,) = check_credentials_configured(elsewhere)
        self.assertEqual(finding.code, 'HEALTH_GIT_CREDENTIALS_UNCONFIGURED')
        self.assertIn("url_prefixes ['http://127.0.0.1:9/other.git']", finding.message)
        self.assertNotIn('/etc/netbox/former-token', finding.message)

        # Backwards: the kept reference, or the covering entry's file; nothing for what never needed one.
        old = MigrationExecutor(connection).migrate([self.before]).apps
        try:
            restored = dict(
                old.get_model('netbox_hedgehog', 'HedgehogFabric').objects.values_list('name', 'git_credentials')
            )
        finally:
            migrate_to_latest()
        self.assertEqual(
            restored,
            {'covered': str(self.token_file), 'elsewhere': '/etc/netbox/former-token', 'local': '', 'plain': ''},
        )
