import django_filters
from django.db.models import Q
from netbox.filtersets import PrimaryModelFilterSet
from utilities.filtersets import register_filterset

from .choices import GitOpsStatusChoices
from .models import HedgehogFabric

__all__ = ('HedgehogFabricFilterSet',)


@register_filterset
class HedgehogFabricFilterSet(PrimaryModelFilterSet):
    gitops_status = django_filters.MultipleChoiceFilter(choices=GitOpsStatusChoices)

    class Meta:
        model = HedgehogFabric
        fields = ('id', 'name', 'gitops_path', 'description', 'last_initialized', 'last_ingested')

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(gitops_path__icontains=value)
            | Q(description__icontains=value)
            | Q(comments__icontains=value)
        )
