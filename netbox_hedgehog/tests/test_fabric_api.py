from utilities.testing import APIViewTestCases

from netbox_hedgehog.models import HedgehogFabric


class HedgehogFabricAPITestCase(APIViewTestCases.APIViewTestCase):
    model = HedgehogFabric
    view_namespace = 'plugins-api:netbox_hedgehog'
    brief_fields = ['description', 'display', 'gitops_status', 'id', 'name', 'url']
    graphql_base_name = 'hedgehog_fabric'
    bulk_update_data = {'description': 'Bulk updated', 'self_healing': True}
    bulk_update_invalid_data = {'owner': 99999}

    @classmethod
    def setUpTestData(cls):
        HedgehogFabric.objects.bulk_create(
            (
                HedgehogFabric(name='fabric-1', gitops_path='fabric-1'),
                HedgehogFabric(name='fabric-2', gitops_path='fabric-2'),
                HedgehogFabric(name='fabric-3', gitops_path='fabric-3'),
            )
        )
        cls.create_data = [
            {'name': 'fabric-4'},
            {'name': 'fabric-5', 'gitops_path': 'dc1/fabric-5', 'description': 'Fifth'},
            {'name': 'fabric-6', 'gitops_path': 'dc2/fabric-6', 'self_healing': True},
        ]
