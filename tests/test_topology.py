"""The wiring as a graph and its drawings, from specs alone (no Django)."""

from xml.etree import ElementTree

from netbox_hedgehog.core.topology import COLLAPSE_SERVERS_ABOVE, build_topology
from netbox_hedgehog.topology_render import to_dot, to_mermaid, to_svg

SVG = '{http://www.w3.org/2000/svg}'


def switch(name, role='server-leaf', group=None):
    spec = {'role': role, **({'redundancy': {'group': group, 'type': 'eslag'}} if group else {})}
    return ('Switch', name, spec)


def link(**ends):
    return {key: {'port': port} for key, port in ends.items()}


WIRING = [
    switch('spine-1', role='spine'),
    switch('leaf-1', group='eslag-1'),
    switch('leaf-2', group='eslag-1'),
    (
        'Connection',
        'spine-1--fabric--leaf-1',
        {
            'fabric': {
                'links': [
                    link(spine='spine-1/E1/1', leaf='leaf-1/E1/49'),
                    link(spine='spine-1/E1/2', leaf='leaf-1/E1/50'),
                ]
            }
        },
    ),
    (
        'Connection',
        'server-1--eslag',
        {
            'eslag': {
                'links': [
                    link(server='server-1/enp2s1', switch='leaf-1/E1/1'),
                    link(server='server-1/enp2s2', switch='leaf-2/E1/1'),
                ]
            }
        },
    ),
    ('Connection', 'leaf-1--mesh--leaf-2', {'mesh': {'links': [link(leaf1='leaf-1/E1/55', leaf2='leaf-2/E1/55')]}}),
    ('Connection', 'leaf-2--external', {'external': {'link': link(switch='leaf-2/E1/3')}}),
    ('ExternalAttachment', 'att', {'connection': 'leaf-2--external', 'external': 'internet'}),
    (
        'Connection',
        'spine-1--gateway--gw-1',
        {'gateway': {'links': [link(switch='spine-1/E1/5', gateway='gw-1/enp2s1')]}},
    ),
    ('Connection', 'broken', {'unbundled': {'link': {'server': {'port': 7}}}}),  # no usable port: nothing drawn
]


def test_devices_in_tiers_with_groups_and_links_with_their_ports():
    topology = build_topology(WIRING)
    tiers = {tier: [node.id for node in topology.tier(tier)] for tier in ('edge', 'spine', 'leaf', 'server')}
    assert tiers == {
        'edge': ['external: internet', 'gw-1'],
        'spine': ['spine-1'],
        'leaf': ['leaf-1', 'leaf-2'],
        'server': ['server-1'],
    }
    assert topology.nodes['leaf-1'].group == 'eslag-1'
    links = {(item.a, item.b): item for item in topology.links}
    assert links[('leaf-1', 'spine-1')].ports == [('leaf-1/E1/49', 'spine-1/E1/1'), ('leaf-1/E1/50', 'spine-1/E1/2')]
    assert links[('leaf-1', 'leaf-2')].type == 'mesh'
    assert links[('external: internet', 'leaf-2')].ports == [('', 'leaf-2/E1/3')]
    assert ('gw-1', 'spine-1') in links


def test_servers_on_the_same_switches_collapse_in_a_large_fabric():
    count = COLLAPSE_SERVERS_ABOVE + 2
    wiring = [switch('leaf-1'), switch('leaf-2')] + [
        (
            'Connection',
            f's{n}',
            {'unbundled': {'link': link(server=f'server-{n:03d}/e0', switch=f'leaf-{1 + n % 2}/E1/{n}')}},
        )
        for n in range(count)
    ]
    servers = build_topology(wiring).tier('server')
    assert [(node.label, len(node.members)) for node in servers] == [(f'{count // 2} servers', count // 2)] * 2
    small = build_topology(wiring[:COLLAPSE_SERVERS_ABOVE])
    assert all(node.kind == 'server' for node in small.tier('server'))


def test_svg_is_one_document_with_a_hover_title_per_link_and_node():
    topology = build_topology(WIRING)
    root = ElementTree.fromstring(to_svg(topology))
    titles = [element.text for element in root.iter(f'{SVG}title')]
    assert 'fabric: 2 links\nleaf-1/E1/49 \u2194 spine-1/E1/1\nleaf-1/E1/50 \u2194 spine-1/E1/2' in titles
    assert 'spine: spine-1' in titles
    assert 'var(--tblr-body-color' in to_svg(topology)  # follows NetBox's light and dark themes


def test_mermaid_and_dot_name_every_device_and_link():
    topology = build_topology(WIRING)
    mermaid, dot = to_mermaid(topology), to_dot(topology)
    assert mermaid.startswith('graph TD\n')
    assert 'nleaf_1 ---|"leaf-1/E1/49 - spine-1/E1/1, leaf-1/E1/50 - spine-1/E1/2"| nspine_1' in mermaid
    assert dot.startswith('graph fabric {') and dot.endswith('}\n')
    assert '"leaf-1" -- "spine-1"' in dot
    assert dot.count(' -- ') == len(topology.links)
