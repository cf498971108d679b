from utilities.testing import ViewTestCases, create_tags

from netbox_hedgehog.models import HedgehogFabric


class HedgehogFabricViewTestCase(ViewTestCases.PrimaryObjectViewTestCase):
    model = HedgehogFabric

    def _get_base_url(self):
        return 'plugins:netbox_hedgehog:hedgehogfabric_{}'

    @classmethod
    def setUpTestData(cls):
        fabrics = (
            HedgehogFabric(name='fabric-1', gitops_path='fabric-1'),
            HedgehogFabric(name='fabric-2', gitops_path='fabric-2'),
            HedgehogFabric(name='fabric-3', gitops_path='fabric-3'),
        )
        HedgehogFabric.objects.bulk_create(fabrics)
        tags = create_tags('Alpha', 'Bravo', 'Charlie')

        cls.form_data = {
            'name': 'fabric-x',
            'gitops_path': 'sites/fabric-x',
            'description': 'A new fabric',
            'comments': 'Lab',
            'self_healing': True,
            'tags': [t.pk for t in tags],
        }
        cls.csv_data = (
            'name,gitops_path,description,self_healing',
            'fabric-4,fabric-4,Fourth,true',
            'fabric-5,,Fifth,false',
            'fabric-6,dc1/fabric-6,Sixth,',
        )
        cls.csv_update_data = (
            'id,description,comments,self_healing',
            f'{fabrics[0].pk},New description 7,New comment 7,true',
            f'{fabrics[1].pk},New description 8,New comment 8,true',
            f'{fabrics[2].pk},New description 9,New comment 9,false',
        )
        cls.bulk_edit_data = {'description': 'Bulk edited', 'self_healing': True}
