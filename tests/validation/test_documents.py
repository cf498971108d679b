"""What a document is (ours, legacy, foreign) and its metadata rules."""

from pathlib import Path

import pytest
from helpers import codes, documents, obj

from netbox_hedgehog.core import kinds
from netbox_hedgehog.core.validation import CODES, classify, validate_document

SERVER = obj('Server', 'server-1', {})


@pytest.mark.parametrize(
    ('data', 'reason'),
    [
        # The controller's own gateway kinds: never written by people, never managed.
        (
            {'apiVersion': 'gateway.githedgehog.com/v1alpha1', 'kind': 'VPCInfo', 'metadata': {'name': 'v'}},
            'not managed',
        ),
        (
            {'apiVersion': 'gwint.githedgehog.com/v1alpha1', 'kind': 'GatewayAgent', 'metadata': {'name': 'g'}},
            'GatewayAgent',
        ),
        ({'apiVersion': 'agent.githedgehog.com/v1beta1', 'kind': 'Agent', 'metadata': {'name': 'a'}}, 'Agent'),
        ({'apiVersion': 'wiring.githedgehog.com/v1beta1', 'kind': 'SwitchProfile', 'metadata': {}}, 'not managed'),
        ({'apiVersion': 'kustomize.config.k8s.io/v1beta1', 'kind': 'Kustomization'}, 'Kustomization'),
        ({'apiVersion': 'v1', 'kind': 'List', 'items': []}, 'List'),
        ({'name': 'any other yaml'}, 'not a Kubernetes object'),
    ],
)
def test_foreign_documents_are_classified_foreign_never_errors(data, reason):
    (document,) = documents(data)
    classified = classify(document)
    assert classified.is_foreign and reason in classified.reason
    assert codes(validate_document(document)) == ['FOREIGN_DOCUMENT']


def test_lists_and_scalars_are_foreign_too():
    assert classify([1, 2]).is_foreign and classify('text').is_foreign


def test_our_kind_in_an_unknown_version_is_foreign_with_a_warning():
    (document,) = documents({**SERVER, 'apiVersion': 'wiring.githedgehog.com/v2'})
    assert classify(document).unknown_version
    assert codes(validate_document(document)) == ['UNKNOWN_VERSION']


def test_every_registered_kind_is_recognised_in_its_versions():
    for kind in kinds.KINDS:
        legacy_versions = [(kind.legacy_api_version, True)] if kind.legacy_version else []
        for api_version, legacy in [(kind.api_version, False), *legacy_versions]:
            classified = classify({'apiVersion': api_version, 'kind': kind.kind, 'metadata': {'name': 'x'}})
            assert (classified.kind, classified.legacy, classified.name) == (kind, legacy, 'x')


def test_the_gateway_kinds_are_served_as_v1alpha1_only():
    for name in ('Gateway', 'GatewayGroup', 'GatewayPeering'):
        assert kinds.by_kind(name).api_version == 'gateway.githedgehog.com/v1alpha1'
        (document,) = documents(obj(name, 'x', {}) | {'apiVersion': 'gateway.githedgehog.com/v1alpha2'})
        assert classify(document).unknown_version
        (finding,) = validate_document(document)
        assert (finding.code, finding.hint) == ('UNKNOWN_VERSION', 'Use the served version v1alpha1.')


def test_legacy_version_is_a_warning_on_the_api_version_line():
    (document,) = documents({**SERVER, 'apiVersion': 'wiring.githedgehog.com/v1alpha2'})
    (finding,) = validate_document(document)
    assert (finding.code, str(finding.severity), finding.path, finding.line) == (
        'LEGACY_API_VERSION',
        'warning',
        'apiVersion',
        1,
    )


@pytest.mark.parametrize(
    ('metadata', 'code'),
    [
        ({'name': 'Server-1'}, 'NAME_INVALID'),
        ({'name': 'server_1'}, 'NAME_INVALID'),
        ({'name': 'x' * 254}, 'NAME_INVALID'),
        ({'name': 12}, 'NAME_INVALID'),
        ({'name': ''}, 'NAME_MISSING'),
        ({'labels': {}}, 'NAME_MISSING'),
        ({'name': 'server-1', 'namespace': 'fab'}, 'NAMESPACE_INVALID'),
    ],
)
def test_metadata_rules(metadata, code):
    (document,) = documents({**SERVER, 'metadata': metadata})
    assert codes(validate_document(document)) == [code]


def test_metadata_that_is_not_a_mapping_is_invalid():
    (document,) = documents({**SERVER, 'metadata': ['name', 'x']})
    assert codes(validate_document(document)) == ['METADATA_INVALID']


def test_valid_metadata_passes_with_or_without_default_namespace():
    for metadata in ({'name': 'server-1.rack-2'}, {'name': 'server-1', 'namespace': 'default'}):
        (document,) = documents({**SERVER, 'metadata': metadata})
        assert validate_document(document) == []


def test_docs_list_every_finding_code_with_its_severity_meaning_and_hint():
    text = (Path(__file__).parents[2] / 'docs' / 'findings.md').read_text()
    for code, entry in CODES.items():
        assert f'| `{code}` | {entry.severity} | {entry.meaning} | {entry.hint} |' in text, code


def test_every_code_has_a_hint():
    assert [code for code, entry in CODES.items() if not entry.hint] == []
