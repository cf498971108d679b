"""Rules across documents: references, duplicates, VLAN and subnet clashes between VPCs, ESLAG redundancy,
and (through claims.py) ports and addresses that two objects may not share.

Works on any set (one file, a whole raw/, raw/ plus managed/). GitOps files arrive in any order,
so a reference to an object that is not in the set is only a warning (REF_DANGLING, from the one
table of references in reference_table); a reference to an object that is there but contradicts it
(wrong connection type, missing subnet) is an error (REF_CONFLICT).
"""

from netbox_hedgehog.core.limits import VLAN_MAX
from netbox_hedgehog.core.managed_text import clean_data
from netbox_hedgehog.core.validation.claims import (
    check_gateway_addresses_in_use,
    check_link_ips_in_use,
    check_ports_in_use,
)
from netbox_hedgehog.core.validation.net import find_overlaps, parse_prefix
from netbox_hedgehog.core.validation.reference_table import references_of
from netbox_hedgehog.core.validation.rules_gateway import peering_sides
from netbox_hedgehog.core.validation.rules_vpc import attachment_parts, is_static_attachment
from netbox_hedgehog.core.validation.rules_wiring import (
    SERVER_FACING_TYPES,
    connection_devices,
    connection_ends,
    connection_type,
)
from netbox_hedgehog.core.validation.shapes import as_list, as_mapping

__all__ = ('DEFAULT_SCOPE', 'check_set', 'referenced')

# What a set is called in REF_DANGLING messages when the caller does not say ("not in the files given").
DEFAULT_SCOPE = 'the files given'


class _Index:
    """The first object of each (kind, name) in the set; later duplicates are reported, not indexed."""

    def __init__(self, checked):
        self.objects = {}
        for item in checked:
            name = item.classified.name
            if item.obj is None or not name:
                continue
            key = (item.classified.kind.kind, name)
            first = self.objects.get(key)
            if first is None:
                self.objects[key] = item
            elif clean_data(first.document.data) == clean_data(item.document.data):
                item.add('DUPLICATE_IDENTICAL', 'metadata.name', f'{key[0]} {name} also in {_where(first)}.')
            else:
                item.add(
                    'DUPLICATE_OBJECT', 'metadata.name', f'{key[0]} {name} is defined differently in {_where(first)}.'
                )

    def spec(self, kind, name):
        """The defaulted spec of `kind` `name`, or None when the set does not hold it."""
        item = self.objects.get((kind, name)) if isinstance(name, str) else None
        return None if item is None else as_mapping(item.obj.get('spec'))

    def of_kind(self, kind):
        return [item for (item_kind, _), item in self.objects.items() if item_kind == kind]


def _where(item):
    document = item.document
    return f'{document.file or "document"}:{document.line}'


def check_set(checked, context=(), scope=DEFAULT_SCOPE):
    """Add the cross-object findings of `checked` (validated documents) to their own checks; `context`
    (checks of documents accepted earlier) takes part in the index and in clashes, not in the rules.
    `scope` names the set in messages ("raw/ nor managed/ of fabric dc1")."""
    index = _Index([*context, *checked])  # context first: a clash is reported on the newcomer
    for item in checked:
        if item.obj is None:
            continue
        kind = item.classified.kind.kind
        spec = as_mapping(item.obj.get('spec'))
        item.references = references_of(kind, spec)
        for reference in item.references:
            if index.spec(reference.kind, reference.name) is None:
                item.add('REF_DANGLING', reference.path, f'{reference.kind} {reference.name!r} is not in {scope}.')
        rule = _CONFLICT_RULES.get(kind)
        if rule is not None:
            rule(spec, index, item.add)
    _check_vpc_namespaces(index)
    newcomers = {id(item) for item in checked}
    connections = index.of_kind('Connection')
    check_ports_in_use(connections, newcomers)
    check_link_ips_in_use(connections, newcomers)
    check_gateway_addresses_in_use(index.of_kind('Gateway') + index.of_kind('Switch'), newcomers)


def referenced(kind, spec):
    """(kind, name) of each object a `kind` object with this defaulted `spec` refers to (the reference table's
    rules, in table order)."""
    return [(reference.kind, reference.name) for reference in references_of(kind, spec)]


def _vpc_attachment(spec, index, add):
    connection_name = spec.get('connection')
    connection = index.spec('Connection', connection_name)
    conn_type = None
    if connection is not None:
        conn_type = connection_type(connection)
        if conn_type not in SERVER_FACING_TYPES:
            add(
                'REF_CONFLICT',
                'spec.connection',
                f'Connection {connection_name} is {conn_type or "of no single type"}; '
                f'a VPC attaches only to {", ".join(SERVER_FACING_TYPES)} connections.',
            )
    parts = attachment_parts(spec.get('subnet'))
    if parts is None:
        return
    vpc_name, subnet_name = parts
    vpc = index.spec('VPC', vpc_name)
    if vpc is None:
        return
    subnets = as_mapping(vpc.get('subnets'))
    if subnet_name not in subnets:
        add('REF_CONFLICT', 'spec.subnet', f'VPC {vpc_name} has no subnet {subnet_name!r}.')
        return
    if as_mapping(subnets[subnet_name]).get('hostBGP'):
        if conn_type is not None and conn_type != 'unbundled':
            add('REF_CONFLICT', 'spec.connection', 'Only unbundled connections attach to a hostBGP subnet.')
        if spec.get('nativeVLAN'):
            add('REF_CONFLICT', 'spec.nativeVLAN', 'Native VLAN is not supported for hostBGP subnets.')


def _vpc_peering(spec, index, add):
    vpcs = {}
    for reference in references_of('VPCPeering', spec):
        vpc = index.spec('VPC', reference.name)
        if vpc is not None:
            vpcs[reference.name] = vpc
    for position, entry in enumerate(as_list(spec.get('permit'))):
        for name, peer in as_mapping(entry).items():
            if name not in vpcs:
                continue
            subnets = as_mapping(vpcs[name].get('subnets'))
            for subnet in as_list(as_mapping(peer).get('subnets')):
                if subnet not in subnets:
                    path = f'spec.permit[{position}].{name}.subnets'
                    add('REF_CONFLICT', path, f'VPC {name} has no subnet {subnet!r}.')
    if len(vpcs) == 2:
        first, second = vpcs.values()
        for field in ('ipv4Namespace', 'vlanNamespace'):
            if first.get(field) != second.get(field):
                add('REF_CONFLICT', 'spec.permit', f'Peered VPCs {" and ".join(vpcs)} must share their {field}.')


def _external_attachment(spec, index, add):
    external_name = spec.get('external')
    external = index.spec('External', external_name)
    if external is not None:
        external_static = external.get('static') is not None
        if external_static != is_static_attachment(spec):
            mode = 'static' if external_static else 'BGP'
            add(
                'REF_CONFLICT',
                'spec.external',
                f'External {external_name} is a {mode} external; the attachment must use '
                f'{"spec.static" if external_static else "spec.switch and spec.neighbor"}.',
            )
    connection_name = spec.get('connection')
    connection = index.spec('Connection', connection_name)
    if connection is not None and connection_type(connection) != 'external':
        add('REF_CONFLICT', 'spec.connection', f'Connection {connection_name} is not of type external.')


def _external_peering(spec, index, add):
    vpc_side = as_mapping(as_mapping(spec.get('permit')).get('vpc'))
    vpc_name = vpc_side.get('name')
    vpc = index.spec('VPC', vpc_name)
    if vpc is not None:
        subnets = as_mapping(vpc.get('subnets'))
        for position, subnet in enumerate(as_list(vpc_side.get('subnets'))):
            if subnet not in subnets:
                path = f'spec.permit.vpc.subnets[{position}]'
                add('REF_CONFLICT', path, f'VPC {vpc_name} has no subnet {subnet!r}.')


def _vpc(spec, index, add):
    """A VPC's subnets and VLANs must lie inside its namespaces, when those are in the set."""
    ipv4ns, vlanns = (
        index.spec('IPv4Namespace', spec.get('ipv4Namespace')),
        index.spec('VLANNamespace', spec.get('vlanNamespace')),
    )
    ipv4_ranges = [n for n in map(parse_prefix, as_list(ipv4ns.get('subnets'))) if n] if ipv4ns else None
    vlan_ranges = [as_mapping(r) for r in as_list(vlanns.get('ranges'))] if vlanns else None
    for name, subnet in as_mapping(spec.get('subnets')).items():
        subnet = as_mapping(subnet)
        network = parse_prefix(subnet.get('subnet'))
        if ipv4_ranges is not None and network is not None and not any(network.subnet_of(r) for r in ipv4_ranges):
            add(
                'REF_CONFLICT',
                f'spec.subnets.{name}.subnet',
                f'{network} is outside IPv4Namespace {spec.get("ipv4Namespace")}.',
            )
        vlan = subnet.get('vlan')
        # A VLAN outside 1..4094 is the VPC's own VPC_VLAN_INVALID: one finding per mistake.
        if vlan_ranges is not None and _valid_vlan(vlan) and not subnet.get('hostBGP'):
            if not any(_in_range(vlan, r) for r in vlan_ranges):
                add(
                    'REF_CONFLICT',
                    f'spec.subnets.{name}.vlan',
                    f'VLAN {vlan} is outside VLANNamespace {spec.get("vlanNamespace")}.',
                )


def _valid_vlan(vlan):
    return isinstance(vlan, int) and not isinstance(vlan, bool) and 1 <= vlan <= VLAN_MAX


def _in_range(vlan, vlan_range):
    low, high = vlan_range.get('from'), vlan_range.get('to')
    return isinstance(low, int) and isinstance(high, int) and low <= vlan <= high


def _check_vpc_namespaces(index):
    """VLANs unique and subnets disjoint across the VPCs sharing a namespace."""
    vlans, networks = {}, {}
    for item in index.of_kind('VPC'):
        spec = as_mapping(item.obj.get('spec'))
        name = item.classified.name
        # A namespace that is not a name (a list, say) is the structure check's finding; it shares nothing here.
        vlan_namespace, ipv4_namespace = (
            value if isinstance(value, str) else None
            for value in (spec.get('vlanNamespace'), spec.get('ipv4Namespace'))
        )
        for subnet_name, subnet in as_mapping(spec.get('subnets')).items():
            subnet = as_mapping(subnet)
            path = f'spec.subnets.{subnet_name}'
            vlan = subnet.get('vlan')
            if vlan_namespace and _valid_vlan(vlan) and not subnet.get('hostBGP'):
                key = (vlan_namespace, vlan)
                owner = vlans.get(key)
                if owner is None:
                    vlans[key] = (name, subnet_name)
                elif owner[0] != name:
                    item.add(
                        'VLAN_CONFLICT',
                        f'{path}.vlan',
                        f'VLAN {vlan} is also used by VPC {owner[0]} subnet {owner[1]} (VLANNamespace {key[0]}).',
                    )
            network = parse_prefix(subnet.get('subnet'))
            if ipv4_namespace and network is not None:
                networks.setdefault(ipv4_namespace, []).append(((item, name, path), network))
    for namespace, entries in networks.items():
        for first, network, second, other in find_overlaps(entries):
            if first[1] == second[1]:
                continue  # overlaps inside one VPC are that VPC's own finding
            # Both sides hear of it: either may be the newcomer (the other from context, say).
            for (item, _, path), mine, (_, other_name, other_path), theirs in (
                (first, network, second, other),
                (second, other, first, network),
            ):
                item.add(
                    'SUBNET_CONFLICT',
                    f'{path}.subnet',
                    f'{mine} overlaps VPC {other_name} {other_path.rpartition(".")[2]} {theirs} '
                    f'(IPv4Namespace {namespace}).',
                )


def _eslag_redundancy(spec, index, add):
    """As the fabric's Connection Validate: the switches of an ESLAG connection share one redundancy group,
    of type eslag. Switches not in the set are REF_DANGLING; the others must already agree."""
    if connection_type(spec) != 'eslag':
        return
    switches = connection_devices(spec, 'switch')
    found = {
        name: as_mapping(index.spec('Switch', name).get('redundancy'))
        for _, name in switches
        if index.spec('Switch', name)
    }
    path = 'spec.eslag.links'
    for field in ('group', 'type'):
        values = {name: value for name, value in ((n, r.get(field)) for n, r in found.items()) if value}
        if len(set(values.values())) > 1:
            listed = ', '.join(f'{name} in {value}' for name, value in values.items())
            add(
                'CONN_REDUNDANCY',
                path,
                f'The switches of this ESLAG connection differ in redundancy {field}: {listed}.',
            )
            return
    if not found or len(found) < len(switches):
        return  # the missing switches may still bring the group
    groups = {r.get('group') for r in found.values()} - {None, ''}
    types = {r.get('type') for r in found.values()} - {None, ''}
    if not groups:
        add('CONN_REDUNDANCY', path, f'None of its switches ({", ".join(found)}) has a redundancy group.')
    elif types != {'eslag'}:
        found_type = ', '.join(sorted(types)) or 'none'
        add('CONN_REDUNDANCY', path, f'Redundancy group {groups.pop()} is of type {found_type}, not eslag.')


def _gateway_interfaces(spec, index, add):
    """As the gateway controller wires them: the gateway end of a gateway link names an interface the Gateway
    defines (gateway-1/enp2s1 needs spec.interfaces.enp2s1 of Gateway gateway-1)."""
    if connection_type(spec) != 'gateway':
        return
    for path, _, role, port in connection_ends(spec):
        device, _, interface = port.partition('/')
        gateway = index.spec('Gateway', device) if role == 'gateway' and interface else None
        if gateway is not None and interface not in as_mapping(gateway.get('interfaces')):
            add('REF_CONFLICT', f'{path}.port', f'Gateway {device} has no interface {interface!r}.')


def _connection(spec, index, add):
    _eslag_redundancy(spec, index, add)
    _gateway_interfaces(spec, index, add)


def _gateway_peering(spec, index, add):
    """As the fabric's GatewayPeering Validate with a cluster: what a VPC side exposes lies in that VPC (a
    prefix inside one of its subnets, a subnet it has), and ACL rules name subnets of the side they match."""
    vpcs = {}
    for side, is_external, name in peering_sides(spec):
        vpc = None if is_external else index.spec('VPC', name)
        if vpc is None:
            continue
        subnets = as_mapping(vpc.get('subnets'))
        vpcs[side] = subnets
        networks = [n for n in (parse_prefix(as_mapping(s).get('subnet')) for s in subnets.values()) if n is not None]
        for position, expose in enumerate(as_list(as_mapping(as_mapping(spec.get('peering')).get(side)).get('expose'))):
            for block_position, block in enumerate(as_list(as_mapping(expose).get('ips'))):
                block, path = as_mapping(block), f'spec.peering.{side}.expose[{position}].ips[{block_position}]'
                exposed = parse_prefix(block.get('cidr'))
                if exposed is not None and not any(exposed.subnet_of(network) for network in networks):
                    add('REF_CONFLICT', f'{path}.cidr', f'{exposed} is not inside a subnet of VPC {name}.')
                subnet = block.get('vpcSubnet')
                if subnet and subnet not in subnets:
                    add('REF_CONFLICT', f'{path}.vpcSubnet', f'VPC {name} has no subnet {subnet!r}.')
    _check_acl_subnets(spec, vpcs, add)


def _check_acl_subnets(spec, vpcs, add):
    sides = list(as_mapping(spec.get('peering')))
    for position, rule in enumerate(as_list(as_mapping(spec.get('acl')).get('rules'))):
        rule = as_mapping(rule)
        source, target = rule.get('from'), rule.get('to')
        if len(sides) == 2:  # the side left out is the other one
            source = source or next((side for side in sides if side != target), None)
            target = target or next((side for side in sides if side != source), None)
        match = as_mapping(rule.get('match'))
        for direction, side in (('src', source), ('dst', target)):
            if side not in vpcs:
                continue  # an External side, or a VPC not in the set (REF_DANGLING says so)
            for index, endpoint in enumerate(as_list(match.get(direction))):
                subnet = as_mapping(endpoint).get('vpcSubnet')
                if subnet and subnet not in vpcs[side]:
                    path = f'spec.acl.rules[{position}].match.{direction}[{index}].vpcSubnet'
                    add('REF_CONFLICT', path, f'VPC {side} has no subnet {subnet!r}.')


# Rules that compare an object with the objects it refers to (REF_CONFLICT and the like); whether those
# exist at all is the reference table's business.
_CONFLICT_RULES = {
    'VPC': _vpc,
    'VPCAttachment': _vpc_attachment,
    'VPCPeering': _vpc_peering,
    'ExternalAttachment': _external_attachment,
    'ExternalPeering': _external_peering,
    'Connection': _connection,
    'GatewayPeering': _gateway_peering,
}
