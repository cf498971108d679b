import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from netbox.filtersets import NetBoxModelFilterSet, PrimaryModelFilterSet
from utilities.filtersets import register_filterset

from netbox_hedgehog.choices import GitOpsStatusChoices, HealthStatusChoices, IngestionStatusChoices
from netbox_hedgehog.models import FindingAcknowledgement, HedgehogFabric, HedgehogResource, IngestionRun
from netbox_hedgehog.models.resource import KIND_CHOICES

__all__ = ('HedgehogFabricFilterSet', 'HedgehogResourceFilterSet', 'IngestionRunFilterSet')


@register_filterset
class HedgehogFabricFilterSet(PrimaryModelFilterSet):
    gitops_status = django_filters.MultipleChoiceFilter(choices=GitOpsStatusChoices)
    # The latest stored health check (fabric.stored_health), by its status and a score range.
    health_status = django_filters.MultipleChoiceFilter(
        choices=HealthStatusChoices, method='filter_health', label=_('Health')
    )
    health_score__gte = django_filters.NumberFilter(method='filter_health', label=_('Score at least'))
    health_score__lte = django_filters.NumberFilter(method='filter_health', label=_('Score at most'))

    class Meta:
        model = HedgehogFabric
        fields = ('id', 'name', 'gitops_path', 'description', 'last_initialized', 'last_ingested', 'self_healing')

    def filter_health(self, queryset, name, value):
        if value in (None, '', []):
            return queryset
        lookup = {
            'health_status': 'stored_health__report__status__in',
            'health_score__gte': 'stored_health__report__score__gte',
            'health_score__lte': 'stored_health__report__score__lte',
        }[name]
        # A JSON key compares with JSON values: a number, not the filter's Decimal.
        return queryset.filter(**{lookup: value if name == 'health_status' else float(value)})

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(gitops_path__icontains=value)
            | Q(description__icontains=value)
            | Q(comments__icontains=value)
        )


class FabricFilterMixin(django_filters.FilterSet):
    """`fabric_id` and `fabric` (by name) filters, the way NetBox filters by a parent object."""

    fabric_id = django_filters.ModelMultipleChoiceFilter(
        queryset=HedgehogFabric.objects.all(), distinct=False, label=_('Fabric (ID)')
    )
    fabric = django_filters.ModelMultipleChoiceFilter(
        field_name='fabric__name',
        queryset=HedgehogFabric.objects.all(),
        distinct=False,
        to_field_name='name',
        label=_('Fabric (name)'),
    )


@register_filterset
class HedgehogResourceFilterSet(FabricFilterMixin, NetBoxModelFilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=KIND_CHOICES)
    last_run_id = django_filters.ModelMultipleChoiceFilter(
        queryset=IngestionRun.objects.all(), distinct=False, label=_('Last run (ID)')
    )

    class Meta:
        model = HedgehogResource
        fields = ('id', 'name', 'namespace', 'api_version', 'managed_path', 'sha256', 'source_file')

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(kind__icontains=value)
            | Q(managed_path__icontains=value)
            | Q(source_file__icontains=value)
        )


@register_filterset
class IngestionRunFilterSet(FabricFilterMixin, NetBoxModelFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=IngestionStatusChoices)
    user_id = django_filters.ModelMultipleChoiceFilter(
        queryset=get_user_model().objects.all(), distinct=False, label=_('User (ID)')
    )
    user = django_filters.ModelMultipleChoiceFilter(
        field_name='user__username',
        queryset=get_user_model().objects.all(),
        distinct=False,
        to_field_name='username',
        label=_('User name'),
    )

    class Meta:
        model = IngestionRun
        fields = ('id', 'started', 'finished', 'trigger')

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(
            Q(fabric__name__icontains=value) | Q(trigger__icontains=value) | Q(error__icontains=value)
        )


@register_filterset
class FindingAcknowledgementFilterSet(FabricFilterMixin, django_filters.FilterSet):
    class Meta:
        model = FindingAcknowledgement
        fields = ('id', 'code', 'file', 'path')
