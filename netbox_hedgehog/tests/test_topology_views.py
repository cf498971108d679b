"""The Topology tab and its downloads: drawn from the index, for those who may view resources, never anonymous."""

from django.test import override_settings
from django.urls import reverse
from utilities.testing import TestCase

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin


class TopologyViewTestCase(TemporaryGitopsRootMixin, TestCase):
    user_permissions = ('netbox_hedgehog.view_hedgehogfabric',)

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        (self.fabric.tree_path / 'raw' / 'wiring.yaml').write_text(samples.WIRING)
        ingest(self.fabric, trigger='test')
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_topology', args=[self.fabric.pk])

    def test_the_tab_draws_the_wiring(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogresource')
        self.assertIn(f'href="{self.url}"', self.client.get(self.fabric.get_absolute_url()).content.decode())
        content = self.client.get(self.url).content.decode()
        self.assertIn('<svg', content)
        self.assertIn('<title>unbundled: 1 link\nleaf-01/E1/1 \u2194 server-01/enp2s1</title>', content)

    def test_downloads(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogresource')
        for name, content_type, start in (
            ('svg', 'image/svg+xml', '<svg'),
            ('mermaid', 'text/plain; charset=utf-8', 'graph TD'),
            ('dot', 'text/vnd.graphviz; charset=utf-8', 'graph fabric {'),
        ):
            with self.subTest(format=name):
                response = self.client.get(f'{self.url}?format={name}')
                self.assertEqual(response['Content-Type'], content_type)
                self.assertIn('attachment; filename="dc1-topology.', response['Content-Disposition'])
                self.assertTrue(response.content.decode().startswith(start))

    def test_needs_the_permission_to_view_resources(self):
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.client.get(f'{self.url}?format=svg').status_code, 403)
        self.assertNotIn(f'href="{self.url}"', self.client.get(self.fabric.get_absolute_url()).content.decode())

    @override_settings(LOGIN_REQUIRED=False, EXEMPT_VIEW_PERMISSIONS=['*'])
    def test_never_drawn_for_an_anonymous_visitor(self):
        self.client.logout()
        response = self.client.get(f'{self.url}?format=svg')
        self.assertEqual(response.status_code, 302)
        self.assertIn('/login/', response['Location'])
