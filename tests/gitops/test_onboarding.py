"""Onboarding on a real file system: a complete, writable tree, or an error and nothing left behind."""

import errno
import json
import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from netbox_hedgehog.core.findings import Severity
from netbox_hedgehog.core.tree import GITKEEP, TreeLayout, layout_folders, render_manifest
from netbox_hedgehog.services.health_checks import check_tree
from netbox_hedgehog.services.onboarding import (
    AdoptionConflictError,
    ForeignTreeError,
    OnboardingError,
    initialize,
    undo,
)

# Every call onboarding makes that changes the disk: each one is made to fail at each of its uses.
MUTATING_CALLS = ('mkdir', 'open', 'write', 'fsync', 'replace', 'link', 'unlink')


def snapshot(root):
    """Everything under `root`: directories, symbolic links and the bytes of every file."""
    state = {}
    for folder, directories, files in os.walk(root):
        for name in directories + files:
            path = Path(folder) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                state[key] = ('link', os.readlink(path))
            elif path.is_dir():
                state[key] = 'dir'
            else:
                state[key] = path.read_bytes()
    return state


@contextmanager
def failing_call(name, at, error=None):
    """Make `os.<name>` raise on its `at`-th call (never when `at` is 0); yields the call counter."""
    real = getattr(os, name)
    calls = []

    def fake(*args, **kwargs):
        calls.append(args)
        if len(calls) == at:
            raise error or OSError(errno.EIO, os.strerror(errno.EIO))
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, name, fake)
        yield calls


def onboard(root, gitops_path='dc1', **options):
    return initialize(
        root, gitops_path, fabric_name=options.pop('name', 'dc1'), fabric_id=options.pop('id', 7), **options
    )


def fresh_scenario(root):
    """A root holding another folder; the fabric goes two levels below an existing one."""
    (root / 'site').mkdir(parents=True)
    (root / 'site' / 'other.txt').write_text('not ours\n')
    return 'site/eu/dc1'


def adopting_scenario(root):
    """A half-made tree with the user's files: YAML to adopt, raw/ and managed/vpcs/ already in use."""
    tree = root / 'dc1'
    (tree / 'raw').mkdir(parents=True)
    (tree / 'raw' / 'earlier.yaml').write_text('kind: VPC\n')
    (tree / 'managed' / 'vpcs').mkdir(parents=True)
    (tree / 'managed' / 'vpcs' / 'vpc-1.yaml').write_text('kind: VPC\nmetadata: {name: vpc-1}\n')
    (tree / 'wiring.yaml').write_text('kind: Switch\n')
    (tree / 'vpcs.yml').write_text('kind: VPC\n')
    (tree / 'notes.txt').write_text('remember\n')
    return 'dc1'


SCENARIOS = {'fresh': fresh_scenario, 'adopting': adopting_scenario}


# --- a complete tree --------------------------------------------------------------------------


def test_new_fabric_gets_the_complete_tree_with_manifest_and_gitkeeps(tmp_path):
    result = onboard(tmp_path)

    layout = TreeLayout(tmp_path / 'dc1')
    for directory in layout.directories():
        assert directory.is_dir()
    assert layout.manifest.read_text(encoding='utf-8') == render_manifest('dc1', 7)
    empty_leaves = [layout.raw, layout.unmanaged, *(layout.managed / name.name for name in layout.managed.iterdir())]
    assert all(os.listdir(leaf) == [GITKEEP] for leaf in empty_leaves)
    assert len(empty_leaves) == 2 + 15
    assert not (layout.path / GITKEEP).exists() and not (layout.hnp / GITKEEP).exists()
    assert set(snapshot(tmp_path)) == {
        str(path.relative_to(tmp_path)) for path in [*layout.directories(), layout.manifest]
    } | {str((leaf / GITKEEP).relative_to(tmp_path)) for leaf in empty_leaves}
    assert result.created[: len(layout.directories())] == list(layout.directories())
    assert result.present == [] and result.adopted == [] and result.findings == []
    assert result.changed and not result.dry_run and not result.raw_has_files


def test_missing_parent_folders_are_created_and_listed_first(tmp_path):
    result = onboard(tmp_path, 'sites/eu/dc1')

    assert result.created[:3] == [tmp_path / 'sites', tmp_path / 'sites' / 'eu', tmp_path / 'sites' / 'eu' / 'dc1']
    assert (tmp_path / 'sites' / 'eu' / 'dc1' / '.hnp' / 'manifest.yaml').is_file()


def test_second_run_changes_nothing_and_reports_everything_present(tmp_path):
    onboard(tmp_path)
    before = snapshot(tmp_path)

    again = onboard(tmp_path)

    layout = TreeLayout(tmp_path / 'dc1')
    assert snapshot(tmp_path) == before
    assert again.created == [] and again.adopted == [] and not again.changed
    assert again.present == [*layout.directories(), layout.manifest]


def test_missing_pieces_are_repaired_and_the_rest_left_alone(tmp_path):
    onboard(tmp_path)
    layout = TreeLayout(tmp_path / 'dc1')
    (layout.managed_dir('Switch') / GITKEEP).unlink()
    layout.managed_dir('Switch').rmdir()
    (layout.managed_dir('VPC') / 'vpc-1.yaml').write_text('kind: VPC\n')

    result = onboard(tmp_path)

    assert result.created == [layout.managed_dir('Switch'), layout.managed_dir('Switch') / GITKEEP]
    assert (layout.managed_dir('VPC') / 'vpc-1.yaml').read_text() == 'kind: VPC\n'


# The manifest onboarding wrote before the gateway kinds (tree layout 1): no layout_version.
LAYOUT_1_MANIFEST = (
    '# netbox-hedgehog: the fabric that owns this GitOps tree. Written by NetBox; do not edit.\n'
    'format_version: 1\nfabric:\n  name: dc1\n  id: 7\n'
)


def layout_1_tree(root):
    """A tree as onboarding made it before the gateway kinds, in use: 12 managed/ folders, objects, foreign
    documents, a provenance log."""
    tree = root / 'dc1'
    for folder in layout_folders(1):
        (tree / folder).mkdir(parents=True)
        if folder not in ('.hnp', 'managed'):
            (tree / folder / GITKEEP).write_bytes(b'')
    (tree / '.hnp' / 'manifest.yaml').write_text(LAYOUT_1_MANIFEST)
    (tree / '.hnp' / 'ingestions.jsonl').write_text('{"run": 1}\n')
    (tree / 'managed' / 'vpcs' / 'vpc-1.yaml').write_text('kind: VPC  # mine\nmetadata: {name: vpc-1}\n')
    (tree / 'unmanaged' / 'gateway-gateway-1-0123456789ab.yaml').write_text('# Not a Hedgehog fabric object\n')
    return TreeLayout(tree)


def test_a_layout_1_tree_gets_the_gateway_folders_and_nothing_else_changes(tmp_path):
    layout = layout_1_tree(tmp_path)
    before = snapshot(tmp_path)
    missing = [f'managed/{name}/' for name in ('gateways', 'gatewaygroups', 'gatewaypeerings')]
    assert [(f.code, f.file) for f in check_tree(layout)] == [('HEALTH_DIR_MISSING', path) for path in missing]
    assert 'tree layout 2' in check_tree(layout)[0].message

    result = onboard(tmp_path)

    after = snapshot(tmp_path)
    added = {path.rstrip('/') for path in missing} | {f'{path}{GITKEEP}' for path in missing}
    assert set(after) - set(before) == {f'dc1/{path}' for path in added}
    assert {path: after[path] for path in before} == before  # byte for byte, the manifest included
    assert {str(path.relative_to(layout.path)) for path in result.created} == added
    assert result.adopted == [] and result.findings == [] and result.replaced == []
    assert check_tree(layout) == []


def test_result_serializes_to_json(tmp_path):
    adopting_scenario(tmp_path)

    data = json.loads(json.dumps(onboard(tmp_path).as_dict()))

    assert data['changed'] is True and data['raw_has_files'] is True
    assert {'from': str(tmp_path / 'dc1' / 'vpcs.yml'), 'to': str(tmp_path / 'dc1' / 'raw' / 'vpcs.yml')} in data[
        'adopted'
    ]
    assert data['findings'][0]['code'] == 'tree-entry-not-adopted'


# --- adoption ---------------------------------------------------------------------------------


def test_yaml_files_in_the_fabric_folder_are_moved_into_raw(tmp_path):
    adopting_scenario(tmp_path)
    tree = tmp_path / 'dc1'
    wiring = (tree / 'wiring.yaml').read_bytes()

    result = onboard(tmp_path)

    assert result.adopted == [
        (tree / 'vpcs.yml', tree / 'raw' / 'vpcs.yml'),
        (tree / 'wiring.yaml', tree / 'raw' / 'wiring.yaml'),
    ]
    assert (tree / 'raw' / 'wiring.yaml').read_bytes() == wiring
    assert not (tree / 'wiring.yaml').exists() and not (tree / 'vpcs.yml').exists()
    assert sorted(os.listdir(tree / 'raw')) == ['earlier.yaml', 'vpcs.yml', 'wiring.yaml']
    assert (tree / 'notes.txt').read_text() == 'remember\n'
    assert [(f.code, f.severity, f.file) for f in result.findings] == [
        ('tree-entry-not-adopted', Severity.INFO, 'dc1/notes.txt')
    ]
    assert result.raw_has_files
    assert tree / 'raw' in result.present and tree / 'managed' / 'vpcs' in result.present
    assert sorted(os.listdir(tree / 'managed' / 'vpcs')) == ['vpc-1.yaml']


def test_hidden_files_and_symlinks_are_not_adopted(tmp_path):
    tree = tmp_path / 'dc1'
    tree.mkdir()
    (tree / '.gitlab-ci.yml').write_text('stages: []\n')
    (tmp_path / 'elsewhere.yaml').write_text('kind: VPC\n')
    (tree / 'linked.yaml').symlink_to(tmp_path / 'elsewhere.yaml')

    result = onboard(tmp_path)

    assert result.adopted == [] and not result.raw_has_files
    assert (tree / '.gitlab-ci.yml').is_file() and (tree / 'linked.yaml').is_symlink()
    assert [(f.severity, f.file) for f in result.findings] == [(Severity.WARNING, 'dc1/linked.yaml')]


def test_name_collision_in_raw_is_an_error_and_nothing_moves(tmp_path):
    adopting_scenario(tmp_path)
    tree = tmp_path / 'dc1'
    (tree / 'earlier.yaml').write_text('a different earlier\n')
    before = snapshot(tmp_path)

    with pytest.raises(AdoptionConflictError) as caught:
        onboard(tmp_path)

    assert snapshot(tmp_path) == before
    assert 'earlier.yaml' in str(caught.value) and 'nothing was moved' in str(caught.value)
    assert caught.value.path == str(tree / 'raw')


def test_raw_with_only_a_gitkeep_holds_no_files(tmp_path):
    onboard(tmp_path)
    assert not onboard(tmp_path).raw_has_files

    (tmp_path / 'dc1' / 'raw' / 'new.yaml').write_text('kind: VPC\n')
    assert onboard(tmp_path).raw_has_files


# --- someone else's tree ------------------------------------------------------------------------


def test_tree_of_another_fabric_is_refused_and_left_alone(tmp_path):
    onboard(tmp_path, name='other', id=9)
    (tmp_path / 'dc1' / 'stray.yaml').write_text('kind: VPC\n')
    before = snapshot(tmp_path)

    with pytest.raises(ForeignTreeError, match="belongs to fabric 'other'") as caught:
        onboard(tmp_path, name='dc1', id=7)

    assert snapshot(tmp_path) == before
    assert caught.value.path == str(tmp_path / 'dc1' / '.hnp' / 'manifest.yaml')


def test_renamed_fabric_keeps_its_tree_with_a_warning(tmp_path):
    onboard(tmp_path, name='old', id=7)
    manifest = (tmp_path / 'dc1' / '.hnp' / 'manifest.yaml').read_bytes()

    result = onboard(tmp_path, name='new', id=7)

    assert [f.code for f in result.findings] == ['tree-manifest-outdated']
    assert (tmp_path / 'dc1' / '.hnp' / 'manifest.yaml').read_bytes() == manifest


def test_unreadable_manifest_is_reported_not_overwritten(tmp_path):
    hnp = tmp_path / 'dc1' / '.hnp'
    hnp.mkdir(parents=True)
    (hnp / 'manifest.yaml').write_text('fabric: [\n')
    before = snapshot(tmp_path)

    with pytest.raises(OnboardingError, match='not valid YAML'):
        onboard(tmp_path)

    assert snapshot(tmp_path) == before


def test_tree_inside_another_fabrics_tree_is_refused(tmp_path):
    onboard(tmp_path, 'dc1', name='dc1', id=1)
    before = snapshot(tmp_path)

    with pytest.raises(ForeignTreeError, match='inside the GitOps tree'):
        onboard(tmp_path, 'dc1/raw/dc2', name='dc2', id=2)

    assert snapshot(tmp_path) == before


# --- path rules through the service ---------------------------------------------------------------


@pytest.mark.parametrize('gitops_path', ['/etc', '../x', 'a//b', 'a/../../b', 'x' * 256])
def test_unsafe_paths_are_refused_before_anything_is_made(tmp_path, gitops_path):
    root = tmp_path / 'root'
    root.mkdir()

    with pytest.raises(OnboardingError, match='refused') as caught:
        onboard(root, gitops_path)

    assert snapshot(tmp_path) == {'root': 'dir'}
    assert caught.value.path == gitops_path


def test_symlink_escaping_the_root_is_refused(tmp_path):
    root = tmp_path / 'root'
    root.mkdir()
    (root / 'dc1').symlink_to(tmp_path)

    with pytest.raises(OnboardingError, match='outside gitops_root'):
        onboard(root)

    assert snapshot(tmp_path) == {'root': 'dir', 'root/dc1': ('link', str(tmp_path))}


def test_symlinked_tree_directory_is_refused(tmp_path):
    (tmp_path / 'dc1').mkdir()
    (tmp_path / 'dc1' / 'raw').symlink_to('/tmp')
    before = snapshot(tmp_path)

    with pytest.raises(OnboardingError, match='symbolic link'):
        onboard(tmp_path)

    assert snapshot(tmp_path) == before


# --- failures: each one reported with path and reason, nothing left behind ---------------------------


def test_missing_root_is_an_error_naming_the_setting(tmp_path):
    with pytest.raises(OnboardingError, match='gitops_root') as caught:
        onboard(tmp_path / 'absent')

    assert str(tmp_path / 'absent') in str(caught.value) and 'does not exist' in str(caught.value)
    assert os.listdir(tmp_path) == []


def test_root_that_is_a_file_is_an_error(tmp_path):
    (tmp_path / 'root').write_text('x')

    with pytest.raises(OnboardingError, match='is not a directory') as caught:
        onboard(tmp_path / 'root')

    assert 'gitops_root' in str(caught.value)
    assert (tmp_path / 'root').read_text() == 'x'


def test_file_where_a_directory_must_go_fails_before_anything_is_made(tmp_path):
    (tmp_path / 'dc1' / 'managed').mkdir(parents=True)
    (tmp_path / 'dc1' / 'managed' / 'vpcs').write_text('in the way\n')
    before = snapshot(tmp_path)

    with pytest.raises(OnboardingError) as caught:
        onboard(tmp_path)

    assert snapshot(tmp_path) == before
    assert caught.value.path == str(tmp_path / 'dc1' / 'managed' / 'vpcs')
    assert 'not a directory' in str(caught.value) and caught.value.path in str(caught.value)


def test_path_too_long_for_the_os_removes_the_folders_already_made(tmp_path):
    gitops_path = '/'.join(f'{i:02d}' + 'n' * 248 for i in range(20))  # every part fits, the whole does not

    with pytest.raises(OnboardingError, match=r'\[Errno 36\] File name too long') as caught:
        onboard(tmp_path, gitops_path)

    assert os.listdir(tmp_path) == []
    assert caught.value.path in str(caught.value) and caught.value.leftovers == []


def test_unwritable_directory_is_reported_with_the_os_reason(tmp_path):
    onboard(tmp_path)
    before = snapshot(tmp_path)

    with failing_call('write', 1, OSError(errno.EROFS, os.strerror(errno.EROFS))):
        with pytest.raises(OnboardingError) as caught:
            onboard(tmp_path)

    assert str(caught.value) == f'cannot write in directory {tmp_path / "dc1"}: [Errno 30] Read-only file system'
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize('scenario', SCENARIOS)
@pytest.mark.parametrize('call', MUTATING_CALLS)
def test_failure_at_every_step_leaves_the_disk_as_it_was(tmp_path, scenario, call):
    counting_root = tmp_path / 'counting'
    gitops_path = SCENARIOS[scenario](counting_root)
    with failing_call(call, 0) as calls:
        onboard(counting_root, gitops_path)
    if scenario == 'adopting' and call in ('link', 'unlink'):
        assert calls, 'adoption moves by link and unlink'

    for step in range(1, len(calls) + 1):
        root = tmp_path / f'{call}-{step}'
        SCENARIOS[scenario](root)
        before = snapshot(root)
        with failing_call(call, step):
            with pytest.raises(OnboardingError) as caught:
                onboard(root, gitops_path)
        assert snapshot(root) == before, f'os.{call} failing at call {step} left changes behind'
        assert caught.value.path in str(caught.value)
        assert '[Errno 5] Input/output error' in str(caught.value)
        assert caught.value.leftovers == []


def test_failure_while_inspecting_the_tree_names_path_and_reason(tmp_path):
    adopting_scenario(tmp_path)
    before = snapshot(tmp_path)

    with failing_call('scandir', 1, OSError(errno.EIO, os.strerror(errno.EIO), str(tmp_path / 'dc1'))):
        with pytest.raises(OnboardingError) as caught:
            onboard(tmp_path)

    assert str(caught.value) == f'cannot inspect {tmp_path / "dc1"}: [Errno 5] Input/output error'
    assert snapshot(tmp_path) == before


def test_unexpected_exception_also_undoes_and_propagates_as_is(tmp_path):
    fresh_scenario(tmp_path)
    before = snapshot(tmp_path)

    with failing_call('fsync', 1, KeyboardInterrupt()):
        with pytest.raises(KeyboardInterrupt):
            onboard(tmp_path, 'site/eu/dc1')

    assert snapshot(tmp_path) == before


def test_what_could_not_be_undone_is_named_in_the_error(tmp_path):
    with failing_call('fsync', 1), failing_call('rmdir', 1, OSError(errno.EBUSY, os.strerror(errno.EBUSY))):
        with pytest.raises(OnboardingError) as caught:
            onboard(tmp_path)

    assert caught.value.leftovers == [
        f'remove directory {tmp_path / "dc1" / ".hnp"}: [Errno 16] Device or resource busy',
        f'remove directory {tmp_path / "dc1"}: [Errno 39] Directory not empty',
    ]
    assert 'could not undo' in str(caught.value)


# --- dry run and undo ---------------------------------------------------------------------------


@pytest.mark.parametrize('scenario', SCENARIOS)
def test_dry_run_touches_nothing_and_predicts_the_real_run(tmp_path, scenario):
    gitops_path = SCENARIOS[scenario](tmp_path)
    before = snapshot(tmp_path)

    planned = onboard(tmp_path, gitops_path, dry_run=True)

    assert snapshot(tmp_path) == before
    assert planned.dry_run and planned.changed
    done = onboard(tmp_path, gitops_path)
    assert {**planned.as_dict(), 'dry_run': False} == done.as_dict()


def test_dry_run_reports_the_same_refusals(tmp_path):
    adopting_scenario(tmp_path)
    (tmp_path / 'dc1' / 'raw' / 'wiring.yaml').write_text('taken\n')

    with pytest.raises(AdoptionConflictError):
        onboard(tmp_path, dry_run=True)


@pytest.mark.parametrize('scenario', SCENARIOS)
def test_undo_removes_exactly_what_the_call_made_and_moves_files_back(tmp_path, scenario):
    gitops_path = SCENARIOS[scenario](tmp_path)
    before = snapshot(tmp_path)
    result = onboard(tmp_path, gitops_path)

    assert undo(result) == []
    assert snapshot(tmp_path) == before


def test_undo_keeps_what_was_written_since_and_says_so(tmp_path):
    result = onboard(tmp_path)
    (tmp_path / 'dc1' / 'managed' / 'vpcs' / 'new.yaml').write_text('kind: VPC\n')

    leftovers = undo(result)

    assert (tmp_path / 'dc1' / 'managed' / 'vpcs' / 'new.yaml').read_text() == 'kind: VPC\n'
    assert [line.split(':')[0] for line in leftovers] == [
        f'remove directory {tmp_path / "dc1" / "managed" / "vpcs"}',
        f'remove directory {tmp_path / "dc1" / "managed"}',
        f'remove directory {tmp_path / "dc1"}',
    ]


def test_undo_of_a_dry_run_does_nothing(tmp_path):
    planned = onboard(tmp_path, dry_run=True)

    assert undo(planned) == []
    assert os.listdir(tmp_path) == []


def test_tree_of_a_fabric_that_no_longer_exists_can_be_claimed(tmp_path):
    onboard(tmp_path, name='dc1', id=7)
    claimed = onboard(tmp_path, name='dc1', id=8, claimable=lambda manifest: manifest.fabric_id == 7)
    manifest = TreeLayout(tmp_path / 'dc1').manifest
    assert manifest.read_text() == render_manifest('dc1', 8)
    assert [path for path, _ in claimed.replaced] == [manifest]
    assert claimed.changed
    assert [f.code for f in claimed.findings] == ['tree-claimed']
    assert not onboard(tmp_path, name='dc1', id=8).changed


def test_tree_claim_refused_by_the_caller_stays_foreign(tmp_path):
    onboard(tmp_path, name='dc1', id=7)
    with pytest.raises(ForeignTreeError):
        onboard(tmp_path, name='dc1', id=8, claimable=lambda manifest: False)


@pytest.mark.parametrize('call', ('open', 'replace'))
def test_failed_claim_puts_the_previous_manifest_back(tmp_path, call):
    onboard(tmp_path, name='dc1', id=7)
    (TreeLayout(tmp_path / 'dc1').managed_dir('VPC') / GITKEEP).unlink()
    before = snapshot(tmp_path)
    # open #1 is the new manifest's temporary file, #2 the .gitkeep, #3 the first writability probe:
    # by then the manifest was rewritten. replace #1 is the manifest's own rename.
    with failing_call(call, at=3 if call == 'open' else 1), pytest.raises(OnboardingError):
        onboard(tmp_path, name='dc1', id=8, claimable=lambda manifest: True)
    assert snapshot(tmp_path) == before
