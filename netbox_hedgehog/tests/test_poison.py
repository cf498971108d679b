"""Poison values and names against the real NetBox, PostgreSQL and files: each is a finding at upload and at
ingestion, the file holding it stays in raw/, every other file is ingested, and nothing answers 500."""

import html
import json
import os

from django.urls import reverse
from rest_framework import status
from utilities.testing import APITestCase
from utilities.testing import TestCase as ViewTestCase

from netbox_hedgehog.choices import IngestionStatusChoices
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestionRun
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.raw_backlog import raw_backlog
from netbox_hedgehog.services.reindex import reindex
from netbox_hedgehog.services.upload import add_raw_file
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

# An unknown spec field (a warning only, before) holding a value no Kubernetes object can hold.
POISONED_VPC = """\
apiVersion: vpc.githedgehog.com/v1beta1
kind: VPC
metadata:
  name: vpc-1
spec:
  subnets:
    default: {subnet: 10.0.1.0/24, vlan: 1001}
  extra: %s
"""
POISON_LINE = 8
POISONS = {
    'timestamp': '2020-01-01',
    'binary': '!!binary aGVsbG8=',
    'set': '!!set {a, b}',
    'date key': '{2020-01-01: x}',
    'inf': '.inf',
    'nan': '.nan',
    'NUL in text': '"a\\0b"',
    'NUL in a key': '{"k\\0": 1}',
    'huge integer': str(2**64),
    'self-containing list': '&x [*x]',
}
FOREIGN_WITH_POISON = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  when: 2020-01-01\n'
NUL_NAME = samples.WIRING.split('---\n')[1].replace('name: server-01', 'name: "nul\\0name"')


class PoisonTestMixin(TemporaryGitopsRootMixin):
    def setUp(self):
        super().setUp()
        self.use_fabric('dc1')

    def use_fabric(self, name):
        self.fabric = HedgehogFabric.objects.create(name=name)
        self.tree = self.gitops_root / name
        self.raw = self.tree / 'raw'

    def assert_only_the_poisoned_file_stays(self, outcome, poisoned, code, line, kept=None):
        """The good wiring file is ingested, the poisoned file stays whole with its finding, the run is
        'completed with rejections', and every managed file has its index row and no row lacks its file."""
        run = IngestionRun.objects.get(pk=outcome.run.pk)
        self.assertEqual(run.status, IngestionStatusChoices.REJECTED)
        self.assertEqual([file.path for file in outcome.plan.rejected], [f'raw/{poisoned}'])
        self.assertEqual(outcome.removed, ['raw/wiring.yaml'])
        found = [(f['code'], f['file'], f['line']) for f in run.findings if f['severity'] == 'error']
        self.assertIn((code, f'raw/{poisoned}', line), found)
        self.assertEqual({f[1] for f in found}, {f'raw/{poisoned}'})
        self.assertTrue((kept or self.raw / poisoned).is_file())
        managed = {p.relative_to(self.tree).as_posix() for p in (self.tree / 'managed').rglob('*.yaml')}
        indexed = set(HedgehogResource.objects.filter(fabric=self.fabric).values_list('managed_path', flat=True))
        self.assertEqual(managed, indexed)
        self.assertEqual(len(indexed), 3)
        self.assertEqual([p.name for p in (self.tree / 'unmanaged').iterdir() if p.name != '.gitkeep'], [])


class PoisonValueTest(PoisonTestMixin, ViewTestCase):
    def test_each_poison_is_an_error_at_upload_and_at_ingestion_and_blocks_only_its_file(self):
        for number, (label, value) in enumerate(POISONS.items()):
            with self.subTest(poison=label):
                self.use_fabric(f'poison-{number}')
                upload = add_raw_file(self.fabric, 'vpc.yaml', (POISONED_VPC % value).encode())
                self.assertFalse(upload.ingestible)
                (error,) = [f for f in upload.findings if f.severity == 'error']
                self.assertEqual(
                    (error.code, error.file, error.line), ('YAML_UNREPRESENTABLE', 'raw/vpc.yaml', POISON_LINE)
                )
                self.assertTrue(error.path.startswith('spec.extra'))
                (self.raw / 'wiring.yaml').write_text(samples.WIRING)
                outcome = ingest(self.fabric, trigger='test')
                self.assert_only_the_poisoned_file_stays(outcome, 'vpc.yaml', 'YAML_UNREPRESENTABLE', POISON_LINE)
                # Fixed (the value quoted or removed), the file is ingested on the next run.
                (self.raw / 'vpc.yaml').write_text(POISONED_VPC % '"fixed"')
                self.assertEqual(ingest(self.fabric, trigger='test').removed, ['raw/vpc.yaml'])

    def test_a_foreign_document_with_a_poison_value_stays_in_raw_and_unmanaged_gets_nothing(self):
        self.assertFalse(add_raw_file(self.fabric, 'config.yaml', FOREIGN_WITH_POISON.encode()).ingestible)
        (self.raw / 'wiring.yaml').write_text(samples.WIRING)
        outcome = ingest(self.fabric, trigger='test')
        self.assert_only_the_poisoned_file_stays(outcome, 'config.yaml', 'YAML_UNREPRESENTABLE', 5)

    def test_a_nul_in_metadata_name_from_raw_is_a_finding_not_a_failed_run(self):
        (self.raw / 'server.yaml').write_text(NUL_NAME)
        (self.raw / 'wiring.yaml').write_text(samples.WIRING)
        outcome = ingest(self.fabric, trigger='test')
        self.assert_only_the_poisoned_file_stays(outcome, 'server.yaml', 'YAML_UNREPRESENTABLE', 4)

    def test_names_no_file_can_have_are_findings_not_failed_runs(self):
        server = samples.WIRING.split('---\n')[1]
        for name, code in (
            ('"vpc-1\\n"', 'NAME_INVALID'),
            ('../../../etc/passwd', 'NAME_INVALID'),
            ('a/b', 'NAME_INVALID'),
            ('s' * 251, 'NAME_TOO_LONG'),  # its managed file name would be 256 bytes
        ):
            with self.subTest(name=name):
                self.use_fabric(f'name-{len(name)}')
                (self.raw / 'server.yaml').write_text(server.replace('name: server-01', f'name: {name}'))
                (self.raw / 'wiring.yaml').write_text(samples.WIRING)
                outcome = ingest(self.fabric, trigger='test')
                self.assert_only_the_poisoned_file_stays(outcome, 'server.yaml', code, 4)

    def test_a_raw_file_name_that_is_not_utf8_is_a_finding_and_the_backlog_and_page_still_show(self):
        bad = os.fsdecode(b'caf\xe9.yaml')
        (self.raw / bad).write_text(samples.vpc())
        (self.raw / 'wiring.yaml').write_text(samples.WIRING)
        outcome = ingest(self.fabric, trigger='test')
        self.assert_only_the_poisoned_file_stays(outcome, 'caf\\xe9.yaml', 'INGEST_NAME_NOT_UTF8', None, self.raw / bad)
        (waiting,) = raw_backlog(self.fabric)
        self.assertEqual(waiting['file'], 'raw/caf\\xe9.yaml')
        self.assertEqual(waiting['findings'][0]['code'], 'INGEST_NAME_NOT_UTF8')
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        response = self.client.get(self.fabric.get_absolute_url())
        self.assertHttpStatus(response, 200)
        self.assertIn('raw/caf\\xe9.yaml', html.unescape(response.content.decode()))


class PoisonReindexTest(PoisonTestMixin, ViewTestCase):
    def test_a_managed_file_name_that_is_not_utf8_is_reported_in_text_a_page_can_show(self):
        (self.tree / 'managed' / 'servers' / os.fsdecode(b'caf\xe9.yaml')).write_text(samples.WIRING.split('---\n')[1])
        result = reindex(self.fabric)
        (finding,) = result.findings
        self.assertEqual((finding.code, finding.file), ('INDEX_SKIPPED_FILE', 'managed/servers/caf\\xe9.yaml'))
        json.dumps(result.as_dict()).encode('utf-8')  # what the API answers


class PoisonUploadViewTest(PoisonTestMixin, ViewTestCase):
    def setUp(self):
        super().setUp()
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_upload', args=[self.fabric.pk])
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.change_hedgehogfabric')

    def test_a_nul_name_by_the_form_shows_the_finding(self):
        response = self.client.post(self.url, {'name': 'server.yaml', 'text': NUL_NAME})
        self.assertHttpStatus(response, 200)
        content = html.unescape(response.content.decode())
        self.assertIn('raw/server.yaml:4', content)
        self.assertIn('metadata.name is text holding a NUL character', content)
        self.assertTrue((self.raw / 'server.yaml').is_file())

    def test_a_poison_value_by_the_form_shows_the_finding(self):
        response = self.client.post(self.url, {'name': 'vpc.yaml', 'text': POISONED_VPC % '.nan'})
        self.assertHttpStatus(response, 200)
        content = html.unescape(response.content.decode())
        self.assertIn(f'raw/vpc.yaml:{POISON_LINE}', content)
        self.assertIn('spec.extra is .nan, not a finite number', content)

    def test_a_nul_in_the_file_name_is_refused(self):
        response = self.client.post(self.url, {'name': 'a\0.yaml', 'text': samples.WIRING})
        self.assertHttpStatus(response, 200)
        self.assertEqual(sorted(os.listdir(self.raw)), ['.gitkeep'])


class PoisonUploadAPITest(PoisonTestMixin, APITestCase):
    def setUp(self):
        super().setUp()
        self.url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-upload', args=[self.fabric.pk])
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')

    def post(self, data):
        # JSON as a client may send it: json.dumps escapes a lone surrogate, which DRF's test renderer refuses.
        return self.client.post(self.url, json.dumps(data), content_type='application/json', **self.header)

    def test_a_nul_name_is_uploaded_with_its_finding(self):
        response = self.post({'name': 'server.yaml', 'text': NUL_NAME})
        self.assertHttpStatus(response, status.HTTP_201_CREATED)
        self.assertFalse(response.data['ingestible'])
        (finding,) = response.data['findings']
        self.assertEqual((finding['code'], finding['line']), ('YAML_UNREPRESENTABLE', 4))
        self.assertEqual(finding['path'], 'metadata.name')

    def test_every_poison_is_reported_not_ingestible(self):
        for label, value in POISONS.items():
            with self.subTest(poison=label):
                response = self.post({'name': 'vpc.yaml', 'text': POISONED_VPC % value, 'replace': True})
                self.assertIn(response.status_code, (status.HTTP_201_CREATED, status.HTTP_200_OK))
                self.assertFalse(response.data['ingestible'])
                self.assertEqual(
                    [(f['code'], f['line']) for f in response.data['findings']],
                    [('YAML_UNREPRESENTABLE', POISON_LINE)],
                )

    def test_names_no_file_can_have_are_refused_with_400(self):
        for name in ('a\0.yaml', 'a\ud800.yaml', 'a\x85.yaml', 'a\x7f.yaml'):
            with self.subTest(name=name):
                response = self.post({'name': name, 'text': samples.WIRING})
                self.assertHttpStatus(response, status.HTTP_400_BAD_REQUEST)
        self.assertEqual(sorted(os.listdir(self.raw)), ['.gitkeep'])
