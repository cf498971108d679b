"""An ingestion run's panels: attributes, counts, findings, provenance."""

from django.utils.translation import gettext_lazy as _
from netbox.ui import attrs, panels

from netbox_hedgehog.core.run_counts import flatten_counts
from netbox_hedgehog.ui.panels.findings import finding_rows

__all__ = (
    'IngestionRunPanel',
    'RunCountsPanel',
    'RunFindingsPanel',
    'RunProvenancePanel',
)


class IngestionRunPanel(panels.ObjectAttributesPanel):
    fabric = attrs.RelatedObjectAttr('fabric', linkify=True)
    status = attrs.ChoiceAttr('status')
    trigger = attrs.TextAttr('trigger')
    user = attrs.RelatedObjectAttr('user')
    started = attrs.DateTimeAttr('started')
    finished = attrs.DateTimeAttr('finished')
    error = attrs.TextAttr('error', style='font-monospace')
    git_commit = attrs.TextAttr('git_commit', label=_('Git commit'), style='font-monospace', copy_button=True)
    git_error = attrs.TextAttr('git_error', label=_('Not pushed'), style='font-monospace')


class RunCountsPanel(panels.ObjectPanel):
    template_name = 'netbox_hedgehog/panels/run_counts.html'
    title = _('Counts')

    def get_context(self, context):
        ctx = super().get_context(context)
        return {**ctx, 'rows': flatten_counts(ctx['object'].counts)}


class RunFindingsPanel(panels.ObjectPanel):
    template_name = 'netbox_hedgehog/panels/findings.html'
    title = _('Findings')

    def get_context(self, context):
        ctx = super().get_context(context)
        return {**ctx, 'findings': finding_rows(ctx['object'].findings)}


class RunProvenancePanel(panels.ObjectPanel):
    """Where each ingested document came from and where it went, as the run recorded it."""

    template_name = 'netbox_hedgehog/panels/run_provenance.html'
    title = _('Provenance')

    def get_context(self, context):
        ctx = super().get_context(context)
        return {**ctx, 'entries': ctx['object'].provenance}
