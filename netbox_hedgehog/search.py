from netbox.search import SearchIndex

from netbox_hedgehog.models import HedgehogFabric, HedgehogResource


class HedgehogFabricIndex(SearchIndex):
    model = HedgehogFabric
    fields = (
        ('name', 100),
        ('gitops_path', 300),
        ('description', 500),
        ('comments', 5000),
    )
    display_attrs = ('gitops_status', 'description')


class HedgehogResourceIndex(SearchIndex):
    model = HedgehogResource
    fields = (
        ('name', 100),
        ('kind', 200),
        ('managed_path', 500),
    )
    display_attrs = ('fabric', 'kind', 'namespace')


indexes = (HedgehogFabricIndex, HedgehogResourceIndex)
