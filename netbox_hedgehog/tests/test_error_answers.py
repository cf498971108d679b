"""Error answers of the plugin's API and pages: no absolute server path and no exception or database text
for anonymous callers and users who are not superusers; a superuser sees what NetBox shows.

Faults are injected at one exact step (a service call raising what the disk or the database would).
"""

import errno
import json
from unittest import mock

from django.db import OperationalError
from django.test import TestCase, override_settings
from django.urls import reverse
from rest_framework import status
from utilities.testing import APITestCase
from utilities.testing import TestCase as NetBoxTestCase

from netbox_hedgehog.core.errors import GENERIC
from netbox_hedgehog.health_jobs import HealthCheckJob, stored_health
from netbox_hedgehog.models import FabricHealth, HedgehogFabric, IngestionRun
from netbox_hedgehog.services import treefs
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.repository import GitError
from netbox_hedgehog.services.run_records import IngestionFailed
from netbox_hedgehog.tests.health_fixtures import HealthyFabricMixin, vpc
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

DATABASE_WORDS = 'FATAL:  sorry, too many clients already'
SOCKET = '/var/run/postgresql/.s.PGSQL.5432'
DATABASE_ERROR = OperationalError(f'connection to server on socket "{SOCKET}" failed: {DATABASE_WORDS}')


class ErrorAnswerMixin(TemporaryGitopsRootMixin):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.tree = self.fabric.tree_path
        self.disk_error = OSError(errno.EIO, 'Input/output error', f'{self.tree}/managed/vpcs/vpc-1.yaml')
        # NetBox's own answer (kept for superusers) also signals the exception, which the test client re-raises.
        self.client.raise_request_exception = False

    def assertSafe(self, response, *expected):
        text = response.content.decode()
        self.assertEqual(response.status_code, 500, text[:500])
        for leak in (str(self.gitops_root), '/var/run', DATABASE_WORDS, 'Errno', 'OSError', 'OperationalError'):
            self.assertNotIn(leak, text)
        for words in expected:
            self.assertIn(words, text)

    def make_superuser(self):
        self.user.is_superuser = True
        self.user.save()


class ApiErrorAnswerTest(ErrorAnswerMixin, APITestCase):
    def setUp(self):
        super().setUp()
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.change_hedgehogfabric')
        self.url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-reindex', args=[self.fabric.pk])

    def reindex_failing_with(self, exc):
        with mock.patch('netbox_hedgehog.api.views.reindex', side_effect=exc):
            return self.client.post(self.url, **self.header)

    def test_a_disk_error_names_the_tree_relative_file_and_the_reason_only(self):
        with self.assertLogs('netbox_hedgehog.core.errors', 'ERROR') as logs:
            response = self.reindex_failing_with(self.disk_error)
        self.assertSafe(response, 'managed/vpcs/vpc-1.yaml: Input/output error')
        self.assertEqual(set(response.json()), {'error', 'request_id'})
        # The details went to the log, under the request id the answer gives.
        self.assertIn(response.json()['request_id'], logs.output[0])
        self.assertIn(str(self.tree), logs.output[0])

    def test_a_database_error_says_nothing_of_the_database(self):
        response = self.reindex_failing_with(DATABASE_ERROR)
        self.assertSafe(response, GENERIC)

    def test_a_superuser_gets_netbox_own_answer_with_the_exception(self):
        self.make_superuser()
        response = self.reindex_failing_with(self.disk_error)
        self.assertEqual(response.status_code, 500)
        self.assertEqual(response.json()['exception'], 'OSError')
        self.assertIn(str(self.tree), response.json()['error'])

    def test_expected_errors_lose_their_server_paths_too(self):
        folder = self.gitops_root / 'dc1'
        exc = GitError('conflict', f'cannot fast-forward {folder} to origin/main: not possible')
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-ingest', args=[self.fabric.pk])
        with mock.patch('netbox_hedgehog.api.views.ingest', side_effect=exc):
            response = self.client.post(f'{url}?sync=true', **self.header)
        self.assertHttpStatus(response, status.HTTP_409_CONFLICT)
        self.assertEqual(response.json()['detail'], 'cannot fast-forward . to origin/main: not possible')
        self.make_superuser()
        with mock.patch('netbox_hedgehog.api.views.ingest', side_effect=exc):
            response = self.client.post(f'{url}?sync=true', **self.header)
        self.assertIn(str(folder), response.json()['detail'])

    @override_settings(LOGIN_REQUIRED=False, EXEMPT_VIEW_PERMISSIONS=['*'])
    def test_anonymous_callers_get_no_database_words(self):
        with mock.patch('netbox_hedgehog.health_jobs.latest_summaries', side_effect=DATABASE_ERROR):
            response = self.client.get(reverse('plugins-api:netbox_hedgehog-api:health'))
        self.assertSafe(response, GENERIC)


class PageErrorAnswerTest(ErrorAnswerMixin, NetBoxTestCase):
    def setUp(self):
        super().setUp()
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.change_hedgehogfabric')
        self.upload_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_upload', args=[self.fabric.pk])
        self.health_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[self.fabric.pk])

    def test_a_disk_error_on_a_page_names_the_tree_relative_file_only(self):
        with mock.patch('netbox_hedgehog.views.raw_files.raw_file_text', side_effect=self.disk_error):
            response = self.client.get(f'{self.upload_url}?file=raw/a.yaml')
        self.assertSafe(response, 'managed/vpcs/vpc-1.yaml: Input/output error', 'request id')

    def test_a_database_error_on_a_page_says_nothing_of_the_database(self):
        with mock.patch.object(FabricHealth, 'objects', **{'filter.side_effect': DATABASE_ERROR}):
            response = self.client.get(self.health_url)
        self.assertSafe(response, GENERIC)

    def test_a_superuser_sees_the_exception_as_netbox_shows_it(self):
        self.make_superuser()
        with mock.patch.object(FabricHealth, 'objects', **{'filter.side_effect': DATABASE_ERROR}):
            response = self.client.get(self.health_url)
        self.assertEqual(response.status_code, 500)
        self.assertIn(DATABASE_WORDS, response.content.decode())

    def test_a_refusal_shown_on_the_page_loses_its_server_path(self):
        from netbox_hedgehog.services.upload import UploadRefused

        refused = UploadRefused(f'{self.tree}/raw/a.yaml is not a regular file.')
        with mock.patch('netbox_hedgehog.views.raw_files.raw_file_text', side_effect=refused):
            response = self.client.get(f'{self.upload_url}?file=raw/a.yaml', follow=True)
        text = response.content.decode()
        self.assertIn('raw/a.yaml is not a regular file.', text)
        self.assertNotIn(str(self.gitops_root), text)


class StoredErrorTextTest(HealthyFabricMixin, TestCase):
    """What is stored and later shown to viewers (findings, a failed run, a job's log and data) names no server path."""

    def assertNoServerPath(self, *texts):
        for text in texts:
            self.assertNotIn(str(self.gitops_root), text)

    def test_an_unreadable_or_invalid_manifest_finding(self):
        self.write('.hnp/manifest.yaml', 'fabric: [unclosed\n')
        (finding,) = [f for f in self.report().findings if f.code == 'HEALTH_MANIFEST_INVALID']
        self.assertEqual(finding.file, '.hnp/manifest.yaml')
        self.assertTrue(finding.message.startswith('It is not valid YAML: '), finding.message)
        self.assertNoServerPath(finding.message)

    def test_an_unreadable_managed_file_finding(self):
        read = treefs.Tree.read

        def unreadable(tree, relative):
            if relative.startswith('managed/'):  # the error names the absolute path: the finding must not
                raise PermissionError(errno.EACCES, 'Permission denied', f'{tree.root}/{tree.path}/{relative}')
            return read(tree, relative)

        # Files as they were indexed are trusted with a stat: these changed since (as far as health can tell).
        self.fabric.resources.update(file_mtime_ns=0)
        with mock.patch.object(treefs.Tree, 'read', unreadable):
            findings = [f for f in self.report().findings if f.code == 'HEALTH_MANAGED_UNPARSABLE']
        self.assertTrue(findings)
        self.assertTrue(all(f.message.endswith('cannot be read: Permission denied.') for f in findings))
        self.assertNoServerPath(*(f.message for f in findings))

    def test_a_failed_run_error(self):
        # One output that cannot be written is that file's failure (a finding); a fault outside the per-file
        # steps fails the run, which records what the error may tell.
        self.drop('more.yaml', vpc('vpc-2', vlan=1020, subnet='10.0.20.0/24'))
        full = OSError(errno.ENOSPC, 'No space left on device', f'{self.tree}/managed/vpcs/vpc-2.yaml')
        with (
            mock.patch('netbox_hedgehog.services.ingestion.record_ingested_files', side_effect=full),
            self.assertRaises(IngestionFailed),
        ):
            ingest(self.fabric, trigger='test')
        run = IngestionRun.objects.order_by('-pk').first()
        self.assertEqual(
            run.error, 'the run failed: managed/vpcs/vpc-2.yaml: No space left on device; nothing was lost.'
        )

    def test_a_health_check_that_fails_in_the_job_log_data_and_summary(self):
        broken = OSError(errno.EIO, 'Input/output error', f'{self.tree}/managed/vpcs/vpc-1.yaml')
        with (
            mock.patch('netbox_hedgehog.health_jobs.check_fabric', side_effect=broken),
            self.assertLogs('netbox_hedgehog.health', 'ERROR') as logs,
        ):
            job = HealthCheckJob.enqueue(immediate=True)
        job.refresh_from_db()
        self.assertEqual(job.data['fabrics']['dc1'], {'error': 'managed/vpcs/vpc-1.yaml: Input/output error'})
        self.assertNoServerPath(json.dumps(job.log_entries, default=str), json.dumps(job.data))
        self.assertIn(str(self.tree), '\n'.join(logs.output))  # the details are in the server log
        (row,) = stored_health(HedgehogFabric.objects.all())
        self.assertEqual(row['error'], 'managed/vpcs/vpc-1.yaml: Input/output error')
