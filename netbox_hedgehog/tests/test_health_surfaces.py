"""The Health tab, its Fix button (a repair job) and the fabric health endpoint, with their permissions.

The probes and the stored health summary are in test_probes.py."""

from unittest import mock

from core.models import Job
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from rest_framework import status
from utilities.testing import APITestCase
from utilities.testing import TestCase as NetBoxTestCase

from netbox_hedgehog.health_jobs import FabricHealthJob, record
from netbox_hedgehog.jobs import RepairJob
from netbox_hedgehog.models import FabricHealth, HedgehogFabric
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, hold_lock_elsewhere, snapshot


class HealthTabTest(TemporaryGitopsRootMixin, NetBoxTestCase):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[self.fabric.pk])
        self.fix_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_fix', args=[self.fabric.pk])
        self.check_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_check_health', args=[self.fabric.pk])

    def break_tree(self):
        vpcs = self.gitops_root / 'dc1' / 'managed' / 'vpcs'
        (vpcs / '.gitkeep').unlink()
        vpcs.rmdir()
        (self.gitops_root / 'dc1' / 'raw' / 'keep.yaml').write_text('kind: [broken\n')

    @override_settings(EXEMPT_VIEW_PERMISSIONS=[])
    def test_tab_needs_view_permission(self):
        self.assertHttpStatus(self.client.get(self.url), 403)
        self.client.logout()
        self.assertHttpStatus(self.client.get(self.url), 302)

    def test_tab_shows_status_score_and_findings_with_hints(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        self.break_tree()
        FabricHealthJob.enqueue(instance=self.fabric, immediate=True)
        content = self.client.get(self.url).content.decode()
        self.assertIn('unhealthy', content)
        self.assertIn('HEALTH_DIR_MISSING', content)
        self.assertIn('managed/vpcs', content)
        self.assertIn('fixable', content)
        self.assertNotIn(self.fix_url, content)  # no Fix button without change permission
        # The hint in the words of the page: its button, not the command.
        self.assertIn('Repair it with the Fix button.', content)
        self.assertNotIn('netbox hedgehog fix', content)

    def test_tab_shows_the_stored_check_and_never_checks_on_view(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        with mock.patch('netbox_hedgehog.health_jobs.check_fabric', side_effect=AssertionError('checked on view')):
            content = self.client.get(self.url).content.decode()
        self.assertIn('Not checked yet', content)
        self.assertNotIn('No findings', content)
        record(self.fabric)  # the scheduled health job's step for each fabric
        self.break_tree()  # after the check: the tab shows what the check found, until the next one
        with mock.patch('netbox_hedgehog.health_jobs.check_fabric', side_effect=AssertionError('checked on view')):
            content = self.client.get(self.url).content.decode()
        self.assertIn('healthy', content)
        self.assertNotIn('HEALTH_DIR_MISSING', content)
        self.assertIn(self.check_url, content)

    def health_jobs(self):
        return Job.objects.filter(object_id=self.fabric.pk, name=FabricHealthJob.name)

    def test_check_now_queues_a_check_whose_report_the_tab_then_shows(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'core.view_job')
        self.break_tree()
        response = self.client.post(self.check_url)
        job = self.health_jobs().get()
        self.assertRedirects(response, reverse('core:job_log', args=[job.pk]), fetch_redirect_response=False)
        self.assertEqual(job.user, self.user)
        FabricHealthJob.enqueue(instance=self.fabric, immediate=True)  # what the worker runs
        content = self.client.get(self.url).content.decode()
        self.assertIn('unhealthy', content)
        self.assertIn('HEALTH_DIR_MISSING', content)
        self.assertEqual(FabricHealth.objects.get(fabric=self.fabric).report['status'], 'unhealthy')

    @override_settings(EXEMPT_VIEW_PERMISSIONS=['*'], LOGIN_REQUIRED=False)
    def test_check_now_needs_a_signed_in_viewer(self):
        self.client.logout()
        response = self.client.post(self.check_url)
        self.assertHttpStatus(response, 302)
        self.assertIn('/login/', response['Location'])
        self.assertFalse(self.health_jobs().exists())

    @override_settings(EXEMPT_VIEW_PERMISSIONS=[])
    def test_check_now_needs_view_permission(self):
        self.assertHttpStatus(self.client.post(self.check_url), 403)
        self.assertFalse(self.health_jobs().exists())

    def fix_jobs(self):
        return Job.objects.filter(object_id=self.fabric.pk, name=RepairJob.name)

    def test_fix_button_queues_a_repair_job_and_shows_its_log(self):
        self.add_permissions(
            'netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.change_hedgehogfabric', 'core.view_job'
        )
        self.break_tree()
        self.assertIn(self.fix_url, self.client.get(self.url).content.decode())
        response = self.client.post(self.fix_url)
        job = self.fix_jobs().get()
        self.assertRedirects(response, reverse('core:job_log', args=[job.pk]), fetch_redirect_response=False)
        self.assertEqual(job.user, self.user)

    def test_without_job_permission_the_fix_button_goes_back_to_the_tab(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.change_hedgehogfabric')
        response = self.client.post(self.fix_url)
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.assertTrue(self.fix_jobs().exists())

    def test_the_repair_job_fixes_keeps_user_files_and_logs_each_change(self):
        self.break_tree()
        raw = snapshot(self.gitops_root / 'dc1' / 'raw')
        job = RepairJob.enqueue(instance=self.fabric, immediate=True)
        job.refresh_from_db()
        self.assertEqual(job.status, 'completed')
        self.assertTrue((self.gitops_root / 'dc1' / 'managed' / 'vpcs').is_dir())
        self.assertEqual(snapshot(self.gitops_root / 'dc1' / 'raw'), raw)
        log = [entry['message'] for entry in job.log_entries]
        self.assertIn('create: managed/vpcs', log)
        self.assertTrue(log[-1].startswith('fabric=dc1 event=fix_finished status='), log)
        self.assertEqual(job.data['changes'][0]['path'], 'managed/vpcs')
        # The Health tab shows the tree as the fix left it.
        self.assertEqual(
            FabricHealth.objects.get(fabric=self.fabric).report['status'], str(job.data['after']['status'])
        )

    def test_fix_needs_change_permission(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        self.break_tree()
        self.assertHttpStatus(self.client.post(self.fix_url), 403)
        self.assertFalse(self.fix_jobs().exists())


class RepairJobLockTest(TemporaryGitopsRootMixin, TransactionTestCase):
    def test_a_fix_during_an_ingestion_fails_cleanly_and_changes_nothing(self):
        fabric = HedgehogFabric.objects.create(name='dc1')
        (self.gitops_root / 'dc1' / 'managed' / 'vpcs' / '.gitkeep').unlink()
        (self.gitops_root / 'dc1' / 'managed' / 'vpcs').rmdir()
        hold_lock_elsewhere(self, fabric)
        job = RepairJob.enqueue(instance=fabric, immediate=True)
        job.refresh_from_db()
        self.assertEqual(job.status, 'failed')
        self.assertIn('already running', job.log_entries[-1]['message'])
        self.assertFalse((self.gitops_root / 'dc1' / 'managed' / 'vpcs').exists())


class HealthApiTest(TemporaryGitopsRootMixin, APITestCase):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-health', args=[self.fabric.pk])

    def test_fabric_health_needs_view_permission_and_lists_findings(self):
        self.assertHttpStatus(self.client.get(self.url, **self.header), status.HTTP_403_FORBIDDEN)
        self.assertHttpStatus(self.client.get(self.url), status.HTTP_403_FORBIDDEN)
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        (self.gitops_root / 'dc1' / 'managed' / 'vpcs' / 'stray.txt').write_text('x')
        data = self.client.get(self.url, **self.header).json()
        self.assertIn(data['status'], ('healthy', 'degraded', 'unhealthy'))
        self.assertIsInstance(data['score'], int)
        self.assertTrue(all({'severity', 'code', 'message', 'file'} <= set(f) for f in data['findings']))
