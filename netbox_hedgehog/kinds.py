"""The registry of the 12 Hedgehog kinds this plugin manages: the one definition used everywhere.

Every other module (tree layout, validation, ingestion, health) asks this registry instead of
spelling kinds, groups or directory names again, so adding a kind is a one-line change here.
Plain Python: importable and testable without Django.
"""

from dataclasses import dataclass

__all__ = (
    'KINDS',
    'LEGACY_VERSION',
    'SERVED_VERSION',
    'Kind',
    'by_kind',
    'managed_dirs',
    'resolve',
)

VPC_GROUP = 'vpc.githedgehog.com'
WIRING_GROUP = 'wiring.githedgehog.com'
SERVED_VERSION = 'v1beta1'
# The same schemas under their name before fabric v0.52 (2024-10): accepted with a warning and
# written out as the served version, because a cluster rejects v1alpha2 today.
LEGACY_VERSION = 'v1alpha2'


@dataclass(frozen=True, slots=True)
class Kind:
    kind: str
    group: str
    directory: str

    @property
    def api_version(self):
        return f'{self.group}/{SERVED_VERSION}'

    @property
    def legacy_api_version(self):
        return f'{self.group}/{LEGACY_VERSION}'


KINDS = (
    Kind('VPC', VPC_GROUP, 'vpcs'),
    Kind('External', VPC_GROUP, 'externals'),
    Kind('ExternalAttachment', VPC_GROUP, 'externalattachments'),
    Kind('ExternalPeering', VPC_GROUP, 'externalpeerings'),
    Kind('IPv4Namespace', VPC_GROUP, 'ipv4namespaces'),
    Kind('VPCAttachment', VPC_GROUP, 'vpcattachments'),
    Kind('VPCPeering', VPC_GROUP, 'vpcpeerings'),
    Kind('Connection', WIRING_GROUP, 'connections'),
    Kind('Server', WIRING_GROUP, 'servers'),
    Kind('Switch', WIRING_GROUP, 'switches'),
    Kind('SwitchGroup', WIRING_GROUP, 'switchgroups'),
    Kind('VLANNamespace', WIRING_GROUP, 'vlannamespaces'),
)

_BY_KIND = {k.kind: k for k in KINDS}
_BY_API = {(k.api_version, k.kind): (k, False) for k in KINDS} | {
    (k.legacy_api_version, k.kind): (k, True) for k in KINDS
}


def by_kind(kind):
    """The registered Kind named `kind`, or None."""
    return _BY_KIND.get(kind)


def resolve(api_version, kind):
    """(Kind, is_legacy) for a document's apiVersion and kind, or (None, False) when not ours."""
    return _BY_API.get((api_version, kind), (None, False))


def managed_dirs():
    """The managed/ sub-directory names, in registry order."""
    return tuple(k.directory for k in KINDS)
