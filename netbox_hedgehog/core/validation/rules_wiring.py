"""Semantic rules of the wiring kinds: VLANNamespace, Connection, Switch, Server, SwitchGroup.

Each rule gets the defaulted spec (a dict; structure errors were reported already, so every
value is checked for its type before use) and `add(code, path, message)`. The rules follow the
Validate() methods of githedgehog/fabric api/wiring/v1beta1, minus what needs a live cluster
(switch profiles, the fabric config) and what only holds after hhfab hydration (ASNs, IPs).
"""

from netbox_hedgehog.core.limits import VLAN_MAX
from netbox_hedgehog.core.validation.net import parse_address, parse_interface, parse_prefix, report_overlaps
from netbox_hedgehog.core.validation.shapes import as_list, as_mapping

__all__ = (
    'CONNECTION_TYPES',
    'LINK_IP_TYPES',
    'SERVER_FACING_TYPES',
    'WIRING_RULES',
    'connection_devices',
    'connection_ends',
    'connection_type',
    'port_device',
)

RESERVED_VLANS = (3000, 3999)
SWITCH_ROLES = ('spine', 'server-leaf', 'border-leaf', 'mixed-leaf')
ESLAG_MAX_SWITCHES = 4

CONNECTION_TYPES = (
    'unbundled',
    'bundled',
    'mclag',
    'eslag',
    'mclagDomain',
    'fabric',
    'mesh',
    'gateway',
    'vpcLoopback',
    'external',
    'staticExternal',
)
SERVER_FACING_TYPES = ('unbundled', 'bundled', 'eslag')
_DEPRECATED_TYPES = ('mclag', 'mclagDomain')
# The link ends of each connection type, each with what device it is on: (end, role).
# As githedgehog/fabric's ConnectionSpec.Endpoints(): a gateway end is a Gateway (not a wiring kind).
_ENDS = {
    'unbundled': (('server', 'server'), ('switch', 'switch')),
    'bundled': (('server', 'server'), ('switch', 'switch')),
    'eslag': (('server', 'server'), ('switch', 'switch')),
    'fabric': (('spine', 'switch'), ('leaf', 'switch')),
    'mesh': (('leaf1', 'switch'), ('leaf2', 'switch')),
    'gateway': (('switch', 'switch'), ('gateway', 'gateway')),
    'vpcLoopback': (('switch1', 'switch'), ('switch2', 'switch')),
    'external': (('switch', 'switch'),),
    'staticExternal': (('switch', 'switch'),),
}
_CONNECTION_TYPE_NAMES = frozenset(CONNECTION_TYPES)
_SINGLE_LINK_TYPES = ('unbundled', 'external', 'staticExternal')
# The types whose link ends carry fabric-internal /31 addresses (unique across the fabric).
LINK_IP_TYPES = ('fabric', 'mesh', 'gateway')


def connection_type(spec):
    """The single connection type key of a Connection spec, or None when there is not exactly one."""
    # A spec holds a key or two: each looked up among the types, rather than every type looked up in the spec
    # (asked for every Connection by several rules and by each of its references).
    present = [name for name, value in spec.items() if name in _CONNECTION_TYPE_NAMES and value is not None]
    return present[0] if len(present) == 1 else None


def connection_ends(spec):
    """(path, end, role, port) of every link end of a Connection spec, as the fabric's Endpoints() lists
    them: none for the deprecated MCLAG types or a spec without exactly one type. `path` is the end's
    field (spec.fabric.links[0].spine), `role` 'switch', 'server' or 'gateway', `port` the text or ''."""
    kind = connection_type(spec)
    if kind not in _ENDS:
        return []
    body = as_mapping(spec[kind])
    if kind in _SINGLE_LINK_TYPES:
        links = [(f'spec.{kind}.link', as_mapping(body.get('link')))]
    else:
        links = [(f'spec.{kind}.links[{i}]', as_mapping(link)) for i, link in enumerate(as_list(body.get('links')))]
    return [(f'{path}.{end}', end, role, _port(link.get(end))) for path, link in links for end, role in _ENDS[kind]]


def connection_devices(spec, role):
    """(path of the first port naming it, device) of each `role` device ('switch', 'server') a Connection
    spec links, in order."""
    seen = {}
    for path, _, end_role, port in connection_ends(spec):
        device = port_device(port)
        if end_role == role and device and device not in seen:
            seen[device] = f'{path}.port'
    return [(path, device) for device, path in seen.items()]


def port_device(port):
    """The device part of '<device>/<port>', or None when the port is not written that way."""
    if not isinstance(port, str):
        return None
    device, slash, local = port.partition('/')
    return device if slash and device and local else None


def check_vlan_namespace(spec, add):
    for position, vlan_range in enumerate(as_list(spec.get('ranges'))):
        if not isinstance(vlan_range, dict):
            continue
        path = f'spec.ranges[{position}]'
        low, high = vlan_range.get('from'), vlan_range.get('to')
        if not isinstance(low, int) or not isinstance(high, int):
            add('VLANNS_RANGE_INVALID', path, f'{path} needs integer from and to.')
        elif not (1 <= low <= VLAN_MAX and 1 <= high <= VLAN_MAX) or low > high:
            add('VLANNS_RANGE_INVALID', path, f'{path} {low}-{high} must lie within 1..{VLAN_MAX} with from <= to.')
        elif low <= RESERVED_VLANS[1] and high >= RESERVED_VLANS[0]:
            add(
                'VLANNS_RANGE_RESERVED',
                path,
                f'{path} {low}-{high} overlaps the reserved VLANs {RESERVED_VLANS[0]}-{RESERVED_VLANS[1]}.',
            )


def check_switch(spec, add):
    role = spec.get('role')
    if isinstance(role, str) and role not in SWITCH_ROLES:
        add('SWITCH_ROLE', 'spec.role', f'spec.role {role!r} is not one of {", ".join(SWITCH_ROLES)}.')
    if not spec.get('profile'):
        add('SWITCH_PROFILE_MISSING', 'spec.profile', 'spec.profile is required.')
    redundancy = as_mapping(spec.get('redundancy'))
    group, kind = redundancy.get('group'), redundancy.get('type')
    if bool(group) != bool(kind):
        missing = 'type' if group else 'group'
        add('SWITCH_REDUNDANCY', f'spec.redundancy.{missing}', f'spec.redundancy.{missing} is required with the other.')
    if kind == 'mclag':
        add('MCLAG_DEPRECATED', 'spec.redundancy.type', 'Redundancy type mclag is deprecated.')
    if role == 'spine' and spec.get('vtepIP'):
        add('SWITCH_SPINE_VTEP', 'spec.vtepIP', 'A spine switch must not have spec.vtepIP.')


def check_connection(spec, add):
    present = [name for name in CONNECTION_TYPES if spec.get(name) is not None]
    if len(present) != 1:
        found = ', '.join(present) or 'none'
        add('CONN_TYPE', 'spec', f'A Connection needs exactly one type; found: {found}.')
        return
    kind = present[0]
    if kind in _DEPRECATED_TYPES:
        add('MCLAG_DEPRECATED', f'spec.{kind}', f'Connection type {kind} is deprecated.')
        return  # Hedgehog stops at the deprecation warning too
    body = spec[kind]
    if not isinstance(body, dict):
        return
    _CONNECTION_CHECKS[kind](body, f'spec.{kind}', add)


def _check_ports(ends, add):
    """Port format and uniqueness; `ends` are (path, port). Returns the devices by end name."""
    seen = set()
    for path, port in ends:
        if not port:
            add('CONN_PORT_FORMAT', path, f'{path} is missing.')
            continue
        if port_device(port) is None:
            add('CONN_PORT_FORMAT', path, f'{path} {port!r} is not "<device>/<port>".')
            continue
        if port in seen:
            add('CONN_PORT_DUPLICATE', path, f'{path} {port!r} is used twice in this connection.')
        seen.add(port)


def _port(end):
    port = as_mapping(end).get('port')
    return port if isinstance(port, str) else ''


def _links(body, path, add, minimum=1):
    links = [link if isinstance(link, dict) else {} for link in as_list(body.get('links'))]
    if len(links) < minimum:
        add('CONN_LINKS', f'{path}.links', f'{path}.links needs at least {minimum} link(s), has {len(links)}.')
    return links


def _devices(links, path, end):
    return {port_device(_port(link.get(end))) for link in links} - {None}


def _check_server_links(links, path, add, switches_allowed):
    ends = []
    for position, link in enumerate(links):
        for end in ('server', 'switch'):
            ends.append((f'{path}[{position}].{end}.port', _port(link.get(end))))
    _check_ports(ends, add)
    servers, switches = _devices(links, path, 'server'), _devices(links, path, 'switch')
    if len(servers) > 1:
        add('CONN_LINKS', path, f'All links must go to one server; found {", ".join(sorted(servers))}.')
    low, high = switches_allowed
    if switches and not low <= len(switches) <= high:
        allowed = f'{low}' if low == high else f'{low} to {high}'
        add('CONN_LINKS', path, f'The links must use {allowed} switch(es); found {", ".join(sorted(switches))}.')


def _unbundled(body, path, add):
    link = as_mapping(body.get('link'))
    if not link:
        add('CONN_LINKS', f'{path}.link', f'{path}.link is required.')
        return
    _check_ports([(f'{path}.link.{end}.port', _port(link.get(end))) for end in ('server', 'switch')], add)


def _bundled(body, path, add):
    _check_server_links(_links(body, path, add), f'{path}.links', add, (1, 1))


def _eslag(body, path, add):
    _check_server_links(_links(body, path, add, minimum=2), f'{path}.links', add, (1, ESLAG_MAX_SWITCHES))


def _numbered(ends, path, add, required=False):
    """Link addresses: both ends or neither (unnumbered), each a /31, both in the same /31."""
    (end1, ip1), (end2, ip2) = ends
    if not ip1 and not ip2 and not required:
        return
    if not ip1 or not ip2:
        add('CONN_LINK_IP', path, f'{path}: set the IP on both {end1} and {end2}, or on neither.')
        return
    first, second = parse_interface(ip1), parse_interface(ip2)
    for end, ip, parsed in ((end1, ip1, first), (end2, ip2, second)):
        if parsed is None or parsed.network.prefixlen != 31:
            add('CONN_LINK_IP', f'{path}.{end}.ip', f'{path}.{end}.ip {ip!r} is not an IPv4 /31 address.')
            return
    if first.network != second.network:
        add('CONN_LINK_IP', path, f'{path}: {ip1} and {ip2} are not in the same /31.')
    elif first.ip == second.ip:
        add('CONN_LINK_IP', path, f'{path}: both ends use {ip1}.')


def _switch_pairs(end1, end2, switches_expected, kind, required_ips=None):
    def check(body, path, add):
        links = _links(body, path, add)
        ends = []
        for position, link in enumerate(links):
            for end in (end1, end2):
                ends.append((f'{path}.links[{position}].{end}.port', _port(link.get(end))))
            if required_ips is not None:
                ips = [(end, as_mapping(link.get(end)).get('ip')) for end in (end1, end2)]
                _numbered(ips, f'{path}.links[{position}]', add, required=required_ips)
        _check_ports(ends, add)
        switch_ends = (end1, end2) if kind != 'gateway' else (end1,)
        switches = set().union(*(_devices(links, path, end) for end in switch_ends))
        if links and len(switches) != switches_expected and all(port_device(p) for _, p in ends):
            add(
                'CONN_LINKS',
                f'{path}.links',
                f'A {kind} connection joins {switches_expected} switch(es); found {", ".join(sorted(switches))}.',
            )

    return check


def _external(body, path, add):
    switch = as_mapping(as_mapping(body.get('link')).get('switch'))
    _check_ports([(f'{path}.link.switch.port', _port(switch))], add)


def _static_external(body, path, add):
    switch = as_mapping(as_mapping(body.get('link')).get('switch'))
    base = f'{path}.link.switch'
    _check_ports([(f'{base}.port', _port(switch))], add)
    interface, next_hop = parse_interface(switch.get('ip')), parse_address(switch.get('nextHop'))
    if interface is None:
        add('CONN_STATIC_EXTERNAL', f'{base}.ip', f'{base}.ip must be an IPv4 address with prefix length.')
    elif next_hop is None:
        add('CONN_STATIC_EXTERNAL', f'{base}.nextHop', f'{base}.nextHop must be an IPv4 address.')
    elif next_hop not in interface.network:
        add('CONN_STATIC_EXTERNAL', f'{base}.nextHop', f'{base}.nextHop {next_hop} is not in {interface.network}.')
    subnets = [s for s in as_list(switch.get('subnets'))]
    prefixes = []
    for position, subnet in enumerate(subnets):
        prefix = parse_prefix(subnet)
        sub_path = f'{base}.subnets[{position}]'
        if prefix is None:
            add('CONN_STATIC_EXTERNAL', sub_path, f'{sub_path} {subnet!r} is not an IPv4 prefix.')
        elif subnet == '0.0.0.0/0' and len(subnets) > 1:
            add('CONN_STATIC_EXTERNAL', sub_path, 'The default route 0.0.0.0/0 must be the only subnet.')
        elif str(prefix) != subnet:
            add('CONN_STATIC_EXTERNAL', sub_path, f'{sub_path} {subnet!r} has host bits set (use {prefix}).')
        else:
            prefixes.append((sub_path, prefix))
    report_overlaps(prefixes, 'CONN_STATIC_EXTERNAL', add)
    vlan = switch.get('vlan')
    if isinstance(vlan, int) and not 0 <= vlan <= VLAN_MAX:
        add('CONN_STATIC_EXTERNAL', f'{base}.vlan', f'{base}.vlan {vlan} is outside 0..{VLAN_MAX}.')


_CONNECTION_CHECKS = {
    'unbundled': _unbundled,
    'bundled': _bundled,
    'eslag': _eslag,
    'fabric': _switch_pairs('spine', 'leaf', 2, 'fabric', required_ips=False),
    'mesh': _switch_pairs('leaf1', 'leaf2', 2, 'mesh', required_ips=False),
    'gateway': _switch_pairs('switch', 'gateway', 1, 'gateway', required_ips=False),
    'vpcLoopback': _switch_pairs('switch1', 'switch2', 1, 'vpcLoopback'),
    'external': _external,
    'staticExternal': _static_external,
}


def _no_rules(spec, add):
    """Server and SwitchGroup carry no rules beyond metadata and structure."""


WIRING_RULES = {
    'VLANNamespace': check_vlan_namespace,
    'Switch': check_switch,
    'Connection': check_connection,
    'Server': _no_rules,
    'SwitchGroup': _no_rules,
}
