"""The Health tab, its Fix button and the two health endpoints, with their permissions."""

from django.test import override_settings
from django.urls import reverse
from rest_framework import status
from utilities.testing import APITestCase
from utilities.testing import TestCase as NetBoxTestCase

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, snapshot

READINESS_URL = 'plugins-api:netbox_hedgehog-api:readiness'


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

    def test_fix_button_repairs_and_keeps_user_files(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.change_hedgehogfabric')
        self.break_tree()
        self.assertIn(self.fix_url, self.client.get(self.url).content.decode())
        raw = snapshot(self.gitops_root / 'dc1' / 'raw')
        response = self.client.post(self.fix_url, follow=True)
        self.assertTrue((self.gitops_root / 'dc1' / 'managed' / 'vpcs').is_dir())
        self.assertEqual(snapshot(self.gitops_root / 'dc1' / 'raw'), raw)
        self.assertIn('managed/vpcs', response.content.decode())

    def test_fix_needs_change_permission(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        self.break_tree()
        self.assertHttpStatus(self.client.post(self.fix_url), 403)
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

    def test_readiness_gives_status_only_to_anyone(self):
        response = self.client.get(reverse(READINESS_URL))
        self.assertHttpStatus(response, status.HTTP_200_OK)
        self.assertEqual(set(response.json()), {'status'})

    def test_readiness_answers_503_when_a_fabric_is_unhealthy(self):
        (self.gitops_root / 'dc1' / 'raw' / '.gitkeep').unlink()
        (self.gitops_root / 'dc1' / 'raw').rmdir()
        response = self.client.get(reverse(READINESS_URL))
        self.assertHttpStatus(response, status.HTTP_503_SERVICE_UNAVAILABLE)
        self.assertEqual(response.json(), {'status': 'unhealthy'})
