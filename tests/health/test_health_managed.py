"""Health's plain checks of managed/ against the index, each with input that passes and input that fails:
the files listed, one file inspected, files against their index rows, missing files, references. Real files,
no Django: the rows are IndexRows as the service reads them."""

import hashlib
import os

import pytest

from netbox_hedgehog.core.index_rows import IndexRow
from netbox_hedgehog.core.tree import TreeLayout, layout_folders
from netbox_hedgehog.services.health_managed import (
    Missing,
    MissingSource,
    check_managed,
    check_missing,
    check_references,
    inspect_managed_file,
    managed_files,
)
from netbox_hedgehog.services.treefs import open_tree

MAX_BYTES = 1 << 20
GROUP_PATH = 'managed/switchgroups/sg-1.yaml'
GROUP = b'apiVersion: wiring.githedgehog.com/v1beta1\nkind: SwitchGroup\nmetadata:\n  name: sg-1\nspec: {}\n'
ATTACHMENT_PATH = 'managed/vpcattachments/vpc-1--server-01.yaml'
ATTACHMENT_SPEC = {'connection': 'server-01--unbundled--leaf-01', 'subnet': 'vpc-1/default'}


def codes(findings):
    return [(finding.code, finding.file) for finding in findings]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def layout(tmp_path):
    for folder in layout_folders():
        (tmp_path / 'dc1' / folder).mkdir(parents=True)
    return TreeLayout(tmp_path / 'dc1')


@pytest.fixture
def files(layout):
    with open_tree(layout.path.parent, layout.path.name) as tree:
        yield tree


def put(layout, relative, data):
    (layout.path / relative).write_bytes(data)
    return relative


def test_yaml_files_in_managed_are_listed_and_hidden_entries_skipped(layout, files):
    put(layout, GROUP_PATH, GROUP)
    put(layout, 'managed/switchgroups/.gitkeep', b'')
    assert managed_files(files) == ([GROUP_PATH], [])


def test_entries_that_are_no_yaml_file_are_strays(layout, files):
    put(layout, 'managed/vpcs/notes.txt', b'mine')
    (layout.path / 'managed/vpcs/vpc-9.yaml').mkdir()
    found, strays = managed_files(files)
    assert found == []
    assert sorted(codes(strays)) == [
        ('HEALTH_MANAGED_STRAY', 'managed/vpcs/notes.txt'),
        ('HEALTH_MANAGED_STRAY', 'managed/vpcs/vpc-9.yaml'),
    ]


def test_one_valid_object_at_its_own_path_passes():
    inspection = inspect_managed_file(GROUP_PATH, GROUP, MAX_BYTES)
    assert inspection.findings == []
    assert inspection.object == (GROUP_PATH, 'SwitchGroup', 'sg-1', {})


@pytest.mark.parametrize(
    ('data', 'code'),
    [
        (b'kind: [unclosed\n', 'HEALTH_MANAGED_UNPARSABLE'),
        (GROUP + b'---\n' + GROUP, 'HEALTH_MANAGED_DOCUMENT_COUNT'),
        (b'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sg-1\n', 'HEALTH_MANAGED_FOREIGN'),
        (GROUP.replace(b'spec: {}', b'spec: 7'), 'HEALTH_MANAGED_INVALID'),
    ],
)
def test_a_file_that_is_not_one_valid_object_fails(data, code):
    inspection = inspect_managed_file(GROUP_PATH, data, MAX_BYTES)
    assert (codes(inspection.findings), inspection.object) == ([(code, GROUP_PATH)], None)


def test_a_valid_object_elsewhere_is_misplaced_and_says_where_it_belongs():
    renamed = inspect_managed_file('managed/switchgroups/other.yaml', GROUP, MAX_BYTES)
    assert (codes(renamed.findings), renamed.target) == (
        [('HEALTH_MANAGED_NAME_MISMATCH', 'managed/switchgroups/other.yaml')],
        GROUP_PATH,
    )
    moved = inspect_managed_file('managed/vpcs/sg-1.yaml', GROUP, MAX_BYTES)
    assert codes(moved.findings) == [('HEALTH_MANAGED_WRONG_DIR', 'managed/vpcs/sg-1.yaml')]


def test_a_file_with_its_rows_hash_passes_without_being_parsed(layout, files):
    put(layout, GROUP_PATH, GROUP)
    row = IndexRow(GROUP_PATH, sha256(GROUP), 'SwitchGroup', 'sg-1', keys=())
    assert check_managed(files, [GROUP_PATH], {GROUP_PATH: row}, MAX_BYTES) == ([], [row])


def test_a_file_with_its_rows_size_and_time_is_trusted_without_being_read(layout, files):
    put(layout, GROUP_PATH, GROUP)
    found = os.lstat(layout.path / GROUP_PATH)
    row = IndexRow(GROUP_PATH, 'not read', 'SwitchGroup', 'sg-1', (), found.st_size, found.st_mtime_ns)
    assert check_managed(files, [GROUP_PATH], {GROUP_PATH: row}, MAX_BYTES) == ([], [row])


def test_a_file_changed_since_indexed_or_never_indexed_fails(layout, files):
    put(layout, GROUP_PATH, GROUP)
    row = IndexRow(GROUP_PATH, sha256(b'before'), 'SwitchGroup', 'sg-1', keys=())
    findings, objects = check_managed(files, [GROUP_PATH], {GROUP_PATH: row}, MAX_BYTES)
    assert codes(findings) == [('HEALTH_INDEX_HASH_MISMATCH', GROUP_PATH)]
    assert objects == [IndexRow(GROUP_PATH, sha256(GROUP), 'SwitchGroup', 'sg-1', spec={})]  # read from the file
    findings, _ = check_managed(files, [GROUP_PATH], {}, MAX_BYTES)
    assert codes(findings) == [('HEALTH_INDEX_FILE_UNINDEXED', GROUP_PATH)]


def test_no_missing_file_passes_and_each_missing_one_says_what_fix_does():
    assert check_missing([]) == []
    missing = [
        Missing('managed/vpcs/vpc-1.yaml', 'VPC', 'vpc-1', MissingSource.GIT),
        Missing('managed/vpcs/vpc-2.yaml', 'VPC', 'vpc-2', MissingSource.INDEX),
        Missing('managed/vpcs/vpc-3.yaml', 'VPC', 'vpc-3', MissingSource.COMMITTED),
    ]
    findings = check_missing(missing)
    assert codes(findings) == [
        ('HEALTH_MANAGED_MISSING', 'managed/vpcs/vpc-1.yaml'),
        ('HEALTH_MANAGED_MISSING', 'managed/vpcs/vpc-2.yaml'),
        ('HEALTH_INDEX_ROW_ORPHANED', 'managed/vpcs/vpc-3.yaml'),
    ]
    assert 'git HEAD' in findings[0].message and 'the index' in findings[1].message


def attachment(keys):
    return IndexRow(ATTACHMENT_PATH, 'x', 'VPCAttachment', 'vpc-1--server-01', keys=keys)


def test_references_to_objects_managed_holds_pass():
    keys = ('Connection/server-01--unbundled--leaf-01', 'VPC/vpc-1')
    objects = [
        attachment(keys),
        IndexRow('managed/vpcs/vpc-1.yaml', 'x', 'VPC', 'vpc-1', keys=()),
        IndexRow('managed/connections/c.yaml', 'x', 'Connection', 'server-01--unbundled--leaf-01', keys=()),
    ]
    assert check_references(objects, 'dc1', load_specs=lambda paths: pytest.fail('no spec is read')) == []


def test_a_dangling_reference_names_the_field_from_the_spec_read_again():
    objects = [attachment(('Connection/server-01--unbundled--leaf-01', 'VPC/vpc-1'))]
    asked = []

    def load_specs(paths):
        asked.extend(paths)
        return {ATTACHMENT_PATH: ATTACHMENT_SPEC}

    findings = check_references(objects, 'dc1', load_specs)
    assert asked == [ATTACHMENT_PATH]
    assert [(finding.code, finding.path) for finding in findings] == [
        ('HEALTH_REF_DANGLING', 'spec.connection'),
        ('HEALTH_REF_DANGLING', 'spec.subnet'),
    ]
    assert 'managed/ of fabric dc1' in findings[0].message
