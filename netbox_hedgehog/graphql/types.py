from netbox.graphql.types import PrimaryObjectType, register_type

from netbox_hedgehog import models

from .filters import HedgehogFabricFilter

__all__ = ('HedgehogFabricType',)


@register_type(models.HedgehogFabric, fields='__all__', filters=HedgehogFabricFilter, pagination=True)
class HedgehogFabricType(PrimaryObjectType):
    pass
