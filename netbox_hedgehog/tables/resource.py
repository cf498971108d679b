import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from netbox.tables import NetBoxTable, columns

from netbox_hedgehog.models import HedgehogResource

__all__ = ('HedgehogResourceTable',)

SHORT_SHA_LENGTH = 12


class HedgehogResourceTable(NetBoxTable):
    fabric = tables.Column(verbose_name=_('Fabric'), linkify=True)
    kind = tables.Column(verbose_name=_('Kind'))
    name = tables.Column(verbose_name=_('Name'), linkify=True)
    managed_path = tables.Column(verbose_name=_('Managed path'))
    # The fabric has its own column: the run is named by when it started.
    last_run = columns.DateTimeColumn(
        accessor='last_run__started',
        verbose_name=_('Last run'),
        linkify=lambda record: record.last_run.get_absolute_url() if record.last_run_id else None,
    )
    sha256 = tables.Column(verbose_name=_('SHA-256'))
    # Rows mirror managed/ files: nothing to edit, delete or tag here (a tag would be lost when a run
    # or a re-index rebuilds the row from its file).
    actions = columns.ActionsColumn(actions=())

    class Meta(NetBoxTable.Meta):
        model = HedgehogResource
        fields = (
            'pk',
            'id',
            'fabric',
            'kind',
            'name',
            'namespace',
            'api_version',
            'managed_path',
            'last_run',
            'sha256',
            'source_file',
            'source_line',
            'created',
            'last_updated',
        )
        default_columns = ('fabric', 'kind', 'name', 'namespace', 'api_version', 'managed_path', 'last_run', 'sha256')

    def render_sha256(self, value):
        return format_html('<code title="{}">{}</code>', value, value[:SHORT_SHA_LENGTH])

    def value_sha256(self, value):
        return value
