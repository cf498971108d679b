"""What two objects of a set may not share: a switch port (two Connections), a link address (two fabric, mesh
or gateway links), a gateway's protocol IP, VTEP IP or VTEP MAC (another gateway, or a switch's IPs).

Each rule lists the claims its objects make and reports a claim made twice on the newcomers only (the context,
objects accepted earlier, is never told); crossobject.check_set runs them over the whole set.
"""

from netbox_hedgehog.core.validation.net import parse_interface
from netbox_hedgehog.core.validation.rules_wiring import LINK_IP_TYPES, connection_ends, connection_type
from netbox_hedgehog.core.validation.shapes import as_mapping

__all__ = ('check_gateway_addresses_in_use', 'check_link_ips_in_use', 'check_ports_in_use')


def _port_key(port):
    """Ports that name the same switch port: leaf-01/E1/4 is leaf-01/E1/4/1 when E1/4 is broken out (as the
    fabric's Connection Validate counts them)."""
    return f'{port}/1' if port.count('/') == 2 else port


def _clashes(connections, newcomers, claims, owner):
    """Each claim (key, path, shown value) that two owners make, once per newcomer making it.

    `claims(item)` yields a Connection's claims and `owner(name, path)` who makes one (a Connection, or
    one link of it); every holder of a key hears of the others, but only newcomers (not the context:
    objects accepted earlier) are told.
    """
    holders = {}
    for item in connections:
        name = item.classified.name
        for key, path, shown in claims(item):
            holders.setdefault(key, []).append((item, owner(name, path), name, path, shown))
    for entries in holders.values():
        if len({entry[1] for entry in entries}) < 2:
            continue
        for item, who, _, path, shown in entries:
            if id(item) in newcomers:
                yield item, path, shown, [(n, p, s) for _, o, n, p, s in entries if o != who]


def _port_claims(item):
    for path, _, _, port in connection_ends(as_mapping(item.obj.get('spec'))):
        if port and '/' in port:
            yield _port_key(port), f'{path}.port', port


def check_ports_in_use(connections, newcomers):
    """A port is used by at most one Connection across the fabric (switch, server and gateway ports alike)."""
    # Ports repeated inside one Connection are its own CONN_PORT_DUPLICATE.
    for item, path, port, others in _clashes(connections, newcomers, _port_claims, lambda name, path: name):
        named = ', '.join(f'{name} ({other_port})' if other_port != port else name for name, _, other_port in others)
        item.add('CONN_PORT_IN_USE', path, f'Port {port} is already used by Connection {named}.')


def _link_ip_claims(item):
    spec = as_mapping(item.obj.get('spec'))
    if connection_type(spec) not in LINK_IP_TYPES:
        return
    for path, _, _, _ in connection_ends(spec):
        ip = parse_interface(_value_at(spec, f'{path}.ip'))
        if ip is not None:
            yield ip.ip, f'{path}.ip', str(ip.ip)


def _value_at(spec, path):
    """The value at `path` (spec.fabric.links[0].spine.ip) of a spec, or None."""
    node = {'spec': spec}
    for part in path.replace('[', '.[').split('.'):
        if part.startswith('['):
            index = int(part[1:-1])
            node = node[index] if isinstance(node, list) and index < len(node) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
    return node


def _link_of(name, path):
    return name, path.rsplit('.', 2)[0]


def check_link_ips_in_use(connections, newcomers):
    """Fabric, mesh and gateway link addresses are unique across the fabric."""
    # Two links of one Connection clash too; both ends of one link are that link's CONN_LINK_IP.
    for item, path, address, others in _clashes(connections, newcomers, _link_ip_claims, _link_of):
        named = ', '.join(f'{name} {other_path}' for name, other_path, _ in others)
        item.add('CONN_LINK_IP_IN_USE', path, f'{address} is already used by Connection {named}.')


def _address_claims(item):
    """A Gateway's or Switch's protocolIP and vtepIP (as addresses) and a Gateway's vtepMAC (lowercase)."""
    spec = as_mapping(item.obj.get('spec'))
    for field in ('protocolIP', 'vtepIP'):
        address = parse_interface(spec.get(field))
        if address is not None:
            yield (field, address.ip), f'spec.{field}', str(address.ip)
    mac = spec.get('vtepMAC')
    if item.classified.kind.kind == 'Gateway' and isinstance(mac, str) and mac:
        yield ('vtepMAC', mac.lower().replace('-', ':')), 'spec.vtepMAC', mac


def check_gateway_addresses_in_use(devices, newcomers):
    """As the fabric's Gateway Validate with a cluster: a gateway's protocol IP, VTEP IP and VTEP MAC are its
    own among the gateways, and its IPs among the switches too (they share the ranges)."""
    gateways = {id(item) for item in devices if item.classified.kind.kind == 'Gateway'}
    kind_of = {item.classified.name: item.classified.kind.kind for item in devices}
    for item, path, shown, others in _clashes(devices, newcomers & gateways, _address_claims, lambda name, _: name):
        named = ', '.join(f'{kind_of[name]} {name}' for name, _, _ in others)
        item.add('GATEWAY_ADDRESS_IN_USE', path, f'{shown} is already used by {named}.')
