"""The wiring of a fabric as a graph: devices in tiers, the links between them with their ports.

Built from the objects' specs alone (plain Python, no Django): Switches give roles and redundancy
groups, Connections give links (every `link`/`links` entry pairs the devices named by its ports,
`device/port`), ExternalAttachments name the External behind an external Connection. Devices a
Connection names but no object defines still appear: the picture shows the wiring as written.
Servers that hang off exactly the same switches collapse into one node when the fabric has many of
them, so a 400-leaf fabric stays a picture rather than a wall.
"""

from collections import defaultdict
from dataclasses import dataclass, field

__all__ = ('Link', 'Node', 'TIERS', 'TOPOLOGY_KINDS', 'Topology', 'build_topology')

# The kinds the picture is made of; the others are not read.
TOPOLOGY_KINDS = ('Switch', 'Connection', 'ExternalAttachment')
# Top to bottom; each tier is one band of the picture.
TIERS = ('edge', 'spine', 'leaf', 'server')
# More servers than this in a fabric: servers on the same switches are drawn as one node.
COLLAPSE_SERVERS_ABOVE = 48
# The endpoint keys of a Connection link that are switches (the rest: server, gateway).
_SWITCH_KEYS = frozenset({'switch', 'spine', 'leaf', 'leaf1', 'leaf2'})
_EXTERNAL_TYPES = ('external', 'staticExternal')


@dataclass
class Node:
    id: str
    label: str
    tier: str
    kind: str  # spine, leaf, server, servers (collapsed), external, gateway
    group: str = ''  # a leaf's redundancy group
    members: tuple = ()  # the servers of a collapsed node


@dataclass
class Link:
    a: str
    b: str
    ports: list = field(default_factory=list)  # ('a-port', 'b-port') per physical link
    type: str = ''


@dataclass
class Topology:
    nodes: dict = field(default_factory=dict)  # id -> Node, in drawing order within each tier
    links: list = field(default_factory=list)

    def tier(self, name):
        return [node for node in self.nodes.values() if node.tier == name]


def build_topology(objects):
    """The Topology of `objects`: (kind, name, spec) of a fabric's managed objects, any order."""
    by_kind = defaultdict(dict)
    for kind, name, spec in objects:
        by_kind[kind][name] = spec if isinstance(spec, dict) else {}
    switches = by_kind['Switch']
    externals_of = defaultdict(list)  # connection name -> External names attached to it
    for spec in by_kind['ExternalAttachment'].values():
        if isinstance(spec.get('connection'), str) and isinstance(spec.get('external'), str):
            externals_of[spec['connection']].append(spec['external'])

    devices = {}  # device name -> its kind, as the wiring names it
    pairs = defaultdict(lambda: Link('', ''))
    for name, spec in sorted(by_kind['Connection'].items()):
        for conn_type, body in spec.items():
            if not isinstance(body, dict):
                continue
            for entry in _links(body):
                ends = _endpoints(entry, switches)
                for device, kind, _ in ends:
                    devices.setdefault(device, kind)
                if conn_type in _EXTERNAL_TYPES and len(ends) == 1:
                    external = _external_node(name, conn_type, externals_of[name])
                    devices.setdefault(external, 'external')
                    ends = [*ends, (external, 'external', '')]
                for (a, _, a_port), (b, _, b_port) in zip(ends, ends[1:], strict=False):
                    key = tuple(sorted((a, b)))
                    link = pairs[key]
                    link.a, link.b, link.type = key[0], key[1], conn_type
                    link.ports.append((a_port, b_port) if key[0] == a else (b_port, a_port))
    for name, spec in switches.items():
        devices[name] = _switch_kind(spec)
    return _assemble(devices, switches, list(pairs.values()))


def _links(body):
    if isinstance(body.get('link'), dict):
        yield body['link']
    for entry in body.get('links') or ():
        if isinstance(entry, dict):
            yield entry


def _endpoints(entry, switches):
    """[(device, kind, port)] of one link entry, switches first (so a link reads switch -> other)."""
    found = []
    for key, end in entry.items():
        port = end.get('port') if isinstance(end, dict) else None
        if not isinstance(port, str) or '/' not in port:
            continue
        device = port.split('/', 1)[0]
        if key in _SWITCH_KEYS:
            kind = _switch_kind(switches[device]) if device in switches else ('spine' if key == 'spine' else 'leaf')
        else:
            kind = 'gateway' if key == 'gateway' else 'server'
        found.append((device, kind, port))
    return sorted(found, key=lambda end: end[1] not in ('spine', 'leaf'))


def _switch_kind(spec):
    return 'spine' if spec.get('role') == 'spine' else 'leaf'


def _external_node(connection, conn_type, externals):
    if externals:
        return 'external: ' + ', '.join(sorted(set(externals)))
    return f'{"static external" if conn_type == "staticExternal" else "external"}: {connection}'


def _assemble(devices, switches, links):
    topology = Topology()
    tier_of = {'spine': 'spine', 'leaf': 'leaf', 'server': 'server', 'external': 'edge', 'gateway': 'edge'}
    servers = sorted(device for device, kind in devices.items() if kind == 'server')
    collapsed = _server_groups(servers, links) if len(servers) > COLLAPSE_SERVERS_ABOVE else {}

    def group(name):
        redundancy = switches.get(name, {}).get('redundancy')
        return redundancy.get('group', '') if isinstance(redundancy, dict) else ''

    ordered = sorted(devices.items(), key=lambda item: (TIERS.index(tier_of[item[1]]), group(item[0]), item[0]))
    for device, kind in ordered:
        if device in collapsed:
            continue
        topology.nodes[device] = Node(device, device, tier_of[kind], kind, group(device))
    for members in sorted(set(collapsed.values())):
        node_id = _collapsed_id(members)
        topology.nodes[node_id] = Node(node_id, f'{len(members)} servers', 'server', 'servers', members=members)
    merged = {}
    for link in links:
        a = _collapsed_id(collapsed.get(link.a)) or link.a
        b = _collapsed_id(collapsed.get(link.b)) or link.b
        key = (a, b)
        if key in merged:
            merged[key].ports.extend(link.ports)
        else:
            merged[key] = Link(a, b, list(link.ports), link.type)
    topology.links = list(merged.values())
    return topology


def _server_groups(servers, links):
    """{server: the sorted tuple of servers on exactly its switches}, for sets of two or more."""
    switches_of = defaultdict(set)
    for link in links:
        for server, other in ((link.a, link.b), (link.b, link.a)):
            switches_of[server].add(other)
    by_switches = defaultdict(list)
    for server in servers:
        by_switches[frozenset(switches_of[server])].append(server)
    return {server: tuple(group) for group in by_switches.values() if len(group) > 1 for server in group}


def _collapsed_id(members):
    return f'servers: {members[0]} +{len(members) - 1}' if members else None
