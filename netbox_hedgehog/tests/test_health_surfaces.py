"""The Health tab, its Fix button (a repair job) and the fabric health endpoint, with their permissions.

The probes and the stored health summary are in test_probes.py."""

from core.models import Job
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from rest_framework import status
from utilities.testing import APITestCase
from utilities.testing import TestCase as NetBoxTestCase

from netbox_hedgehog.jobs import RepairJob
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, hold_lock_elsewhere, snapshot


class HealthTabTest(TemporaryGitopsRootMixin, NetBoxTestCase):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[self.fabric.pk])
        self.fix_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_fix', args=[self.fabric.pk])

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
        content = self.client.get(self.url).content.decode()
        self.assertIn('unhealthy', content)
        self.assertIn('HEALTH_DIR_MISSING', content)
        self.assertIn('managed/vpcs', content)
        self.assertIn('fixable', content)
        self.assertNotIn(self.fix_url, content)  # no Fix button without change permission
        # The hint in the words of the page: its button, not the command.
        self.assertIn('Repair it with the Fix button.', content)
        self.assertNotIn('netbox hedgehog fix', content)

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
