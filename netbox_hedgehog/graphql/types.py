from typing import TYPE_CHECKING, Annotated

import strawberry
from netbox.graphql.types import NetBoxObjectType, PrimaryObjectType, register_type

from netbox_hedgehog import models
from netbox_hedgehog.graphql.filters import HedgehogFabricFilter, HedgehogResourceFilter, IngestionRunFilter

if TYPE_CHECKING:
    from users.graphql.types import UserType

__all__ = ('HedgehogFabricType', 'HedgehogResourceType', 'IngestionRunType')


# Every field but the unmigrated credentials reference, a server detail kept for the administrator.
@register_type(
    models.HedgehogFabric, exclude=['git_credentials_unmigrated'], filters=HedgehogFabricFilter, pagination=True
)
class HedgehogFabricType(PrimaryObjectType):
    resources: list[Annotated['HedgehogResourceType', strawberry.lazy('netbox_hedgehog.graphql.types')]]
    runs: list[Annotated['IngestionRunType', strawberry.lazy('netbox_hedgehog.graphql.types')]]


@register_type(models.IngestionRun, fields='__all__', filters=IngestionRunFilter, pagination=True)
class IngestionRunType(NetBoxObjectType):
    fabric: HedgehogFabricType
    user: Annotated['UserType', strawberry.lazy('users.graphql.types')] | None


@register_type(models.HedgehogResource, fields='__all__', filters=HedgehogResourceFilter, pagination=True)
class HedgehogResourceType(NetBoxObjectType):
    fabric: HedgehogFabricType
    last_run: IngestionRunType | None
