import strawberry
import strawberry_django

from netbox_hedgehog.graphql.types import HedgehogFabricType, HedgehogResourceType, IngestionRunType


@strawberry.type(name='Query')
class HedgehogQuery:
    hedgehog_fabric: HedgehogFabricType = strawberry_django.field()
    hedgehog_fabric_list: list[HedgehogFabricType] = strawberry_django.field()
    hedgehog_resource: HedgehogResourceType = strawberry_django.field()
    hedgehog_resource_list: list[HedgehogResourceType] = strawberry_django.field()
    hedgehog_ingestion_run: IngestionRunType = strawberry_django.field()
    hedgehog_ingestion_run_list: list[IngestionRunType] = strawberry_django.field()


schema = [HedgehogQuery]
