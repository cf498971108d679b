"""One test per gateway rule: a real-looking case without the finding, a near miss with it (code and path).

The real-looking cases are what hhfab writes for a hydrated gateway and what the Hedgehog docs show for
peerings; each near miss changes one value of it.
"""

import pytest
from helpers import codes, documents, obj

from netbox_hedgehog.core.validation import CODES, validate_document, validate_set

# A gateway as hhfab hydrates it (lab-ci's wiring-gateway.yaml before hydration has only interfaces).
GATEWAY = {
    'protocolIP': '172.30.8.2/32',
    'vtepIP': '172.30.12.2/32',
    'vtepMAC': 'ca:fe:00:00:00:01',
    'asn': 65534,
    'vtepMTU': 9100,
    'interfaces': {'enp2s1': {'ips': ['172.30.128.1/31'], 'pci': '0000:02:00.0'}},
    'neighbors': [{'source': 'enp2s1', 'ip': '172.30.128.0', 'asn': 65101}],
    'workers': 8,
    'groups': [{'name': 'default', 'priority': 10}],
}
# The docs' peering of a VPC with a static External, NAT on the VPC side (docs/user-guide/external.md).
PEERING = {
    'gatewayGroup': 'default',
    'peering': {
        'ext.static-edge': {'expose': [{'default': True}]},
        'vpc-01': {
            'expose': [
                {'ips': [{'cidr': '10.0.1.0/24'}], 'as': [{'cidr': '192.168.30.3/32'}], 'nat': {'masquerade': {}}}
            ]
        },
    },
}
ACL = {
    'default': 'deny',
    'rules': [
        {
            'name': 'web',
            'from': 'vpc-02',
            'action': 'allow',
            'match': {'dst': [{'cidr': '10.0.1.0/24', 'ports': ['80', '8000-8080']}], 'proto': 'tcp'},
        }
    ],
}
TWO_VPCS = {
    'vpc-01': {'expose': [{'ips': [{'cidr': '10.0.1.0/24'}]}]},
    'vpc-02': {'expose': [{'ips': [{'vpcSubnet': 'default'}]}]},
}


def gateway(**changes):
    return {**GATEWAY, **changes}


def interface(**changes):
    return gateway(interfaces={'enp2s1': {**GATEWAY['interfaces']['enp2s1'], **changes}})


def peering(vpc_expose=None, external_expose=None, **changes):
    sides = {
        'ext.static-edge': {'expose': [external_expose or {'default': True}]},
        'vpc-01': {'expose': [vpc_expose or PEERING['peering']['vpc-01']['expose'][0]]},
    }
    return {**PEERING, 'peering': sides, **changes}


def forward(*ports):
    nat = {'portForward': {'ports': [{'proto': 'tcp', 'port': port, 'as': '8080'} for port in ports]}}
    return {'ips': [{'cidr': '10.0.1.10/32'}], 'as': [{'cidr': '192.168.30.10/32'}], 'nat': nat}


def acl_rule(**changes):
    return {'default': 'deny', 'rules': [{**ACL['rules'][0], **changes}]}


# (code, kind, real-looking spec, near miss, path of the finding)
RULES = [
    ('GATEWAY_WORKERS', 'Gateway', gateway(workers=64), gateway(workers=65), 'spec.workers'),
    ('GATEWAY_ADDRESS', 'Gateway', GATEWAY, gateway(protocolIP='172.30.8.2/31'), 'spec.protocolIP'),
    ('GATEWAY_ADDRESS', 'Gateway', GATEWAY, gateway(vtepIP='172.30.12.2'), 'spec.vtepIP'),
    ('GATEWAY_ADDRESS', 'Gateway', GATEWAY, gateway(vtepIP='127.0.0.2/32'), 'spec.vtepIP'),
    ('GATEWAY_VTEP_MAC', 'Gateway', GATEWAY, gateway(vtepMAC='cb:fe:00:00:00:01'), 'spec.vtepMAC'),
    ('GATEWAY_VTEP_MAC', 'Gateway', GATEWAY, gateway(vtepMAC='00:00:00:00:00:00'), 'spec.vtepMAC'),
    ('GATEWAY_VTEP_MAC', 'Gateway', GATEWAY, gateway(vtepMAC='ca:fe:00:00:00'), 'spec.vtepMAC'),
    ('GATEWAY_INTERFACE', 'Gateway', GATEWAY, gateway(interfaces={}), 'spec.interfaces'),
    (
        'GATEWAY_INTERFACE',
        'Gateway',
        gateway(interfaces={'enp2s1np0': {}}),
        gateway(interfaces={'enp2s1np0-uplink': {}}),
        'spec.interfaces.enp2s1np0-uplink',
    ),
    ('GATEWAY_INTERFACE', 'Gateway', GATEWAY, interface(ips=['172.30.128.1']), 'spec.interfaces.enp2s1.ips[0]'),
    (
        'GATEWAY_INTERFACE',
        'Gateway',
        interface(pci='0000:02:1f.7'),
        interface(pci='0000:02:20.0'),
        'spec.interfaces.enp2s1.pci',
    ),
    ('GATEWAY_INTERFACE', 'Gateway', GATEWAY, interface(kernel='eth1'), 'spec.interfaces.enp2s1'),
    (
        'GATEWAY_INTERFACE',
        'Gateway',
        interface(pci=None, kernel='eth1'),
        interface(pci=None, kernel='enp2s1'),
        'spec.interfaces.enp2s1.kernel',
    ),
    (
        'GATEWAY_NEIGHBOR',
        'Gateway',
        GATEWAY,
        gateway(neighbors=[{'source': 'enp2s1', 'ip': '224.0.0.5', 'asn': 65101}]),
        'spec.neighbors[0].ip',
    ),
    (
        'GATEWAY_NEIGHBOR',
        'Gateway',
        GATEWAY,
        gateway(neighbors=[{'source': 'enp2s1', 'ip': '172.30.128.0'}]),
        'spec.neighbors[0].asn',
    ),
    (
        'GATEWAY_GROUPS',
        'Gateway',
        gateway(groups=[{'name': 'default'}, {'name': 'edge'}]),
        gateway(groups=[{'name': 'edge', 'priority': 1}, {'name': 'edge', 'priority': 2}]),
        'spec.groups[1].name',
    ),
    (
        'GWPEER_SIDES',
        'GatewayPeering',
        PEERING,
        {**PEERING, 'peering': {'vpc-01': PEERING['peering']['vpc-01']}},
        'spec.peering',
    ),
    (
        'GWPEER_EXPOSE',
        'GatewayPeering',
        PEERING,
        peering(external_expose={'default': True, 'ips': [{'cidr': '0.0.0.0/0'}]}),
        'spec.peering.ext.static-edge.expose[0]',
    ),
    ('GWPEER_EXPOSE', 'GatewayPeering', PEERING, peering(vpc_expose={'ips': []}), 'spec.peering.vpc-01.expose[0].ips'),
    (
        'GWPEER_EXPOSE',
        'GatewayPeering',
        PEERING,
        peering(vpc_expose={'ips': [{'cidr': '10.0.1.0/24', 'not': '10.0.1.5/32'}]}),
        'spec.peering.vpc-01.expose[0].ips[0]',
    ),
    (
        'GWPEER_EXPOSE',
        'GatewayPeering',
        PEERING,
        peering(vpc_expose={'ips': [{'cidr': '10.0.1.0/33'}]}),
        'spec.peering.vpc-01.expose[0].ips[0].cidr',
    ),
    (
        'GWPEER_EXPOSE',
        'GatewayPeering',
        peering(external_expose={'ips': [{'cidr': '192.168.30.0/24'}]}),
        peering(external_expose={'ips': [{'vpcSubnet': 'default'}]}),
        'spec.peering.ext.static-edge.expose[0].ips[0].vpcSubnet',
    ),
    (
        'GWPEER_NAT',
        'GatewayPeering',
        PEERING,
        peering(vpc_expose={'ips': [{'cidr': '10.0.1.0/24'}], 'as': [{'cidr': '192.168.30.3/32'}]}),
        'spec.peering.vpc-01.expose[0]',
    ),
    (
        'GWPEER_NAT',
        'GatewayPeering',
        PEERING,
        peering(
            vpc_expose={
                'ips': [{'cidr': '10.0.1.0/24'}],
                'as': [{'cidr': '192.168.30.3/32'}],
                'nat': {'masquerade': {}, 'static': {}},
            }
        ),
        'spec.peering.vpc-01.expose[0].nat',
    ),
    (
        'GWPEER_NAT',
        'GatewayPeering',
        peering(vpc_expose=forward('443')),
        peering(vpc_expose=forward('0')),
        'spec.peering.vpc-01.expose[0].nat.portForward.ports[0].port',
    ),
    (
        'GWPEER_NAT',
        'GatewayPeering',
        peering(vpc_expose=forward('8000-8080')),
        peering(vpc_expose=forward('8080-8000')),
        'spec.peering.vpc-01.expose[0].nat.portForward.ports[0].port',
    ),
    (
        'GWPEER_NAT',
        'GatewayPeering',
        PEERING,
        peering(
            external_expose={
                'ips': [{'cidr': '192.168.30.0/24'}],
                'as': [{'cidr': '10.99.0.0/24'}],
                'nat': {'masquerade': {}},
            }
        ),
        'spec.peering',
    ),
    (
        'GWPEER_ACL',
        'GatewayPeering',
        {**PEERING, 'acl': ACL | {'rules': []}},
        {**PEERING, 'acl': {'default': 'allow'}},
        'spec.acl.default',
    ),
    (
        'GWPEER_ACL',
        'GatewayPeering',
        {'peering': TWO_VPCS, 'acl': ACL},
        {'peering': TWO_VPCS, 'acl': acl_rule(name='Web')},
        'spec.acl.rules[0].name',
    ),
    (
        'GWPEER_ACL',
        'GatewayPeering',
        {'peering': TWO_VPCS, 'acl': ACL},
        {'peering': TWO_VPCS, 'acl': acl_rule(**{'from': 'vpc-03'})},
        'spec.acl.rules[0].from',
    ),
    (
        'GWPEER_ACL',
        'GatewayPeering',
        {'peering': TWO_VPCS, 'acl': ACL},
        {'peering': TWO_VPCS, 'acl': acl_rule(match={'dst': [{'cidr': '10.0.1.0/24', 'vpcSubnet': 'default'}]})},
        'spec.acl.rules[0].match.dst[0]',
    ),
    (
        'GWPEER_ACL',
        'GatewayPeering',
        {'peering': TWO_VPCS, 'acl': ACL},
        {'peering': TWO_VPCS, 'acl': acl_rule(match={'dst': [{'ports': ['80,443']}]})},
        'spec.acl.rules[0].match.dst[0].ports[0]',
    ),
    (
        'GWPEER_ACL',
        'GatewayPeering',
        {'peering': TWO_VPCS, 'acl': acl_rule(match={'proto': '47'})},
        {'peering': TWO_VPCS, 'acl': acl_rule(match={'proto': 'gre'})},
        'spec.acl.rules[0].match.proto',
    ),
]


def rule_id(rule):
    return f'{rule[0]}-{rule[4]}'


@pytest.mark.parametrize('rule', RULES, ids=[rule_id(rule) for rule in RULES])
def test_gateway_rule_flags_the_near_miss_only(rule):
    code, kind, valid, invalid, path = rule
    valid_doc, invalid_doc = documents(obj(kind, 'gw-1', valid), obj(kind, 'gw-1', invalid))
    assert codes(validate_document(valid_doc), 'error') == [], validate_document(valid_doc)
    found = [f for f in validate_document(invalid_doc) if f.code == code]
    assert [f.path for f in found] == [path], validate_document(invalid_doc)
    assert found[0].severity == CODES[code].severity
    assert found[0].document == 1 and found[0].line > invalid_doc.text_line


def test_every_gateway_code_has_a_test():
    across_documents = {'GATEWAY_ADDRESS_IN_USE'}  # test_a_gateways_addresses_are_its_own below
    assert {code for code in CODES if code.startswith(('GATEWAY_', 'GWPEER_'))} - across_documents == {
        rule[0] for rule in RULES
    }


def test_an_unhydrated_gateway_as_the_lab_writes_it_is_valid():
    # lab-ci envs/env-ci-1.l/wiring-gateway.yaml: hhfab fills in addresses, MAC, ASN and neighbors.
    (document,) = documents(obj('Gateway', 'gateway-1', {'interfaces': {'enp2s1np0': {}}, 'workers': 16}))
    assert codes(validate_document(document), 'error') == []


def test_defaulting_gives_a_gateway_its_workers_and_group():
    (document,) = documents(obj('Gateway', 'gateway-1', {'interfaces': {'enp2s1': {}}}))
    assert validate_document(document) == []
    (document,) = documents(obj('Gateway', 'gateway-1', {'interfaces': {'enp2s1': {}}, 'workers': 0}))
    assert codes(validate_document(document)) == []  # 0 is "not set": 4 workers


# --- references and their agreement (the reference table and REF_CONFLICT) -----------------------

VPC_01 = obj('VPC', 'vpc-01', {'subnets': {'default': {'subnet': '10.0.1.0/24', 'vlan': 1001}}})
VPC_02 = obj('VPC', 'vpc-02', {'subnets': {'default': {'subnet': '10.0.2.0/24', 'vlan': 1002}}})
GROUP = obj('GatewayGroup', 'default', {})
STATIC_EDGE = obj('External', 'static-edge', {'static': {'prefixes': ['192.168.30.0/24']}})


def gateway_link(port='gateway-1/enp2s1'):
    return {'gateway': {'links': [{'switch': {'port': 'leaf-01/E1/20'}, 'gateway': {'port': port}}]}}


def set_findings(*objects):
    return [(f.code, f.path, f.message) for f in validate_set(documents(*objects)) if f.code.startswith('REF_')]


def test_a_gateway_connection_refers_to_its_gateway_and_one_of_its_interfaces():
    switch = obj('Switch', 'leaf-01', {'role': 'server-leaf', 'profile': 'vs', 'vlanNamespaces': ['v']})
    vlans = obj('VLANNamespace', 'v', {'ranges': [{'from': 1000, 'to': 2999}]})
    gateway_1 = obj('Gateway', 'gateway-1', {'interfaces': {'enp2s1': {}}})
    connection = obj('Connection', 'leaf-01--gateway--gateway-1', gateway_link())
    assert set_findings(vlans, switch, GROUP, gateway_1, connection) == []
    assert set_findings(vlans, switch, GROUP, connection) == [
        ('REF_DANGLING', 'spec.gateway.links[0].gateway.port', "Gateway 'gateway-1' is not in the files given.")
    ]
    wrong = obj('Connection', 'leaf-01--gateway--gateway-1', gateway_link('gateway-1/enp2s2'))
    assert set_findings(vlans, switch, GROUP, gateway_1, wrong) == [
        ('REF_CONFLICT', 'spec.gateway.links[0].gateway.port', "Gateway gateway-1 has no interface 'enp2s2'.")
    ]


def test_a_gateway_refers_to_its_groups():
    gateway_1 = obj('Gateway', 'gateway-1', {'interfaces': {'enp2s1': {}}, 'groups': [{'name': 'edge'}]})
    assert set_findings(obj('GatewayGroup', 'edge', {}), gateway_1) == []
    assert set_findings(GROUP, gateway_1) == [
        ('REF_DANGLING', 'spec.groups[0].name', "GatewayGroup 'edge' is not in the files given.")
    ]


def test_a_gateway_peering_refers_to_its_vpcs_externals_and_group():
    gateway_peering = obj('GatewayPeering', 'vpc-01--static-edge', PEERING)
    assert set_findings(VPC_01, STATIC_EDGE, GROUP, gateway_peering) == [
        ('REF_DANGLING', 'spec.ipv4Namespace', "IPv4Namespace 'default' is not in the files given."),
        ('REF_DANGLING', 'spec.vlanNamespace', "VLANNamespace 'default' is not in the files given."),
        ('REF_DANGLING', 'spec.ipv4Namespace', "IPv4Namespace 'default' is not in the files given."),
    ]
    assert [(code, path) for code, path, _ in set_findings(gateway_peering)] == [
        ('REF_DANGLING', 'spec.gatewayGroup'),
        ('REF_DANGLING', 'spec.peering.vpc-01'),
        ('REF_DANGLING', 'spec.peering.ext.static-edge'),
    ]


@pytest.mark.parametrize(
    ('expose', 'path', 'message'),
    [
        ({'ips': [{'cidr': '10.0.1.0/24'}]}, None, None),
        (
            {'ips': [{'cidr': '10.0.3.0/24'}]},
            'spec.peering.vpc-01.expose[0].ips[0].cidr',
            '10.0.3.0/24 is not inside a subnet of VPC vpc-01.',
        ),
        ({'ips': [{'vpcSubnet': 'default'}]}, None, None),
        (
            {'ips': [{'vpcSubnet': 'subnet-9'}]},
            'spec.peering.vpc-01.expose[0].ips[0].vpcSubnet',
            "VPC vpc-01 has no subnet 'subnet-9'.",
        ),
    ],
)
def test_a_vpc_side_exposes_only_what_its_vpc_holds(expose, path, message):
    spec = {'peering': {'vpc-01': {'expose': [expose]}, 'vpc-02': {'expose': [{'ips': [{'vpcSubnet': 'default'}]}]}}}
    found = [
        (p, m)
        for code, p, m in set_findings(VPC_01, VPC_02, GROUP, obj('GatewayPeering', 'p', spec))
        if code == 'REF_CONFLICT'
    ]
    assert found == ([] if path is None else [(path, message)])


def test_acl_rules_match_subnets_of_the_side_they_name():
    rule = {
        'from': 'vpc-02',
        'action': 'allow',
        'match': {'src': [{'vpcSubnet': 'default'}], 'dst': [{'vpcSubnet': 'other'}]},
    }
    spec = {'peering': TWO_VPCS, 'acl': {'default': 'deny', 'rules': [rule]}}
    found = [
        (p, m)
        for code, p, m in set_findings(VPC_01, VPC_02, GROUP, obj('GatewayPeering', 'p', spec))
        if code == 'REF_CONFLICT'
    ]
    assert found == [('spec.acl.rules[0].match.dst[0].vpcSubnet', "VPC vpc-01 has no subnet 'other'.")]


def in_use(*objects):
    return [
        (f.document, f.path, f.message) for f in validate_set(documents(*objects)) if f.code == 'GATEWAY_ADDRESS_IN_USE'
    ]


def test_a_gateways_addresses_are_its_own():
    second = gateway(protocolIP='172.30.8.3/32', vtepIP='172.30.12.3/32', vtepMAC='ca:fe:00:00:00:02')
    leaf = obj('Switch', 'leaf-01', {'role': 'server-leaf', 'profile': 'vs', 'protocolIP': '172.30.8.1/32'})
    assert in_use(GROUP, obj('Gateway', 'gateway-1', GATEWAY), obj('Gateway', 'gateway-2', second), leaf) == []
    same_mac = {**second, 'vtepMAC': 'CA:FE:00:00:00:01'}  # the same MAC, written in capitals
    assert in_use(GROUP, obj('Gateway', 'gateway-1', GATEWAY), obj('Gateway', 'gateway-2', same_mac)) == [
        (1, 'spec.vtepMAC', 'ca:fe:00:00:00:01 is already used by Gateway gateway-2.'),
        (2, 'spec.vtepMAC', 'CA:FE:00:00:00:01 is already used by Gateway gateway-1.'),
    ]
    taken = obj('Switch', 'leaf-01', {'role': 'server-leaf', 'profile': 'vs', 'vtepIP': '172.30.12.2/32'})
    assert in_use(GROUP, obj('Gateway', 'gateway-1', GATEWAY), taken) == [
        (1, 'spec.vtepIP', '172.30.12.2 is already used by Switch leaf-01.')
    ]
