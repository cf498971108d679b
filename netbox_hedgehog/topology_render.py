"""A Topology drawn: SVG (with svgwrite, as NetBox draws cable traces), mermaid and graphviz dot text.

The SVG lays tiers out as bands (externals and gateways, spines, leaves by redundancy group, servers),
each band wrapped after `PER_LINE` nodes. Colours come from NetBox's theme variables, with plain fallbacks
for the downloaded file, so the same drawing reads in the light and the dark theme. Every link carries
its ports as a hover title.
"""

import svgwrite

from netbox_hedgehog.core.topology import TIERS

__all__ = ('to_dot', 'to_mermaid', 'to_svg')

NODE_WIDTH, NODE_HEIGHT = 150, 36
GAP_X, LINE_GAP, TIER_GAP, MARGIN = 18, 24, 110, 20
PER_LINE = 24
ACCENTS = {
    'spine': '#2f6fb5',
    'leaf': '#00a3a3',
    'server': '#7a7a7a',
    'servers': '#7a7a7a',
    'external': '#d9822b',
    'gateway': '#8a56c2',
}
STYLE = """
.hh-node rect { fill: var(--tblr-bg-surface, #ffffff); stroke-width: 2; rx: 6; }
.hh-node text { fill: var(--tblr-body-color, #1d273b); font: 12px sans-serif; text-anchor: middle; }
.hh-link { stroke: var(--tblr-secondary, #8a94a6); stroke-width: 1.5; fill: none; }
.hh-link:hover { stroke: var(--tblr-primary, #00a3a3); stroke-width: 3; }
.hh-group { fill: none; stroke: var(--tblr-border-color, #c8ced8); stroke-dasharray: 4 3; rx: 8; }
.hh-group-label { fill: var(--tblr-secondary, #6c7a91); font: 11px sans-serif; }
"""


def _positions(topology):
    """{node id: (x, y)} of each node's top-left corner, and the drawing's (width, height).

    Spines and leaves keep their order (leaves by redundancy group); servers and the edge are placed
    under (or over) the switches they link to, which keeps most links short and uncrossed. Each line
    is centred in the drawing.
    """
    neighbours = {}
    for link in topology.links:
        neighbours.setdefault(link.a, []).append(link.b)
        neighbours.setdefault(link.b, []).append(link.a)
    rank = {node.id: position for position, node in enumerate(topology.tier('spine') + topology.tier('leaf'))}

    def barycentre(node):
        ranks = [rank[other] for other in neighbours.get(node.id, ()) if other in rank]
        return (sum(ranks) / len(ranks) if ranks else len(rank), node.id)

    lines = []
    for tier in TIERS:
        nodes = topology.tier(tier)
        if tier in ('edge', 'server'):
            nodes = sorted(nodes, key=barycentre)
        lines += [(tier, nodes[start : start + PER_LINE]) for start in range(0, len(nodes), PER_LINE)]
    widest = max((len(line) for _, line in lines), default=1)
    width = MARGIN * 2 + widest * (NODE_WIDTH + GAP_X) - GAP_X
    positions, y, previous = {}, MARGIN + 14, None
    for tier, line in lines:
        if previous is not None:
            y += TIER_GAP if tier != previous else NODE_HEIGHT + LINE_GAP
        left = (width - (len(line) * (NODE_WIDTH + GAP_X) - GAP_X)) / 2
        for column, node in enumerate(line):
            positions[node.id] = (left + column * (NODE_WIDTH + GAP_X), y)
        previous = tier
    return positions, (width, y + NODE_HEIGHT + MARGIN)


def to_svg(topology):
    """The topology as one standalone SVG document (text)."""
    positions, (width, height) = _positions(topology)
    drawing = svgwrite.Drawing(size=(width, height), viewBox=f'0 0 {width} {height}', debug=False)
    drawing.defs.add(drawing.style(STYLE))
    _draw_groups(drawing, topology, positions)
    for link in topology.links:
        _draw_link(drawing, link, positions)
    for node in topology.nodes.values():
        x, y = positions[node.id]
        shape = drawing.g(class_='hh-node')
        title = '\n'.join((node.label, *node.members)) if node.members else f'{node.kind}: {node.label}'
        shape.set_desc(title=title)
        shape.add(drawing.rect((x, y), (NODE_WIDTH, NODE_HEIGHT), stroke=ACCENTS[node.kind]))
        shape.add(drawing.text(_fit(node.label), insert=(x + NODE_WIDTH / 2, y + NODE_HEIGHT / 2 + 4)))
        drawing.add(shape)
    return drawing.tostring()


def _draw_groups(drawing, topology, positions):
    """A dashed box around the leaves of each redundancy group that sit on one line."""
    groups = {}
    for node in topology.tier('leaf'):
        if node.group:
            groups.setdefault((node.group, positions[node.id][1]), []).append(positions[node.id][0])
    for (name, y), xs in groups.items():
        left, right = min(xs) - 6, max(xs) + NODE_WIDTH + 6
        drawing.add(drawing.rect((left, y - 18), (right - left, NODE_HEIGHT + 24), class_='hh-group'))
        drawing.add(drawing.text(name, insert=(left + 6, y - 6), class_='hh-group-label'))


def _draw_link(drawing, link, positions):
    (ax, ay), (bx, by) = positions[link.a], positions[link.b]
    if ay == by:  # the same line (leaf to leaf, a mesh): an arc above it
        start, end = (ax + NODE_WIDTH / 2, ay), (bx + NODE_WIDTH / 2, by)
        lift = 30 + abs(bx - ax) / 8
        path = drawing.path(d=f'M {start[0]} {start[1]} Q {(start[0] + end[0]) / 2} {ay - lift} {end[0]} {end[1]}')
    else:
        if ay > by:
            (ax, ay), (bx, by) = (bx, by), (ax, ay)
        path = drawing.line((ax + NODE_WIDTH / 2, ay + NODE_HEIGHT), (bx + NODE_WIDTH / 2, by), class_='hh-link')
    path['class'] = 'hh-link'
    count = f'{len(link.ports)} links' if len(link.ports) > 1 else '1 link'
    ports = '\n'.join(f'{a} \u2194 {b}' for a, b in link.ports[:32])
    more = f'\n\u2026 {len(link.ports) - 32} more' if len(link.ports) > 32 else ''
    path.set_desc(title=f'{link.type}: {count}\n{ports}{more}')
    drawing.add(path)


def _fit(label, room=20):
    return label if len(label) <= room else f'{label[: room - 1]}\u2026'


def _ident(node_id):
    return 'n' + ''.join(character if character.isalnum() else '_' for character in node_id)


def to_mermaid(topology):
    """The topology as a mermaid flowchart (top to bottom, one subgraph per tier)."""
    lines = ['graph TD']
    for tier in TIERS:
        nodes = topology.tier(tier)
        if nodes:
            lines.append(f'  subgraph {tier}')
            lines += [f'    {_ident(node.id)}["{_quoted(node.label)}"]' for node in nodes]
            lines.append('  end')
    for link in topology.links:
        label = _quoted(', '.join(f'{a} - {b}' for a, b in link.ports[:4]) + (' …' if len(link.ports) > 4 else ''))
        lines.append(f'  {_ident(link.a)} ---|"{label}"| {_ident(link.b)}')
    return '\n'.join(lines) + '\n'


def to_dot(topology):
    """The topology as a graphviz `graph` (one rank per tier)."""
    lines = ['graph fabric {', '  node [shape=box, style=rounded];']
    for tier in TIERS:
        nodes = topology.tier(tier)
        if nodes:
            lines.append('  { rank=same; ' + ' '.join(f'"{_quoted(node.id)}";' for node in nodes) + ' }')
            lines += [f'  "{_quoted(node.id)}" [label="{_quoted(node.label)}"];' for node in nodes]
    for link in topology.links:
        label = _quoted('\\n'.join(f'{a} - {b}' for a, b in link.ports[:4]))
        lines.append(f'  "{_quoted(link.a)}" -- "{_quoted(link.b)}" [label="{label}"];')
    return '\n'.join(lines) + '\n}\n'


def _quoted(text):
    return text.replace('\\', '\\\\').replace('"', "'")
