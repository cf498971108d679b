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
    """A resource by its name and its managed file. Not by its kind: the file's folder names it already
    (`managed/vpcs/...` for "VPC"), and a fabric of 100,000 resources would keep 100,000 more entries,
    written at each ingestion and removed with the fabric, for a search that lists every object of a kind
    (the resource list's kind filter does that)."""

    model = HedgehogResource
    fields = (
        ('name', 100),
        ('managed_path', 500),
    )
    display_attrs = ('fabric', 'kind', 'namespace')


indexes = (HedgehogFabricIndex, HedgehogResourceIndex)
