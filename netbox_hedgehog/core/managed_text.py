"""The text of a managed/ file: what a cluster accepts, with the author's own bytes wherever possible. Plain Python.

`clean_data` gives the object a cluster accepts (server-side fields removed, a legacy apiVersion rewritten, the
struct fields the fabric's client always sends added); `clean_text` makes the same changes in the author's text
line by line, so comments and layout survive.
"""

import copy

import yaml

from netbox_hedgehog.core.kinds import LEGACY_VERSION, SERVED_VERSION
from netbox_hedgehog.core.yaml_reader import SAFE_LOADER, compose

__all__ = ('clean_data', 'clean_text')

# Fields a cluster adds to an object; `kubectl get -o yaml` output carries them and a GitOps tool
# must not apply them back.
SERVER_METADATA_FIELDS = ('uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation')
LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration'

# Fields the fabric's Go types always serialize (structs, not pointers: githedgehog/fabric
# api/vpc/v1beta1/externalattachment_types.go at 78827debafabbd0fafc6f6abd154a89da7fb69da). The CRD
# requires them, so hhfab (whose client sends `{}`) works while `kubectl apply` of a file without them fails.
ALWAYS_SERIALIZED = {('vpc.githedgehog.com', 'ExternalAttachment'): ('switch', 'neighbor')}


def _cleanup_plan(data):
    """(paths to remove, new apiVersion or None, spec fields to write as {}) for a parsed object."""
    removals = []
    if not isinstance(data, dict):
        return removals, None, []
    if 'status' in data:
        removals.append(('status',))
    metadata = data.get('metadata')
    if isinstance(metadata, dict):
        removals.extend(('metadata', name) for name in SERVER_METADATA_FIELDS if name in metadata)
        annotations = metadata.get('annotations')
        if isinstance(annotations, dict) and LAST_APPLIED_ANNOTATION in annotations:
            if len(annotations) == 1:
                removals.append(('metadata', 'annotations'))
            else:
                removals.append(('metadata', 'annotations', LAST_APPLIED_ANNOTATION))
    api_version = data.get('apiVersion')
    new_api = None
    if isinstance(api_version, str) and api_version.endswith('/' + LEGACY_VERSION):
        new_api = api_version[: -len(LEGACY_VERSION)] + SERVED_VERSION
    group = api_version.partition('/')[0] if isinstance(api_version, str) else None
    spec, kind = data.get('spec'), data.get('kind')
    always = ALWAYS_SERIALIZED.get((group, kind)) if isinstance(spec, dict) and isinstance(kind, str) else None
    additions = [name for name in always or () if spec.get(name) is None]
    return removals, new_api, additions


def clean_data(data):
    """A copy of `data` without server-side fields, with a legacy apiVersion rewritten and the struct
    fields the fabric's client always sends written as {}; `data` itself when nothing needs any of that
    (so callers can tell, and `clean_text` keeps the author's text)."""
    removals, new_api, additions = _cleanup_plan(data)
    if not removals and new_api is None and not additions:
        return data
    cleaned = copy.deepcopy(data)
    for path in removals:
        parent = cleaned
        for part in path[:-1]:
            parent = parent[part]
        del parent[path[-1]]
    if new_api is not None:
        cleaned['apiVersion'] = new_api
    for name in additions:
        cleaned['spec'][name] = {}
    return cleaned


def clean_text(document):
    """The document's text as it should be written to managed/.

    The author's text unchanged when nothing needs removing, rewriting or adding; otherwise the same
    text with the server-side entries cut out line by line, the apiVersion value replaced and the
    always-sent fields added as `name: {}` at the end of spec, so the author's comments and layout
    survive. If the text cannot be edited that way (flow style, unusual layout), the cleaned object is
    dumped instead: correct, but without comments.
    """
    removals, new_api, additions = _cleanup_plan(document.data)
    if not removals and new_api is None and not additions:
        return document.text
    expected = clean_data(document.data)
    edited = _edit_text(document.text, removals, new_api, additions)
    if edited is not None:
        try:
            if yaml.load(edited, Loader=SAFE_LOADER) == expected:
                return edited
        except yaml.YAMLError:
            pass
    return yaml.safe_dump(expected, sort_keys=False, allow_unicode=True, width=120)


def _edit_text(text, removals, new_api, additions=()):
    root = compose(text)
    if not isinstance(root, yaml.MappingNode):
        return None
    spans = []  # (start offset, end offset, replacement)
    for path in removals:
        span = _entry_span(text, root, path)
        if span is None:
            return None
        spans.append((*span, ''))
    if new_api is not None:
        value = _child(root, 'apiVersion')
        if value is None:
            return None
        spans.append((value[1].start_mark.index, value[1].end_mark.index, new_api))
    if additions:
        span = _spec_additions(text, root, additions)
        if span is None:
            return None
        spans.extend(span)
    for start, end, replacement in sorted(spans, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _spec_additions(text, root, additions):
    """Spans writing each of `additions` as `{}` in the block mapping spec: a null value replaced where
    the key is written, else a `name: {}` line after spec's last entry, at its indentation."""
    spec = _child(root, 'spec')
    if spec is None or not isinstance(spec[1], yaml.MappingNode) or spec[1].flow_style or not spec[1].value:
        return None
    spans, lines = [], []
    for name in additions:
        entry = _child(spec[1], name)
        if entry is None:
            lines.append(f'{" " * spec[1].value[0][0].start_mark.column}{name}: {{}}\n')
        elif entry[1].start_mark.index == entry[1].end_mark.index:  # `switch:` with nothing after
            colon = text.index(':', entry[0].end_mark.index) + 1
            spans.append((colon, colon, ' {}'))
        else:  # `switch: null` or `switch: ~`
            spans.append((entry[1].start_mark.index, entry[1].end_mark.index, '{}'))
    if lines:
        end = _end_of_value(text, spec[1])
        prefix = '' if end == 0 or text[end - 1] == '\n' else '\n'
        spans.append((end, end, prefix + ''.join(lines)))
    return spans


def _child(node, key):
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _entry_span(text, root, path):
    """Whole lines holding the block-mapping entry at `path`, from its key to the next sibling."""
    node = root
    for part in path[:-1]:
        entry = _child(node, part)
        if entry is None or not isinstance(entry[1], yaml.MappingNode):
            return None
        node = entry[1]
    if node.flow_style:
        return None
    entries = node.value
    for position, (key_node, value_node) in enumerate(entries):
        if not (isinstance(key_node, yaml.ScalarNode) and key_node.value == path[-1]):
            continue
        start = text.rfind('\n', 0, key_node.start_mark.index) + 1
        if text[start : key_node.start_mark.index].strip():
            return None  # something else precedes the key on its line
        if position + 1 < len(entries):
            next_key = entries[position + 1][0].start_mark.index
            end = text.rfind('\n', 0, next_key) + 1
        else:
            end = _end_of_value(text, value_node)
        return start, end
    return None


def _end_of_value(text, value_node):
    if isinstance(value_node, yaml.CollectionNode) and not value_node.flow_style:
        # A block collection ends where the next token starts: the start of that line, or the
        # end of the text when nothing follows.
        if not text[value_node.end_mark.index :].strip():
            return len(text)
        return text.rfind('\n', 0, value_node.end_mark.index) + 1
    end = text.find('\n', value_node.end_mark.index)
    return len(text) if end < 0 else end + 1
