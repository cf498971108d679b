"""A resource's panels: attributes, provenance, references, its managed file (highlighted) or why it is missing."""

import hashlib
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from netbox.ui import attrs, panels
from netbox.ui.actions import CopyContent
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import YamlLexer

from netbox_hedgehog.core.errors import public_message
from netbox_hedgehog.core.tree import UnsafePathError
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.resource_references import resource_references
from netbox_hedgehog.services.health import classify_missing
from netbox_hedgehog.services.health_managed import MISSING_SOURCE_WORDS
from netbox_hedgehog.services.treefs import LinkRefused
from netbox_hedgehog.ui.panels.actions import DeleteManagedObject, EditManagedObject

__all__ = (
    'HedgehogResourcePanel',
    'ManagedFilePanel',
    'ReferencesPanel',
    'ResourceProvenancePanel',
    'highlight_yaml',
    'missing_file',
    'read_managed_file',
)


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
    gitops/treefs/, which reads it.
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
