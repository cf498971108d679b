from netbox.api.viewsets import NetBoxModelViewSet

from netbox_hedgehog import filtersets
from netbox_hedgehog.models import HedgehogFabric

from . import serializers


class HedgehogFabricViewSet(NetBoxModelViewSet):
    queryset = HedgehogFabric.objects.all()
    serializer_class = serializers.HedgehogFabricSerializer
    filterset_class = filtersets.HedgehogFabricFilterSet
