"""Health's plain checks of a tree apart from managed/, each with a tree or input that passes and one that
fails: the layout, links, the manifest, raw/, unmanaged/ and free disk space. Real files, no Django."""

import os

import pytest

from netbox_hedgehog.core.tree import GITKEEP, TreeLayout, layout_folders, render_manifest
from netbox_hedgehog.services.health_checks import (
    check_disk,
    check_links,
    check_manifest,
    check_raw,
    check_tree,
    check_unmanaged,
    raw_files,
)
from netbox_hedgehog.services.treefs import open_tree

NOW = 1_800_000_000.0
HOUR = 3600


def codes(findings):
    return [(finding.code, finding.file) for finding in findings]


@pytest.fixture
def tree(tmp_path):
    """A tree as onboarding makes it for fabric dc1 (id 1): every folder of the layout and the manifest."""
    path = tmp_path / 'dc1'
    for folder in layout_folders():
        (path / folder).mkdir(parents=True)
    (path / 'raw' / GITKEEP).write_bytes(b'')
    (path / '.hnp' / 'manifest.yaml').write_text(render_manifest('dc1', 1))
    return TreeLayout(path)


def files_of(layout):
    return open_tree(layout.path.parent, layout.path.name)


def test_a_complete_layout_passes(tree):
    assert check_tree(tree) == []


def test_a_missing_tree_and_a_missing_folder_fail(tree, tmp_path):
    assert codes(check_tree(TreeLayout(tmp_path / 'nowhere'))) == [('HEALTH_TREE_MISSING', '')]
    os.rmdir(tree.unmanaged)
    assert codes(check_tree(tree)) == [('HEALTH_DIR_MISSING', 'unmanaged/')]


def test_a_file_where_a_folder_belongs_fails(tree):
    os.rmdir(tree.unmanaged)
    tree.unmanaged.write_text('not a folder')
    assert codes(check_tree(tree)) == [('HEALTH_DIR_NOT_DIRECTORY', 'unmanaged/')]


def test_nothing_below_a_linked_folder_is_looked_at(tree):
    for folder in [path for path in tree.directories() if path.parent == tree.managed]:
        os.rmdir(folder)
    assert check_tree(tree, linked={'managed'}) == []  # HEALTH_SYMLINK reports the link itself


@pytest.mark.skipif(os.geteuid() == 0, reason='root may write anywhere')
def test_a_folder_netbox_cannot_write_in_fails(tree):
    tree.raw.chmod(0o555)
    try:
        assert codes(check_tree(tree)) == [('HEALTH_DIR_NOT_WRITABLE', 'raw/')]
    finally:
        tree.raw.chmod(0o755)


def test_links_are_errors_by_path():
    assert check_links([]) == []
    assert codes(check_links(['managed/vpcs', 'raw'])) == [
        ('HEALTH_SYMLINK', 'managed/vpcs'),
        ('HEALTH_SYMLINK', 'raw'),
    ]


def test_the_fabrics_own_manifest_passes(tree):
    with files_of(tree) as files:
        assert check_manifest(tree, 'dc1', 1, files, str(tree.path.parent)) == []


@pytest.mark.parametrize(
    ('manifest', 'code'),
    [
        (None, 'HEALTH_MANIFEST_MISSING'),
        ('fabric: [unclosed\n', 'HEALTH_MANIFEST_INVALID'),
        (render_manifest('dc2', 2), 'HEALTH_MANIFEST_FOREIGN'),
        (render_manifest('dc1-old-name', 1), 'HEALTH_MANIFEST_OUTDATED'),
    ],
)
def test_a_missing_unreadable_foreign_or_outdated_manifest_fails(tree, manifest, code):
    if manifest is None:
        tree.manifest.unlink()
    else:
        tree.manifest.write_text(manifest)
    with files_of(tree) as files:
        findings = check_manifest(tree, 'dc1', 1, files, str(tree.path.parent))
    assert codes(findings) == [(code, '.hnp/manifest.yaml')]
    assert str(tree.path.parent) not in findings[0].message  # no server path for the fabric's viewers


def test_nothing_waiting_in_raw_passes():
    stats = {}
    assert check_raw([], {}, NOW, HOUR, stats) == []
    assert stats == {'raw_backlog': 0, 'raw_rejected': 0, 'raw_oldest_age_seconds': None}


def test_a_file_waiting_is_pending_and_stale_once_it_waited_too_long():
    stats = {}
    assert codes(check_raw([('raw/a.yaml', NOW - 60)], {}, NOW, HOUR, stats)) == [('HEALTH_RAW_PENDING', 'raw/')]
    assert stats['raw_oldest_age_seconds'] == 60
    assert codes(check_raw([('raw/a.yaml', NOW - 2 * HOUR)], {}, NOW, HOUR, {})) == [('HEALTH_RAW_STALE', 'raw/')]


def test_a_rejected_file_and_files_never_ingested_are_named():
    rejected = {'raw/bad.yaml': [{'message': 'kind is missing.', 'line': 3}]}
    listed = [('raw/bad.yaml', NOW), ('raw/notes.txt', NOW), ('raw/.draft.yaml', NOW)]
    stats = {}
    findings = check_raw(listed, rejected, NOW, HOUR, stats)
    assert codes(findings) == [('HEALTH_RAW_REJECTED', 'raw/bad.yaml'), ('HEALTH_RAW_IGNORED', 'raw/')]
    assert findings[0].line == 3 and 'kind is missing.' in findings[0].message
    assert (stats['raw_backlog'], stats['raw_rejected']) == (3, 1)


def test_raw_files_lists_every_entry_but_the_gitkeep(tree):
    (tree.raw / 'a.yaml').write_text('kind: VPC\n')
    os.utime(tree.raw / 'a.yaml', (NOW, NOW))
    with files_of(tree) as files:
        assert raw_files(files) == [('raw/a.yaml', NOW)]


def test_an_empty_unmanaged_folder_passes_and_kept_documents_are_counted(tree):
    stats = {}
    with files_of(tree) as files:
        assert check_unmanaged(files, stats) == []
        (tree.unmanaged / 'configmap-x.yaml').write_text('kind: ConfigMap\n')
        assert codes(check_unmanaged(files, stats)) == [('HEALTH_UNMANAGED_DOCUMENTS', 'unmanaged/')]
    assert stats == {'unmanaged_files': 1}


def test_free_disk_space_above_the_minimum_passes_and_below_it_fails(tmp_path):
    stats = {}
    assert check_disk(tmp_path, 0, stats) == []
    assert stats['free_bytes'] > 0
    assert codes(check_disk(tmp_path, 2**62, {})) == [('HEALTH_DISK_LOW', '')]
