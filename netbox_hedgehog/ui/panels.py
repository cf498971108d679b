"""Panels of the plugin's object pages.

Panels that show more than model attributes (file contents, counts, backlog, findings) compute
their rows here, in Python, so the templates only lay them out.
"""

import hashlib
from contextlib import suppress
from urllib.parse import urlencode

from core.models import Job
from django.db.models import Count
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from netbox.ui import attrs, panels
from netbox.ui.actions import CopyContent, LinkAction
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import YamlLexer

from netbox_hedgehog.choices import HealthStatusChoices
from netbox_hedgehog.error_answers import error_detail
from netbox_hedgehog.errors import public_message
from netbox_hedgehog.findings import Finding, page_hint
from netbox_hedgehog.forms import RawFileForm
from netbox_hedgehog.gitops.health import MISSING_SOURCE_WORDS, classify_missing
from netbox_hedgehog.gitops.selfheal import last_repairs
from netbox_hedgehog.gitops.tree import RAW, UnsafePathError
from netbox_hedgehog.gitops.treefs import LinkRefused
from netbox_hedgehog.gitops.upload import check_name, discarded_files
from netbox_hedgehog.gitops.waiting import waiting_page
from netbox_hedgehog.kinds import KINDS
from netbox_hedgehog.models import HedgehogResource, IngestionRun
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.resource_references import resource_references
from netbox_hedgehog.tables.run import counts_summary, flatten_counts

SEVERITY_COLORS = {'error': 'red', 'warning': 'orange', 'info': 'blue'}
# Files of raw/ the fabric page lists (with their findings); the rest are counted.
BACKLOG_SHOWN = 100
# The newest discarded copies the panel lists; it says how many more .hnp/discarded/ holds.
DISCARDED_SHOWN = 20


def finding_rows(findings):
    """Finding dicts as the templates show them: badge colour and `file:line` added, the hint in a page's words."""
    return [
        {
            **finding,
            'color': SEVERITY_COLORS.get(finding['severity']),
            'location': Finding.from_dict(finding).location,
            'hint': page_hint(finding['hint']),
        }
        for finding in findings
    ]


#
# Fabric
#


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


class ObjectLinkAction(LinkAction):
    """A panel button to one of the page object's own views (its pk comes from the page)."""

    def get_url(self, context):
        return reverse(self.view_name, kwargs={'pk': context['object'].pk})


class ManagedObjectAction(LinkAction):
    """A Managed file panel button that changes the fabric's tree: shown to those who may change the fabric."""

    def render(self, context):
        resource = context['object']
        if not context['request'].user.has_perm('netbox_hedgehog.change_hedgehogfabric', resource.fabric):
            return ''
        return super().render(context)


class EditManagedObject(ManagedObjectAction):
    """Edit: the object's file in the fabric's upload form, to change and ingest it."""

    def __init__(self):
        upload = 'plugins:netbox_hedgehog:hedgehogfabric_upload'
        super().__init__(upload, label=_('Edit'), button_icon='pencil', button_class='warning')

    def get_url(self, context):
        resource = context['object']
        url = reverse(self.view_name, kwargs={'pk': resource.fabric_id})
        return f'{url}?{urlencode({"resource": resource.pk})}'


class DeleteManagedObject(ManagedObjectAction, ObjectLinkAction):
    """Delete: the object's confirmation page (gitops.removal)."""

    def __init__(self):
        delete = 'plugins:netbox_hedgehog:hedgehogresource_delete'
        super().__init__(delete, label=_('Delete'), button_icon='trash-can-outline', button_class='danger')


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


#
# Resources
#


class HedgehogResourcePanel(panels.ObjectAttributesPanel):
    fabric = attrs.RelatedObjectAttr('fabric', linkify=True)
    kind = attrs.TextAttr('kind')
    name = attrs.TextAttr('name', copy_button=True)
    namespace = attrs.TextAttr('namespace')
    api_version = attrs.TextAttr('api_version', label=_('API version'), style='font-monospace')
    managed_path = attrs.TextAttr('managed_path', label=_('Managed path'), style='font-monospace', copy_button=True)
    sha256 = attrs.TextAttr('sha256', label=_('SHA-256'), style='font-monospace', copy_button=True)


class ResourceProvenancePanel(panels.ObjectAttributesPanel):
    title = _('Provenance')

    source_file = attrs.TextAttr('source_file', label=_('Source file'), style='font-monospace')
    source_document = attrs.NumericAttr('source_document', label=_('Document'))
    source_line = attrs.NumericAttr('source_line', label=_('Line'))
    last_run = attrs.RelatedObjectAttr('last_run', label=_('Last run'), linkify=True)


class ReferencesPanel(panels.ObjectPanel):
    """The objects this one refers to and those referring to it, as the validator's reference rules follow
    them: each a link when the index holds it, else marked as not found (a dangling reference)."""

    template_name = 'netbox_hedgehog/panels/references.html'
    title = _('References')

    def get_context(self, context):
        ctx = super().get_context(context)
        found = resource_references(ctx['object'], ctx['request'].user)
        return {**ctx, **{direction: [_linked(entry) for entry in found[direction]] for direction in found}}


def _linked(entry):
    url = reverse('plugins:netbox_hedgehog:hedgehogresource', args=[entry['pk']]) if entry['pk'] else None
    return {'kind': entry['kind'], 'name': entry['name'], 'url': url}


def read_managed_file(resource):
    """(text, problem) for the resource's managed file; problem says why the text is missing.

    The path comes from the index, so it is checked to stay inside the fabric's tree (no '..', no link) by
    gitops/treefs.py, which reads it.
    """
    try:
        resource.fabric.layout()
    except UnsafePathError as exc:
        return None, public_message(exc, root=gitops_root())
    try:
        with resource.fabric.files() as tree:
            data = tree.read(resource.managed_path)
    except ValueError:  # an index path with '..' or the like: checked by treefs, never used
        return None, _('{path} leads outside the fabric tree; not read.').format(path=resource.managed_path)
    except LinkRefused as exc:
        return None, _('{path} is a symbolic link; links in a tree are never followed.').format(path=exc.filename)
    except FileNotFoundError:
        return None, _('{path} is missing from the tree; this row still holds the object.').format(
            path=resource.managed_path
        )
    except OSError as exc:
        return None, _('{path} cannot be read: {error}').format(path=resource.managed_path, error=exc.strerror)
    if hashlib.sha256(data).hexdigest() != resource.sha256:
        return data.decode('utf-8', 'replace'), _(
            'The file changed since it was indexed. Re-index the fabric to update this row.'
        )
    return data.decode('utf-8', 'replace'), None


class ManagedFilePanel(panels.ObjectPanel):
    """The managed file itself, read from disk and highlighted: the truth this row mirrors."""

    template_name = 'netbox_hedgehog/panels/managed_file.html'
    title = _('Managed file')

    def __init__(self):
        super().__init__(actions=[CopyContent('managed_file'), EditManagedObject(), DeleteManagedObject()])

    def get_context(self, context):
        ctx = super().get_context(context)
        resource = ctx['object']
        text, problem = read_managed_file(resource)
        return {
            **ctx,
            'highlighted': None if text is None else highlight_yaml(text),
            'problem': problem,
            'missing': missing_file(resource, context) if problem and text is None else None,
        }


def missing_file(resource, context):
    """For a resource whose managed file is missing: where fix restores it from (or that its deletion was
    committed), and the actions the viewer may take; None when the file is there after all."""
    fabric = resource.fabric
    try:
        fabric.layout()
        with fabric.files() as tree:
            if tree.lstat_or_none(resource.managed_path) is not None:
                return None
    except (UnsafePathError, OSError, ValueError):  # an unsafe path or a link: read_managed_file says why
        return None
    source = classify_missing(fabric, [resource.managed_path])[resource.managed_path]
    request = context.get('request')
    user = getattr(request, 'user', None)
    return {
        'source': str(source),
        'words': MISSING_SOURCE_WORDS[source],
        'can_fix': bool(user and user.has_perm('netbox_hedgehog.change_hedgehogfabric', fabric)),
        'fix_url': reverse('plugins:netbox_hedgehog:hedgehogfabric_fix', args=[fabric.pk]),
        'health_url': reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[fabric.pk]),
        'forget_url': reverse('plugins:netbox_hedgehog:hedgehogfabric_forget_missing', args=[fabric.pk])
        + '?'
        + urlencode({'path': resource.managed_path}),
    }


# NetBox ships no highlighter for the browser; Pygments marks tokens up on the server (escaping the text),
# with prefixed classes that cannot clash with NetBox's own and that the panel's template colours.
YAML_HTML = HtmlFormatter(nowrap=True, classprefix='yaml-')


def highlight_yaml(text):
    """`text` as HTML for a <pre>: every character kept (no newline stripped), YAML tokens in spans."""
    return mark_safe(highlight(text, YamlLexer(stripnl=False), YAML_HTML))


#
# Ingestion runs
#


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
