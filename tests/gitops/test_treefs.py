"""The one way into a tree (gitops/treefs/) on real files: no symbolic link is ever followed, races included."""

import errno
import hashlib
import os

import pytest

from netbox_hedgehog.services import treefs
from netbox_hedgehog.services.fileops import FileOperations, writing
from netbox_hedgehog.services.treefs import LINKS_ASIDE, LinkRefused, RawState, Tree, find_links, raw_entries

SECRET = b'root:x:0:0:the server secret\n'


@pytest.fixture
def outside(tmp_path):
    """A folder outside the tree holding a secret file: it must stay byte for byte as it is."""
    folder = tmp_path / 'outside'
    folder.mkdir()
    (folder / 'secret.yaml').write_bytes(SECRET)
    return folder


@pytest.fixture
def root(tmp_path):
    root = tmp_path / 'root'
    for folder in ('dc1/raw', 'dc1/managed/vpcs', 'dc1/unmanaged', 'dc1/.hnp'):
        (root / folder).mkdir(parents=True)
    return root


@pytest.fixture
def tree(root):
    with Tree(root, 'dc1') as tree:
        yield tree


def snapshot(folder):
    """Every path below `folder` (links as themselves) with the SHA-256 of its bytes."""
    found = {}
    for parent, folders, names in os.walk(folder):
        for name in folders + names:
            path = os.path.join(parent, name)
            if os.path.islink(path):
                found[path] = 'link:' + os.readlink(path)
            elif os.path.isfile(path):
                found[path] = hashlib.sha256(open(path, 'rb').read()).hexdigest()
            else:
                found[path] = 'folder'
    return found


def test_reads_writes_renames_and_removals_stay_in_the_tree(tree, root):
    tree.write_new('raw/a.yaml', b'kind: VPC\n', fsync=True)
    assert tree.read('raw/a.yaml') == b'kind: VPC\n'
    tree.replace('raw/a.yaml', 'managed/vpcs/a.yaml')
    tree.move_new('managed/vpcs/a.yaml', 'unmanaged/a.yaml')
    tree.append('.hnp/log.jsonl', b'one\n')
    tree.append('.hnp/log.jsonl', b'two\n')
    assert (root / 'dc1/unmanaged/a.yaml').read_bytes() == b'kind: VPC\n'
    assert (root / 'dc1/.hnp/log.jsonl').read_bytes() == b'one\ntwo\n'
    with pytest.raises(FileExistsError):
        tree.write_new('unmanaged/a.yaml', b'other')
    tree.folder('managed/servers/deep', create=True)
    assert (root / 'dc1/managed/servers/deep').is_dir()
    tree.unlink('unmanaged/a.yaml')
    tree.unlink('unmanaged/a.yaml', missing_ok=True)
    assert not (root / 'dc1/unmanaged/a.yaml').exists()


@pytest.mark.parametrize('folder', ['raw', 'managed', 'managed/vpcs', 'unmanaged', '.hnp'])
def test_a_linked_folder_is_refused_for_every_operation_and_nothing_outside_changes(tree, root, outside, folder):
    (root / 'dc1' / folder).rename(root / 'dc1' / f'{folder}.moved')
    (root / 'dc1' / folder).symlink_to(outside)
    before = snapshot(outside)
    operations = [
        lambda: tree.read(f'{folder}/secret.yaml'),
        lambda: tree.lstat(f'{folder}/secret.yaml'),
        lambda: tree.write_new(f'{folder}/new.yaml', b'x'),
        lambda: tree.append(f'{folder}/secret.yaml', b'x'),
        lambda: tree.unlink(f'{folder}/secret.yaml'),
        lambda: tree.replace(f'{folder}/secret.yaml', f'{folder}/other.yaml'),
        lambda: tree.scandir(folder),
        lambda: list(tree.walk(folder)),
        lambda: tree.folder(f'{folder}/sub', create=True),
    ]
    for operation in operations:
        with pytest.raises(LinkRefused) as refused:
            operation()
        assert refused.value.errno == errno.ELOOP
        assert refused.value.filename == folder  # relative to the tree: no server path in the message
        assert str(root) not in str(refused.value) and str(outside) not in str(refused.value)
    assert snapshot(outside) == before
    assert find_links(tree) == [folder]


def test_a_linked_file_is_never_read_nor_written_through(tree, root, outside):
    (root / 'dc1/raw/evil.yaml').symlink_to(outside / 'secret.yaml')
    before = snapshot(outside)
    with pytest.raises(LinkRefused, match='raw/evil.yaml'):
        tree.read('raw/evil.yaml')
    with pytest.raises(LinkRefused):
        tree.append('raw/evil.yaml', b'appended')
    with pytest.raises(FileExistsError):
        tree.write_new('raw/evil.yaml', b'written')
    # A rename over the link and a removal act on the link itself.
    tree.write_new('raw/.new', b'mine')
    tree.replace('raw/.new', 'raw/evil.yaml')
    assert (root / 'dc1/raw/evil.yaml').read_bytes() == b'mine'
    tree.unlink('raw/evil.yaml')
    assert snapshot(outside) == before


def test_a_link_above_the_tree_is_refused_with_the_path_from_gitops_root(root, outside):
    (root / 'site').mkdir()
    (root / 'site/fabric').symlink_to(root / 'dc1')
    with Tree(root, 'site/fabric') as tree, pytest.raises(LinkRefused) as refused:
        tree.read('raw/a.yaml')
    assert refused.value.filename == 'site/fabric'


def test_a_missing_file_names_its_tree_relative_path(tree):
    with pytest.raises(FileNotFoundError) as missing:
        tree.read('managed/vpcs/absent.yaml')
    assert missing.value.filename == 'managed/vpcs/absent.yaml'


def test_a_fifo_is_not_read_and_does_not_hang(tree, root):
    os.mkfifo(root / 'dc1/raw/pipe.yaml')
    with pytest.raises(treefs.NotRegularFile):
        tree.read('raw/pipe.yaml')
    with pytest.raises(treefs.NotRegularFile):
        tree.read('raw')


def test_paths_that_could_leave_the_tree_are_refused(tree):
    for bad in ('../x', 'raw/../../x', '/etc/passwd', 'raw//x', './raw'):
        with pytest.raises(ValueError):
            tree.folder(bad)


def test_find_links_names_linked_layout_folders_and_links_inside_managed_unmanaged_and_hnp(tree, root, outside):
    assert find_links(tree) == []
    (root / 'dc1/managed/vpcs/a.yaml').symlink_to(outside / 'secret.yaml')
    (root / 'dc1/unmanaged/deeper').mkdir()
    (root / 'dc1/unmanaged/deeper/b.yaml').symlink_to(outside)
    (root / 'dc1/.hnp/ingestions.jsonl').symlink_to(outside / 'log')
    (root / 'dc1/raw/c.yaml').symlink_to(outside / 'secret.yaml')  # raw/: not read, but stops nothing
    assert find_links(tree) == ['.hnp/ingestions.jsonl', 'managed/vpcs/a.yaml', 'unmanaged/deeper/b.yaml']
    # Links that fix moved aside are kept for a person and stop nothing.
    (root / 'dc1' / LINKS_ASIDE).mkdir()
    for name in ('.hnp/ingestions.jsonl', 'managed/vpcs/a.yaml', 'unmanaged/deeper/b.yaml'):
        tree.move_new(name, f'{LINKS_ASIDE}/{name.replace("/", "__")}')
    assert find_links(tree) == []
    assert (root / 'dc1' / LINKS_ASIDE / 'managed__vpcs__a.yaml').is_symlink()


def test_one_raw_listing_rule(tree, root, outside):
    raw = root / 'dc1/raw'
    (raw / 'a.yaml').write_text('a')
    (raw / 'b.txt').write_text('b')
    (raw / '.hidden.yaml').write_text('c')
    (raw / '.gitkeep').touch()
    (raw / 'sub').mkdir()
    (raw / 'sub/d.yml').write_text('d')
    (raw / 'link.yaml').symlink_to(outside / 'secret.yaml')
    (raw / 'folder-link').symlink_to(outside)
    os.mkfifo(raw / 'pipe.yaml')
    listed = {entry.path: entry.state for entry in raw_entries(tree)}
    assert listed == {
        'raw/.hidden.yaml': RawState.HIDDEN,
        'raw/a.yaml': RawState.WAITING,
        'raw/b.txt': RawState.NOT_YAML,
        'raw/folder-link': RawState.LINK,
        'raw/link.yaml': RawState.LINK,
        'raw/pipe.yaml': RawState.SPECIAL,
        'raw/sub/d.yml': RawState.WAITING,
    }
    assert list(listed) == sorted(listed)
    # The listing's stat is the link's own, never its target's.
    link = next(entry for entry in raw_entries(tree) if entry.path == 'raw/link.yaml')
    assert link.stat().st_size == len(str(outside / 'secret.yaml'))


def test_a_folder_swapped_for_a_link_between_the_check_and_the_write_writes_nothing_outside(tree, root, outside):
    """The race: the run checks the tree (no link), then, before it writes, managed/vpcs becomes a link to a
    folder outside. The write goes to the folder that was checked, or fails; never outside."""
    assert find_links(tree) == []
    before = snapshot(outside)
    files = [(f'managed/vpcs/object-{n}.yaml', b'kind: VPC\n') for n in range(3)]
    tree.folder('managed/vpcs')  # checked and opened
    vpcs = root / 'dc1/managed/vpcs'
    vpcs.rename(root / 'dc1/managed/vpcs-real')
    vpcs.symlink_to(outside)
    with writing(FileOperations(tree), files, 1, lambda *progress: None):
        pass
    assert snapshot(outside) == before
    assert sorted(os.listdir(root / 'dc1/managed/vpcs-real')) == ['object-0.yaml', 'object-1.yaml', 'object-2.yaml']
    # A folder removed and replaced by a link: creating in the removed folder fails; nothing outside.
    tree.folder('unmanaged')
    (root / 'dc1/unmanaged').rmdir()
    (root / 'dc1/unmanaged').symlink_to(outside)
    with pytest.raises(FileNotFoundError):
        tree.write_new('unmanaged/x.yaml', b'x')
    assert snapshot(outside) == before


def test_a_folder_swapped_for_a_link_before_it_is_first_opened_is_refused(root, outside):
    before = snapshot(outside)
    vpcs = root / 'dc1/managed/vpcs'
    vpcs.rename(root / 'dc1/managed/vpcs-real')
    vpcs.symlink_to(outside)
    with Tree(root, 'dc1') as tree:
        with writing(FileOperations(tree), [('managed/vpcs/x.yaml', b'x')], 1, lambda *progress: None) as failed:
            pass
    # The writer goes on past a file it cannot write and names it (the run rejects its raw file).
    assert isinstance(failed['managed/vpcs/x.yaml'], LinkRefused)
    assert snapshot(outside) == before
