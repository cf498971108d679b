"""What a document is: one of the managed Hedgehog kinds (possibly in the legacy version) or foreign.

Foreign documents (the gateway controller's VPCInfo and gwint kinds, Agent, SwitchProfile, Fabricator,
Kustomization, `kind: List`, any other YAML) are never errors: ingestion files them under unmanaged/ with
the reason given.
"""

from typing import NamedTuple

from netbox_hedgehog.core import kinds

__all__ = ('Classified', 'classify_data')

_OUR_GROUPS = frozenset(k.group for k in kinds.KINDS)


class Classified(NamedTuple):
    """`kind` is the registry's Kind, or None for a foreign document (then `reason` says why).

    `name` and `namespace` are the raw metadata values when they are strings ('' otherwise);
    `legacy` is True for the v1alpha2 apiVersion; `unknown_version` for one of our kinds in a
    version we do not know.
    """

    kind: kinds.Kind | None
    legacy: bool = False
    name: str = ''
    namespace: str = ''
    api_version: str = ''
    kind_name: str = ''
    reason: str = ''
    unknown_version: bool = False

    @property
    def is_foreign(self):
        return self.kind is None


def classify_data(data):
    if type(data) is not dict:
        return Classified(None, reason='not a mapping (a list or a scalar)')
    api_version, kind_name, metadata = data.get('apiVersion'), data.get('kind'), data.get('metadata')
    name = namespace = ''
    if type(metadata) is dict:
        name, namespace = metadata.get('name'), metadata.get('namespace')
        name = name if type(name) is str else ''
        namespace = namespace if type(namespace) is str else ''
    kind, legacy = None, False
    if type(api_version) is str and type(kind_name) is str:
        kind, legacy = kinds.resolve(api_version, kind_name)
    if kind is not None:
        return Classified(kind, legacy, name, namespace, api_version, kind_name)
    api_version = api_version if isinstance(api_version, str) else ''
    kind_name = kind_name if isinstance(kind_name, str) else ''
    common = {'name': name, 'namespace': namespace, 'api_version': api_version, 'kind_name': kind_name}
    if not api_version or not kind_name:
        return Classified(None, reason='no apiVersion and kind: not a Kubernetes object', **common)
    group = api_version.rpartition('/')[0]
    if kind_name == 'List' or kind_name.endswith('List') and isinstance(data.get('items'), list):
        return Classified(None, reason=f'a {kind_name} of objects, not one object', **common)
    known = kinds.by_kind(kind_name)
    if known is not None and group == known.group:
        return Classified(None, reason=f'{kind_name} in unknown version {api_version}', unknown_version=True, **common)
    if group in _OUR_GROUPS:
        return Classified(None, reason=f'{group} kind {kind_name} is not managed by this plugin', **common)
    return Classified(None, reason=f'{kind_name} ({api_version or "no group"}) is not a Hedgehog fabric kind', **common)
