"""Rules across documents: references, duplicates, VLAN and subnet clashes between VPCs.

Works on any set (one file, a whole raw/, raw/ plus managed/). GitOps files arrive in any order,
so a reference to an object that is not in the set is only a warning (REF_DANGLING); a reference
to an object that is there but contradicts it (wrong connection type, missing subnet) is an error
(REF_CONFLICT).
"""

from ..yamlio import clean_data
from .net import find_overlaps, parse_prefix
from .rules_vpc import attachment_parts, is_static_attachment, peering_vpcs
from .rules_wiring import SERVER_FACING_TYPES, connection_type

__all__ = ('REFERRING_KINDS', 'check_set', 'referenced')


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


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
        return None if item is None else _dict(item.obj.get('spec'))

    def of_kind(self, kind):
        return [item for (item_kind, _), item in self.objects.items() if item_kind == kind]


def _where(item):
    document = item.document
    return f'{document.file or "document"}:{document.line}'


def check_set(checked, context=()):
    """Add the cross-object findings of `checked` (validated documents) to their own checks; `context`
    (checks of documents accepted earlier) takes part in the index and in clashes, not in the rules."""
    index = _Index([*context, *checked])  # context first: a clash is reported on the newcomer
    for item in checked:
        if item.obj is None:
            continue
        rule = _REFERENCE_RULES.get(item.classified.kind.kind)
        if rule is not None:
            rule(_dict(item.obj.get('spec')), index, item.add)
    _check_vpc_namespaces(index)


class _Lookups:
    """An index holding nothing that remembers what it was asked for: the objects a rule refers to."""

    def __init__(self):
        self.asked = {}

    def spec(self, kind, name):
        if isinstance(name, str) and name:
            self.asked.setdefault((kind, name), None)
        return None


def referenced(kind, spec):
    """(kind, name) of each object a `kind` object with this defaulted `spec` refers to, in the order its
    reference rule looks them up: the rules are the one definition of which field names which object."""
    rule = _REFERENCE_RULES.get(kind)
    if rule is None:
        return []
    lookups = _Lookups()
    rule(_dict(spec), lookups, lambda *issue: None)
    return list(lookups.asked)


def _dangling(add, path, kind, name):
    add('REF_DANGLING', path, f'{path}: {kind} {name!r} is not in this set.')


def _vpc_attachment(spec, index, add):
    connection_name = spec.get('connection')
    connection = index.spec('Connection', connection_name)
    conn_type = None
    if connection is None:
        if connection_name:
            _dangling(add, 'spec.connection', 'Connection', connection_name)
    else:
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
        _dangling(add, 'spec.subnet', 'VPC', vpc_name)
        return
    subnets = _dict(vpc.get('subnets'))
    if subnet_name not in subnets:
        add('REF_CONFLICT', 'spec.subnet', f'VPC {vpc_name} has no subnet {subnet_name!r}.')
        return
    if _dict(subnets[subnet_name]).get('hostBGP'):
        if conn_type is not None and conn_type != 'unbundled':
            add('REF_CONFLICT', 'spec.connection', 'Only unbundled connections attach to a hostBGP subnet.')
        if spec.get('nativeVLAN'):
            add('REF_CONFLICT', 'spec.nativeVLAN', 'Native VLAN is not supported for hostBGP subnets.')


def _vpc_peering(spec, index, add):
    vpcs = {}
    for name in peering_vpcs(spec):
        vpc = index.spec('VPC', name)
        if vpc is None:
            _dangling(add, f'spec.permit.{name}', 'VPC', name)
        else:
            vpcs[name] = vpc
    for position, entry in enumerate(_list(spec.get('permit'))):
        for name, peer in _dict(entry).items():
            if name not in vpcs:
                continue
            subnets = _dict(vpcs[name].get('subnets'))
            for subnet in _list(_dict(peer).get('subnets')):
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
    if external is None:
        if external_name:
            _dangling(add, 'spec.external', 'External', external_name)
    else:
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
    if connection is None:
        if connection_name:
            _dangling(add, 'spec.connection', 'Connection', connection_name)
    elif connection_type(connection) != 'external':
        add('REF_CONFLICT', 'spec.connection', f'Connection {connection_name} is not of type external.')


def _external_peering(spec, index, add):
    permit = _dict(spec.get('permit'))
    vpc_side, external_side = _dict(permit.get('vpc')), _dict(permit.get('external'))
    vpc_name = vpc_side.get('name')
    vpc = index.spec('VPC', vpc_name)
    if vpc is None:
        if vpc_name:
            _dangling(add, 'spec.permit.vpc.name', 'VPC', vpc_name)
    else:
        subnets = _dict(vpc.get('subnets'))
        for position, subnet in enumerate(_list(vpc_side.get('subnets'))):
            if subnet not in subnets:
                path = f'spec.permit.vpc.subnets[{position}]'
                add('REF_CONFLICT', path, f'VPC {vpc_name} has no subnet {subnet!r}.')
    external_name = external_side.get('name')
    if external_name and index.spec('External', external_name) is None:
        _dangling(add, 'spec.permit.external.name', 'External', external_name)


def _switch(spec, index, add):
    for position, group in enumerate(_list(spec.get('groups'))):
        if group and index.spec('SwitchGroup', group) is None:
            redundancy = _dict(spec.get('redundancy'))
            path = 'spec.redundancy.group' if group == redundancy.get('group') else f'spec.groups[{position}]'
            _dangling(add, path, 'SwitchGroup', group)


def _vpc(spec, index, add):
    """A VPC's subnets and VLANs must lie inside its namespaces, when those are in the set."""
    ipv4ns, vlanns = (
        index.spec('IPv4Namespace', spec.get('ipv4Namespace')),
        index.spec('VLANNamespace', spec.get('vlanNamespace')),
    )
    ipv4_ranges = [n for n in map(parse_prefix, _list(ipv4ns.get('subnets'))) if n] if ipv4ns else None
    vlan_ranges = [_dict(r) for r in _list(vlanns.get('ranges'))] if vlanns else None
    for name, subnet in _dict(spec.get('subnets')).items():
        subnet = _dict(subnet)
        network = parse_prefix(subnet.get('subnet'))
        if ipv4_ranges is not None and network is not None and not any(network.subnet_of(r) for r in ipv4_ranges):
            add(
                'REF_CONFLICT',
                f'spec.subnets.{name}.subnet',
                f'{network} is outside IPv4Namespace {spec.get("ipv4Namespace")}.',
            )
        vlan = subnet.get('vlan')
        if vlan_ranges is not None and isinstance(vlan, int) and vlan and not subnet.get('hostBGP'):
            if not any(_in_range(vlan, r) for r in vlan_ranges):
                add(
                    'REF_CONFLICT',
                    f'spec.subnets.{name}.vlan',
                    f'VLAN {vlan} is outside VLANNamespace {spec.get("vlanNamespace")}.',
                )


def _in_range(vlan, vlan_range):
    low, high = vlan_range.get('from'), vlan_range.get('to')
    return isinstance(low, int) and isinstance(high, int) and low <= vlan <= high


def _check_vpc_namespaces(index):
    """VLANs unique and subnets disjoint across the VPCs sharing a namespace."""
    vlans, networks = {}, {}
    for item in index.of_kind('VPC'):
        spec = _dict(item.obj.get('spec'))
        name = item.classified.name
        # A namespace that is not a name (a list, say) is the structure check's finding; it shares nothing here.
        vlan_namespace, ipv4_namespace = (
            value if isinstance(value, str) else None
            for value in (spec.get('vlanNamespace'), spec.get('ipv4Namespace'))
        )
        for subnet_name, subnet in _dict(spec.get('subnets')).items():
            subnet = _dict(subnet)
            path = f'spec.subnets.{subnet_name}'
            vlan = subnet.get('vlan')
            if vlan_namespace and isinstance(vlan, int) and vlan and not subnet.get('hostBGP'):
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


_REFERENCE_RULES = {
    'VPC': _vpc,
    'VPCAttachment': _vpc_attachment,
    'VPCPeering': _vpc_peering,
    'ExternalAttachment': _external_attachment,
    'ExternalPeering': _external_peering,
    'Switch': _switch,
}
# The kinds whose objects refer to others (every other object is only ever referred to).
REFERRING_KINDS = frozenset(_REFERENCE_RULES)
