"""The tree spec: layout, manifest and path rules, as onboarding, ingestion and health rely on them."""

import os

import pytest

from netbox_hedgehog.core.kinds import KINDS, LAYOUT_VERSION, by_kind, managed_dirs
from netbox_hedgehog.core.tree import (
    FIRST_LAYOUT,
    GITKEEP,
    TREE_FORMAT_VERSION,
    Manifest,
    ManifestError,
    TreeLayout,
    UnsafePathError,
    check_gitops_path,
    default_gitops_path,
    folder_layout,
    is_yaml_name,
    layout_folders,
    parse_manifest,
    paths_overlap,
    read_manifest,
    render_manifest,
    resolve_tree,
)


def test_layout_lists_every_directory_parents_first(tmp_path):
    layout = TreeLayout(tmp_path / 'dc1')

    names = [str(path.relative_to(tmp_path)) for path in layout.directories()]

    assert names == [
        'dc1',
        'dc1/raw',
        'dc1/managed',
        *(f'dc1/managed/{name}' for name in managed_dirs()),
        'dc1/unmanaged',
        'dc1/.hnp',
    ]
    assert len(set(names)) == len(names) == 5 + 15
    assert layout.manifest == tmp_path / 'dc1' / '.hnp' / 'manifest.yaml'
    assert GITKEEP == '.gitkeep'


def test_managed_dir_takes_a_kind_or_its_name_from_the_registry(tmp_path):
    layout = TreeLayout(tmp_path)

    assert layout.managed_dir('VPC') == tmp_path / 'managed' / 'vpcs'
    assert layout.managed_dir(by_kind('VLANNamespace')) == tmp_path / 'managed' / 'vlannamespaces'
    assert {layout.managed_dir(kind).name for kind in KINDS} == set(managed_dirs())
    with pytest.raises(ValueError, match='Pod'):
        layout.managed_dir('Pod')


def test_manifest_is_deterministic_and_reads_back():
    text = render_manifest('dc1', 7)

    assert text == render_manifest('dc1', 7)
    assert 'format_version: 1' in text and 'layout_version: 2' in text
    assert parse_manifest(text) == Manifest(TREE_FORMAT_VERSION, 'dc1', 7, LAYOUT_VERSION)


@pytest.mark.parametrize('name', ['yes', '123', 'a: b', "it's", 'Zürich #1', '- x'])
def test_manifest_keeps_awkward_fabric_names_exact(name):
    assert parse_manifest(render_manifest(name, None)) == Manifest(TREE_FORMAT_VERSION, name, None, LAYOUT_VERSION)


def test_a_manifest_without_a_layout_is_of_the_first_layout_and_still_describes_its_fabric():
    # As every tree made before the gateway kinds has it: health must not call it outdated.
    manifest = parse_manifest('format_version: 1\nfabric:\n  name: dc1\n  id: 7\n')
    assert manifest.layout_version == FIRST_LAYOUT == 1
    assert manifest.describes('dc1', 7)


def test_the_gateway_folders_came_with_layout_2():
    assert layout_folders(1) == tuple(folder for folder in layout_folders() if folder_layout(folder) == 1)
    assert [folder for folder in layout_folders() if folder_layout(folder) == 2] == [
        'managed/gateways',
        'managed/gatewaygroups',
        'managed/gatewaypeerings',
    ]


def test_read_manifest_reads_the_file(tmp_path):
    path = tmp_path / 'manifest.yaml'
    path.write_text(render_manifest('dc1', 3), encoding='utf-8')

    assert read_manifest(path).fabric_id == 3


@pytest.mark.parametrize(
    ('text', 'message'),
    [
        ('fabric: [', 'not valid YAML'),
        ('- a list', 'must be a mapping'),
        ('format_version: true\nfabric: {name: a, id: 1}', 'must be a mapping'),
        ('format_version: 1\nfabric: {id: 1}', 'must name the fabric'),
        ('format_version: 1\nfabric: {name: a, id: "1"}', 'must name the fabric'),
        ('format_version: 99\nfabric: {name: a, id: 1}', 'newer than this plugin reads'),
        ('format_version: 1\nlayout_version: 99\nfabric: {name: a, id: 1}', 'newer than this plugin knows'),
        ('format_version: 1\nlayout_version: two\nfabric: {name: a, id: 1}', 'whole number'),
    ],
)
def test_manifest_that_makes_no_sense_is_refused_with_the_reason(text, message):
    with pytest.raises(ManifestError, match=message):
        parse_manifest(text, source='x/.hnp/manifest.yaml')


def test_manifest_ownership_goes_by_id_when_both_know_one_else_by_name():
    manifest = Manifest(1, 'dc1', 7)

    assert manifest.belongs_to('renamed', 7)
    assert not manifest.belongs_to('dc1', 8)
    assert manifest.belongs_to('dc1', None)
    assert not manifest.belongs_to('dc2', None)
    assert Manifest(1, 'dc1', None).belongs_to('dc1', 9)
    assert manifest.describes('dc1', 7)
    assert not manifest.describes('renamed', 7)


@pytest.mark.parametrize('value', ['dc1', 'sites/eu/dc1', 'dc-1.prod_x', 'Zürich', '...', 'a' * 255])
def test_plain_relative_paths_are_accepted(value):
    assert check_gitops_path(value) is None


@pytest.mark.parametrize(
    ('value', 'reason'),
    [
        ('/etc', 'absolute'),
        ('../x', "'..'"),
        ('a/../../b', "'..'"),
        ('a/..', "'..'"),
        ('./a', "'.'"),
        ('a//b', 'empty part'),
        ('a/', 'empty part'),
        ('', 'empty'),
        ('a\0b', 'NUL'),
        ('a\nb', 'control characters'),
        ('dc\x1b[31m', 'control characters'),
        ('a\x85', 'control characters'),
        ('a\ud800', 'lone surrogates'),
        ('a' * 256, '256 bytes'),
        ('é' * 128, '256 bytes'),
        (None, 'text'),
    ],
)
def test_unsafe_or_ambiguous_paths_are_refused_with_a_reason(value, reason):
    assert reason in check_gitops_path(value)


@pytest.mark.parametrize('value', ['/etc', '../x', 'a//b', 'a/../../b'])
def test_resolve_tree_refuses_unsafe_paths_naming_path_and_reason(tmp_path, value):
    with pytest.raises(UnsafePathError) as caught:
        resolve_tree(tmp_path, value)

    assert isinstance(caught.value, ValueError)
    assert repr(value) in str(caught.value)
    assert caught.value.path == value
    assert caught.value.reason in str(caught.value)


def test_resolve_tree_joins_a_safe_path_under_the_root(tmp_path):
    assert resolve_tree(tmp_path, 'sites/dc1') == tmp_path / 'sites' / 'dc1'


def test_symlink_leaving_the_root_is_refused(tmp_path):
    root = tmp_path / 'root'
    root.mkdir()
    (root / 'escape').symlink_to(tmp_path)

    with pytest.raises(UnsafePathError, match='outside gitops_root') as caught:
        resolve_tree(root, 'escape/dc1')

    assert str(root / 'escape') in str(caught.value)


def test_symlink_staying_inside_the_root_is_refused_too(tmp_path):
    (tmp_path / 'real').mkdir()
    (tmp_path / 'alias').symlink_to(tmp_path / 'real')

    with pytest.raises(UnsafePathError, match='real directories'):
        resolve_tree(tmp_path, 'alias')


def test_dangling_symlink_is_refused(tmp_path):
    (tmp_path / 'gone').symlink_to(tmp_path / 'nowhere')

    with pytest.raises(UnsafePathError, match='symbolic link'):
        resolve_tree(tmp_path, 'gone/dc1')


def test_root_itself_may_be_a_symlink(tmp_path):
    (tmp_path / 'real').mkdir()
    os.symlink(tmp_path / 'real', tmp_path / 'root')

    assert resolve_tree(tmp_path / 'root', 'dc1') == tmp_path / 'root' / 'dc1'


@pytest.mark.parametrize(
    ('name', 'expected'),
    [('dc1', 'dc1'), ('DC 1/prod', 'DC-1-prod'), ('..', 'fabric'), ('  ', 'fabric'), ('Zürich', 'Zürich')],
)
def test_default_gitops_path_is_the_name_made_safe(name, expected):
    assert default_gitops_path(name) == expected
    assert check_gitops_path(default_gitops_path(name)) is None


def test_default_gitops_path_fits_a_file_name():
    assert check_gitops_path(default_gitops_path('ü' * 300)) is None


@pytest.mark.parametrize(
    ('first', 'second', 'overlap'),
    [
        ('dc1', 'dc1', True),
        ('dc1', 'dc1/raw', True),
        ('eu/dc1', 'eu', True),
        ('dc1', 'dc10', False),
        ('a/b', 'a/c', False),
    ],
)
def test_paths_overlap_when_one_tree_would_contain_the_other(first, second, overlap):
    assert paths_overlap(first, second) is overlap
    assert paths_overlap(second, first) is overlap


@pytest.mark.parametrize(('name', 'yaml'), [('a.yaml', True), ('b.YML', True), ('c.yaml.bak', False), ('yaml', False)])
def test_yaml_files_are_known_by_their_suffix(name, yaml):
    assert is_yaml_name(name) is yaml
