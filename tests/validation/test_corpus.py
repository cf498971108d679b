"""Every file of ../shared/corpus gets the outcome its SOURCES.md describes."""

import pytest
from helpers import CORPUS, codes, need_shared

from netbox_hedgehog.core.validation import classify, validate_paths

# file: (documents, exact set of error codes, warning codes that must be present, foreign kinds)
EXPECTED = {
    'demo-gitops_env-1_demo.reset_all-commented.yaml': (0, [], [], []),
    'demo-gitops_env-1_demo.yaml': (4, [], ['REF_DANGLING'], []),
    'demo-gitops_env-1_demo_v1alpha2_2024-10.yaml': (4, [], ['LEGACY_API_VERSION', 'REF_DANGLING'], []),
    'demo-gitops_env-1_pre-demo.yaml': (4, [], ['REF_DANGLING'], []),
    'demo-gitops_env-1_vpc-test.yaml': (1, [], [], []),
    # Invalid by age: uppercase names, permit naming undefined subnets, VPCPeering.remote.
    'docs-alpha7_v1alpha2_vpc-external-examples.yaml': (
        9,
        ['NAME_INVALID', 'VPCPEER_REMOTE', 'VPC_PERMIT'],
        ['LEGACY_API_VERSION'],
        [],
    ),
    # Legacy with removed features: the management Connection type no longer exists and a static
    # external subnet has host bits set; location/locationSig/type are removed fields.
    'docs-alpha7_v1alpha2_wiring-examples.yaml': (
        14,
        ['CONN_STATIC_EXTERNAL', 'CONN_TYPE'],
        ['FIELD_UNKNOWN', 'LEGACY_API_VERSION', 'MCLAG_DEPRECATED'],
        [],
    ),
    # Its Gateway is in namespace 'fab': a managed kind since the gateway kinds joined the registry, and the
    # fabric's Gateway Validate (like every kind here) accepts only the default namespace.
    'docs_build-wiring_sample-spine-leaf.yaml': (20, ['NAMESPACE_INVALID'], ['REF_DANGLING'], []),
    # One example per type, written apart in the docs: read as one set they reuse switch ports and the
    # mesh and gateway examples the same link addresses, which the fabric refuses (issue 16).
    'docs_connections_all-types.yaml': (8, ['CONN_LINK_IP_IN_USE', 'CONN_PORT_IN_USE'], ['REF_DANGLING'], []),
    'docs_devices_switch-server-examples.yaml': (4, [], ['REF_DANGLING'], []),
    'docs_dhcp_static-leases.yaml': (1, [], [], []),
    # The BGP and the static example are alternatives on the same border port (switch-border/E1/2).
    # Its GatewayPeering (ext.static-edge with vpc-01) is managed; its GatewayGroup is defined elsewhere.
    'docs_external_bgp-and-static-examples.yaml': (9, ['CONN_PORT_IN_USE'], ['REF_DANGLING'], []),
    'docs_external_placeholder-templates_INVALID.yaml': (
        6,
        [
            'EXTATTACH_MODE',
            'EXTATTACH_REQUIRED',
            'EXTPEER_PERMIT',
            'FIELD_REQUIRED',
            'FIELD_TYPE',
            'NAME_MISSING',
            'NAME_TOO_LONG',
        ],
        [],
        [],
    ),
    'docs_vpcpeering_subnet-filter.yaml': (1, [], [], []),
    # vpc-1 permits undefined subnets; the separate doc examples also reuse VLAN 1001 and use
    # subnets outside the example IPv4Namespace once read as one set.
    'docs_vpcs_examples.yaml': (10, ['REF_CONFLICT', 'VLAN_CONFLICT', 'VPC_PERMIT'], ['FIELD_UNKNOWN'], []),
    'fabric_testdata_mesh-leaf-01.in.agent.yaml': (1, [], [], ['Agent']),
    'labci_env-ci-1_wiring-fabrics_multifabric-preview.yaml': (2, [], [], ['Fabric']),
    # GatewayGroup, two un-hydrated Gateways and their gateway Connections: all managed.
    'labci_env-ci-1_wiring-gateway_overlay.yaml': (5, [], ['REF_DANGLING'], []),
    'labci_env-ci-1_wiring-interconnect_multifabric-preview.yaml': (6, [], ['FIELD_UNKNOWN'], []),
    'labci_env-ci-1_wiring_eslag-externals-static_2026-06.yaml': (51, [], [], []),
    'labci_env-ci-1_wiring_first_2025-01.yaml': (40, ['NAME_TOO_LONG'], ['MCLAG_DEPRECATED'], []),
    'nvidia-air-demo_include_hydrated-cumulus.yaml': (166, [], [], []),
    'nvidia-air-demo_old_attachments.yaml': (8, [], ['REF_DANGLING'], []),
}


def corpus_file(name):
    return need_shared(CORPUS) / name


def test_the_expected_outcomes_cover_every_corpus_file():
    assert sorted(p.name for p in need_shared(CORPUS).glob('*.yaml')) == sorted(EXPECTED)


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_corpus_file_gets_its_described_outcome(name):
    path = corpus_file(name)
    documents, errors, warnings, foreign = EXPECTED[name]
    report = validate_paths([path])
    assert report.files == {str(path): documents}
    assert codes(report.findings, 'error') == errors
    assert set(warnings) <= set(codes(report.findings, 'warning'))
    assert sorted({classify(d).kind_name for d in report.documents if classify(d).is_foreign}) == foreign
    for finding in report.findings:
        assert finding.file == str(path) and finding.line and finding.document is not None


def findings_of(name, code):
    return [f for f in validate_paths([corpus_file(name)]).findings if f.code == code]


def test_legacy_files_warn_on_every_document():
    for name in ('demo-gitops_env-1_demo_v1alpha2_2024-10.yaml', 'docs-alpha7_v1alpha2_wiring-examples.yaml'):
        report = validate_paths([corpus_file(name)])
        legacy = {f.document for f in report.findings if f.code == 'LEGACY_API_VERSION'}
        assert legacy == {d.index for d in report.documents}


def test_placeholder_templates_report_null_names_and_values_at_their_lines():
    name = 'docs_external_placeholder-templates_INVALID.yaml'
    assert [(f.document, f.line) for f in findings_of(name, 'NAME_MISSING')] == [
        (0, 12),
        (2, 31),
        (3, 45),
        (4, 55),
        (5, 68),
    ]
    assert [(f.path, f.line) for f in findings_of(name, 'FIELD_TYPE')][0] == ('spec.static.prefixes[0]', 50)
    assert [f.message for f in findings_of(name, 'NAME_TOO_LONG')] == [
        "External name 'default--5835' has 13 characters; at most 11."
    ]


def test_uppercase_names_are_invalid():
    found = findings_of('docs-alpha7_v1alpha2_vpc-external-examples.yaml', 'NAME_INVALID')
    assert sorted(f.message.split("'")[1] for f in found) == [
        'HedgeEdge',
        'switchBorder--HedgeEdge',
        'switchBorder--external--HedgeEdge',
        'vpc-1--HedgeEdge',
    ]


def test_permit_naming_undefined_subnets_is_reported_on_vpc_1():
    found = findings_of('docs_vpcs_examples.yaml', 'VPC_PERMIT')
    assert [(f.document, f.path) for f in found] == [(0, 'spec.permit[0]'), (0, 'spec.permit[1]')]
    assert 'subnet-1, subnet-2, subnet-3' in found[0].message


def test_external_name_longer_than_11_is_an_error():
    found = findings_of('labci_env-ci-1_wiring_first_2025-01.yaml', 'NAME_TOO_LONG')
    assert [(f.path, f.line) for f in found] == [('metadata.name', 200)]


def test_switch_group_missing_from_the_set_is_only_dangling():
    found = findings_of('docs_devices_switch-server-examples.yaml', 'REF_DANGLING')
    assert ('spec.groups[0]', "SwitchGroup 'some-group' is not in the files given.") in [
        (f.path, f.message) for f in found
    ]


def test_attachments_resolve_against_connections_in_another_file_and_repeats_are_identical():
    report = validate_paths(
        [
            corpus_file('nvidia-air-demo_old_attachments.yaml'),
            corpus_file('nvidia-air-demo_include_hydrated-cumulus.yaml'),
        ]
    )
    assert codes(report.findings) == ['DUPLICATE_IDENTICAL']
    assert len(report.findings) == 8


def test_whole_corpus_as_one_set_never_raises_and_counts_every_document():
    report = validate_paths([need_shared(CORPUS)])
    assert sum(report.files.values()) == sum(expected[0] for expected in EXPECTED.values())


def test_no_message_repeats_the_path_shown_beside_it():
    report = validate_paths([need_shared(CORPUS)])
    assert [f for f in report.findings if f.path and f.path != 'spec' and f.path in f.message] == []
    assert [f for f in report.findings if f.file in f.message] == []
    (vlan,) = [f for f in findings_of('docs-alpha7_v1alpha2_wiring-examples.yaml', 'CONN_STATIC_EXTERNAL')]
    assert vlan.message.startswith('subnets[') and vlan.path.startswith('spec.staticExternal.link.switch.subnets[')


def test_peered_vpcs_are_reported_at_their_own_keys():
    found = findings_of('demo-gitops_env-1_demo.yaml', 'REF_DANGLING')
    assert [(f.path, f.line) for f in found if f.path.startswith('spec.permit[')] == [
        ('spec.permit[0].demo-vpc-1', 50),
        ('spec.permit[0].demo-vpc-2', 52),
    ]
