"""Connection rules with the set and the accepted objects as context, as githedgehog/fabric's Connection
Validate with a client: devices exist, a port and a link address belong to one Connection, ESLAG switches
share one redundancy group. Each rule with a real-looking case (lab-ci style names) and a near miss."""

from helpers import documents, obj

from netbox_hedgehog.core.validation import validate_set

VLANNS = obj('VLANNamespace', 'default', {'ranges': [{'from': 1000, 'to': 2999}]})


def switch(name, group=None, kind='eslag', role='server-leaf'):
    spec = {'role': role, 'profile': 'celestica-ds3000'}
    if group:
        spec['redundancy'] = {'group': group, 'type': kind}
    return obj('Switch', name, spec)


def bundled(name, server, *ports):
    links = [{'server': {'port': f'{server}/enp2s{i + 1}'}, 'switch': {'port': port}} for i, port in enumerate(ports)]
    return obj('Connection', name, {'bundled': {'links': links}})


def external(name, port):
    return obj('Connection', name, {'external': {'link': {'switch': {'port': port}}}})


def eslag(name, server, *ports):
    links = [{'server': {'port': f'{server}/enp2s{i + 1}'}, 'switch': {'port': port}} for i, port in enumerate(ports)]
    return obj('Connection', name, {'eslag': {'links': links}})


def fabric(name, *ips):
    links = [
        {'spine': {'port': f'spine-01/E1/{i + 1}', 'ip': spine}, 'leaf': {'port': f'leaf-01/E1/{i + 9}', 'ip': leaf}}
        for i, (spine, leaf) in enumerate(ips)
    ]
    return obj('Connection', name, {'fabric': {'links': links}})


DEVICES = (
    VLANNS,
    obj('SwitchGroup', 'eslag-1', {}),
    obj('SwitchGroup', 'eslag-2', {}),
    switch('ds3000-01', 'eslag-1'),
    switch('ds3000-02', 'eslag-1'),
    switch('ds3000-03', 'eslag-2'),
    switch('border-01', role='border-leaf'),
    switch('spine-01', role='spine'),
    switch('leaf-01'),
    obj('Server', 'server-3', {}),
    obj('Server', 'server-4', {}),
)
BUNDLED = bundled('server-3--bundled--ds3000-01', 'server-3', 'ds3000-01/E1/2/1', 'ds3000-01/E1/2/2')


def findings(*objects, file='new.yaml', context=()):
    """Findings of `objects` (read from `file`) with the devices they name and `context` as accepted."""
    checked = documents(*objects, file=file)
    accepted = [*documents(*DEVICES, file='devices.yaml'), *context]
    return [f for f in validate_set(checked, context=accepted) if f.code != 'FOREIGN_DOCUMENT']


def test_switches_and_servers_a_connection_names_must_exist():
    ghost = obj(
        'Connection',
        'ghost--unbundled--nosuch-01',
        {'unbundled': {'link': {'server': {'port': 'ghost/enp2s1'}, 'switch': {'port': 'nosuch-01/E1/1'}}}},
    )
    found = findings(ghost)
    assert [(f.code, f.path, f.message) for f in found] == [
        ('REF_DANGLING', 'spec.unbundled.link.switch.port', "Switch 'nosuch-01' is not in the files given."),
        ('REF_DANGLING', 'spec.unbundled.link.server.port', "Server 'ghost' is not in the files given."),
    ]
    assert [f.line for f in found] == [11, 9]  # the lines of the two port keys
    # Near miss: the same connection between devices the set holds.
    assert findings(bundled('server-3--bundled--ds3000-01', 'server-3', 'ds3000-01/E1/1')) == []


def test_a_port_taken_by_a_connection_in_another_file_is_an_error_on_both():
    taken = external('ds3000-01--external--acl-test', 'ds3000-01/E1/2/2')
    first = documents(BUNDLED, file='raw/wiring.yaml')
    second = documents(taken, file='raw/acl-test.yaml')
    found = [f for f in validate_set(first + second, context=documents(*DEVICES)) if f.code == 'CONN_PORT_IN_USE']
    assert [(f.file, f.path, f.message) for f in found] == [
        (
            'raw/wiring.yaml',
            'spec.bundled.links[1].switch.port',
            'Port ds3000-01/E1/2/2 is already used by Connection ds3000-01--external--acl-test.',
        ),
        (
            'raw/acl-test.yaml',
            'spec.external.link.switch.port',
            'Port ds3000-01/E1/2/2 is already used by Connection server-3--bundled--ds3000-01.',
        ),
    ]
    # Near miss: the next port of the same breakout is free.
    free = external('ds3000-01--external--acl-test', 'ds3000-01/E1/2/3')
    assert [
        f for f in validate_set(first + documents(free), context=documents(*DEVICES)) if f.severity == 'error'
    ] == []


def test_a_port_taken_by_a_managed_connection_is_an_error_on_the_newcomer_only():
    managed = documents(BUNDLED, file='managed/connections/server-3--bundled--ds3000-01.yaml')
    taken = external('ds3000-01--external--acl-test', 'ds3000-01/E1/2/2')
    (found,) = findings(taken, context=managed)
    assert (found.code, found.file, found.line) == ('CONN_PORT_IN_USE', 'new.yaml', 9)
    assert 'server-3--bundled--ds3000-01' in found.message
    # Near miss: the managed Connection itself, changed in raw/, does not clash with its old version (the
    # ingestion leaves a replaced object out of the context; a name never clashes with itself).
    moved = bundled('server-3--bundled--ds3000-01', 'server-3', 'ds3000-01/E1/2/1', 'ds3000-01/E1/2/4')
    assert findings(moved, context=documents(taken, file='managed/connections/acl.yaml')) == []


def test_a_breakout_port_and_its_first_lane_are_the_same_port():
    # leaf-01/E1/4 is an alias of leaf-01/E1/4/1 when E1/4 is broken out (the fabric's Validate says so).
    found = findings(
        external('leaf-01--external--a', 'leaf-01/E1/4'), external('leaf-01--external--b', 'leaf-01/E1/4/1')
    )
    assert [f.code for f in found] == ['CONN_PORT_IN_USE', 'CONN_PORT_IN_USE']
    assert 'leaf-01--external--b (leaf-01/E1/4/1)' in found[0].message
    # Near miss: the second lane is another port.
    assert (
        findings(external('leaf-01--external--a', 'leaf-01/E1/4'), external('leaf-01--external--b', 'leaf-01/E1/4/2'))
        == []
    )


def test_eslag_switches_must_share_one_redundancy_group_of_type_eslag():
    across = eslag('server-4--eslag--ds3000-02--ds3000-03', 'server-4', 'ds3000-02/E1/3', 'ds3000-03/E1/3')
    (found,) = findings(across)
    assert (found.code, found.path) == ('CONN_REDUNDANCY', 'spec.eslag.links')
    assert found.message.endswith('differ in redundancy group: ds3000-02 in eslag-1, ds3000-03 in eslag-2.')
    ungrouped = eslag('server-4--eslag--border-01--leaf-01', 'server-4', 'border-01/E1/3', 'leaf-01/E1/3')
    assert [f.message for f in findings(ungrouped)] == [
        'None of its switches (border-01, leaf-01) has a redundancy group.'
    ]
    mclag_pair = (switch('mclag-01', 'mclag-1', kind='mclag'), switch('mclag-02', 'mclag-1', kind='mclag'))
    old = eslag('server-4--eslag--mclag-01--mclag-02', 'server-4', 'mclag-01/E1/3', 'mclag-02/E1/3')
    assert [
        f.message for f in findings(old, *mclag_pair, obj('SwitchGroup', 'mclag-1', {})) if f.code == 'CONN_REDUNDANCY'
    ] == ['Redundancy group mclag-1 is of type mclag, not eslag.']
    # Near miss: both switches in eslag-1.
    assert (
        findings(eslag('server-4--eslag--ds3000-01--ds3000-02', 'server-4', 'ds3000-01/E1/3', 'ds3000-02/E1/3')) == []
    )


def test_fabric_link_addresses_are_unique_across_the_fabric():
    first = fabric('spine-01--fabric--leaf-01', ('172.30.128.0/31', '172.30.128.1/31'))
    reused = obj(
        'Connection',
        'leaf-01--mesh--ds3000-01',
        {
            'mesh': {
                'links': [
                    {
                        'leaf1': {'port': 'leaf-01/E1/20', 'ip': '172.30.128.1/31'},
                        'leaf2': {'port': 'ds3000-01/E1/20', 'ip': '172.30.128.0/31'},
                    }
                ]
            }
        },
    )
    found = findings(reused, context=documents(first, file='managed/connections/spine-01--fabric--leaf-01.yaml'))
    assert sorted((f.code, f.path, f.message) for f in found) == [
        (
            'CONN_LINK_IP_IN_USE',
            'spec.mesh.links[0].leaf1.ip',
            '172.30.128.1 is already used by Connection spine-01--fabric--leaf-01 spec.fabric.links[0].leaf.ip.',
        ),
        (
            'CONN_LINK_IP_IN_USE',
            'spec.mesh.links[0].leaf2.ip',
            '172.30.128.0 is already used by Connection spine-01--fabric--leaf-01 spec.fabric.links[0].spine.ip.',
        ),
    ]
    # Two links of one connection count too.
    twice = fabric(
        'spine-01--fabric--leaf-01', ('172.30.128.0/31', '172.30.128.1/31'), ('172.30.128.0/31', '172.30.128.1/31')
    )
    assert {f.code for f in findings(twice)} == {'CONN_LINK_IP_IN_USE'}
    # Near miss: the next /31.
    assert (
        findings(
            fabric(
                'spine-01--fabric--leaf-01',
                ('172.30.128.0/31', '172.30.128.1/31'),
                ('172.30.128.2/31', '172.30.128.3/31'),
            )
        )
        == []
    )
