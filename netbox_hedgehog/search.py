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
    """A resource by its name. Not by its kind nor its managed file (`managed/vpcs/<name>.yaml`): each is one
    more entry per resource, written at each ingestion and removed with the fabric (a fabric of 100,000
    resources: 100,000 rows and a second of every first ingest), for searches the resource list's own search
    and kind filter answer (its search looks at names, kinds, managed files and source files)."""

    model = HedgehogResource
    fields = (('name', 100),)
    display_attrs = ('fabric', 'kind', 'namespace')


indexes = (HedgehogFabricIndex, HedgehogResourceIndex)
