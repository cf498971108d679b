"""The one table of references between Hedgehog objects: which field of which kind names which object.

Everything that follows references reads this table and nothing else: the validator's REF_DANGLING
(crossobject), the resource page's "Refers to" / "Referred to by" panels, the REST API's references
of a resource and health's dangling-reference check. A rule added here shows up in all four.

Each rule takes a defaulted spec (a dict whose values are not yet known to have the right types)
and yields `(path, name)` for every object of its target kind it names; `path` is the field that
names it, so a finding can point at its line. Rules follow the Validate() methods of
githedgehog/fabric, which look these objects up with the cluster's client.
"""

from typing import NamedTuple

from netbox_hedgehog.core.validation.rules_gateway import peering_sides
from netbox_hedgehog.core.validation.rules_vpc import attachment_parts, peering_vpcs
from netbox_hedgehog.core.validation.rules_wiring import connection_devices
from netbox_hedgehog.core.validation.shapes import as_list, as_mapping

__all__ = ('REFERENCE_RULES', 'Reference', 'ReferenceRule', 'references_of', 'referring_kinds')


class ReferenceRule(NamedTuple):
    """A `kind` object names `target` objects in the fields `names(spec)` yields."""

    kind: str
    target: str
    names: object  # callable: defaulted spec -> iterable of (path, name)


class Reference(NamedTuple):
    path: str
    kind: str
    name: str


def _field(field):
    def names(spec):
        yield f'spec.{field}', spec.get(field)

    return names


def _listed(field):
    def names(spec):
        for position, name in enumerate(as_list(spec.get(field))):
            yield f'spec.{field}[{position}]', name

    return names


def _attachment_vpc(spec):
    parts = attachment_parts(spec.get('subnet'))
    if parts is not None:
        yield 'spec.subnet', parts[0]


def _peering_vpcs(spec):
    for name in peering_vpcs(spec):
        position = next(i for i, entry in enumerate(as_list(spec.get('permit'))) if name in as_mapping(entry))
        yield f'spec.permit[{position}].{name}', name


def _permit_side(side):
    def names(spec):
        yield f'spec.permit.{side}.name', as_mapping(as_mapping(spec.get('permit')).get(side)).get('name')

    return names


def _switch_groups(spec):
    redundancy_group = as_mapping(spec.get('redundancy')).get('group')
    for position, group in enumerate(as_list(spec.get('groups'))):
        # Hedgehog's defaulting adds the redundancy group to groups: point at the field the author wrote.
        yield ('spec.redundancy.group' if group == redundancy_group else f'spec.groups[{position}]'), group


def _connection_devices(role):
    return lambda spec: connection_devices(spec, role)


def _gateway_groups(spec):
    for position, group in enumerate(as_list(spec.get('groups'))):
        yield f'spec.groups[{position}].name', as_mapping(group).get('name')


def _peering_sides(external):
    """The VPCs (or, with `external`, the Externals named ext.<name>) a GatewayPeering joins."""

    def names(spec):
        for side, is_external, name in peering_sides(spec):
            if is_external == external:
                yield f'spec.peering.{side}', name

    return names


REFERENCE_RULES = (
    ReferenceRule('VPC', 'IPv4Namespace', _field('ipv4Namespace')),
    ReferenceRule('VPC', 'VLANNamespace', _field('vlanNamespace')),
    ReferenceRule('VPCAttachment', 'Connection', _field('connection')),
    ReferenceRule('VPCAttachment', 'VPC', _attachment_vpc),
    ReferenceRule('VPCPeering', 'VPC', _peering_vpcs),
    ReferenceRule('External', 'IPv4Namespace', _field('ipv4Namespace')),
    ReferenceRule('ExternalAttachment', 'External', _field('external')),
    ReferenceRule('ExternalAttachment', 'Connection', _field('connection')),
    ReferenceRule('ExternalPeering', 'VPC', _permit_side('vpc')),
    ReferenceRule('ExternalPeering', 'External', _permit_side('external')),
    ReferenceRule('Switch', 'SwitchGroup', _switch_groups),
    ReferenceRule('Switch', 'VLANNamespace', _listed('vlanNamespaces')),
    ReferenceRule('Connection', 'Switch', _connection_devices('switch')),
    ReferenceRule('Connection', 'Server', _connection_devices('server')),
    ReferenceRule('Connection', 'Gateway', _connection_devices('gateway')),
    ReferenceRule('Gateway', 'GatewayGroup', _gateway_groups),
    ReferenceRule('GatewayPeering', 'GatewayGroup', _field('gatewayGroup')),
    ReferenceRule('GatewayPeering', 'VPC', _peering_sides(external=False)),
    ReferenceRule('GatewayPeering', 'External', _peering_sides(external=True)),
)


def referring_kinds():
    """The kinds whose objects refer to others (every other object is only ever referred to); read from
    the table at each call, so every user of the table sees the same rules."""
    return frozenset(rule.kind for rule in REFERENCE_RULES)


def references_of(kind, spec):
    """Reference(path, kind, name) for each object a `kind` object with this defaulted `spec` names, in
    table order, each (kind, name) once (at the first field naming it)."""
    if not isinstance(spec, dict):
        return []
    found, seen = [], set()
    for rule in REFERENCE_RULES:
        if rule.kind != kind:
            continue
        for path, name in rule.names(spec):
            key = (rule.target, name)
            if isinstance(name, str) and name and key not in seen:
                seen.add(key)
                found.append(Reference(path, rule.target, name))
    return found
