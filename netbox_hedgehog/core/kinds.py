"""The registry of the Hedgehog kinds this plugin manages: the one definition used everywhere.

Every other module (tree layout, validation, ingestion, health) asks this registry instead of
spelling kinds, groups or directory names again, so adding a kind is a one-line change here.
Plain Python: importable and testable without Django.
"""

from dataclasses import dataclass

__all__ = (
    'KINDS',
    'LAYOUT_VERSION',
    'LEGACY_VERSION',
    'SERVED_VERSION',
    'Kind',
    'by_kind',
    'managed_dirs',
    'resolve',
)

VPC_GROUP = 'vpc.githedgehog.com'
WIRING_GROUP = 'wiring.githedgehog.com'
GATEWAY_GROUP = 'gateway.githedgehog.com'
SERVED_VERSION = 'v1beta1'
# The same schemas under their name before fabric v0.52 (2024-10): accepted with a warning and
# written out as the served version, because a cluster rejects v1alpha2 today.
LEGACY_VERSION = 'v1alpha2'
# The gateway API (githedgehog/fabric api/gateway) serves only v1alpha1 and never had another name.
GATEWAY_VERSION = 'v1alpha1'


@dataclass(frozen=True, slots=True)
class Kind:
    """`layout` is the tree layout version that brought the kind's managed/ folder: a tree of an older layout
    lacks the folder until onboarding or fix adds it."""

    kind: str
    group: str
    directory: str
    version: str = SERVED_VERSION
    legacy_version: str | None = LEGACY_VERSION
    layout: int = 1

    @property
    def api_version(self):
        return f'{self.group}/{self.version}'

    @property
    def legacy_api_version(self):
        return f'{self.group}/{self.legacy_version}' if self.legacy_version else None


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
    # VPCInfo (the same group) and gwint.githedgehog.com are the controller's own: they stay foreign.
    Kind('Gateway', GATEWAY_GROUP, 'gateways', GATEWAY_VERSION, None, layout=2),
    Kind('GatewayGroup', GATEWAY_GROUP, 'gatewaygroups', GATEWAY_VERSION, None, layout=2),
    Kind('GatewayPeering', GATEWAY_GROUP, 'gatewaypeerings', GATEWAY_VERSION, None, layout=2),
)
# The tree layout this plugin writes: the newest layout of any kind's folder.
LAYOUT_VERSION = max(k.layout for k in KINDS)

_BY_KIND = {k.kind: k for k in KINDS}
_BY_API = {(k.api_version, k.kind): (k, False) for k in KINDS} | {
    (k.legacy_api_version, k.kind): (k, True) for k in KINDS if k.legacy_version
}


def by_kind(kind):
    """The registered Kind named `kind`, or None."""
    return _BY_KIND.get(kind)


def resolve(api_version, kind):
    """(Kind, is_legacy) for a document's apiVersion and kind, or (None, False) when not ours."""
    return _BY_API.get((api_version, kind), (None, False))


def managed_dirs(layout=LAYOUT_VERSION):
    """The managed/ sub-directory names of tree layout `layout` (by default the newest), in registry order."""
    return tuple(k.directory for k in KINDS if k.layout <= layout)
