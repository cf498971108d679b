"""Files waiting in raw/: their findings are recorded when they arrive (upload, API, the health job finding
them) and shown until they are ingested, and the verdict an upload gives is the one the next ingestion gives,
other waiting files included."""

from django.test import TestCase

from netbox_hedgehog import health_jobs
from netbox_hedgehog.models import HedgehogFabric, WaitingFileCheck
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.upload import add_raw_file, discard_raw_file
from netbox_hedgehog.services.waiting import check_arrivals, waiting_page
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin


class WaitingMixin(TemporaryGitopsRootMixin):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.raw = self.gitops_root / 'dc1' / 'raw'


class UploadVerdictTest(WaitingMixin, TestCase):
    def test_a_clash_with_another_waiting_file_is_the_uploads_verdict_too(self):
        (self.raw / 'first.yaml').write_text(samples.vpc(1001))
        upload = add_raw_file(self.fabric, 'second.yaml', samples.vpc(1002).encode())
        self.assertFalse(upload.ingestible)
        self.assertIn('INGEST_CONFLICT', [finding.code for finding in upload.findings])
        outcome = ingest(self.fabric, trigger='test')
        rejected = {file.path: [finding.code for finding in file.findings] for file in outcome.plan.rejected}
        self.assertEqual(sorted(rejected), ['raw/first.yaml', 'raw/second.yaml'])
        self.assertEqual(rejected['raw/second.yaml'], [finding.code for finding in upload.findings])

    def test_the_same_object_in_another_waiting_file_is_no_clash(self):
        (self.raw / 'first.yaml').write_text(samples.vpc(1001))
        upload = add_raw_file(self.fabric, 'second.yaml', samples.vpc(1001).encode())
        self.assertTrue(upload.ingestible)
        self.assertEqual(ingest(self.fabric, trigger='test').plan.rejected, [])


class RecordedFindingsTest(WaitingMixin, TestCase):
    def waiting(self):
        return {entry['file']: entry for entry in waiting_page(self.fabric, 100)[0]}

    def test_an_uploads_findings_are_shown_before_any_ingestion(self):
        add_raw_file(self.fabric, 'half.yaml', samples.HALF_INVALID.encode())
        entry = self.waiting()['raw/half.yaml']
        self.assertIs(entry['ingestible'], False)
        self.assertIsNotNone(entry['checked'])
        self.assertIn(('raw/half.yaml', 17), [(finding['file'], finding['line']) for finding in entry['findings']])

    def test_an_upload_records_the_files_waiting_beside_it(self):
        (self.raw / 'first.yaml').write_text(samples.vpc(1001))
        add_raw_file(self.fabric, 'second.yaml', samples.vpc(1002).encode())
        first = self.waiting()['raw/first.yaml']
        self.assertIs(first['ingestible'], False)
        self.assertIn('INGEST_CONFLICT', [finding['code'] for finding in first['findings']])

    def test_a_file_found_by_the_health_job_is_checked_then_and_again_when_it_changes(self):
        (self.raw / 'half.yaml').write_text(samples.HALF_INVALID)
        self.assertIsNone(self.waiting()['raw/half.yaml']['checked'])
        health_jobs.record(self.fabric, scheduled=False)
        self.assertIs(self.waiting()['raw/half.yaml']['ingestible'], False)
        checked = WaitingFileCheck.objects.get(fabric=self.fabric, path='raw/half.yaml')
        self.assertIsNone(check_arrivals(self.fabric))  # nothing new: raw/ is not planned again

        (self.raw / 'half.yaml').write_text(samples.vpc(1001))
        self.assertIsNone(self.waiting()['raw/half.yaml']['checked'])  # the old verdict is not shown for new bytes
        health_jobs.record(self.fabric, scheduled=False)
        entry = self.waiting()['raw/half.yaml']
        self.assertIs(entry['ingestible'], True)
        self.assertEqual({finding['code'] for finding in entry['findings']}, {'REF_DANGLING'})  # its namespaces
        rechecked = WaitingFileCheck.objects.get(fabric=self.fabric, path='raw/half.yaml')
        self.assertNotEqual(rechecked.sha256, checked.sha256)

    def test_ingested_and_discarded_files_drop_out(self):
        add_raw_file(self.fabric, 'vpc.yaml', samples.vpc(1001).encode())
        add_raw_file(self.fabric, 'half.yaml', samples.HALF_INVALID.encode())
        discard_raw_file(self.fabric, 'half.yaml')
        self.assertEqual(list(WaitingFileCheck.objects.values_list('path', flat=True)), ['raw/vpc.yaml'])
        ingest(self.fabric, trigger='test')
        self.assertEqual(self.waiting(), {})
        check_arrivals(self.fabric)
        self.assertFalse(WaitingFileCheck.objects.exists())

    def test_a_run_newer_than_the_check_shows_its_own_findings(self):
        add_raw_file(self.fabric, 'half.yaml', samples.HALF_INVALID.encode())
        ingest(self.fabric, trigger='test')
        entry = self.waiting()['raw/half.yaml']
        self.assertIsNone(entry['checked'])
        self.assertIn('raw/half.yaml', {finding['file'] for finding in entry['findings']})
