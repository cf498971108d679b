import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from netbox.tables import NetBoxTable, columns

from netbox_hedgehog.core.run_counts import counts_summary
from netbox_hedgehog.models import IngestionRun

__all__ = ('IngestionRunTable',)


class IngestionRunTable(NetBoxTable):
    id = tables.Column(verbose_name=_('ID'), linkify=True)
    fabric = tables.Column(verbose_name=_('Fabric'), linkify=True)
    started = columns.DateTimeColumn(verbose_name=_('Started'), linkify=True)
    finished = columns.DateTimeColumn(verbose_name=_('Finished'))
    status = columns.ChoiceFieldColumn(verbose_name=_('Status'))
    trigger = tables.Column(verbose_name=_('Trigger'))
    user = tables.Column(verbose_name=_('User'))
    counts = tables.Column(verbose_name=_('Counts'), orderable=False)
    # Annotated by the views (jsonb_array_length), so lists never load the findings themselves.
    findings_count = tables.Column(verbose_name=_('Findings'))
    tags = columns.TagColumn(url_name='plugins:netbox_hedgehog:ingestionrun_list')
    # A run is the audit trail: never edited nor deleted by hand (it goes with its fabric).
    actions = columns.ActionsColumn(actions=())

    class Meta(NetBoxTable.Meta):
        model = IngestionRun
        default_columns = (
            'pk',
            'id',
            'fabric',
            'started',
            'finished',
            'status',
            'trigger',
            'user',
            'counts',
            'findings_count',
        )
        fields = (*default_columns, 'error', 'tags', 'created', 'last_updated')

    def render_counts(self, value):
        return counts_summary(value) or '—'
