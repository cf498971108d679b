"""The resource index over REST and GraphQL: read-only."""

from django.urls import reverse
from django.utils import timezone
from utilities.testing import APITestCase, APIViewTestCases

from netbox_hedgehog.models import HedgehogResource, IngestionRun
from netbox_hedgehog.tests.test_resource_views import resource
from netbox_hedgehog.tests.utils import NoWriteAPIMixin, bare_fabrics


class HedgehogResourceAPITestCase(
    APIViewTestCases.GetObjectViewTestCase,
    APIViewTestCases.ListObjectsViewTestCase,
    APIViewTestCases.GraphQLTestCase,
):
    model = HedgehogResource
    view_namespace = 'plugins-api:netbox_hedgehog'
    brief_fields = ['display', 'id', 'kind', 'name', 'namespace', 'url']
    graphql_base_name = 'hedgehog_resource'
    # GraphQL hides related objects the user may not view; a resource's fabric is not nullable.
    user_permissions = ('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.view_ingestionrun')

    @classmethod
    def setUpTestData(cls):
        fabrics = bare_fabrics('fabric-1', 'fabric-2')
        run = IngestionRun.objects.create(fabric=fabrics[0], started=timezone.now(), trigger='test')
        HedgehogResource.objects.bulk_create(
            (
                resource(fabrics[0], 'VPC', 'vpc-1', 'vpcs', last_run=run, source_file='raw/a.yaml', source_line=3),
                resource(fabrics[0], 'Switch', 'leaf-1', 'switches', last_run=run),
                resource(fabrics[1], 'VPC', 'vpc-1', 'vpcs'),
            )
        )


class HedgehogResourceAPIReadOnlyTestCase(NoWriteAPIMixin, APITestCase):
    """The index is rebuilt from managed/ files: even a superuser cannot write rows through the API."""

    model = HedgehogResource

    @classmethod
    def setUpTestData(cls):
        (fabric,) = bare_fabrics('fabric-1')
        cls.row = HedgehogResource.objects.bulk_create((resource(fabric, 'VPC', 'vpc-1', 'vpcs'),))[0]

    def test_filters_by_fabric_name_and_kind(self):
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogresource-list')
        response = self.client.get(f'{url}?fabric=fabric-1&kind=VPC&kind=Switch', **self.header)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([row['name'] for row in response.data['results']], ['vpc-1'])
        self.assertEqual(response.data['results'][0]['fabric']['name'], 'fabric-1')
