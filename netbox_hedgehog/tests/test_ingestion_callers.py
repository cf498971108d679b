"""What calls the ingestion, against a real tree and real PostgreSQL: re-index, the fabric's lock (held by
another process), the `hedgehog ingest` and `hedgehog reindex` commands, the ingestion job."""

import json

from django.test import TestCase, TransactionTestCase

from netbox_hedgehog.jobs import IngestionJob
from netbox_hedgehog.models import HedgehogResource, IngestionRun
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.lock import FabricLocked
from netbox_hedgehog.services.reindex import reindex
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.test_ingestion import IngestionTestMixin
from netbox_hedgehog.tests.utils import hold_lock_elsewhere, run_command


class ReindexTest(IngestionTestMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.drop('wiring.yaml', samples.WIRING)
        ingest(self.fabric, trigger='test')

    def test_rows_follow_files_edited_by_hand_and_keep_objects_whose_file_is_missing(self):
        self.managed('servers', 'server-01').unlink()
        switch = self.managed('switches', 'leaf-01')
        switch.write_text(switch.read_text().replace('description: leaf 1', 'description: edited'))
        result = reindex(self.fabric)
        # The row may hold the last copy of the server: kept until fix restores the file or a person forgets it.
        self.assertEqual((result.deleted, result.kept), ([], ['managed/servers/server-01.yaml']))
        self.assertEqual(result.updated, ['managed/switches/leaf-01.yaml'])
        self.assertEqual(result.unchanged, 1)
        self.assertTrue(HedgehogResource.objects.filter(kind='Server').exists())
        self.assertEqual(HedgehogResource.objects.get(kind='Switch').spec['description'], 'edited')

    def test_rows_of_missing_files_go_only_when_their_deletion_is_named(self):
        self.managed('servers', 'server-01').unlink()
        result = reindex(self.fabric, drop_missing={'managed/servers/server-01.yaml'})
        self.assertEqual((result.deleted, result.kept), (['managed/servers/server-01.yaml'], []))
        self.assertFalse(HedgehogResource.objects.filter(kind='Server').exists())

    def test_files_without_rows_are_indexed_and_broken_files_reported_not_indexed(self):
        HedgehogResource.objects.all().delete()
        (self.tree / 'managed' / 'vpcs' / 'junk.yaml').write_text('kind: [unclosed\n')
        result = reindex(self.fabric)
        self.assertEqual(len(result.created), 3)
        (finding,) = result.findings
        self.assertEqual((finding.code, finding.file), ('INDEX_SKIPPED_FILE', 'managed/vpcs/junk.yaml'))
        self.assertEqual(HedgehogResource.objects.count(), 3)


class LockTest(IngestionTestMixin, TransactionTestCase):
    """The lock lives in PostgreSQL: hold it from another connection, as another process would."""

    def test_second_caller_is_told_at_once_and_nothing_changes(self):
        raw = self.drop('wiring.yaml', samples.WIRING)
        hold_lock_elsewhere(self, self.fabric)
        with self.assertRaisesMessage(FabricLocked, "ingestion of fabric 'dc1' is already running"):
            ingest(self.fabric, trigger='test')
        self.assertTrue(raw.exists())
        self.assertFalse(IngestionRun.objects.exists())
        code, _, err = run_command('hedgehog', 'ingest', 'dc1')
        self.assertEqual(code, 3)
        self.assertIn('already running', err)


class IngestCommandTest(IngestionTestMixin, TestCase):
    def test_exit_codes_and_outputs(self):
        self.drop('wiring.yaml', samples.WIRING)
        code, out, _ = run_command('hedgehog', 'ingest', 'dc1', '--dry-run')
        self.assertEqual(code, 0)
        self.assertIn('create    Switch leaf-01 -> managed/switches/leaf-01.yaml', out)
        self.assertTrue((self.tree / 'raw' / 'wiring.yaml').exists())

        code, out, _ = run_command('hedgehog', 'ingest', 'dc1', '--json')
        self.assertEqual(code, 0)
        self.assertEqual(json.loads(out)['counts']['documents']['create'], 3)

        self.drop('mixed.yaml', samples.HALF_INVALID)
        code, out, _ = run_command('hedgehog', 'ingest', 'dc1')
        self.assertEqual(code, 1)
        self.assertIn('reject  raw/mixed.yaml', out)
        self.assertIn('raw/mixed.yaml:', out)

        self.assertEqual(run_command('hedgehog', 'ingest', 'nope')[0], 2)
        self.assertEqual(run_command('hedgehog', 'ingest')[0], 2)

    def test_nothing_to_ingest_records_no_run(self):
        code, out, _ = run_command('hedgehog', 'ingest', 'dc1')
        self.assertEqual(code, 0)
        self.assertIn('fabric dc1: nothing to ingest (no run recorded)', out)
        job = IngestionJob.enqueue(instance=self.fabric, immediate=True, trigger='test')
        job.refresh_from_db()
        self.assertEqual(job.status, 'completed')
        self.assertTrue(any('event=nothing_to_ingest' in entry['message'] for entry in job.log_entries))
        self.assertFalse(IngestionRun.objects.exists())

    def test_reindex_command(self):
        self.drop('wiring.yaml', samples.WIRING)
        ingest(self.fabric, trigger='test')
        self.managed('servers', 'server-01').unlink()
        code, out, _ = run_command('hedgehog', 'reindex', 'dc1', '--json')
        self.assertEqual(code, 0)
        data = json.loads(out)
        self.assertEqual((data['deleted'], data['kept']), ([], ['managed/servers/server-01.yaml']))
        code, out, _ = run_command('hedgehog', 'reindex', 'dc1')
        self.assertEqual(code, 0)
        self.assertIn('1 row(s) kept whose managed file is missing: `hedgehog fix dc1` writes them back', out)


class IngestionJobTest(IngestionTestMixin, TestCase):
    def test_job_ingests_and_keeps_the_outcome_and_log(self):
        self.drop('wiring.yaml', samples.WIRING)
        job = IngestionJob.enqueue(instance=self.fabric, immediate=True, trigger='test')
        job.refresh_from_db()
        self.assertEqual(job.status, 'completed')
        self.assertEqual(job.data['counts']['documents']['create'], 3)
        run = IngestionRun.objects.get()
        self.assertEqual(run.trigger, 'test')
        self.assertTrue(any('write: 3/3' in entry['message'] for entry in job.log_entries))
        self.assertTrue(self.managed('switches', 'leaf-01').is_file())
