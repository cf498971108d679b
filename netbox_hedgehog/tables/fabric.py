import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from netbox.tables import PrimaryModelTable, columns

from netbox_hedgehog.choices import HealthStatusChoices
from netbox_hedgehog.models import HedgehogFabric

__all__ = ('HedgehogFabricTable',)


class HedgehogFabricTable(PrimaryModelTable):
    name = tables.Column(verbose_name=_('Name'), linkify=True)
    gitops_status = columns.ChoiceFieldColumn(verbose_name=_('GitOps status'))
    last_initialized = columns.DateTimeColumn(verbose_name=_('Last initialized'))
    last_ingested = columns.DateTimeColumn(verbose_name=_('Last ingested'))
    self_healing = columns.BooleanColumn(verbose_name=_('Self-healing'))
    # Annotated by the list view (HedgehogFabric.objects.with_health): the latest stored health check.
    health_status = tables.TemplateColumn(
        verbose_name=_('Health'),
        template_code=(
            '{% load helpers %}{% if value %}{% badge value bg_color=HEALTH_COLORS|get_key:value %}'
            '{% else %}<span class="text-muted">&mdash;</span>{% endif %}'
        ),
        extra_context={'HEALTH_COLORS': HealthStatusChoices.colors},
    )
    health_score = tables.Column(verbose_name=_('Score'))
    resource_count = tables.Column(verbose_name=_('Resources'))
    waiting_files = tables.Column(verbose_name=_('Waiting in raw/'))
    tags = columns.TagColumn(url_name='plugins:netbox_hedgehog:hedgehogfabric_list')

    class Meta(PrimaryModelTable.Meta):
        model = HedgehogFabric
        fields = (
            'pk',
            'id',
            'name',
            'gitops_path',
            'gitops_status',
            'last_initialized',
            'last_ingested',
            'self_healing',
            'health_status',
            'health_score',
            'resource_count',
            'waiting_files',
            'description',
            'comments',
            'tags',
            'created',
            'last_updated',
        )
        default_columns = (
            'pk',
            'name',
            'gitops_status',
            'health_status',
            'health_score',
            'resource_count',
            'waiting_files',
            'last_ingested',
            'description',
        )
