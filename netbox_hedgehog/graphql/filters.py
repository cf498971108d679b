import strawberry_django
from netbox.graphql.filters import PrimaryModelFilter, register_filter
from strawberry_django import BaseFilterLookup, DatetimeFilterLookup, StrFilterLookup

from netbox_hedgehog import models

from .enums import GitOpsStatusEnum

__all__ = ('HedgehogFabricFilter',)


@register_filter(models.HedgehogFabric, lookups=True)
class HedgehogFabricFilter(PrimaryModelFilter):
    name: StrFilterLookup | None = strawberry_django.filter_field()
    gitops_path: StrFilterLookup | None = strawberry_django.filter_field()
    gitops_status: BaseFilterLookup[GitOpsStatusEnum] | None = strawberry_django.filter_field()
    last_initialized: DatetimeFilterLookup | None = strawberry_django.filter_field()
    last_ingested: DatetimeFilterLookup | None = strawberry_django.filter_field()
