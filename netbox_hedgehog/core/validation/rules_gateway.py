"""Semantic rules of the gateway.githedgehog.com kinds: Gateway, GatewayGroup, GatewayPeering.

Same contract as rules_wiring: defaulted spec in, `add(code, path, message)` out, every value's type
checked before use. The rules follow the Validate() methods of githedgehog/fabric api/gateway/v1alpha1,
minus what needs a live cluster (the fabric config, other gateways) and what only holds after hhfab
hydration: a Gateway's protocolIP, vtepIP, vtepMAC, ASN, neighbors and interface addresses are written by
hhfab, so they are checked when present and never required (the lab's wiring-gateway.yaml has none).
"""

import re

from netbox_hedgehog.core.validation.net import parse_address, parse_interface, parse_prefix
from netbox_hedgehog.core.validation.rules_vpc import _MAC
from netbox_hedgehog.core.validation.shapes import as_list, as_mapping

__all__ = ('EXTERNAL_PREFIX', 'GATEWAY_RULES', 'peering_sides')

MAX_WORKERS = 64
# A Linux interface name of 2 to 10 characters (the fabric's linuxIfaceNameRegex), at most 15 bytes in all.
_IFACE_NAME = re.compile(r'^[a-zA-Z][a-zA-Z0-9_.-]{0,8}[a-zA-Z0-9]$')
MAX_IFACE_NAME = 15
# A PCI address: domain:bus:device.function in hex (0000:02:00.0).
_PCI = re.compile(r'^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-9a-fA-F])$')
# A peering side named ext.<name> is an External, not a VPC (the fabric's VPCInfoExtPrefix).
EXTERNAL_PREFIX = 'ext.'
ACL_DEFAULTS = ('deny', 'deny-unless-exposed')
ACL_ACTIONS = ('allow', 'deny')
ACL_PROTOCOLS = ('tcp', 'udp', '')
NAT_PROTOCOLS = ('', 'tcp', 'udp')
MAX_ACL_RULE_NAME = 64
_RULE_NAME = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')
STATEFUL_NAT = ('masquerade', 'portForward')


def peering_sides(spec):
    """(side name, is External, bare name) of each side of a GatewayPeering's spec.peering, in order."""
    return [
        (side, side.startswith(EXTERNAL_PREFIX), side.removeprefix(EXTERNAL_PREFIX))
        for side in as_mapping(spec.get('peering'))
        if isinstance(side, str)
    ]


# --- Gateway ---------------------------------------------------------------------------------


def check_gateway(spec, add):
    workers = spec.get('workers')
    if isinstance(workers, int) and not 1 <= workers <= MAX_WORKERS:
        add('GATEWAY_WORKERS', 'spec.workers', f'spec.workers is {workers}; allowed: 1..{MAX_WORKERS}.')
    _check_loopback(spec.get('protocolIP'), 'spec.protocolIP', add)
    vtep = _check_loopback(spec.get('vtepIP'), 'spec.vtepIP', add)
    if vtep is not None and (vtep.is_multicast or vtep.is_loopback or vtep.is_unspecified):
        add('GATEWAY_ADDRESS', 'spec.vtepIP', f'spec.vtepIP {vtep} is not a unicast address.')
    _check_vtep_mac(spec.get('vtepMAC'), add)
    _check_interfaces(spec, add)
    for position, neighbor in enumerate(as_list(spec.get('neighbors'))):
        _check_neighbor(as_mapping(neighbor), f'spec.neighbors[{position}]', add)
    seen = set()
    for position, group in enumerate(as_list(spec.get('groups'))):
        name = as_mapping(group).get('name')
        if isinstance(name, str) and name in seen:
            add('GATEWAY_GROUPS', f'spec.groups[{position}].name', f'Gateway group {name!r} is listed twice.')
        seen.add(name)


def _check_loopback(value, path, add):
    """An address written as a /32 prefix (protocolIP, vtepIP); None when absent or reported."""
    if not value:
        return None
    interface = parse_interface(value)
    if interface is None or interface.network.prefixlen != 32:
        add('GATEWAY_ADDRESS', path, f'{path} {value!r} is not an IPv4 address with /32.')
        return None
    return interface.ip


def _check_vtep_mac(mac, add):
    if not mac:
        return
    if not isinstance(mac, str) or not _MAC.match(mac):
        add('GATEWAY_VTEP_MAC', 'spec.vtepMAC', f'spec.vtepMAC {mac!r} is not a MAC address.')
        return
    octets = bytes.fromhex(re.sub('[^0-9A-Fa-f]', '', mac))
    if not any(octets):
        add('GATEWAY_VTEP_MAC', 'spec.vtepMAC', 'spec.vtepMAC must not be all zeros.')
    elif octets[0] & 1:
        add('GATEWAY_VTEP_MAC', 'spec.vtepMAC', f'spec.vtepMAC {mac} is a multicast address, not unicast.')


def _check_interfaces(spec, add):
    interfaces = spec.get('interfaces')
    if interfaces is None or (isinstance(interfaces, dict) and not interfaces):
        add('GATEWAY_INTERFACE', 'spec.interfaces', 'A Gateway needs at least one interface.')
        return
    for name, interface in as_mapping(interfaces).items():
        path = f'spec.interfaces.{name}'
        if len(str(name)) > MAX_IFACE_NAME or not _IFACE_NAME.match(str(name)):
            add('GATEWAY_INTERFACE', path, f'Interface name {name!r} is not a Linux interface name (2-10 characters).')
        interface = as_mapping(interface)
        for position, address in enumerate(as_list(interface.get('ips'))):
            if parse_prefix(address) is None:
                add(
                    'GATEWAY_INTERFACE',
                    f'{path}.ips[{position}]',
                    f'{address!r} is not an IPv4 prefix like 10.0.0.1/31.',
                )
        pci, kernel = interface.get('pci'), interface.get('kernel')
        if pci and kernel:
            add('GATEWAY_INTERFACE', path, f'Interface {name} names both a PCI address and a kernel interface.')
        if pci and (not isinstance(pci, str) or not _valid_pci(pci)):
            add('GATEWAY_INTERFACE', f'{path}.pci', f'{pci!r} is not a PCI address like 0000:02:00.0.')
        if kernel and (not isinstance(kernel, str) or not _IFACE_NAME.match(kernel)):
            add('GATEWAY_INTERFACE', f'{path}.kernel', f'{kernel!r} is not a Linux interface name (2-10 characters).')
        elif kernel and kernel == name:
            add('GATEWAY_INTERFACE', f'{path}.kernel', f'The kernel interface is named {kernel} like the interface.')


def _valid_pci(pci):
    match = _PCI.match(pci)
    return match is not None and int(match.group(3), 16) <= 0x1F and int(match.group(4), 16) <= 7


def _check_neighbor(neighbor, path, add):
    address = parse_address(neighbor.get('ip'))
    if address is None:
        add('GATEWAY_NEIGHBOR', f'{path}.ip', f'{path}.ip {neighbor.get("ip")!r} is not an IPv4 address.')
    elif address.is_multicast or address.is_unspecified:
        add('GATEWAY_NEIGHBOR', f'{path}.ip', f'{path}.ip {address} is not a unicast address.')
    if not neighbor.get('asn'):
        add('GATEWAY_NEIGHBOR', f'{path}.asn', f'{path}.asn is required.')


# --- GatewayPeering --------------------------------------------------------------------------


def check_gateway_peering(spec, add):
    sides = as_mapping(spec.get('peering'))
    if len(sides) != 2:
        add(
            'GWPEER_SIDES',
            'spec.peering',
            f'A GatewayPeering joins exactly 2 VPCs or Externals; it names {len(sides)}.',
        )
    stateful, stateless = set(), set()
    for name, entry in sides.items():
        for position, expose in enumerate(as_list(as_mapping(entry).get('expose'))):
            path = f'spec.peering.{name}.expose[{position}]'
            nat = _check_expose(str(name), as_mapping(expose), path, add)
            if nat & set(STATEFUL_NAT):
                stateful.add(name)
            if 'static' in nat:
                stateless.add(name)
    if len(sides) == 2:
        if len(stateful) == 2:
            add(
                'GWPEER_NAT',
                'spec.peering',
                'Only one side of a peering may use stateful NAT (masquerade, portForward).',
            )
        elif stateful and stateless - stateful:
            add('GWPEER_NAT', 'spec.peering', 'A side using static NAT cannot peer with a side using stateful NAT.')
    acl = spec.get('acl')
    if isinstance(acl, dict):
        _check_acl(acl, list(sides), add)


def _check_expose(name, expose, path, add):
    """Checks one expose entry; returns the NAT modes it sets."""
    ips, as_blocks, nat = as_list(expose.get('ips')), as_list(expose.get('as')), expose.get('nat')
    if expose.get('default'):
        if ips or as_blocks or nat is not None:
            add('GWPEER_EXPOSE', path, f'{path}: default must be the only setting of its expose entry.')
        return set()
    if not ips:
        add('GWPEER_EXPOSE', f'{path}.ips', f'{path} needs at least one IP block (or default: true).')
    for position, block in enumerate(ips):
        block, block_path = as_mapping(block), f'{path}.ips[{position}]'
        if block.get('vpcSubnet') and name.startswith(EXTERNAL_PREFIX):
            add('GWPEER_EXPOSE', f'{block_path}.vpcSubnet', f'External {name} cannot expose a VPC subnet.')
        _check_block(block, ('cidr', 'not', 'vpcSubnet'), block_path, add)
    for position, block in enumerate(as_blocks):
        _check_block(as_mapping(block), ('cidr', 'not'), f'{path}.as[{position}]', add)
    if bool(as_blocks) != (nat is not None):
        add('GWPEER_NAT', path, f'{path}: as and nat go together: set both or neither.')
    if not isinstance(nat, dict):
        return set()
    modes = {mode for mode in ('masquerade', 'static', 'portForward') if nat.get(mode) is not None}
    if len(modes) != 1:
        add('GWPEER_NAT', f'{path}.nat', f'{path}.nat needs exactly one of masquerade, static, portForward.')
    forward = nat.get('portForward')
    if isinstance(forward, dict):
        _check_port_forward(forward, f'{path}.nat.portForward', add)
    return modes


def _check_block(block, fields, path, add):
    present = [field for field in fields if block.get(field)]
    if len(present) != 1:
        add('GWPEER_EXPOSE', path, f'{path} needs exactly one of {", ".join(fields)}.')
    for field in ('cidr', 'not'):
        value = block.get(field)
        if value and parse_prefix(value) is None:
            add('GWPEER_EXPOSE', f'{path}.{field}', f'{path}.{field} {value!r} is not an IPv4 prefix.')


def _check_port_forward(forward, path, add):
    ports = as_list(forward.get('ports'))
    if not ports:
        add('GWPEER_NAT', f'{path}.ports', f'{path} needs at least one port forwarding rule.')
    for position, entry in enumerate(ports):
        entry = as_mapping(entry)
        for field in ('port', 'as'):
            problem = port_problem(entry.get(field))
            if problem:
                add('GWPEER_NAT', f'{path}.ports[{position}].{field}', f'{path}.ports[{position}].{field}: {problem}.')


def port_problem(value):
    """Why `value` is not a port (1..65535) or a range of them ("8000-8080"), or None when it is one."""
    if not isinstance(value, str) or not value:
        return 'a port or range is required'
    if value.strip() != value or ',' in value:
        return f'{value!r} is not a single port or range'
    bounds = value.split('-')
    if len(bounds) > 2 or not all(bound.strip().isdigit() for bound in bounds):
        return f'{value!r} is not a port or a range start-end'
    numbers = [int(bound) for bound in bounds]
    if not all(1 <= number <= 65535 for number in numbers):
        return f'{value!r} is outside 1..65535'
    if numbers[0] > numbers[-1]:
        return f'{value!r} starts after it ends'
    return None


def _check_acl(acl, sides, add):
    default = acl.get('default')
    if default not in ACL_DEFAULTS:
        add('GWPEER_ACL', 'spec.acl.default', f'spec.acl.default is {default!r}; allowed: {", ".join(ACL_DEFAULTS)}.')
    for position, rule in enumerate(as_list(acl.get('rules'))):
        rule, path = as_mapping(rule), f'spec.acl.rules[{position}]'
        name = rule.get('name')
        if name and (not isinstance(name, str) or len(name) > MAX_ACL_RULE_NAME or not _RULE_NAME.match(name)):
            add('GWPEER_ACL', f'{path}.name', f'{path}.name {name!r} is not a lowercase name of at most 64 characters.')
        if rule.get('action') not in ACL_ACTIONS:
            add('GWPEER_ACL', f'{path}.action', f'{path}.action must be allow or deny.')
        if not rule.get('from') and not rule.get('to'):
            add('GWPEER_ACL', path, f'{path} needs from or to (one of the peering sides).')
        for field in ('from', 'to'):
            side = rule.get(field)
            if side and side not in sides:
                add('GWPEER_ACL', f'{path}.{field}', f'{path}.{field} {side!r} is not a side of this peering.')
        match = as_mapping(rule.get('match'))
        for direction in ('src', 'dst'):
            for index, endpoint in enumerate(as_list(match.get(direction))):
                _check_acl_endpoint(as_mapping(endpoint), f'{path}.match.{direction}[{index}]', add)
        protocol = match.get('proto', '')
        if protocol not in ACL_PROTOCOLS and not (isinstance(protocol, str) and protocol.isdigit()):
            add('GWPEER_ACL', f'{path}.match.proto', f'{path}.match.proto {protocol!r} is not tcp, udp or a number.')


def _check_acl_endpoint(endpoint, path, add):
    cidr = endpoint.get('cidr')
    if cidr and endpoint.get('vpcSubnet'):
        add('GWPEER_ACL', path, f'{path} sets both cidr and vpcSubnet; at most one.')
    if cidr and parse_prefix(cidr) is None:
        add('GWPEER_ACL', f'{path}.cidr', f'{path}.cidr {cidr!r} is not an IPv4 prefix.')
    for position, port in enumerate(as_list(endpoint.get('ports'))):
        problem = port_problem(port)
        if problem:
            add('GWPEER_ACL', f'{path}.ports[{position}]', f'{path}.ports[{position}]: {problem}.')


def _no_rules(spec, add):
    """A GatewayGroup has no spec to check: its name and namespace are all there is."""


GATEWAY_RULES = {
    'Gateway': check_gateway,
    'GatewayGroup': _no_rules,
    'GatewayPeering': check_gateway_peering,
}
