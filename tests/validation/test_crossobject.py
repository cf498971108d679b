"""Cross-object rules: dangling references warn, contradicting ones fail; VLANs, subnets, duplicates."""

from helpers import codes, documents, obj

from netbox_hedgehog.core.validation import reference_fields, references, validate_set

LINK = {'server': {'port': 'server-1/enp2s1'}, 'switch': {'port': 'leaf-1/E1/1'}}
UNBUNDLED = obj('Connection', 'server-1--unbundled--leaf-1', {'unbundled': {'link': LINK}})
EXTERNAL_CONN = obj('Connection', 'border--external--e1', {'external': {'link': {'switch': {'port': 'border/E1/2'}}}})
VPC_1 = obj('VPC', 'vpc-1', {'subnets': {'default': {'subnet': '10.0.1.0/24', 'vlan': 1001}}})
VPC_2 = obj('VPC', 'vpc-2', {'subnets': {'default': {'subnet': '10.0.2.0/24', 'vlan': 1002}}})
ATTACH = obj('VPCAttachment', 'att-1', {'subnet': 'vpc-1/default', 'connection': 'server-1--unbundled--leaf-1'})
BGP_EXTERNAL = obj('External', 'e1', {'inboundCommunity': '65102:5000', 'outboundCommunity': '5000:65102'})
BGP_ATTACH = obj(
    'ExternalAttachment',
    'border--e1',
    {
        'external': 'e1',
        'connection': 'border--external--e1',
        'neighbor': {'asn': 65102, 'ip': '100.100.0.6'},
        'switch': {'ip': '100.100.0.1/24'},
    },
)


# What the objects above refer to without saying so (a VPC's default namespaces) or through their ports.
NAMESPACES = (
    obj('IPv4Namespace', 'default', {'subnets': ['10.0.0.0/16']}),
    obj('VLANNamespace', 'default', {'ranges': [{'from': 1000, 'to': 2999}]}),
)
DEVICES = (
    obj('Switch', 'leaf-1', {'role': 'server-leaf', 'profile': 'vs'}),
    obj('Switch', 'border', {'role': 'border-leaf', 'profile': 'vs'}),
    obj('Server', 'server-1', {}),
)
WORLD = NAMESPACES + DEVICES


def found(*objects, world=WORLD):
    """(code, document, path) of the findings of `objects`, read with `world` after them (so their indexes hold)."""
    findings = validate_set(documents(*objects, *world))
    return [(f.code, f.document, f.path) for f in findings if f.code != 'FOREIGN_DOCUMENT']


def test_complete_set_has_no_findings():
    assert found(UNBUNDLED, VPC_1, ATTACH, BGP_EXTERNAL, EXTERNAL_CONN, BGP_ATTACH) == []


def test_missing_targets_are_dangling_warnings():
    assert found(ATTACH) == [
        ('REF_DANGLING', 0, 'spec.connection'),
        ('REF_DANGLING', 0, 'spec.subnet'),
    ]
    assert found(BGP_ATTACH) == [('REF_DANGLING', 0, 'spec.external'), ('REF_DANGLING', 0, 'spec.connection')]


def test_attachment_to_a_missing_subnet_is_a_conflict():
    attach = obj('VPCAttachment', 'att-1', {'subnet': 'vpc-1/other', 'connection': 'server-1--unbundled--leaf-1'})
    assert found(UNBUNDLED, VPC_1, attach) == [('REF_CONFLICT', 2, 'spec.subnet')]


def test_attachment_to_a_non_server_connection_is_a_conflict():
    attach = obj('VPCAttachment', 'att-1', {'subnet': 'vpc-1', 'connection': 'border--external--e1'})
    assert found(EXTERNAL_CONN, VPC_1, attach) == [('REF_CONFLICT', 2, 'spec.connection')]


def test_external_attachment_to_a_server_connection_or_other_mode_is_a_conflict():
    attach = obj(
        'ExternalAttachment',
        'border--e1',
        {
            'external': 'e1',
            'connection': 'server-1--unbundled--leaf-1',
            'static': {'remoteIP': '10.0.0.2', 'ip': '10.0.0.1/30'},
        },
    )
    assert found(BGP_EXTERNAL, UNBUNDLED, attach) == [
        ('REF_CONFLICT', 2, 'spec.external'),
        ('REF_CONFLICT', 2, 'spec.connection'),
    ]


def test_peering_subnet_filters_must_exist_and_peers_must_share_namespaces():
    peering = obj('VPCPeering', 'p', {'permit': [{'vpc-1': {'subnets': ['nope']}, 'vpc-2': {}}]})
    assert found(VPC_1, VPC_2, peering) == [('REF_CONFLICT', 2, 'spec.permit[0].vpc-1.subnets')]
    other_ns = obj(
        'VPC', 'vpc-2', {'ipv4Namespace': 'other', 'subnets': {'default': {'subnet': '10.0.2.0/24', 'vlan': 1002}}}
    )
    peering = obj('VPCPeering', 'p', {'permit': [{'vpc-1': {}, 'vpc-2': {}}]})
    assert found(VPC_1, other_ns, peering) == [
        ('REF_DANGLING', 1, 'spec.ipv4Namespace'),
        ('REF_CONFLICT', 2, 'spec.permit'),
    ]


def test_external_peering_references():
    peering = obj(
        'ExternalPeering',
        'vpc-1--e1',
        {'permit': {'vpc': {'name': 'vpc-1', 'subnets': ['missing']}, 'external': {'name': 'e1', 'prefixes': []}}},
    )
    assert found(VPC_1, peering) == [
        ('REF_DANGLING', 1, 'spec.permit.external.name'),
        ('REF_CONFLICT', 1, 'spec.permit.vpc.subnets[0]'),
    ]


def test_switch_groups_resolve_or_dangle():
    switch = obj(
        'Switch', 'leaf-1', {'role': 'server-leaf', 'profile': 'vs', 'redundancy': {'group': 'g1', 'type': 'eslag'}}
    )
    assert found(switch, world=NAMESPACES) == [('REF_DANGLING', 0, 'spec.redundancy.group')]
    assert found(switch, obj('SwitchGroup', 'g1', {}), world=NAMESPACES) == []


def test_vlan_reused_by_another_vpc_in_the_namespace_is_an_error():
    clash = obj('VPC', 'vpc-2', {'subnets': {'default': {'subnet': '10.0.2.0/24', 'vlan': 1001}}})
    assert found(VPC_1, clash) == [('VLAN_CONFLICT', 1, 'spec.subnets.default.vlan')]
    other_ns = obj(
        'VPC', 'vpc-2', {'vlanNamespace': 'b', 'subnets': {'default': {'subnet': '10.0.2.0/24', 'vlan': 1001}}}
    )
    assert found(VPC_1, other_ns, obj('VLANNamespace', 'b', {'ranges': [{'from': 1000, 'to': 1999}]})) == []


def test_overlapping_subnets_of_vpcs_in_one_namespace_are_an_error():
    clash = obj('VPC', 'vpc-2', {'subnets': {'default': {'subnet': '10.0.0.0/16', 'vlan': 1002}}})
    # Each side is told, naming the other: either may be the one to fix.
    assert found(VPC_1, clash) == [
        ('SUBNET_CONFLICT', 0, 'spec.subnets.default.subnet'),
        ('SUBNET_CONFLICT', 1, 'spec.subnets.default.subnet'),
    ]


def test_a_clash_with_an_accepted_object_is_reported_on_the_newcomer():
    accepted = obj('VPC', 'vpc-2', {'subnets': {'default': {'subnet': '10.0.0.0/16', 'vlan': 1001}}})
    findings = validate_set(documents(VPC_1), context=documents(accepted, file='managed.yaml'))
    assert codes(findings, 'error') == ['SUBNET_CONFLICT', 'VLAN_CONFLICT']
    assert {f.file for f in findings} == {'test.yaml'}


def test_vpc_subnets_and_vlans_must_fit_their_namespaces_when_present():
    namespaces = (
        obj('IPv4Namespace', 'default', {'subnets': ['10.1.0.0/16']}),
        obj('VLANNamespace', 'default', {'ranges': [{'from': 2000, 'to': 2999}]}),
    )
    assert found(*namespaces, VPC_1, world=DEVICES) == [
        ('REF_CONFLICT', 2, 'spec.subnets.default.subnet'),
        ('REF_CONFLICT', 2, 'spec.subnets.default.vlan'),
    ]


def test_duplicates_with_different_content_fail_identical_ones_inform():
    changed = obj('VPC', 'vpc-1', {'subnets': {'default': {'subnet': '10.0.9.0/24', 'vlan': 1009}}})
    assert ('DUPLICATE_OBJECT', 1, 'metadata.name') in found(VPC_1, changed)
    legacy_copy = {**VPC_1, 'apiVersion': 'vpc.githedgehog.com/v1alpha2'}
    assert codes(validate_set(documents(VPC_1, legacy_copy, *NAMESPACES))) == [
        'DUPLICATE_IDENTICAL',
        'LEGACY_API_VERSION',
    ]


def test_references_are_what_the_rules_look_up():
    assert references('VPCAttachment', ATTACH['spec']) == [
        ('Connection', 'server-1--unbundled--leaf-1'),
        ('VPC', 'vpc-1'),
    ]
    assert references('ExternalAttachment', BGP_ATTACH['spec']) == [
        ('External', 'e1'),
        ('Connection', 'border--external--e1'),
    ]
    peering = obj('VPCPeering', 'vpc-1--vpc-2', {'permit': [{'vpc-1': {}, 'vpc-2': {}}]})
    assert references('VPCPeering', peering['spec']) == [('VPC', 'vpc-1'), ('VPC', 'vpc-2')]


def test_references_follow_hedgehog_defaults():
    # A VPC naming no namespaces lives in the default ones, so it refers to them.
    assert references('VPC', VPC_1['spec']) == [('IPv4Namespace', 'default'), ('VLANNamespace', 'default')]


def test_kinds_without_reference_rules_refer_to_nothing():
    assert references('Server', {}) == []
    assert references('VPCAttachment', None) == []


def test_a_connection_refers_to_the_switches_and_servers_its_ports_name():
    assert references('Connection', UNBUNDLED['spec']) == [('Switch', 'leaf-1'), ('Server', 'server-1')]
    assert reference_fields('Connection', EXTERNAL_CONN['spec']) == [
        ('spec.external.link.switch.port', 'Switch', 'border')
    ]
    # The deprecated MCLAG types list no endpoints, as the fabric's Endpoints().
    assert references('Connection', {'mclagDomain': {'peerLinks': []}}) == []


def test_an_external_refers_to_its_ipv4_namespace_and_a_switch_to_its_vlan_namespaces():
    assert references('External', {'ipv4Namespace': 'ns-2'}) == [('IPv4Namespace', 'ns-2')]
    assert references('External', {}) == [('IPv4Namespace', 'default')]
    switch = {'groups': ['border'], 'redundancy': {'group': 'eslag-1', 'type': 'eslag'}}
    assert reference_fields('Switch', switch) == [
        ('spec.groups[0]', 'SwitchGroup', 'border'),
        ('spec.redundancy.group', 'SwitchGroup', 'eslag-1'),
        ('spec.vlanNamespaces[0]', 'VLANNamespace', 'default'),
    ]


def test_a_namespace_that_is_not_a_name_is_a_type_finding_not_a_crash():
    # Found by the fuzzer: a list as vlanNamespace (or ipv4Namespace) could not key the namespace clash checks.
    broken = obj('VPC', 'vpc-3', {**VPC_1['spec'], 'vlanNamespace': [None], 'ipv4Namespace': ['x']})
    expected = [('FIELD_TYPE', 1, 'spec.ipv4Namespace'), ('FIELD_TYPE', 1, 'spec.vlanNamespace')]
    assert sorted(found(VPC_1, broken)) == expected


def test_a_vlan_outside_1_to_4094_is_one_finding_not_also_a_namespace_conflict():
    vlan_5000 = obj('VPC', 'vpc-3', {'subnets': {'default': {'subnet': '10.0.3.0/24', 'vlan': 5000}}})
    also_5000 = obj('VPC', 'vpc-4', {'subnets': {'default': {'subnet': '10.0.4.0/24', 'vlan': 5000}}})
    assert found(vlan_5000, also_5000) == [
        ('VPC_VLAN_INVALID', 0, 'spec.subnets.default.vlan'),
        ('VPC_VLAN_INVALID', 1, 'spec.subnets.default.vlan'),
    ]
    # Near miss: a valid VLAN outside the namespace is that conflict, once.
    vlan_3 = obj('VPC', 'vpc-3', {'subnets': {'default': {'subnet': '10.0.3.0/24', 'vlan': 3}}})
    assert found(vlan_3) == [('REF_CONFLICT', 0, 'spec.subnets.default.vlan')]
