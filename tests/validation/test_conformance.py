"""Our structural checks agree with the upstream CRD schemas (run through jsonschema).

For every document of our kinds: the field paths where jsonschema finds a structural error are
exactly the paths where we report one (FIELD_* or METADATA_INVALID errors). So no document the
schema accepts gets a structural error from us, and every structural error it finds, we find.

Principled exceptions, applied to the document before jsonschema sees it:
- Hedgehog's defaulting first (`apply_defaults`), as the cluster runs it before the schema: e.g.
  a static ExternalAttachment has no `switch`/`neighbor`, which the CRD marks required and Go
  serialises as `{}`.
- Mapping values that are null are removed: the Kubernetes API server prunes nulls of
  non-nullable fields before validation. Null list items stay (and are errors for both).
- A missing metadata, which only the GatewayGroup CRD marks required, is our NAME_MISSING (for every
  kind: every object needs a name) rather than a structural finding.
"""

import functools
import tempfile
from pathlib import Path

import pytest
import yaml
from helpers import CORPUS, CRDS, CRDS_GATEWAY, need_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.bench_validate import crd_validators
from benchmarks.generate_fabric import write_fabric
from netbox_hedgehog.core.kinds import KINDS
from netbox_hedgehog.core.validation import STRUCTURAL_CODES, classify, validate_document, yaml_files
from netbox_hedgehog.core.validation.defaults import apply_defaults
from netbox_hedgehog.core.yaml_reader import read_documents

jsonschema = pytest.importorskip('jsonschema')


@functools.cache
def validators():
    """A validator per kind, from the schema of the version the registry serves (crds/ for the 12 v1beta1
    kinds, crds-gateway/ for the v1alpha1 gateway kinds)."""
    return crd_validators(need_shared(CRDS), need_shared(CRDS_GATEWAY))


def test_every_registered_kind_has_its_upstream_schema():
    assert set(validators()) == {kind.kind for kind in KINDS}


def prune_nulls(value):
    if isinstance(value, dict):
        return {k: prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune_nulls(v) for v in value]
    return value


def dotted(parts):
    path = ''
    for part in parts:
        path += f'[{part}]' if isinstance(part, int) else (f'.{part}' if path else str(part))
    return path


def schema_error_paths(document):
    kind = classify(document).kind.kind
    instance = prune_nulls(apply_defaults(kind, document.data))
    paths = set()
    for error in validators()[kind].iter_errors(instance):
        path = dotted(error.absolute_path)
        if error.validator == 'required':
            path = dotted([*error.absolute_path, error.message.split("'")[1]])
            if path == 'metadata':
                assert 'NAME_MISSING' in {f.code for f in validate_document(document)}
                continue
        paths.add(path)
    return paths


def our_error_paths(document):
    return {f.path for f in validate_document(document) if f.code in STRUCTURAL_CODES and str(f.severity) == 'error'}


def assert_conforms(document):
    if classify(document).is_foreign:
        return
    assert our_error_paths(document) == schema_error_paths(document), document.text


def corpus_documents():
    return [
        d for path in sorted(need_shared(CORPUS).glob('*.yaml')) for d in read_documents(path.read_bytes()).documents
    ]


@functools.cache
def fabric_documents():
    with tempfile.TemporaryDirectory() as folder:
        write_fabric(folder, 'small', seed=7)
        return tuple(d for path in yaml_files([folder]) for d in read_documents(path.read_bytes(), path.name).documents)


def test_corpus_conforms_to_the_upstream_schemas():
    for document in corpus_documents():
        assert_conforms(document)


def test_generated_fabrics_conform_and_are_clean():
    documents = fabric_documents()
    assert len(documents) >= 100
    for document in documents:
        assert_conforms(document)
        assert our_error_paths(document) == set()


def test_large_generated_fabric_conforms():
    with tempfile.TemporaryDirectory() as folder:
        stats = write_fabric(Path(folder), 'large', seed=3)
        assert stats.documents >= 10_000 and stats.files >= 200
        for path in yaml_files([folder])[::10]:
            for document in read_documents(path.read_bytes()).documents:
                assert_conforms(document)


WRONG_VALUES = [None, 'text', 7, 2.5, True, [], {}, [None], ['a'], {'unknown': 1}, 'E1/1', '10.0.0.1/31']


def paths_of(value, prefix=()):
    """Every (path tuple) inside a parsed document, mappings and lists alike."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths_of(item, (*prefix, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from paths_of(item, (*prefix, position))


def mutate(data, path, replacement, delete):
    if not path:
        return replacement
    head, rest = path[0], path[1:]
    copy = dict(data) if isinstance(data, dict) else list(data)
    if not rest and delete and isinstance(copy, dict):
        del copy[head]
    else:
        copy[head] = mutate(copy[head], rest, replacement, delete)
    return copy


@st.composite
def mutated_documents(draw):
    document = draw(st.sampled_from(fabric_documents() + tuple(corpus_documents())))
    paths = [p for p in paths_of(document.data) if p[:1] not in (('apiVersion',), ('kind',))]
    path = draw(st.sampled_from(paths))
    data = mutate(document.data, path, draw(st.sampled_from(WRONG_VALUES)), draw(st.booleans()))
    text = yaml.safe_dump(data, sort_keys=False)
    return document._replace(text=text, data=data, text_line=1, line=1)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_documents_conform_to_the_upstream_schemas(document):
    assert_conforms(document)
