from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from netbox.graphql.filters import NetBoxModelFilter, PrimaryModelFilter, register_filter
from strawberry.scalars import ID
from strawberry_django import BaseFilterLookup, DatetimeFilterLookup, FilterLookup, StrFilterLookup

from netbox_hedgehog import models
from netbox_hedgehog.graphql.enums import GitOpsStatusEnum, IngestionStatusEnum

if TYPE_CHECKING:
    from users.graphql.filters import UserFilter

__all__ = ('HedgehogFabricFilter', 'HedgehogResourceFilter', 'IngestionRunFilter')


@register_filter(models.HedgehogFabric, lookups=True)
class HedgehogFabricFilter(PrimaryModelFilter):
    name: StrFilterLookup | None = strawberry_django.filter_field()
    gitops_path: StrFilterLookup | None = strawberry_django.filter_field()
    gitops_status: BaseFilterLookup[GitOpsStatusEnum] | None = strawberry_django.filter_field()
    last_initialized: DatetimeFilterLookup | None = strawberry_django.filter_field()
    last_ingested: DatetimeFilterLookup | None = strawberry_django.filter_field()
    self_healing: FilterLookup[bool] | None = strawberry_django.filter_field()


@register_filter(models.IngestionRun, lookups=True)
class IngestionRunFilter(NetBoxModelFilter):
    fabric: Annotated['HedgehogFabricFilter', strawberry.lazy('netbox_hedgehog.graphql.filters')] | None = (
        strawberry_django.filter_field()
    )
    fabric_id: ID | None = strawberry_django.filter_field()
    started: DatetimeFilterLookup | None = strawberry_django.filter_field()
    finished: DatetimeFilterLookup | None = strawberry_django.filter_field()
    status: BaseFilterLookup[IngestionStatusEnum] | None = strawberry_django.filter_field()
    trigger: StrFilterLookup | None = strawberry_django.filter_field()
    user: Annotated['UserFilter', strawberry.lazy('users.graphql.filters')] | None = strawberry_django.filter_field()
    user_id: ID | None = strawberry_django.filter_field()


@register_filter(models.HedgehogResource, lookups=True)
class HedgehogResourceFilter(NetBoxModelFilter):
    fabric: Annotated['HedgehogFabricFilter', strawberry.lazy('netbox_hedgehog.graphql.filters')] | None = (
        strawberry_django.filter_field()
    )
    fabric_id: ID | None = strawberry_django.filter_field()
    kind: StrFilterLookup | None = strawberry_django.filter_field()
    name: StrFilterLookup | None = strawberry_django.filter_field()
    namespace: StrFilterLookup | None = strawberry_django.filter_field()
    api_version: StrFilterLookup | None = strawberry_django.filter_field()
    managed_path: StrFilterLookup | None = strawberry_django.filter_field()
    sha256: StrFilterLookup | None = strawberry_django.filter_field()
    source_file: StrFilterLookup | None = strawberry_django.filter_field()
    last_run: Annotated['IngestionRunFilter', strawberry.lazy('netbox_hedgehog.graphql.filters')] | None = (
        strawberry_django.filter_field()
    )
    last_run_id: ID | None = strawberry_django.filter_field()
