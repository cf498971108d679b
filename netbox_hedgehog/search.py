from netbox.search import SearchIndex

from .models import HedgehogFabric


class HedgehogFabricIndex(SearchIndex):
    model = HedgehogFabric
    fields = (
        ('name', 100),
        ('gitops_path', 300),
        ('description', 500),
        ('comments', 5000),
    )
    display_attrs = ('gitops_status', 'description')


indexes = (HedgehogFabricIndex,)
