"""Hedgehog's defaulting (the Default() methods of the fabric API types), applied before validation.

Real files rely on it: VPC subnets without a gateway, DHCP enabled without a range, objects
without a namespace, Switches without vlanNamespaces. Validating the raw text would reject them.

`apply_defaults` never mutates its input (the parsed document is also what ingestion writes
from): it copies only the containers it changes.
"""

from netbox_hedgehog.core.validation.net import parse_prefix

__all__ = ('DEFAULT_NAMESPACE', 'apply_defaults')

DEFAULT_NAMESPACE = 'default'
# Hedgehog's names for the namespaces used when a VPC, External or Switch names none.
DEFAULT_IPV4_NAMESPACE = 'default'
DEFAULT_VLAN_NAMESPACE = 'default'
DHCP_DEFAULT_MTU = 9036
DHCP_DEFAULT_LEASE_SECONDS = 3600
# githedgehog/fabric api/gateway/v1alpha1: the Default() methods of Gateway and GatewayPeering.
DEFAULT_GATEWAY_GROUP = 'default'
GATEWAY_DEFAULT_LOG_LEVEL = 'info'
GATEWAY_DEFAULT_WORKERS = 4
GATEWAY_DEFAULT_RATE_LIMIT = {'burst': 50, 'replenishPerSecond': 5}
# Go's time.Duration text of the two-minute NAT idle timeouts.
GATEWAY_DEFAULT_IDLE_TIMEOUT = '2m0s'


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


def _gateway(spec):
    changes = {}
    logs = spec.get('logs')
    if logs is None or isinstance(logs, dict):
        defaulted = _gateway_logs(logs or {})
        if defaulted is not logs:
            changes['logs'] = defaulted
    if not spec.get('workers'):
        changes['workers'] = GATEWAY_DEFAULT_WORKERS
    groups = spec.get('groups')
    if not groups:
        changes['groups'] = [{'name': DEFAULT_GATEWAY_GROUP, 'priority': 0}]
    elif isinstance(groups, list) and all(isinstance(group, dict) for group in groups):
        ordered = sorted(groups, key=lambda group: str(group.get('name') or ''))
        if ordered != groups:
            changes['groups'] = ordered
    return _with(spec, changes)


def _gateway_logs(logs):
    changes = {}
    if not logs.get('default'):
        changes['default'] = GATEWAY_DEFAULT_LOG_LEVEL
    if not logs.get('tags'):
        changes['tags'] = {'all': GATEWAY_DEFAULT_LOG_LEVEL}
    rate_limit = logs.get('rateLimit')
    if isinstance(rate_limit, dict):
        limits = {name: value for name, value in GATEWAY_DEFAULT_RATE_LIMIT.items() if not rate_limit.get(name)}
        if limits:
            changes['rateLimit'] = {**rate_limit, **limits}
    return _with(logs, changes)


def _gateway_peering(spec):
    changes = {}
    if not spec.get('gatewayGroup'):
        changes['gatewayGroup'] = DEFAULT_GATEWAY_GROUP
    peering = spec.get('peering')
    # As the fabric: NAT timeouts are defaulted only in a peering of two sides.
    if isinstance(peering, dict) and len(peering) == 2:
        defaulted = {name: _peering_entry(entry) for name, entry in peering.items()}
        if any(defaulted[name] is not peering[name] for name in peering):
            changes['peering'] = defaulted
    acl = spec.get('acl')
    if isinstance(acl, dict):
        defaulted = _peering_acl(acl)
        if defaulted is not acl:
            changes['acl'] = defaulted
    return _with(spec, changes)


def _peering_entry(entry):
    exposes = entry.get('expose') if isinstance(entry, dict) else None
    if not isinstance(exposes, list):
        return entry
    defaulted = [_expose_nat(expose) for expose in exposes]
    if all(a is b for a, b in zip(defaulted, exposes, strict=True)):
        return entry
    return {**entry, 'expose': defaulted}


def _expose_nat(expose):
    nat = expose.get('nat') if isinstance(expose, dict) else None
    if not isinstance(nat, dict):
        return expose
    changes = {}
    for mode in ('masquerade', 'portForward'):
        settings = nat.get(mode)
        if isinstance(settings, dict) and not settings.get('idleTimeout'):
            changes[mode] = {**settings, 'idleTimeout': GATEWAY_DEFAULT_IDLE_TIMEOUT}
    return {**expose, 'nat': {**nat, **changes}} if changes else expose


def _peering_acl(acl):
    changes = {}
    if not acl.get('default'):
        changes['default'] = 'deny-unless-exposed'
    rules = acl.get('rules')
    if isinstance(rules, list):
        defaulted = [
            {**rule, 'scope': 'flow'} if isinstance(rule, dict) and not rule.get('scope') else rule for rule in rules
        ]
        if any(a is not b for a, b in zip(defaulted, rules, strict=True)):
            changes['rules'] = defaulted
    return _with(acl, changes)


_DEFAULTERS = {
    'VPC': _vpc,
    'Switch': _switch,
    'VPCAttachment': _vpc_attachment,
    'External': _external,
    'ExternalAttachment': _external_attachment,
    'VLANNamespace': _vlan_namespace,
    'Gateway': _gateway,
    'GatewayPeering': _gateway_peering,
}
