"""The fabric page's panels: attributes, git remote, resource counts, last run, raw/ backlog, upload form,
self-healing."""

from contextlib import suppress
from urllib.parse import urlencode

from core.models import Job
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from netbox.ui import attrs, panels

from netbox_hedgehog.choices import HealthStatusChoices
from netbox_hedgehog.core.kinds import KINDS
from netbox_hedgehog.core.run_counts import counts_summary
from netbox_hedgehog.core.tree import RAW, UnsafePathError
from netbox_hedgehog.error_answers import error_detail
from netbox_hedgehog.forms import RawFileForm
from netbox_hedgehog.models import HedgehogResource, IngestionRun
from netbox_hedgehog.services.selfheal import last_repairs
from netbox_hedgehog.services.upload import check_name, discarded_files
from netbox_hedgehog.services.waiting import waiting_page
from netbox_hedgehog.ui.panels.actions import ObjectLinkAction
from netbox_hedgehog.ui.panels.findings import finding_rows

__all__ = (
    'BACKLOG_SHOWN',
    'DISCARDED_SHOWN',
    'GitRemotePanel',
    'HedgehogFabricPanel',
    'LastRunPanel',
    'RawBacklogPanel',
    'RawFileFormPanel',
    'ResourceCountsPanel',
    'SelfHealingPanel',
    'may_change',
)


# Files of raw/ the fabric page lists (with their findings); the rest are counted.
BACKLOG_SHOWN = 100
# The newest discarded copies the panel lists; it says how many more .hnp/discarded/ holds.
DISCARDED_SHOWN = 20


class HedgehogFabricPanel(panels.ObjectAttributesPanel):
    name = attrs.TextAttr('name')
    gitops_path = attrs.TextAttr('gitops_path', label=_('GitOps path'), style='font-monospace', copy_button=True)
    # Relative to gitops_root: the server's own folders are the administrator's, not the page's.
    tree_relative_path = attrs.TextAttr(
        'tree_relative_path', label=_('Tree folder'), style='font-monospace', copy_button=True
    )
    # Beside the GitOps status, the latest health check's: a fabric that is not healthy never reads plain green.
    gitops_status = attrs.TemplatedAttr(
        'gitops_status',
        label=_('GitOps status'),
        template_name='netbox_hedgehog/attrs/gitops_status.html',
        context={'health_colors': HealthStatusChoices.colors},
    )
    last_initialized = attrs.DateTimeAttr('last_initialized', label=_('Last initialized'))
    last_ingested = attrs.DateTimeAttr('last_ingested', label=_('Last ingested'))
    self_healing = attrs.BooleanAttr('self_healing', label=_('Self-healing'))
    description = attrs.TextAttr('description')


class GitRemotePanel(panels.ObjectAttributesPanel):
    """The fabric's git settings; the remote URL as shown to people (never a password)."""

    title = _('Git')
    display_remote_url = attrs.TextAttr('display_remote_url', label=_('Remote'), style='font-monospace')
    git_branch = attrs.TextAttr('git_branch', label=_('Branch'))
    git_path = attrs.TextAttr('git_path', label=_('Path in repository'), style='font-monospace')
    # The name of the administrator's entry that covers the URL: never where its secret lives.
    credentials_name = attrs.TextAttr('credentials_name', label=_('Credentials'))

    def should_render(self, context):
        return context['object'].has_remote


class ResourceCountsPanel(panels.ObjectPanel):
    """Resources per kind, counted from the index in one query: every registered kind, zero included."""

    template_name = 'netbox_hedgehog/panels/resource_counts.html'
    title = _('Resources')
    actions = (
        ObjectLinkAction(
            'plugins:netbox_hedgehog:hedgehogfabric_export',
            label=_('Export wiring'),
            button_icon='download',
            permissions=['netbox_hedgehog.view_hedgehogresource'],
        ),
    )

    def get_context(self, context):
        ctx = super().get_context(context)
        fabric = ctx['object']
        counted = dict(
            HedgehogResource.objects.restrict(ctx['request'].user, 'view')
            .filter(fabric=fabric)
            .order_by()
            .values_list('kind')
            .annotate(count=Count('pk'))
        )
        list_url = reverse('plugins:netbox_hedgehog:hedgehogresource_list')
        rows = [
            {
                'kind': kind.kind,
                'count': counted.get(kind.kind, 0),
                'url': f'{list_url}?{urlencode({"fabric_id": fabric.pk, "kind": kind.kind})}',
            }
            for kind in KINDS
        ]
        return {
            **ctx,
            'rows': rows,
            'total': sum(counted.values()),
            'total_url': f'{list_url}?{urlencode({"fabric_id": fabric.pk})}',
        }

    def should_render(self, context):
        return context['request'].user.has_perm('netbox_hedgehog.view_hedgehogresource')


class LastRunPanel(panels.ObjectPanel):
    template_name = 'netbox_hedgehog/panels/last_run.html'
    title = _('Last ingestion run')

    def get_context(self, context):
        ctx = super().get_context(context)
        fabric = ctx['object']
        run = (
            IngestionRun.objects.restrict(ctx['request'].user, 'view')
            .filter(fabric=fabric)
            .defer('findings', 'provenance')
            .order_by('-started', '-pk')
            .first()
        )
        runs_url = f'{reverse("plugins:netbox_hedgehog:ingestionrun_list")}?{urlencode({"fabric_id": fabric.pk})}'
        return {**ctx, 'run': run, 'counts': counts_summary(run.counts) if run else '', 'runs_url': runs_url}

    def should_render(self, context):
        return context['request'].user.has_perm('netbox_hedgehog.view_ingestionrun')


def may_change(context):
    return context['request'].user.has_perm('netbox_hedgehog.change_hedgehogfabric', context['object'])


class RawBacklogPanel(panels.ObjectPanel):
    """The files waiting in raw/ now, each with its findings (checked when it arrived, or by the last run when
    that is newer: gitops/waiting.py) and, for those who may change the fabric, links to edit or discard it.
    The first BACKLOG_SHOWN by path, and how many more wait: the fabric page is opened far more often than a
    large input is dropped into raw/."""

    template_name = 'netbox_hedgehog/panels/raw_backlog.html'
    title = _('Waiting in raw/')

    def get_context(self, context):
        ctx = super().get_context(context)
        fabric = ctx['object']
        try:
            (backlog, total), problem = waiting_page(fabric, BACKLOG_SHOWN), None
        except (UnsafePathError, OSError) as exc:
            (backlog, total), problem = ([], 0), error_detail(context['request'], exc, fabric)
        upload_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_upload', args=[fabric.pk])
        discard_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_discard', args=[fabric.pk])
        editable = may_change(context)
        files = []
        for entry in backlog:
            # Files in raw/ itself that an upload could have written can be put back, or discarded, by name.
            named = editable and check_name(entry['file'].removeprefix(f'{RAW}/')) is None
            query = urlencode({'file': entry['file']})
            files.append(
                {
                    **entry,
                    'findings': finding_rows(entry['findings']),
                    'edit_url': f'{upload_url}?{query}' if named else None,
                    'discard_url': f'{discard_url}?{query}' if named else None,
                }
            )
        discarded = []
        if editable and problem is None:
            with suppress(OSError):  # a broken .hnp/ is the health check's to report, not this list's
                discarded = discarded_files(fabric)
        return {
            **ctx,
            'files': files,
            'problem': problem,
            'more': total - len(files),
            'discarded': discarded[:DISCARDED_SHOWN],
            'more_discarded': max(len(discarded) - DISCARDED_SHOWN, 0),
        }


class RawFileFormPanel(panels.ObjectPanel):
    """The form adding YAML to raw/ (an upload or pasted text), for those who may change the fabric."""

    template_name = 'netbox_hedgehog/panels/raw_file_form.html'
    title = _('Add YAML to raw/')

    def get_context(self, context):
        form = RawFileForm()
        form.fields['text'].widget.attrs['rows'] = 6  # a column of the fabric page, not a page of its own
        return {**super().get_context(context), 'form': form}

    def should_render(self, context):
        return may_change(context)


class SelfHealingPanel(panels.ObjectPanel):
    """Below the Health tab: whether the fabric heals itself, its last automatic repairs (each linked to its job
    for those who may see jobs) and the Markdown report to download."""

    template_name = 'netbox_hedgehog/panels/self_healing.html'
    title = _('Self-healing and report')

    def get_context(self, context):
        ctx = super().get_context(context)
        fabric = ctx['object']
        repairs = last_repairs(fabric)
        jobs = {}
        if ctx['request'].user.has_perm('core.view_job'):
            jobs = dict(Job.objects.filter(job_id__in=[job for _, _, job in repairs]).values_list('job_id', 'pk'))
        rows = [{'time': time, 'what': what, 'job': jobs.get(job)} for time, what, job in repairs]
        return {
            **ctx,
            'repairs': rows,
            'report_url': reverse('plugins:netbox_hedgehog:hedgehogfabric_health_report', args=[fabric.pk]),
        }
