"""One test per rule: a valid case without the finding, an invalid case with it (code and path)."""

import pytest
from helpers import codes, documents, obj

from netbox_hedgehog.core.validation import CODES, validate_document

SUBNET = {'subnet': '10.0.1.0/24', 'vlan': 1001}
VPC = {'subnets': {'default': SUBNET}}
SERVER_LINK = {'server': {'port': 'server-1/enp2s1'}, 'switch': {'port': 'leaf-1/E1/1'}}


def eslag_links(second_server='server-1'):
    return [
        {'server': {'port': 'server-1/enp2s1'}, 'switch': {'port': 'leaf-1/E1/1'}},
        {'server': {'port': f'{second_server}/enp2s2'}, 'switch': {'port': 'leaf-2/E1/1'}},
    ]


def fabric_link(spine_ip='172.30.128.0/31', leaf_ip='172.30.128.1/31'):
    link = {'spine': {'port': 'spine-1/E1/1'}, 'leaf': {'port': 'leaf-1/E1/49'}}
    if spine_ip:
        link['spine']['ip'] = spine_ip
    if leaf_ip:
        link['leaf']['ip'] = leaf_ip
    return link


def with_subnet(**changes):
    return {'subnets': {'default': {**SUBNET, **changes}}}


def vpc_external_attachment(**spec):
    return {'external': 'ext-1', 'connection': 'border--external--ext-1', **spec}


BGP = {'neighbor': {'asn': 65102, 'ip': '100.100.0.6'}, 'switch': {'ip': '100.100.0.1/24', 'vlan': 100}}
STATIC = {'static': {'remoteIP': '192.168.30.1', 'ip': '192.168.30.5/24', 'vlan': 35}}
SWITCH = {'role': 'server-leaf', 'profile': 'vs'}

# (code, kind, valid spec, invalid spec, path of the finding); name optional as a 6th item.
RULES = [
    (
        'VLANNS_RANGE_INVALID',
        'VLANNamespace',
        {'ranges': [{'from': 1000, 'to': 2999}]},
        {'ranges': [{'from': 2000, 'to': 1000}]},
        'spec.ranges[0]',
    ),
    (
        'VLANNS_RANGE_INVALID',
        'VLANNamespace',
        {'ranges': [{'from': 4094}]},
        {'ranges': [{'from': 100, 'to': 4095}]},
        'spec.ranges[0]',
    ),
    (
        'VLANNS_RANGE_RESERVED',
        'VLANNamespace',
        {'ranges': [{'from': 1000, 'to': 2999}]},
        {'ranges': [{'from': 2900, 'to': 3100}]},
        'spec.ranges[0]',
    ),
    (
        'IPV4NS_TOO_MANY_SUBNETS',
        'IPv4Namespace',
        {'subnets': [f'10.{n}.0.0/16' for n in range(10)]},
        {'subnets': [f'10.{n}.0.0/16' for n in range(11)]},
        'spec.subnets',
    ),
    (
        'IPV4NS_SUBNET_INVALID',
        'IPv4Namespace',
        {'subnets': ['10.0.0.0/16']},
        {'subnets': ['10.0.0.0']},
        'spec.subnets[0]',
    ),
    (
        'IPV4NS_SUBNET_OVERLAP',
        'IPv4Namespace',
        {'subnets': ['10.0.0.0/16', '10.1.0.0/16']},
        {'subnets': ['10.0.0.0/16', '10.0.128.0/17']},
        'spec.subnets[1]',
    ),
    ('VPC_MODE', 'VPC', {**VPC, 'mode': 'l3vni'}, {**VPC, 'mode': 'l3flat'}, 'spec.mode'),
    ('VPC_SUBNET_COUNT', 'VPC', VPC, {'subnets': {}}, 'spec.subnets'),
    (
        'VPC_SUBNET_COUNT',
        'VPC',
        VPC,
        {'subnets': {f's{n}': {'subnet': f'10.0.{n}.0/24', 'vlan': 1000 + n} for n in range(21)}},
        'spec.subnets',
    ),
    ('VPC_SUBNET_INVALID', 'VPC', VPC, with_subnet(subnet='10.0.1.0'), 'spec.subnets.default.subnet'),
    (
        'VPC_SUBNET_PREFIX',
        'VPC',
        with_subnet(subnet='10.0.1.0/30'),
        with_subnet(subnet='10.0.1.0/31'),
        'spec.subnets.default.subnet',
    ),
    (
        'VPC_SUBNET_OVERLAP',
        'VPC',
        {'subnets': {'a': SUBNET, 'b': {'subnet': '10.0.2.0/24', 'vlan': 1002}}},
        {'subnets': {'a': SUBNET, 'b': {'subnet': '10.0.1.128/25', 'vlan': 1002}}},
        'spec.subnets.b.subnet',
    ),
    (
        'VPC_GATEWAY',
        'VPC',
        with_subnet(gateway='10.0.1.254'),
        with_subnet(gateway='10.0.2.1'),
        'spec.subnets.default.gateway',
    ),
    (
        'VPC_VLAN_REQUIRED',
        'VPC',
        with_subnet(vlan=None, hostBGP=True),
        with_subnet(vlan=None),
        'spec.subnets.default.vlan',
    ),
    ('VPC_VLAN_INVALID', 'VPC', with_subnet(vlan=4094), with_subnet(vlan=4095), 'spec.subnets.default.vlan'),
    (
        'VPC_VLAN_DUPLICATE',
        'VPC',
        {'subnets': {'a': SUBNET, 'b': {'subnet': '10.0.2.0/24', 'vlan': 1002}}},
        {'subnets': {'a': SUBNET, 'b': {'subnet': '10.0.2.0/24', 'vlan': 1001}}},
        'spec.subnets.b.vlan',
    ),
    (
        'VPC_DHCP_RANGE',
        'VPC',
        with_subnet(dhcp={'enable': True, 'range': {'start': '10.0.1.10'}}),
        with_subnet(dhcp={'enable': True, 'range': {'start': '10.0.2.10'}}),
        'spec.subnets.default.dhcp.range.start',
    ),
    (
        'VPC_DHCP_RANGE',
        'VPC',
        with_subnet(dhcp={'enable': True, 'range': {'start': '10.0.1.10', 'end': '10.0.1.99'}}),
        with_subnet(dhcp={'enable': True, 'range': {'start': '10.0.1.99', 'end': '10.0.1.10'}}),
        'spec.subnets.default.dhcp.range',
    ),
    (
        'VPC_DHCP_RELAY',
        'VPC',
        with_subnet(dhcp={'relay': '10.99.0.100/24'}),
        with_subnet(dhcp={'relay': '10.99.0.100/24', 'enable': True}),
        'spec.subnets.default.dhcp',
    ),
    (
        'VPC_DHCP_OPTIONS',
        'VPC',
        with_subnet(dhcp={'enable': True, 'options': {'interfaceMTU': 1500}}),
        with_subnet(dhcp={'enable': True, 'options': {'interfaceMTU': 9500}}),
        'spec.subnets.default.dhcp.options.interfaceMTU',
    ),
    (
        'VPC_DHCP_STATIC',
        'VPC',
        with_subnet(dhcp={'enable': True, 'static': {'0c:20:12:ff:00:01': {'ip': '10.0.1.50'}}}),
        with_subnet(dhcp={'enable': True, 'static': {'0c:20:12:ff:00:01': {'ip': '10.0.1.1'}}}),
        'spec.subnets.default.dhcp.static.0c:20:12:ff:00:01.ip',
    ),
    (
        'VPC_HOSTBGP',
        'VPC',
        with_subnet(hostBGP=True),
        with_subnet(hostBGP=True, dhcp={'enable': True}),
        'spec.subnets.default.dhcp.enable',
    ),
    (
        'VPC_PERMIT',
        'VPC',
        {'subnets': {'a': SUBNET, 'b': {'subnet': '10.0.2.0/24', 'vlan': 1002}}, 'permit': [['a', 'b']]},
        {'subnets': {'a': SUBNET, 'b': {'subnet': '10.0.2.0/24', 'vlan': 1002}}, 'permit': [['a', 'c']]},
        'spec.permit[0]',
    ),
    (
        'VPC_STATIC_ROUTE',
        'VPC',
        {**VPC, 'staticRoutes': [{'prefix': '10.42.0.0/24', 'nextHops': ['10.0.1.5']}]},
        {**VPC, 'staticRoutes': [{'prefix': '10.42.0.0/24'}]},
        'spec.staticRoutes[0].nextHops',
    ),
    (
        'CONN_TYPE',
        'Connection',
        {'unbundled': {'link': SERVER_LINK}},
        {'unbundled': {'link': SERVER_LINK}, 'bundled': {'links': [SERVER_LINK]}},
        'spec',
    ),
    (
        'CONN_LINKS',
        'Connection',
        {'bundled': {'links': [SERVER_LINK]}},
        {'bundled': {'links': []}},
        'spec.bundled.links',
    ),
    (
        'CONN_LINKS',
        'Connection',
        {'eslag': {'links': eslag_links()}},
        {'eslag': {'links': eslag_links(second_server='server-2')}},
        'spec.eslag.links',
    ),
    (
        'CONN_PORT_FORMAT',
        'Connection',
        {'unbundled': {'link': SERVER_LINK}},
        {'unbundled': {'link': {**SERVER_LINK, 'switch': {'port': 'leaf-1'}}}},
        'spec.unbundled.link.switch.port',
    ),
    (
        'CONN_PORT_DUPLICATE',
        'Connection',
        {'bundled': {'links': [SERVER_LINK]}},
        {'bundled': {'links': [SERVER_LINK, {**SERVER_LINK, 'server': {'port': 'server-1/enp2s2'}}]}},
        'spec.bundled.links[1].switch.port',
    ),
    (
        'CONN_LINK_IP',
        'Connection',
        {'fabric': {'links': [fabric_link(None, None)]}},
        {'fabric': {'links': [fabric_link(leaf_ip=None)]}},
        'spec.fabric.links[0]',
    ),
    (
        'CONN_LINK_IP',
        'Connection',
        {'fabric': {'links': [fabric_link()]}},
        {'fabric': {'links': [fabric_link(leaf_ip='172.30.128.2/31')]}},
        'spec.fabric.links[0]',
    ),
    (
        'CONN_LINK_IP',
        'Connection',
        {
            'mesh': {
                'links': [
                    {
                        'leaf1': {'port': 'l1/E1/1', 'ip': '10.0.0.0/31'},
                        'leaf2': {'port': 'l2/E1/1', 'ip': '10.0.0.1/31'},
                    }
                ]
            }
        },
        {
            'mesh': {
                'links': [
                    {
                        'leaf1': {'port': 'l1/E1/1', 'ip': '10.0.0.0/30'},
                        'leaf2': {'port': 'l2/E1/1', 'ip': '10.0.0.1/30'},
                    }
                ]
            }
        },
        'spec.mesh.links[0].leaf1.ip',
    ),
    (
        'CONN_STATIC_EXTERNAL',
        'Connection',
        {'staticExternal': {'link': {'switch': {'port': 'b/E1/1', 'ip': '10.9.0.1/24', 'nextHop': '10.9.0.2'}}}},
        {'staticExternal': {'link': {'switch': {'port': 'b/E1/1', 'ip': '10.9.0.1/24', 'nextHop': '10.8.0.2'}}}},
        'spec.staticExternal.link.switch.nextHop',
    ),
    (
        'MCLAG_DEPRECATED',
        'Connection',
        {'eslag': {'links': eslag_links()}},
        {'mclag': {'links': eslag_links()}},
        'spec.mclag',
    ),
    ('SWITCH_ROLE', 'Switch', SWITCH, {**SWITCH, 'role': 'virtual-edge'}, 'spec.role'),
    ('SWITCH_PROFILE_MISSING', 'Switch', SWITCH, {'role': 'spine'}, 'spec.profile'),
    (
        'SWITCH_REDUNDANCY',
        'Switch',
        {**SWITCH, 'redundancy': {'group': 'g', 'type': 'eslag'}},
        {**SWITCH, 'redundancy': {'group': 'g'}},
        'spec.redundancy.type',
    ),
    (
        'SWITCH_SPINE_VTEP',
        'Switch',
        {**SWITCH, 'vtepIP': '172.30.12.3/32'},
        {'role': 'spine', 'profile': 'vs', 'vtepIP': '172.30.12.3/32'},
        'spec.vtepIP',
    ),
    (
        'MCLAG_DEPRECATED',
        'Switch',
        {**SWITCH, 'redundancy': {'group': 'g', 'type': 'eslag'}},
        {**SWITCH, 'redundancy': {'group': 'g', 'type': 'mclag'}},
        'spec.redundancy.type',
    ),
    (
        'VPCATTACH_SUBNET',
        'VPCAttachment',
        {'subnet': 'vpc-1', 'connection': 'c'},
        {'subnet': '/default', 'connection': 'c'},
        'spec.subnet',
    ),
    (
        'VPCATTACH_CONNECTION',
        'VPCAttachment',
        {'subnet': 'vpc-1/default', 'connection': 'c'},
        {'subnet': 'vpc-1/default'},
        'spec.connection',
    ),
    (
        'VPCPEER_PERMIT',
        'VPCPeering',
        {'permit': [{'vpc-1': {}, 'vpc-2': {}}, {'vpc-2': {}, 'vpc-1': None}]},
        {'permit': [{'vpc-1': {}, 'vpc-2': {}}, {'vpc-1': {}, 'vpc-3': {}}]},
        'spec.permit',
    ),
    (
        'VPCPEER_PERMIT',
        'VPCPeering',
        {'permit': [{'vpc-1': {}, 'vpc-2': {}}]},
        {'permit': [{'vpc-1': {}, 'vpc-2': {}}, {'vpc-1': {}}]},
        'spec.permit[1]',
    ),
    (
        'VPCPEER_REMOTE',
        'VPCPeering',
        {'permit': [{'vpc-1': {}, 'vpc-2': {}}]},
        {'permit': [{'vpc-1': {}, 'vpc-2': {}}], 'remote': 'border'},
        'spec.remote',
    ),
    (
        'EXTERNAL_COMMUNITY',
        'External',
        {'inboundCommunity': '65102:5000', 'outboundCommunity': '5000:65102'},
        {'inboundCommunity': '65102:5000', 'outboundCommunity': '70000:1'},
        'spec.outboundCommunity',
    ),
    (
        'EXTERNAL_STATIC',
        'External',
        {'static': {'prefixes': ['0.0.0.0/0']}},
        {'static': {'prefixes': []}},
        'spec.static.prefixes',
    ),
    (
        'EXTERNAL_STATIC',
        'External',
        {'static': {'prefixes': ['10.1.0.0/16', '10.2.0.0/16']}},
        {'static': {'prefixes': ['10.1.0.0/16', '10.1.2.0/24']}},
        'spec.static.prefixes[1]',
    ),
    (
        'EXTATTACH_REQUIRED',
        'ExternalAttachment',
        vpc_external_attachment(**BGP),
        {'connection': 'c', **BGP},
        'spec.external',
    ),
    (
        'EXTATTACH_MODE',
        'ExternalAttachment',
        vpc_external_attachment(**BGP),
        vpc_external_attachment(**BGP, **STATIC),
        'spec',
    ),
    (
        'EXTATTACH_MODE',
        'ExternalAttachment',
        vpc_external_attachment(**STATIC),
        vpc_external_attachment(static={'remoteIP': '192.168.31.1', 'ip': '192.168.30.5/24'}),
        'spec.static.remoteIP',
    ),
    (
        'EXTATTACH_MODE',
        'ExternalAttachment',
        vpc_external_attachment(static={'remoteIP': '192.168.30.1', 'proxy': True}),
        vpc_external_attachment(static={'remoteIP': '192.168.30.1', 'proxy': True, 'ip': '192.168.30.5/24'}),
        'spec.static.ip',
    ),
    (
        'EXTATTACH_MODE',
        'ExternalAttachment',
        vpc_external_attachment(**BGP),
        vpc_external_attachment(switch=BGP['switch'], neighbor={'ip': '100.100.0.6'}),
        'spec.neighbor.asn',
    ),
    (
        'EXTPEER_PERMIT',
        'ExternalPeering',
        {
            'permit': {
                'vpc': {'name': 'vpc-1', 'subnets': ['default']},
                'external': {'name': 'e', 'prefixes': [{'prefix': '0.0.0.0/0'}]},
            }
        },
        {'permit': {'vpc': {'subnets': ['default']}, 'external': {'name': 'e', 'prefixes': [{'prefix': '0.0.0.0/0'}]}}},
        'spec.permit.vpc.name',
    ),
    ('NAME_TOO_LONG', 'VPC', VPC, VPC, 'metadata.name', 'vpc-12345678'),
    ('FIELD_REQUIRED', 'Switch', SWITCH, {'profile': 'vs'}, 'spec.role'),
    ('FIELD_TYPE', 'VPC', VPC, with_subnet(vlan='1001'), 'spec.subnets.default.vlan'),
    ('FIELD_ENUM', 'Switch', SWITCH, {**SWITCH, 'portFECs': {'E1/1': 'maybe'}}, 'spec.portFECs.E1/1'),
    (
        'FIELD_PATTERN',
        'Connection',
        {'fabric': {'links': [fabric_link()]}},
        {'fabric': {'links': [fabric_link(spine_ip='172.30.128.0', leaf_ip='172.30.128.1/31')]}},
        'spec.fabric.links[0].spine.ip',
    ),
    ('FIELD_RANGE', 'IPv4Namespace', {'subnets': ['10.0.0.0/16']}, {'subnets': []}, 'spec.subnets'),
    ('FIELD_UNKNOWN', 'Server', {'description': 'x'}, {'description': 'x', 'type': 'control'}, 'spec.type'),
]


def rule_id(rule):
    return f'{rule[0]}-{rule[1]}-{rule[4]}'


@pytest.mark.parametrize('rule', RULES, ids=[rule_id(rule) for rule in RULES])
def test_rule_flags_the_invalid_case_only(rule):
    code, kind, valid, invalid, path = rule[:5]
    long_name = rule[5] if len(rule) > 5 else None
    name = 'obj-1' if long_name is None else 'vpc-1'
    valid_doc, invalid_doc = documents(obj(kind, name, valid), obj(kind, long_name or name, invalid))
    assert code not in codes(validate_document(valid_doc))
    found = [f for f in validate_document(invalid_doc) if f.code == code]
    assert [f.path for f in found] == [path], validate_document(invalid_doc)
    assert found[0].severity == CODES[code].severity
    assert found[0].document == 1 and found[0].line > invalid_doc.text_line


def test_every_rule_code_has_a_test():
    tested = {rule[0] for rule in RULES}
    # The gateway kinds' codes have their own file (test_rules_gateway.py).
    rule_codes = {
        code for code in CODES if not code.startswith(('YAML_', 'REF_', 'DUPLICATE_', 'FILE_', 'GATEWAY_', 'GWPEER_'))
    }
    not_here = {
        'FOREIGN_DOCUMENT',
        'UNKNOWN_VERSION',
        'LEGACY_API_VERSION',
        'METADATA_INVALID',
        'NAME_MISSING',
        'NAME_INVALID',
        'NAMESPACE_INVALID',
        'VLAN_CONFLICT',
        'SUBNET_CONFLICT',
        'CONN_PORT_IN_USE',
        'CONN_LINK_IP_IN_USE',
        'CONN_REDUNDANCY',
    }  # covered by test_documents.py, test_crossobject.py and test_wiring_set.py
    assert rule_codes - not_here <= tested


def test_defaulting_lets_real_shortcuts_pass():
    doc = documents(
        obj(
            'VPC',
            'vpc-1',
            {
                'subnets': {
                    'a': {'subnet': '10.0.1.0/24', 'vlan': 1001, 'dhcp': {'enable': True}},
                    'b': {'subnet': '10.0.2.0/24', 'vlan': 1002, 'dhcp': {}},
                }
            },
        ),
        obj('Switch', 'leaf-1', {'role': 'server-leaf', 'profile': 'vs'}),
        obj('ExternalAttachment', 'ea', vpc_external_attachment(**STATIC)),
        obj('VPCAttachment', 'att', {'subnet': 'vpc-1', 'connection': 'c'}),
    )
    for document in doc:
        assert codes(validate_document(document), 'error') == [], document.data


def test_a_permit_entry_that_is_not_a_name_is_a_type_finding_not_a_crash():
    # Found by the conformance fuzzer: a list inside a permit list could not be looked up among the subnets.
    spec = {'subnets': {'a': SUBNET}, 'permit': [[[], 'a']]}
    (document,) = documents(obj('VPC', 'vpc-1', spec))
    assert [(f.code, f.path) for f in validate_document(document)] == [('FIELD_TYPE', 'spec.permit[0][0]')]
