"""Hedgehog's defaulting (the Default() methods of the fabric API types), applied before validation.

Real files rely on it: VPC subnets without a gateway, DHCP enabled without a range, objects
without a namespace, Switches without vlanNamespaces. Validating the raw text would reject them.

`apply_defaults` never mutates its input (the parsed document is also what ingestion writes
from): it copies only the containers it changes.
"""

from .net import parse_prefix

__all__ = ('DEFAULT_NAMESPACE', 'apply_defaults')

DEFAULT_NAMESPACE = 'default'
# Hedgehog's names for the namespaces used when a VPC, External or Switch names none.
DEFAULT_IPV4_NAMESPACE = 'default'
DEFAULT_VLAN_NAMESPACE = 'default'
DHCP_DEFAULT_MTU = 9036
DHCP_DEFAULT_LEASE_SECONDS = 3600


def apply_defaults(kind, data):
    """The object `data` of kind `kind` (a name from the registry) as Hedgehog defaults its spec.

    Returns `data` itself when nothing needed a default. metadata.namespace defaults to
    "default" too; the metadata check accepts an empty namespace for that reason, so it is not
    written here.
    """
    spec = data.get('spec')
    if spec is None:
        spec = {}
    elif not isinstance(spec, dict):
        return data
    defaulter = _DEFAULTERS.get(kind)
    defaulted = defaulter(spec) if defaulter else spec
    if defaulted is data.get('spec'):
        return data
    return {**data, 'spec': defaulted}


def _with(spec, changes):
    """`spec` with `changes` applied, as a new dict; `spec` itself when there are none."""
    return {**spec, **changes} if changes else spec


def _vpc(spec):
    changes = {}
    for name in ('ipv4Namespace', 'vlanNamespace'):
        if not spec.get(name):
            changes[name] = DEFAULT_IPV4_NAMESPACE if name == 'ipv4Namespace' else DEFAULT_VLAN_NAMESPACE
    subnets = spec.get('subnets')
    if isinstance(subnets, dict):
        defaulted = {
            name: _vpc_subnet(subnet) if isinstance(subnet, dict) else subnet for name, subnet in subnets.items()
        }
        if any(defaulted[name] is not subnets[name] for name in subnets):
            changes['subnets'] = defaulted
    return _with(spec, changes)


def _vpc_subnet(subnet):
    network = parse_prefix(subnet.get('subnet'))
    if network is None:
        return subnet
    changes = {}
    if not subnet.get('gateway') and not subnet.get('hostBGP'):
        changes['gateway'] = str(network.network_address + 1)
    if network.prefixlen <= 30:
        dhcp = subnet.get('dhcp')
        dhcp = dhcp if isinstance(dhcp, dict) else {}
        defaulted = _dhcp(dhcp, network)
        if defaulted is not dhcp:
            changes['dhcp'] = defaulted
    return _with(subnet, changes)


def _dhcp(dhcp, network):
    if not dhcp.get('enable'):
        # Hedgehog drops range and options of a disabled DHCP server.
        if 'range' in dhcp or 'options' in dhcp:
            return {name: value for name, value in dhcp.items() if name not in ('range', 'options')}
        return dhcp
    changes = {}
    dhcp_range = dhcp.get('range')
    dhcp_range = dhcp_range if isinstance(dhcp_range, dict) else {}
    range_changes = {}
    if not dhcp_range.get('start'):
        range_changes['start'] = str(network.network_address + 2)
    if not dhcp_range.get('end'):
        range_changes['end'] = str(network.broadcast_address)
    if range_changes:
        changes['range'] = {**dhcp_range, **range_changes}
    options = dhcp.get('options')
    if isinstance(options, dict):
        defaulted = _dhcp_options(options)
        if defaulted is None:
            return {name: value for name, value in _with(dhcp, changes).items() if name != 'options'}
        if defaulted is not options:
            changes['options'] = defaulted
    return _with(dhcp, changes)


def _dhcp_options(options):
    """Defaulted options; None when all are empty (Hedgehog then drops them)."""
    if not any(value is not None and value not in (0, '', False) for value in options.values()):
        return None
    changes = {}
    if not options.get('interfaceMTU'):
        changes['interfaceMTU'] = DHCP_DEFAULT_MTU
    if not options.get('leaseTimeSeconds'):
        changes['leaseTimeSeconds'] = DHCP_DEFAULT_LEASE_SECONDS
    for name in ('dnsServers', 'timeServers', 'advertisedRoutes'):
        if options.get(name) is None:
            changes[name] = []
    return _with(options, changes)


def _switch(spec):
    changes = {}
    if not spec.get('vlanNamespaces'):
        changes['vlanNamespaces'] = [DEFAULT_VLAN_NAMESPACE]
    redundancy = spec.get('redundancy')
    group = redundancy.get('group') if isinstance(redundancy, dict) else None
    groups = spec.get('groups')
    if isinstance(group, str) and group and (groups is None or isinstance(groups, list)):
        if group not in (groups or ()):
            changes['groups'] = [*(groups or ()), group]
    return _with(spec, changes)


def _vpc_attachment(spec):
    subnet = spec.get('subnet')
    # '<vpc>' and '<vpc>/' both mean the VPC's subnet named 'default'.
    if isinstance(subnet, str) and subnet and not subnet.startswith('/'):
        if '/' not in subnet:
            return {**spec, 'subnet': subnet + '/default'}
        if subnet.endswith('/') and subnet.count('/') == 1:
            return {**spec, 'subnet': subnet + 'default'}
    return spec


def _external(spec):
    return spec if spec.get('ipv4Namespace') else {**spec, 'ipv4Namespace': DEFAULT_IPV4_NAMESPACE}


def _external_attachment(spec):
    # Go serialises these struct fields even when empty, which the CRD relies on (it requires
    # both, also for static attachments that use neither).
    return _with(spec, {name: {} for name in ('switch', 'neighbor') if spec.get(name) is None})


def _vlan_namespace(spec):
    ranges = spec.get('ranges')
    if not isinstance(ranges, list):
        return spec
    defaulted = [
        {**r, 'to': r['from']} if isinstance(r, dict) and not r.get('to') and r.get('from') is not None else r
        for r in ranges
    ]
    return spec if all(a is b for a, b in zip(defaulted, ranges, strict=True)) else {**spec, 'ranges': defaulted}


_DEFAULTERS = {
    'VPC': _vpc,
    'Switch': _switch,
    'VPCAttachment': _vpc_attachment,
    'External': _external,
    'ExternalAttachment': _external_attachment,
    'VLANNamespace': _vlan_namespace,
}
