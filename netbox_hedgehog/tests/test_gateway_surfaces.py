"""The gateway kinds on every surface, from the registry alone: the fabric page's counts, the resource list
and its kind filter, a resource's references, the REST API, GraphQL and NetBox's global search."""

import unittest

from django.urls import reverse
from utilities.testing import APITestCase

from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.tests.test_gateway_adoption import OVERLAY
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin


@unittest.skipUnless(OVERLAY.is_file(), f'shared corpus file not found at {OVERLAY}')
class GatewaySurfacesTest(TemporaryGitopsRootMixin, APITestCase):
    user_permissions = (
        'netbox_hedgehog.view_hedgehogfabric',
        'netbox_hedgehog.view_hedgehogresource',
        'netbox_hedgehog.view_ingestionrun',
    )

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        (self.fabric.layout().path / 'raw' / 'wiring-gateway.yaml').write_bytes(OVERLAY.read_bytes())
        self.assertEqual(ingest(self.fabric, trigger='test').exit_code, 0)
        self.client.force_login(self.user)

    def test_pages_count_list_and_link_gateways(self):
        content = self.client.get(self.fabric.get_absolute_url()).content.decode()
        self.assertIn('kind=Gateway"', content)
        list_url = reverse('plugins:netbox_hedgehog:hedgehogresource_list')
        response = self.client.get(list_url, {'fabric_id': self.fabric.pk, 'kind': 'Gateway'})
        self.assertEqual(len(response.context['table'].rows), 2)
        gateway = HedgehogResource.objects.get(kind='Gateway', name='gateway-1')
        page = self.client.get(gateway.get_absolute_url()).content.decode()
        group = HedgehogResource.objects.get(kind='GatewayGroup', name='default')
        connection = HedgehogResource.objects.get(kind='Connection', name='ds4000-01--gateway--gateway-1')
        self.assertIn(f'<a href="{group.get_absolute_url()}">default</a>', page)  # refers to (by defaulting)
        self.assertIn(f'<a href="{connection.get_absolute_url()}">{connection.name}</a>', page)  # referred to by

    def test_the_api_graphql_and_search_find_them(self):
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogresource-list')
        response = self.client.get(f'{url}?kind=Gateway&kind=GatewayGroup', **self.header)
        self.assertEqual(sorted(row['name'] for row in response.data['results']), ['default', 'gateway-1', 'gateway-2'])
        query = '{hedgehog_resource_list(filters: {kind: {exact: "Gateway"}}) {name api_version}}'
        response = self.client.post('/graphql/', {'query': query}, content_type='application/json', **self.header)
        self.assertEqual(
            sorted(row['name'] for row in response.json()['data']['hedgehog_resource_list']), ['gateway-1', 'gateway-2']
        )
        self.add_permissions('netbox_hedgehog.view_hedgehogresource')
        search = self.client.get(reverse('search'), {'q': 'gateway-2'}).content.decode()
        self.assertIn(HedgehogResource.objects.get(kind='Gateway', name='gateway-2').get_absolute_url(), search)
