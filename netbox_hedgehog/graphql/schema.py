import strawberry
import strawberry_django

from .types import HedgehogFabricType


@strawberry.type(name='Query')
class HedgehogQuery:
    hedgehog_fabric: HedgehogFabricType = strawberry_django.field()
    hedgehog_fabric_list: list[HedgehogFabricType] = strawberry_django.field()


schema = [HedgehogQuery]
