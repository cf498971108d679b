"""No input makes the reader or the validator raise: mutated objects, mutated bytes, random YAML."""

import functools

import yaml
from helpers import CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netbox_hedgehog.core.findings import Finding
from netbox_hedgehog.core.managed_text import clean_text
from netbox_hedgehog.core.validation import CODES, validate_set
from netbox_hedgehog.core.yaml_reader import read_documents

SAMPLE = b"""\
apiVersion: vpc.githedgehog.com/v1beta1
kind: VPC
metadata:
  name: vpc-1
spec:
  permit: [[a, b]]
  subnets:
    a: {subnet: 10.0.1.0/24, vlan: 1001, dhcp: {enable: true, options: {dnsServers: [1.1.1.1]}}}
    b: {subnet: 10.0.2.0/24, vlan: 1002, dhcp: {relay: 10.0.0.1/24}}
---
apiVersion: wiring.githedgehog.com/v1beta1
kind: Connection
metadata: {name: c}
spec:
  eslag:
    links:
    - {server: {port: s/e1}, switch: {port: l1/E1/1}}
    - {server: {port: s/e2}, switch: {port: l2/E1/1}}
---
apiVersion: vpc.githedgehog.com/v1beta1
kind: ExternalAttachment
metadata: {name: ea}
spec: {external: e, connection: c, static: {remoteIP: 10.0.0.2, ip: 10.0.0.1/30}}
---
apiVersion: vpc.githedgehog.com/v1beta1
kind: VPCPeering
metadata: {name: p}
spec: {permit: [{vpc-1: {subnets: [a]}, vpc-2: null}]}
"""


@functools.cache
def seed_objects():
    objects = [d.data for d in read_documents(SAMPLE).documents]
    if CORPUS.exists():
        for path in sorted(CORPUS.glob('*.yaml')):
            objects += [d.data for d in read_documents(path.read_bytes()).documents]
    return tuple(objects)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def replace_somewhere(data, draw):
    """`data` with one node (chosen by `draw`) replaced by an arbitrary YAML value."""
    if isinstance(data, dict) and data and draw(st.booleans()):
        key = draw(st.sampled_from(list(data)))
        return {**data, key: replace_somewhere(data[key], draw)}
    if isinstance(data, list) and data and draw(st.booleans()):
        position = draw(st.integers(0, len(data) - 1))
        return [*data[:position], replace_somewhere(data[position], draw), *data[position + 1 :]]
    return draw(yaml_values)


@st.composite
def mutated_streams(draw):
    objects = [replace_somewhere(draw(st.sampled_from(seed_objects())), draw) for _ in range(draw(st.integers(1, 4)))]
    return '---\n'.join(yaml.safe_dump(o, sort_keys=False) for o in objects).encode()


def assert_well_formed(findings):
    for finding in findings:
        assert isinstance(finding, Finding) and finding.code in CODES
        assert finding.severity == CODES[finding.code].severity


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_streams())
def test_mutated_documents_never_raise(data):
    result = read_documents(data, 'fuzz.yaml')
    assert_well_formed(result.findings)
    assert_well_formed(validate_set(result.documents))
    for document in result.documents:
        clean_text(document)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.integers(0, len(SAMPLE) - 1))
def test_mutated_bytes_never_raise(noise, position):
    data = SAMPLE[:position] + noise + SAMPLE[position + len(noise) // 2 :]
    result = read_documents(data, 'fuzz.yaml', max_bytes=4096)
    assert_well_formed(result.findings)
    assert_well_formed(validate_set(result.documents))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=' \t\n-:[]{}&*!|>#"\'?,.0aZ%@`', max_size=120))
def test_yaml_punctuation_soup_never_raises(text):
    result = read_documents(text.encode(), 'fuzz.yaml')
    assert_well_formed(result.findings)
    assert_well_formed(validate_set(result.documents))
