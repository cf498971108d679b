"""The plan hands each document the reference keys validation found for it: the index stores exactly what
`validation.reference_keys` gives for the object it writes, without a second look at every spec."""

from pathlib import Path

from benchmarks.generate_fabric import write_fabric
from netbox_hedgehog.core.plan import make_plan
from netbox_hedgehog.core.plan_model import DocumentAction, RawFile
from netbox_hedgehog.core.validation import reference_keys


def test_every_planned_object_carries_the_reference_keys_of_its_cleaned_object(tmp_path):
    write_fabric(tmp_path, 'small', seed=5)
    raw_files = [RawFile(f'raw/{path.name}', path.read_bytes()) for path in sorted(Path(tmp_path).rglob('*.yaml'))]
    plan = make_plan(raw_files)
    documents = [document for file_plan in plan.ingested for document in file_plan.documents]
    created = [document for document in documents if document.action == DocumentAction.CREATE]
    assert len(created) > 50
    assert any(document.reference_keys for document in created)
    for document in created:
        assert document.reference_keys == reference_keys(document.kind, document.data.get('spec')), document.name
