"""Shared helpers of the validation tests: building documents and locating ../shared."""

from pathlib import Path

import pytest
import yaml

from netbox_hedgehog.yamlio import read_documents

SHARED = Path(__file__).parents[2].parent / 'shared'
CORPUS = SHARED / 'corpus'
CRDS = SHARED / 'crds'

API = {
    'VPC': 'vpc.githedgehog.com/v1beta1',
    'VPCAttachment': 'vpc.githedgehog.com/v1beta1',
    'VPCPeering': 'vpc.githedgehog.com/v1beta1',
    'IPv4Namespace': 'vpc.githedgehog.com/v1beta1',
    'External': 'vpc.githedgehog.com/v1beta1',
    'ExternalAttachment': 'vpc.githedgehog.com/v1beta1',
    'ExternalPeering': 'vpc.githedgehog.com/v1beta1',
    'Connection': 'wiring.githedgehog.com/v1beta1',
    'Server': 'wiring.githedgehog.com/v1beta1',
    'Switch': 'wiring.githedgehog.com/v1beta1',
    'SwitchGroup': 'wiring.githedgehog.com/v1beta1',
    'VLANNamespace': 'wiring.githedgehog.com/v1beta1',
}


def need_shared(path):
    if not path.exists():
        pytest.skip(f'{path} is not available (../shared next to the repository)')
    return path


def obj(kind, name, spec, **metadata):
    return {'apiVersion': API[kind], 'kind': kind, 'metadata': {'name': name, **metadata}, 'spec': spec}


def documents(*objects, file='test.yaml'):
    """Documents read back from a YAML stream of `objects` (so lines and text are real)."""
    text = '---\n'.join(yaml.safe_dump(o, sort_keys=False) for o in objects)
    result = read_documents(text.encode(), file)
    assert not result.findings, result.findings
    return result.documents


def codes(findings, severity=None):
    return sorted({f.code for f in findings if severity is None or str(f.severity) == severity})
