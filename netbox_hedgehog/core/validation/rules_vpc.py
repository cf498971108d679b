"""Semantic rules of the vpc.githedgehog.com kinds: VPC, IPv4Namespace, VPCAttachment, VPCPeering,
External, ExternalAttachment, ExternalPeering.

Same contract as rules_wiring: defaulted spec in, `add(code, path, message)` out, every value's
type checked before use. The rules follow the Validate() methods of githedgehog/fabric
api/vpc/v1beta1 that need no live cluster.
"""

import re

from netbox_hedgehog.core.limits import VLAN_MAX
from netbox_hedgehog.core.validation.net import parse_address, parse_interface, parse_prefix, report_overlaps
from netbox_hedgehog.core.validation.shapes import as_list, as_mapping

__all__ = ('VPC_RULES', 'attachment_parts', 'peering_vpcs')

VPC_MODES = ('', 'l3vni')
MAX_VPC_SUBNETS = 20
MAX_IPV4NS_SUBNETS = 10
DHCP_MTU = (96, 9036)
_COMMUNITY = re.compile(
    r'^(6553[0-5]|655[0-2]\d|654\d{2}|65[0-4]\d{2}|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{1,3}|\d)'
    r':(6553[0-5]|655[0-2]\d|654\d{2}|65[0-4]\d{2}|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{1,3}|\d)$'
)
_MAC = re.compile(
    r'^(?:[0-9A-Fa-f]{2}([:-]))(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}$|^(?:[0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}$'
)


def attachment_parts(subnet):
    """(vpc, subnet name) of a VPCAttachment's defaulted `spec.subnet`, or None when malformed."""
    if not isinstance(subnet, str):
        return None
    vpc, slash, name = subnet.partition('/')
    if not vpc or not slash:
        return None
    return vpc, name or 'default'


def peering_vpcs(spec):
    """The VPC names a VPCPeering's permit entries name, in first-seen order."""
    names = []
    for entry in as_list(spec.get('permit')):
        for name in as_mapping(entry):
            if name not in names:
                names.append(name)
    return names


# --- VPC -------------------------------------------------------------------------------------


def check_vpc(spec, add):
    mode = spec.get('mode', '')
    if isinstance(mode, str) and mode not in VPC_MODES:
        detail = 'is not supported yet' if mode == 'l3flat' else 'is unknown'
        add('VPC_MODE', 'spec.mode', f'spec.mode {mode!r} {detail}; use "" (l2vni) or "l3vni".')
    subnets = as_mapping(spec.get('subnets'))
    if not 1 <= len(subnets) <= MAX_VPC_SUBNETS:
        add('VPC_SUBNET_COUNT', 'spec.subnets', f'A VPC needs 1 to {MAX_VPC_SUBNETS} subnets, has {len(subnets)}.')
    networks, vlans = [], {}
    for name, subnet in subnets.items():
        if isinstance(subnet, dict):
            network = _check_vpc_subnet(name, subnet, f'spec.subnets.{name}', add, vlans)
            if network is not None:
                networks.append((f'spec.subnets.{name}.subnet', network))
    report_overlaps(networks, 'VPC_SUBNET_OVERLAP', add)
    _check_permit(spec, subnets, add)
    _check_static_routes(spec, add)


def _check_vpc_subnet(name, subnet, path, add, vlans):
    """Checks one subnet; returns its network when it parsed (for the overlap check)."""
    cidr = subnet.get('subnet')
    network = parse_prefix(cidr)
    if network is None:
        add('VPC_SUBNET_INVALID', f'{path}.subnet', f'{path}.subnet {cidr!r} is not an IPv4 prefix.')
        return None
    if network.prefixlen > 30:
        add('VPC_SUBNET_PREFIX', f'{path}.subnet', f'{path}.subnet {cidr} is longer than /30.')
        return network
    dhcp = as_mapping(subnet.get('dhcp'))
    gateway = None
    if subnet.get('hostBGP'):
        if dhcp.get('enable'):
            add('VPC_HOSTBGP', f'{path}.dhcp.enable', f'{path}: DHCP must not be enabled on a hostBGP subnet.')
    else:
        gateway = parse_address(subnet.get('gateway'))
        if gateway is None or gateway not in network:
            add('VPC_GATEWAY', f'{path}.gateway', f'{path}.gateway {subnet.get("gateway")!r} is not an IP in {cidr}.')
        _check_vlan(subnet.get('vlan'), f'{path}.vlan', add, vlans)
    _check_dhcp(dhcp, network, gateway, f'{path}.dhcp', add)
    return network


def _check_vlan(vlan, path, add, vlans):
    if not vlan:
        add('VPC_VLAN_REQUIRED', path, f'{path} is required (only hostBGP subnets go without a VLAN).')
    elif isinstance(vlan, int) and not 1 <= vlan <= VLAN_MAX:
        add('VPC_VLAN_INVALID', path, f'{path} {vlan} is outside 1..{VLAN_MAX}.')
    elif isinstance(vlan, int):
        if vlan in vlans:
            add('VPC_VLAN_DUPLICATE', path, f'{path} {vlan} is also used by {vlans[vlan]}.')
        vlans.setdefault(vlan, path)


def _check_dhcp(dhcp, network, gateway, path, add):
    relay, enable = dhcp.get('relay'), dhcp.get('enable')
    if relay and enable:
        add('VPC_DHCP_RELAY', path, f'{path}: relay and enable (DHCP server) are mutually exclusive.')
    if relay and parse_prefix(relay) is None:
        add('VPC_DHCP_RELAY', f'{path}.relay', f'{path}.relay {relay!r} must be an IPv4 prefix like 10.0.0.1/24.')
    if not relay and dhcp.get('relayVPC'):
        add('VPC_DHCP_RELAY', f'{path}.relayVPC', f'{path}.relayVPC is set but no relay address.')
    if not enable:
        if dhcp.get('static'):
            add('VPC_DHCP_STATIC', f'{path}.static', f'{path}.static leases need DHCP enabled.')
        return
    dhcp_range = as_mapping(dhcp.get('range'))
    bounds = []
    for end in ('start', 'end'):
        value = dhcp_range.get(end)
        address = parse_address(value)
        end_path = f'{path}.range.{end}'
        if address is None:
            add('VPC_DHCP_RANGE', end_path, f'{end_path} {value!r} is not an IPv4 address.')
        elif address not in network or address == network.network_address:
            add('VPC_DHCP_RANGE', end_path, f'{end_path} {value} is not a usable address of {network}.')
        elif address == gateway:
            add('VPC_DHCP_RANGE', end_path, f'{end_path} {value} is the gateway.')
        else:
            bounds.append(address)
    if len(bounds) == 2 and not bounds[0] < bounds[1]:
        add('VPC_DHCP_RANGE', f'{path}.range', f'{path}.range start {bounds[0]} does not come before end {bounds[1]}.')
    _check_dhcp_options(as_mapping(dhcp.get('options')), network, f'{path}.options', add)
    _check_static_leases(as_mapping(dhcp.get('static')), network, gateway, f'{path}.static', add)


def _check_dhcp_options(options, network, path, add):
    if not options:
        return
    for name in ('dnsServers', 'timeServers'):
        for position, server in enumerate(as_list(options.get(name))):
            if parse_address(server) is None:
                add(
                    'VPC_DHCP_OPTIONS',
                    f'{path}.{name}[{position}]',
                    f'{path}.{name}: {server!r} is not an IPv4 address.',
                )
    mtu = options.get('interfaceMTU')
    if isinstance(mtu, int) and not DHCP_MTU[0] <= mtu <= DHCP_MTU[1]:
        add(
            'VPC_DHCP_OPTIONS',
            f'{path}.interfaceMTU',
            f'{path}.interfaceMTU {mtu} is outside {DHCP_MTU[0]}..{DHCP_MTU[1]}.',
        )
    lease = options.get('leaseTimeSeconds')
    if isinstance(lease, int) and lease < 1:
        add('VPC_DHCP_OPTIONS', f'{path}.leaseTimeSeconds', f'{path}.leaseTimeSeconds must be at least 1.')
    for position, route in enumerate(as_list(options.get('advertisedRoutes'))):
        route = as_mapping(route)
        route_path = f'{path}.advertisedRoutes[{position}]'
        if parse_prefix(route.get('destination')) is None:
            add('VPC_DHCP_OPTIONS', f'{route_path}.destination', f'{route_path}.destination must be an IPv4 prefix.')
        gateway = parse_address(route.get('gateway'))
        if gateway is None or gateway not in network:
            add('VPC_DHCP_OPTIONS', f'{route_path}.gateway', f'{route_path}.gateway must be an IP in {network}.')


def _check_static_leases(leases, network, gateway, path, add):
    taken = {}
    for mac, lease in leases.items():
        lease_path = f'{path}.{mac}'
        ip = as_mapping(lease).get('ip')
        address = parse_address(ip)
        if not isinstance(mac, str) or not _MAC.match(mac):
            add('VPC_DHCP_STATIC', lease_path, f'{lease_path}: {mac!r} is not a MAC address.')
        elif address is None:
            add('VPC_DHCP_STATIC', f'{lease_path}.ip', f'{lease_path}.ip {ip!r} is not an IPv4 address.')
        elif address not in network or address in (network.network_address, network.broadcast_address, gateway):
            add('VPC_DHCP_STATIC', f'{lease_path}.ip', f'{lease_path}.ip {ip} is not a free host address of {network}.')
        elif address in taken:
            add('VPC_DHCP_STATIC', f'{lease_path}.ip', f'{lease_path}.ip {ip} is also leased to {taken[address]}.')
        else:
            taken[address] = mac


def _check_permit(spec, subnets, add):
    for position, permit in enumerate(as_list(spec.get('permit'))):
        path = f'spec.permit[{position}]'
        names = as_list(permit)
        if len(names) < 2:
            add('VPC_PERMIT', path, f'{path} must list at least 2 subnets.')
        # Entries that are not names (a list, say) are the structure check's finding; here they would not hash.
        missing = [name for name in names if isinstance(name, str) and name not in subnets]
        if missing:
            add('VPC_PERMIT', path, f'{path} names subnets the VPC does not define: {", ".join(map(str, missing))}.')
        if len(set(map(str, names))) != len(names):
            add('VPC_PERMIT', path, f'{path} lists a subnet twice.')


def _check_static_routes(spec, add):
    for position, route in enumerate(as_list(spec.get('staticRoutes'))):
        route = as_mapping(route)
        path = f'spec.staticRoutes[{position}]'
        prefix = route.get('prefix')
        network = parse_prefix(prefix)
        if network is None:
            add('VPC_STATIC_ROUTE', f'{path}.prefix', f'{path}.prefix {prefix!r} is not an IPv4 prefix.')
        elif str(network) != prefix:
            add('VPC_STATIC_ROUTE', f'{path}.prefix', f'{path}.prefix {prefix} has host bits set (use {network}).')
        if not as_list(route.get('nextHops')):
            add('VPC_STATIC_ROUTE', f'{path}.nextHops', f'{path} needs at least one next hop.')


# --- IPv4Namespace ---------------------------------------------------------------------------


def check_ipv4_namespace(spec, add):
    subnets = as_list(spec.get('subnets'))
    if len(subnets) > MAX_IPV4NS_SUBNETS:
        add(
            'IPV4NS_TOO_MANY_SUBNETS',
            'spec.subnets',
            f'spec.subnets has {len(subnets)} subnets; at most {MAX_IPV4NS_SUBNETS}.',
        )
    _check_prefixes(subnets, 'spec.subnets', add, 'IPV4NS_SUBNET_INVALID', 'IPV4NS_SUBNET_OVERLAP')


def _check_prefixes(prefixes, base, add, invalid, overlap, *, skip_null=False):
    """Each item of the list at `base` an IPv4 prefix (else `invalid`) that overlaps no other (else `overlap`);
    with `skip_null` a null item is passed over (the structure check reports it)."""
    networks = []
    for position, prefix in enumerate(prefixes):
        if skip_null and prefix is None:
            continue
        path = f'{base}[{position}]'
        network = parse_prefix(prefix)
        if network is None:
            add(invalid, path, f'{path} {prefix!r} is not an IPv4 prefix.')
        else:
            networks.append((path, network))
    report_overlaps(networks, overlap, add)


# --- Attachments and peerings ----------------------------------------------------------------


def check_vpc_attachment(spec, add):
    subnet = spec.get('subnet')
    if not subnet:
        add('VPCATTACH_SUBNET', 'spec.subnet', 'spec.subnet is required ("<vpc>/<subnet>").')
    elif attachment_parts(subnet) is None:
        add('VPCATTACH_SUBNET', 'spec.subnet', f'spec.subnet {subnet!r} is not "<vpc>/<subnet>".')
    if not spec.get('connection'):
        add('VPCATTACH_CONNECTION', 'spec.connection', 'spec.connection is required.')


def check_vpc_peering(spec, add):
    if spec.get('remote'):
        add('VPCPEER_REMOTE', 'spec.remote', 'spec.remote is deprecated and no longer supported.')
    permits = as_list(spec.get('permit'))
    vpcs = peering_vpcs(spec)
    for position, entry in enumerate(permits):
        if isinstance(entry, dict) and len(entry) != 2:
            add(
                'VPCPEER_PERMIT', f'spec.permit[{position}]', f'spec.permit[{position}] names {len(entry)} VPCs, not 2.'
            )
    if len(vpcs) != 2:
        add('VPCPEER_PERMIT', 'spec.permit', f'The permit entries name {len(vpcs)} VPCs in all; a peering joins 2.')


# --- Externals -------------------------------------------------------------------------------


def check_external(spec, add):
    for name in ('inboundCommunity', 'outboundCommunity'):
        value = spec.get(name)
        if value and (not isinstance(value, str) or not _COMMUNITY.match(value)):
            add('EXTERNAL_COMMUNITY', f'spec.{name}', f'spec.{name} {value!r} is not a community like 65102:5000.')
    static = spec.get('static')
    if static is None:
        return
    prefixes = as_list(as_mapping(static).get('prefixes'))
    if not prefixes:
        add('EXTERNAL_STATIC', 'spec.static.prefixes', 'A static External needs at least one prefix.')
    _check_prefixes(prefixes, 'spec.static.prefixes', add, 'EXTERNAL_STATIC', 'EXTERNAL_STATIC', skip_null=True)


def is_static_attachment(spec):
    return spec.get('static') is not None


def check_external_attachment(spec, add):
    for name in ('external', 'connection'):
        if not spec.get(name):
            add('EXTATTACH_REQUIRED', f'spec.{name}', f'spec.{name} is required.')
    switch, neighbor = as_mapping(spec.get('switch')), as_mapping(spec.get('neighbor'))
    if is_static_attachment(spec):
        _check_static_attachment(as_mapping(spec.get('static')), switch, neighbor, add)
        return
    _check_ip(switch.get('ip'), 'spec.switch.ip', parse_interface, 'an IPv4 address with prefix length', add)
    asn = neighbor.get('asn')
    if not isinstance(asn, int) or isinstance(asn, bool) or asn <= 0:
        add('EXTATTACH_MODE', 'spec.neighbor.asn', 'spec.neighbor.asn is required for a BGP attachment.')
    _check_ip(neighbor.get('ip'), 'spec.neighbor.ip', parse_address, 'an IPv4 address', add)
    _check_vlan_id(switch.get('vlan'), 'spec.switch.vlan', add)


def _check_static_attachment(static, switch, neighbor, add):
    if any(value is not None for value in (*switch.values(), *neighbor.values())):
        add('EXTATTACH_MODE', 'spec', 'A static attachment must not set switch or neighbor (those are for BGP).')
    remote = static.get('remoteIP')
    if remote is not None:  # missing is a structure error (the CRD requires it)
        remote = _check_ip(remote, 'spec.static.remoteIP', parse_address, 'an IPv4 address', add)
    ip = static.get('ip')
    if static.get('proxy'):
        if ip:
            add('EXTATTACH_MODE', 'spec.static.ip', 'spec.static.ip must be empty in proxy mode.')
    else:
        interface = _check_ip(ip, 'spec.static.ip', parse_interface, 'an IPv4 address with prefix length', add)
        if interface is not None and remote is not None and (remote not in interface.network or remote == interface.ip):
            add(
                'EXTATTACH_MODE',
                'spec.static.remoteIP',
                f'spec.static.remoteIP {remote} is not a peer in {interface.network}.',
            )
    _check_vlan_id(static.get('vlan'), 'spec.static.vlan', add)


def _check_ip(value, path, parse, what, add):
    """The parsed address, or None after reporting it missing or malformed."""
    parsed = parse(value)
    if parsed is None:
        detail = 'is required' if value in (None, '') else f'{value!r} is not {what}'
        add('EXTATTACH_MODE', path, f'{path} {detail}.')
    return parsed


def _check_vlan_id(vlan, path, add):
    if isinstance(vlan, int) and not 0 <= vlan <= VLAN_MAX:
        add('EXTATTACH_MODE', path, f'{path} {vlan} is outside 0..{VLAN_MAX}.')


def check_external_peering(spec, add):
    permit = as_mapping(spec.get('permit'))
    for side in ('vpc', 'external'):
        if not as_mapping(permit.get(side)).get('name'):
            add('EXTPEER_PERMIT', f'spec.permit.{side}.name', f'spec.permit.{side}.name is required.')
    for position, entry in enumerate(as_list(as_mapping(permit.get('external')).get('prefixes'))):
        path = f'spec.permit.external.prefixes[{position}].prefix'
        prefix = as_mapping(entry).get('prefix')
        if entry is not None and parse_prefix(prefix) is None:
            add('EXTPEER_PERMIT', path, f'{path} {prefix!r} is not an IPv4 prefix.')


VPC_RULES = {
    'VPC': check_vpc,
    'IPv4Namespace': check_ipv4_namespace,
    'VPCAttachment': check_vpc_attachment,
    'VPCPeering': check_vpc_peering,
    'External': check_external,
    'ExternalAttachment': check_external_attachment,
    'ExternalPeering': check_external_peering,
}
