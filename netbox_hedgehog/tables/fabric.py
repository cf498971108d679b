import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from netbox.tables import PrimaryModelTable, columns

from netbox_hedgehog.models import HedgehogFabric

__all__ = ('HedgehogFabricTable',)


class HedgehogFabricTable(PrimaryModelTable):
    name = tables.Column(verbose_name=_('Name'), linkify=True)
    gitops_status = columns.ChoiceFieldColumn(verbose_name=_('GitOps status'))
    last_initialized = columns.DateTimeColumn(verbose_name=_('Last initialized'))
    last_ingested = columns.DateTimeColumn(verbose_name=_('Last ingested'))
    self_healing = columns.BooleanColumn(verbose_name=_('Self-healing'))
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
            'description',
            'comments',
            'tags',
            'created',
            'last_updated',
        )
        default_columns = ('pk', 'name', 'gitops_path', 'gitops_status', 'last_ingested', 'description')
