"""Shared helpers of the validation tests: building documents and locating ../shared."""

from pathlib import Path

import pytest
import yaml

from netbox_hedgehog.core.kinds import KINDS
from netbox_hedgehog.core.yaml_reader import read_documents

SHARED = Path(__file__).parents[2].parent / 'shared'
CORPUS = SHARED / 'corpus'
CRDS = SHARED / 'crds'
# The gateway kinds' CRDs (v1alpha1), kept apart from the 12 v1beta1 kinds'.
CRDS_GATEWAY = SHARED / 'crds-gateway'

# Each kind's served apiVersion, from the registry.
API = {kind.kind: kind.api_version for kind in KINDS}


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
