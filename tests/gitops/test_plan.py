"""The plan's decisions without Django, files or a database: what each raw file and document becomes."""

import hashlib

from plan_samples import SERVER, VPC

from netbox_hedgehog.core.plan import make_plan, read_raw
from netbox_hedgehog.core.plan_model import NOT_A_FILE, DocumentAction, FileAction, RawFile
from netbox_hedgehog.core.yaml_reader import read_documents

CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  key: value
"""
VPC_ATTACHMENT = """\
apiVersion: vpc.githedgehog.com/v1beta1
kind: VPCAttachment
metadata:
  name: attach-1
spec:
  subnet: vpc-1/default
  connection: server-1--mclag--leaf-1--leaf-2
"""
VPC_TARGET = 'managed/vpcs/vpc-1.yaml'


def plan(files, current=None, **options):
    """The plan of `files` ({path: text}) against a managed/ tree whose files hash as `current` ({target: sha})."""
    return make_plan([RawFile(path, text.encode()) for path, text in files.items()], current, **options)


def actions(result):
    return {file.path: (file.action, [document.action for document in file.documents]) for file in result.files}


def codes(result):
    return sorted(finding.code for finding in result.findings() if finding.code.startswith('INGEST_'))


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_new_object_is_created_at_its_managed_file():
    result = plan({'raw/vpc.yaml': VPC})
    (file,) = result.files
    (document,) = file.documents
    assert (file.action, document.action, document.target) == (FileAction.INGEST, DocumentAction.CREATE, VPC_TARGET)
    assert document.content == VPC.encode()
    assert document.sha256 == sha(VPC)


def test_an_object_whose_managed_file_differs_is_updated_and_one_that_is_the_same_is_unchanged():
    assert actions(plan({'raw/vpc.yaml': VPC}, {VPC_TARGET: 'other'})) == {
        'raw/vpc.yaml': (FileAction.INGEST, [DocumentAction.UPDATE])
    }
    assert actions(plan({'raw/vpc.yaml': VPC}, {VPC_TARGET: sha(VPC)})) == {
        'raw/vpc.yaml': (FileAction.INGEST, [DocumentAction.UNCHANGED])
    }


def test_two_different_definitions_of_one_object_reject_both_files_each_naming_the_other():
    changed = VPC.replace('10.0.1.0/24', '10.0.2.0/24')
    result = plan({'raw/a.yaml': VPC, 'raw/b.yaml': SERVER + '---\n' + changed})
    assert [file.path for file in result.rejected] == ['raw/a.yaml', 'raw/b.yaml']
    conflicts = {finding.file: finding.message for finding in result.findings() if finding.code == 'INGEST_CONFLICT'}
    assert 'raw/b.yaml:6' in conflicts['raw/a.yaml']
    assert 'raw/a.yaml:1' in conflicts['raw/b.yaml']


def test_an_identical_copy_is_a_duplicate_of_the_first_and_writes_nothing_of_its_own():
    result = plan({'raw/a.yaml': VPC, 'raw/b.yaml': VPC})
    assert actions(result) == {
        'raw/a.yaml': (FileAction.INGEST, [DocumentAction.CREATE]),
        'raw/b.yaml': (FileAction.INGEST, [DocumentAction.DUPLICATE]),
    }
    assert result.files[1].documents[0].reason == 'identical to raw/a.yaml:1'


def test_a_copy_in_a_rejected_file_does_not_make_the_good_copy_a_duplicate():
    broken = VPC + '---\napiVersion: wiring.githedgehog.com/v1beta1\nkind: Server\nmetadata: {}\n'
    result = plan({'raw/a.yaml': broken, 'raw/b.yaml': VPC})
    assert actions(result)['raw/a.yaml'][0] == FileAction.REJECT
    assert actions(result)['raw/b.yaml'] == (FileAction.INGEST, [DocumentAction.CREATE])


def test_a_known_file_whose_outputs_are_in_place_is_settled_without_being_parsed():
    first = plan({'raw/vpc.yaml': VPC})
    (file,) = first.files
    # Bytes that would not even parse, recorded as that VPC, prove the file is not read again.
    garbage = RawFile('raw/vpc.yaml', b'{ not: [yaml')
    known = {garbage.sha256: [document.record() for document in file.documents]}
    again = make_plan([garbage], {VPC_TARGET: sha(VPC)}, known_files=known)
    (settled,) = again.files
    assert (settled.settled, settled.action) == (True, FileAction.INGEST)
    assert [(document.action, document.content) for document in settled.documents] == [(DocumentAction.UNCHANGED, None)]


def test_a_known_file_whose_output_changed_since_is_planned_again():
    (file,) = plan({'raw/vpc.yaml': VPC}).files
    known = {file.sha256: [document.record() for document in file.documents]}
    again = plan({'raw/vpc.yaml': VPC}, {VPC_TARGET: 'edited by hand'}, known_files=known)
    assert (again.files[0].settled, [document.action for document in again.files[0].documents]) == (
        False,
        [DocumentAction.UPDATE],
    )


def test_a_known_file_is_planned_again_when_another_raw_file_of_the_run_claims_its_output():
    (file,) = plan({'raw/vpc.yaml': VPC}).files
    known = {file.sha256: [document.record() for document in file.documents]}
    same_object = '# the same VPC, other bytes\n' + VPC
    again = plan({'raw/vpc.yaml': VPC, 'raw/z.yaml': same_object}, {VPC_TARGET: sha(VPC)}, known_files=known)
    assert [file.settled for file in again.files] == [False, False]
    assert actions(again)['raw/z.yaml'] == (FileAction.INGEST, [DocumentAction.DUPLICATE])


def test_a_foreign_document_goes_to_unmanaged_with_its_reason_beside_the_managed_ones():
    result = plan({'raw/mixed.yaml': VPC + '---\n' + CONFIG_MAP})
    (file,) = result.files
    vpc, config_map = file.documents
    assert (file.action, vpc.action, config_map.action) == (
        FileAction.INGEST,
        DocumentAction.CREATE,
        DocumentAction.FOREIGN,
    )
    assert config_map.target.startswith('unmanaged/configmap-settings-')
    assert config_map.reason
    header, _, rest = config_map.content.decode().partition('\n')
    assert header.startswith('# Not a Hedgehog fabric object (') and rest == CONFIG_MAP


def test_a_target_that_is_not_a_file_rejects_the_file_bound_there_and_no_other():
    result = plan({'raw/vpc.yaml': VPC, 'raw/server.yaml': SERVER}, {VPC_TARGET: NOT_A_FILE})
    assert [file.path for file in result.rejected] == ['raw/vpc.yaml']
    (finding,) = [finding for finding in result.findings() if finding.code == 'INGEST_TARGET_NOT_A_FILE']
    assert (finding.file, finding.line, finding.path) == ('raw/vpc.yaml', 1, 'metadata.name')


def test_files_that_are_not_yaml_are_ignored_and_symbolic_links_rejected_unread():
    result = plan({'raw/vpc.yaml': VPC}, ignored=['raw/notes.txt'], links=['raw/link.yaml'])
    assert {file.path: file.action for file in result.files} == {
        'raw/link.yaml': FileAction.REJECT,
        'raw/notes.txt': FileAction.IGNORE,
        'raw/vpc.yaml': FileAction.INGEST,
    }
    assert codes(result) == ['INGEST_NOT_YAML', 'INGEST_SYMLINK']


def test_managed_objects_are_asked_for_only_when_something_is_validated():
    (file,) = plan({'raw/vpc.yaml': VPC}).files
    known = {file.sha256: [document.record() for document in file.documents]}
    settled = read_raw([RawFile('raw/vpc.yaml', VPC.encode())], known).settle({(VPC_TARGET, sha(VPC))})
    assert not settled.needs_context
    assert settled.targets() == set()
    assert read_raw([RawFile('raw/vpc.yaml', VPC.encode())]).settle(set()).needs_context


def test_the_targets_to_look_at_are_those_of_managed_and_foreign_documents():
    reading = read_raw([RawFile('raw/mixed.yaml', (VPC + '---\n' + CONFIG_MAP).encode())]).settle(set())
    managed, foreign = sorted(reading.targets())
    assert managed == VPC_TARGET and foreign.startswith('unmanaged/configmap-settings-')


def test_a_managed_object_elsewhere_is_context_for_references_from_raw():
    (vpc,) = read_documents(VPC.encode(), VPC_TARGET).documents
    alone = plan({'raw/attach.yaml': VPC_ATTACHMENT})
    assert 'vpc-1' in ' '.join(f.message for f in alone.findings() if f.code == 'REF_DANGLING')
    with_context = plan({'raw/attach.yaml': VPC_ATTACHMENT}, managed_documents=[vpc])
    assert 'vpc-1' not in ' '.join(f.message for f in with_context.findings() if f.code == 'REF_DANGLING')
