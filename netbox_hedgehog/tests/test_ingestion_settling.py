"""A raw file whose bytes were ingested before is settled by its records: no parse, no write, one stat per
output while each output is as the run left it; an output edited since (even to the same size) is noticed and
written again. Real tree, real PostgreSQL."""

import json
from unittest import mock

from django.test import TestCase

from netbox_hedgehog.models import IngestedFile, IngestionRun
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.test_ingestion import IngestionTestMixin
from netbox_hedgehog.tests.utils import snapshot


class SettlingTest(IngestionTestMixin, TestCase):
    def assert_wiring_settled_again(self):
        """Drop the wiring sample ingested before once more: settled, without a parse or a write."""
        self.drop('wiring.yaml', samples.WIRING)
        with mock.patch('netbox_hedgehog.core.plan.read_documents') as read_documents:
            outcome = ingest(self.fabric, trigger='test')
        read_documents.assert_not_called()
        self.assertEqual((outcome.plan.counts()['documents']['unchanged'], outcome.written), (3, []))

    def test_second_run_changes_nothing(self):
        self.drop('wiring.yaml', samples.WIRING)
        ingest(self.fabric, trigger='test')
        before, index = snapshot(self.tree / 'managed'), self.index()
        stat = self.managed('switches', 'leaf-01').stat()

        self.assert_wiring_settled_again()  # the same input again: settled from its hash, not parsed
        self.assertEqual(snapshot(self.tree / 'managed'), before)
        self.assertEqual(self.index(), index)
        self.assertEqual(self.managed('switches', 'leaf-01').stat().st_mtime_ns, stat.st_mtime_ns)
        self.assertFalse((self.tree / 'raw' / 'wiring.yaml').exists())

        runs = IngestionRun.objects.count()
        empty = ingest(self.fabric, trigger='test')
        self.assertEqual(empty.plan.files, [])
        self.assertEqual(snapshot(self.tree / 'managed'), before)
        # Nothing in raw/: no run is recorded (the history lists events, not button presses).
        self.assertIsNone(empty.run)
        self.assertEqual(IngestionRun.objects.count(), runs)

    def test_known_file_whose_output_was_edited_is_parsed_and_ingested_again(self):
        self.drop('wiring.yaml', samples.WIRING)
        ingest(self.fabric, trigger='test')
        switch = self.managed('switches', 'leaf-01')
        original = switch.read_text()
        switch.write_text(original.replace('leaf 1', 'edited by hand'))
        self.drop('wiring.yaml', samples.WIRING)
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(outcome.plan.counts()['documents']['update'], 1)
        self.assertEqual(switch.read_text(), original)
        self.assertEqual(self.index()[('Switch', 'leaf-01')][1], outcome.plan.files[0].documents[0].sha256)

    def test_a_same_size_edit_of_an_output_is_noticed_and_undone(self):
        self.drop('wiring.yaml', samples.WIRING)
        ingest(self.fabric, trigger='test')
        switch = self.managed('switches', 'leaf-01')
        original = switch.read_text()
        switch.write_text(original.replace('leaf 1', 'leaf 9'))  # the size the run recorded, a new time
        self.drop('wiring.yaml', samples.WIRING)
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(outcome.plan.counts()['documents']['update'], 1)
        self.assertEqual(switch.read_text(), original)

    def test_known_input_is_settled_by_stats_without_reading_the_index(self):
        self.drop('wiring.yaml', samples.WIRING)
        ingest(self.fabric, trigger='test')
        self.drop('wiring.yaml', samples.WIRING)
        with mock.patch('netbox_hedgehog.services.planner.read_index') as read_index:
            outcome = ingest(self.fabric, trigger='test')
        read_index.assert_not_called()
        self.assertEqual((outcome.plan.counts()['documents']['unchanged'], outcome.written), (3, []))

    def test_an_output_with_a_new_time_and_the_same_bytes_is_still_settled(self):
        self.drop('wiring.yaml', samples.WIRING)
        ingest(self.fabric, trigger='test')
        switch = self.managed('switches', 'leaf-01')
        switch.write_text(switch.read_text())  # a save without a change: only its time differs
        self.assert_wiring_settled_again()

    def test_records_of_earlier_versions_without_stats_still_settle_known_input(self):
        self.drop('wiring.yaml', samples.WIRING)
        ingest(self.fabric, trigger='test')
        for record in IngestedFile.objects.filter(fabric=self.fabric):
            record.documents = json.dumps([document[:8] for document in json.loads(record.documents)])
            record.save()
        self.assert_wiring_settled_again()

    def test_byte_identical_files_both_leave_raw_and_are_settled_next_time(self):
        self.drop('a.yaml', samples.vpc())
        self.drop('b.yaml', samples.vpc())
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual((outcome.exit_code, outcome.removed), (0, ['raw/a.yaml', 'raw/b.yaml']))
        self.drop('c.yaml', samples.vpc())
        with mock.patch('netbox_hedgehog.core.plan.read_documents') as read_documents:
            outcome = ingest(self.fabric, trigger='test')
        read_documents.assert_not_called()
        self.assertEqual((outcome.removed, outcome.written), (['raw/c.yaml'], []))
