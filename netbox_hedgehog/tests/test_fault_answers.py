"""What people are told of a disk fault, on every way in: the API's ingest and upload actions answer JSON with
the reason (507 for a full disk), the upload form and the fabric page show it, the job fails with it, the
command prints one line and exits non-zero. Never a 500, never a server path."""

import errno
import html
import os
from unittest import mock

from core.models import Job
from django.urls import reverse
from rest_framework import status
from utilities.testing import APITestCase

from netbox_hedgehog.jobs import IngestionJob
from netbox_hedgehog.models import HedgehogFabric, IngestionRun
from netbox_hedgehog.services import treefs
from netbox_hedgehog.services.upload import REPLACED
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.faults import FaultsMixin, leftovers
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, run_command, snapshot

NOT_PERMITTED = os.strerror(errno.EPERM)
NO_SPACE = os.strerror(errno.ENOSPC)
UNUSABLE = f'managed/ cannot be written ({NOT_PERMITTED}): the run failed; nothing was lost.'
FIXED = samples.HALF_INVALID.replace('vlan: 5000', 'vlan: 1005')


class FaultAnswersTestCase(FaultsMixin, TemporaryGitopsRootMixin, APITestCase):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.tree = self.fabric.tree_path
        self.raw = self.tree / 'raw'
        self.add_permissions(
            'netbox_hedgehog.view_hedgehogfabric',
            'netbox_hedgehog.change_hedgehogfabric',
            'netbox_hedgehog.view_ingestionrun',
            'core.view_job',
        )
        self.client.force_login(self.user)

    def api(self, action, data=None, query=''):
        url = reverse(f'plugins-api:netbox_hedgehog-api:hedgehogfabric-{action}', args=[self.fabric.pk])
        return self.client.post(url + query, data or {}, format='json', **self.header)

    def upload_form(self, **data):
        url = reverse('plugins:netbox_hedgehog:hedgehogfabric_upload', args=[self.fabric.pk])
        response = self.client.post(url, data)
        self.assertHttpStatus(response, 200)
        return html.unescape(response.content.decode())

    def assert_no_server_path(self, text):
        self.assertNotIn(str(self.gitops_root), text)

    def managed_takes_no_file(self):
        managed = self.tree / 'managed'
        self.immutable(managed, *(path for path in managed.iterdir() if path.is_dir()))

    # Ingestion

    def test_one_files_fault_is_a_finding_in_the_apis_outcome(self):
        (self.raw / 'wiring.yaml').write_text(samples.WIRING)
        (self.raw / 'vpc.yaml').write_text(samples.vpc())
        self.immutable(self.tree / 'managed' / 'servers')
        response = self.api('ingest', query='?sync=true')
        self.assertHttpStatus(response, status.HTTP_200_OK)
        self.assertEqual(response.data['removed'], ['raw/vpc.yaml'])
        (finding,) = [f for file in response.data['files'] for f in file['findings'] if f['severity'] == 'error']
        self.assertEqual((finding['code'], finding['file']), ('INGEST_WRITE_FAILED', 'raw/wiring.yaml'))
        self.assertIn(f'managed/servers/server-01.yaml could not be written ({NOT_PERMITTED})', finding['message'])
        self.assert_no_server_path(response.content.decode())

    def test_a_run_that_fails_as_a_whole_answers_503_with_the_reason(self):
        (self.raw / 'vpc.yaml').write_text(samples.vpc())
        self.managed_takes_no_file()
        response = self.api('ingest', query='?sync=true')
        self.assertHttpStatus(response, status.HTTP_503_SERVICE_UNAVAILABLE)
        run = IngestionRun.objects.get(fabric=self.fabric)
        self.assertEqual(response.json(), {'detail': UNUSABLE, 'run': run.pk})

    def test_the_ingest_button_s_job_fails_with_the_reason_and_the_fabric_page_shows_it(self):
        (self.raw / 'vpc.yaml').write_text(samples.vpc())
        self.managed_takes_no_file()
        response = self.client.post(reverse('plugins:netbox_hedgehog:hedgehogfabric_ingest', args=[self.fabric.pk]))
        job = Job.objects.get(object_id=self.fabric.pk, name=IngestionJob.name)
        self.assertRedirects(response, reverse('core:job_log', args=[job.pk]), fetch_redirect_response=False)
        IngestionJob.handle(job, trigger='ui')
        job.refresh_from_db()
        self.assertEqual(job.status, 'failed')
        self.assertIn(UNUSABLE, [entry['message'] for entry in job.log_entries])
        page = self.client.get(self.fabric.get_absolute_url())
        self.assertHttpStatus(page, 200)
        self.assertIn(UNUSABLE, html.unescape(page.content.decode()))  # the last run's error

    def test_the_command_prints_one_line_and_exits_5(self):
        (self.raw / 'vpc.yaml').write_text(samples.vpc())
        self.managed_takes_no_file()
        code, out, err = run_command('hedgehog', 'ingest', 'dc1')
        run = IngestionRun.objects.get(fabric=self.fabric)
        self.assertEqual((code, out), (5, ''))
        self.assertEqual(err, f'hedgehog: fabric dc1: run {run.pk} {UNUSABLE}\n')

    def test_the_command_lists_one_files_fault_and_exits_1(self):
        (self.raw / 'wiring.yaml').write_text(samples.WIRING)
        self.immutable(self.tree / 'managed' / 'servers')
        code, out, _ = run_command('hedgehog', 'ingest', 'dc1')
        self.assertEqual(code, 1)
        self.assertIn('INGEST_WRITE_FAILED', out)
        self.assertIn(f'managed/servers/server-01.yaml could not be written ({NOT_PERMITTED})', out)

    def test_any_other_disk_fault_of_a_command_is_one_line_and_exit_1(self):
        fault = OSError(errno.EIO, os.strerror(errno.EIO), '/srv/trees/dc1/managed/vpcs/vpc-1.yaml')
        with mock.patch('netbox_hedgehog.services.reindex.reindex_unlocked', side_effect=fault):
            code, out, err = run_command('hedgehog', 'reindex', 'dc1')
        self.assertEqual((code, out), (1, ''))
        self.assertEqual(err, 'hedgehog reindex: failed: /srv/trees/dc1/managed/vpcs/vpc-1.yaml: Input/output error\n')

    # Upload

    def test_an_immutable_raw_folder_refuses_an_upload_with_the_reason(self):
        self.immutable(self.raw)
        before = snapshot(self.tree)
        expected = f'raw/new.yaml could not be written: {NOT_PERMITTED}. Nothing was added to raw/.'
        response = self.api('upload', {'name': 'new.yaml', 'text': samples.WIRING})
        self.assertHttpStatus(response, status.HTTP_503_SERVICE_UNAVAILABLE)
        self.assertEqual(response.json(), {'detail': expected})
        self.assertIn(expected, self.upload_form(name='new.yaml', text=samples.WIRING))
        self.assertEqual(snapshot(self.tree), before)

    def test_a_full_disk_refuses_an_upload_with_507_and_leaves_nothing(self):
        filler = self.full_disk(self.raw)
        before = snapshot(self.tree)
        expected = f'raw/new.yaml could not be written: {NO_SPACE}. Nothing was added to raw/.'
        response = self.api('upload', {'name': 'new.yaml', 'text': samples.WIRING * 20})
        self.assertHttpStatus(response, status.HTTP_507_INSUFFICIENT_STORAGE)
        self.assertEqual(response.json(), {'detail': expected})
        self.assertIn(expected, self.upload_form(name='new.yaml', text=samples.WIRING * 20))
        self.assertEqual((snapshot(self.tree), leftovers(self.tree)), (before, []))
        filler.unlink()  # space again: the same upload goes through
        self.assertHttpStatus(self.api('upload', {'name': 'new.yaml', 'text': samples.WIRING}), 201)

    def test_an_immutable_file_is_not_replaced_and_no_copy_is_left(self):
        half = self.raw / 'half.yaml'
        half.write_text(samples.HALF_INVALID)
        self.immutable(half)
        expected = f'raw/half.yaml could not be replaced: {NOT_PERMITTED}. raw/half.yaml is unchanged.'
        response = self.api('upload', {'name': 'half.yaml', 'text': FIXED, 'replace': True})
        self.assertHttpStatus(response, status.HTTP_503_SERVICE_UNAVAILABLE)
        self.assertEqual(response.json(), {'detail': expected})
        self.assertIn(expected, self.upload_form(name='half.yaml', text=FIXED, replace='on'))
        self.assertEqual(half.read_text(), samples.HALF_INVALID)
        self.assertEqual(list((self.tree / REPLACED).iterdir()), [])
        self.assertEqual(leftovers(self.tree), [])

    def test_a_replacement_that_cannot_be_made_durable_keeps_the_previous_copy(self):
        half = self.raw / 'half.yaml'
        half.write_text(samples.HALF_INVALID)
        real_sync = treefs.Tree.fsync_folder

        def sync(tree, folder=''):
            if folder == 'raw':
                raise OSError(errno.EIO, os.strerror(errno.EIO), folder)
            real_sync(tree, folder)

        with mock.patch.object(treefs.Tree, 'fsync_folder', sync):
            response = self.api('upload', {'name': 'half.yaml', 'text': FIXED, 'replace': True})
        self.assertHttpStatus(response, status.HTTP_503_SERVICE_UNAVAILABLE)
        self.assertEqual(
            response.json()['detail'],
            'raw/half.yaml was replaced but may not be on disk yet: Input/output error. The previous one is in '
            '.hnp/replaced/.',
        )
        (kept,) = (self.tree / REPLACED).iterdir()
        self.assertEqual((kept.read_text(), half.read_text()), (samples.HALF_INVALID, FIXED))
