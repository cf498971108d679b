"""Managed files that apply as they are: each validates against its upstream CRD schema, after nothing but
what the fabric's Go client would add (struct fields it always sends, as `{}`); the author's text stays."""

import sys
from pathlib import Path

import pytest
import yaml

from netbox_hedgehog.core.managed_text import clean_text
from netbox_hedgehog.core.plan import make_plan
from netbox_hedgehog.core.plan_model import RawFile
from netbox_hedgehog.core.tree import MANAGED
from netbox_hedgehog.core.yaml_reader import read_documents

sys.path.insert(0, str(Path(__file__).parents[1] / 'validation'))
from helpers import CORPUS, CRDS, CRDS_GATEWAY, need_shared  # noqa: E402

from benchmarks.bench_validate import crd_validators  # noqa: E402

STATIC_ATTACHMENT = """\
apiVersion: vpc.githedgehog.com/v1beta1
kind: ExternalAttachment
metadata:
  name: ds3000-03--static-ext  # the lab's port-ACL overlay
spec:
  external: static-ext
  connection: ds3000-03--external--ds2000-02
  static:
    remoteIP: 100.6.210.6
    vlan: 210
    ip: 100.6.210.2/24
"""


def cleaned(text):
    (document,) = read_documents(text.encode(), 'raw/a.yaml').documents
    return clean_text(document)


def test_a_static_attachment_gets_the_switch_and_neighbor_the_go_client_sends():
    assert cleaned(STATIC_ATTACHMENT) == STATIC_ATTACHMENT + '  switch: {}\n  neighbor: {}\n'


def test_an_empty_or_null_field_is_written_in_its_place():
    text = STATIC_ATTACHMENT.replace('  static:', '  switch:\n  neighbor: null  # none\n  static:')
    assert cleaned(text) == STATIC_ATTACHMENT.replace('  static:', '  switch: {}\n  neighbor: {}  # none\n  static:')


def test_a_bgp_attachment_is_the_authors_text():
    bgp = STATIC_ATTACHMENT.replace(
        '  static:\n    remoteIP: 100.6.210.6\n    vlan: 210\n    ip: 100.6.210.2/24\n',
        '  switch:\n    ip: 100.6.210.2/24\n  neighbor:\n    asn: 65102\n    ip: 100.6.210.6\n',
    )
    assert cleaned(bgp) == bgp


def test_a_flow_style_spec_is_dumped_complete():
    text = (
        'apiVersion: vpc.githedgehog.com/v1beta1\nkind: ExternalAttachment\nmetadata: {name: a}\nspec: {external: e}\n'
    )
    assert yaml.safe_load(cleaned(text))['spec'] == {'external': 'e', 'switch': {}, 'neighbor': {}}


@pytest.mark.parametrize('name', sorted(p.name for p in CORPUS.glob('*.yaml')) if CORPUS.exists() else [])
def test_every_managed_file_from_the_corpus_validates_against_its_crd(name):
    validators = crd_validators(need_shared(CRDS), need_shared(CRDS_GATEWAY))
    raw = RawFile(f'raw/{name}', (CORPUS / name).read_bytes())
    plan = make_plan([raw])
    errors = []
    for file_plan in plan.ingested:
        for document in file_plan.documents:
            if not document.target.startswith(f'{MANAGED}/'):
                continue
            data = yaml.safe_load(document.content)
            for error in validators[document.kind].iter_errors(data):
                errors.append((document.target, error.validator, list(error.absolute_path), error.message))
    assert errors == []


def test_a_kind_that_is_not_a_name_is_left_alone():
    # Found by the fuzzer: a list as kind could not key the table of always-sent fields.
    text = 'apiVersion: vpc.githedgehog.com/v1beta1\nkind: []\nmetadata:\n  name: a\nspec:\n  external: e\n'
    assert cleaned(text) == text
