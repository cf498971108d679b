"""The git working copy against real git: local bare repositories and an HTTP remote with a password."""

import subprocess

import pytest

from netbox_hedgehog.core.remote import (
    RemoteSettings,
    check_branch,
    check_remote_url,
    check_repository_path,
    scrub,
    scrub_url,
)
from netbox_hedgehog.services.credentials import parse_entries, select
from netbox_hedgehog.services.repository import GitError, WorkingCopy, check_connection
from netbox_hedgehog.tests.git_helpers import GitHttpServer, make_bare_repository

TREE = 'fabrics/dc1/gitops'
TOKEN = 'hh-token-5f1c2e9a7b'


def git(folder, *args):
    return subprocess.run(['git', '-C', str(folder), *args], check=True, capture_output=True, text=True).stdout


def log(remote):
    """The remote branch's commit subjects, newest first."""
    return git(remote, 'log', '--format=%s', 'main').splitlines()


@pytest.fixture
def remote(tmp_path):
    return make_bare_repository(tmp_path / 'remote.git')


def copy_of(remote, folder, **settings):
    return WorkingCopy(folder, RemoteSettings(str(remote), 'main', TREE, **settings), timeout=30)


def write(copy, relative, text):
    path = copy.tree / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def pushed_by_another_clone(remote, folder, files, message):
    """Another machine's (or person's) commit, on the remote."""
    other = copy_of(remote, folder)
    other.ensure()
    for relative, text in files.items():
        write(other, relative, text)
    other.push(other.commit(message))
    return other


@pytest.fixture
def first(remote, tmp_path):
    """A working copy whose initial commit is on the remote."""
    copy = copy_of(remote, tmp_path / 'first')
    copy.ensure()
    write(copy, 'raw/.gitkeep', '')
    copy.push(copy.commit('initial'))
    return copy


# --- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'url',
    ['https://git.example.com/net/f.git', 'ssh://git@git.example.com/net/f.git', 'git@host:net/f.git', '/srv/f.git'],
)
def test_remote_urls_people_use_are_accepted(url):
    assert check_remote_url(url) is None


@pytest.mark.parametrize(
    ('url', 'why'),
    [
        ('https://user:hunter2@git.example.com/f.git', 'password'),
        ('ftp://git.example.com/f.git', 'scheme'),
        ('relative/path', 'URL'),
        ('--upload-pack=evil', '-'),
        ('https:///f.git', 'host'),
    ],
)
def test_remote_urls_that_would_store_a_secret_or_make_no_sense_are_refused(url, why):
    assert why in check_remote_url(url)


def test_branch_and_repository_path_rules():
    assert check_branch('main') is None and check_branch('fabric/dc1') is None
    assert all(check_branch(name) for name in ('', '-x', 'a..b', 'a b', 'x.lock', '.hidden', 'a/.b', 'a~1'))
    assert check_repository_path(TREE) is None
    assert all(check_repository_path(path) for path in ('', '/abs', 'a/../b', '.git/x', 'a//b'))


def test_scrub_removes_url_passwords_and_known_secrets():
    text = f'fatal: unable to access https://bot:{TOKEN}@git.example.com/f.git (token {TOKEN})'
    scrubbed = scrub(text, [TOKEN])
    assert TOKEN not in scrubbed
    assert 'https://bot@git.example.com/f.git' in scrubbed
    assert scrub_url('https://bot:pw@h/r.git') == 'https://bot@h/r.git'
    assert scrub_url('git@h:r.git') == 'git@h:r.git'


# --- clone, commit, push ------------------------------------------------------------------------


def test_first_use_clones_an_empty_remote_and_the_first_push_creates_the_branch(remote, tmp_path):
    copy = copy_of(remote, tmp_path / 'copy')
    assert copy.ensure() is True
    assert copy.ensure() is False  # second use: the working copy is there
    write(copy, 'raw/.gitkeep', '')
    commit = copy.commit('initial tree')
    result = copy.push(commit)
    assert result.pushed and result.commit == commit
    assert log(remote) == ['initial tree']
    assert git(remote, 'ls-tree', '-r', '--name-only', 'main').split() == [f'{TREE}/raw/.gitkeep']


def test_a_clone_of_a_remote_with_history_checks_out_the_branch(first, remote, tmp_path):
    second = copy_of(remote, tmp_path / 'second')
    second.ensure()
    assert (second.tree / 'raw' / '.gitkeep').exists()
    assert second.state().ahead == second.state().behind == 0


def test_nothing_changed_makes_no_commit(first, remote):
    assert first.commit('nothing') is None
    write(first, 'raw/.gitkeep', '')  # same bytes
    assert first.commit('still nothing') is None
    assert log(remote) == ['initial']


def test_a_folder_that_is_not_a_working_copy_is_refused_and_left_alone(remote, tmp_path):
    folder = tmp_path / 'tree'
    folder.mkdir()
    (folder / 'mine.yaml').write_text('kind: VPC\n')
    with pytest.raises(GitError) as raised:
        copy_of(remote, folder).ensure()
    assert raised.value.code == 'not_a_working_copy'
    assert [path.name for path in folder.iterdir()] == ['mine.yaml']


def test_a_clone_that_fails_leaves_nothing_behind(tmp_path):
    folder = tmp_path / 'copy'
    with pytest.raises(GitError) as raised:
        copy_of(tmp_path / 'no-such-remote.git', folder).ensure()
    assert raised.value.code == 'unreachable'
    assert not folder.exists()


# --- pull before, push after ----------------------------------------------------------------------


def test_pull_fast_forwards_to_what_another_clone_pushed(first, remote, tmp_path):
    pushed_by_another_clone(remote, tmp_path / 'other', {'raw/vpc.yaml': 'kind: VPC\n'}, 'drop a file')
    pulled = first.pull()
    assert pulled.commits == 1
    assert pulled.changed == [f'{TREE}/raw/vpc.yaml']
    assert (first.tree / 'raw' / 'vpc.yaml').read_text() == 'kind: VPC\n'


def test_a_push_rejected_because_another_clone_pushed_in_between_is_retried_after_a_pull(first, remote, tmp_path):
    pushed_by_another_clone(remote, tmp_path / 'other', {'raw/a.yaml': 'a: 1\n'}, 'other run')
    write(first, 'managed/vpcs/b.yaml', 'b: 2\n')
    result = first.push(first.commit('our run'))
    assert result.pushed and result.retried
    assert log(remote) == ['our run', 'other run', 'initial']  # linear: rebased onto the other's commit
    assert first.state().ahead == 0


def test_a_rejected_push_that_conflicts_keeps_the_local_commit_and_says_so(first, remote, tmp_path):
    pushed_by_another_clone(remote, tmp_path / 'other', {'managed/vpcs/a.yaml': 'theirs\n'}, 'theirs')
    write(first, 'managed/vpcs/a.yaml', 'ours\n')
    ours = first.commit('ours')
    result = first.push(ours)
    assert not result.pushed and result.retried and 'kept' in result.error
    assert result.commit == ours and first.state().head == ours
    assert (first.tree / 'managed' / 'vpcs' / 'a.yaml').read_text() == 'ours\n'
    assert log(remote) == ['theirs', 'initial']


def test_a_diverged_history_is_an_error_and_changes_nothing(first, remote, tmp_path):
    pushed_by_another_clone(remote, tmp_path / 'other', {'raw/theirs.yaml': 'x: 1\n'}, 'theirs')
    write(first, 'raw/ours.yaml', 'y: 1\n')
    ours = first.commit('ours')  # not pushed: history has diverged
    before = sorted(path.relative_to(first.folder) for path in first.tree.rglob('*'))
    with pytest.raises(GitError) as raised:
        first.pull()
    assert raised.value.code == 'diverged'
    assert '1 local and 1 remote' in str(raised.value)
    assert first.state().head == ours
    assert sorted(path.relative_to(first.folder) for path in first.tree.rglob('*')) == before


def test_a_pull_that_would_overwrite_an_uncommitted_file_changes_nothing(first, remote, tmp_path):
    pushed_by_another_clone(remote, tmp_path / 'other', {'raw/same.yaml': 'theirs\n'}, 'theirs')
    write(first, 'raw/same.yaml', 'ours, not committed\n')
    with pytest.raises(GitError) as raised:
        first.pull()
    assert raised.value.code == 'conflict'
    assert (first.tree / 'raw' / 'same.yaml').read_text() == 'ours, not committed\n'


def test_an_unreachable_remote_keeps_the_commit_for_the_next_push(first, remote, tmp_path):
    write(first, 'raw/a.yaml', 'a: 1\n')
    moved = remote.rename(tmp_path / 'moved.git')
    commit = first.commit('while away')
    result = first.push(commit)
    assert not result.pushed and not result.retried
    assert first.state().reachable is False
    moved.rename(remote)
    assert first.unpushed() == 1
    assert first.push().pushed
    assert log(remote)[0] == 'while away'


def test_state_reports_dirty_ahead_and_behind(first, remote, tmp_path):
    write(first, 'raw/waiting.yaml', 'a: 1\n')  # files waiting in raw/ are normal, not dirt
    write(first, 'managed/vpcs/hand-edit.yaml', 'a: 1\n')
    state = first.state()
    assert state.dirty == [f'{TREE}/managed/vpcs/hand-edit.yaml']
    first.commit('local')
    pushed_by_another_clone(remote, tmp_path / 'other', {'raw/b.yaml': 'b\n'}, 'remote')
    state = first.state()
    assert (state.ahead, state.behind, state.reachable) == (1, 1, True)


# --- credentials over HTTP ------------------------------------------------------------------------


def entry_for(prefix, variable, **more):
    """The administrator's credentials entry: the token in `variable`, bound to `prefix`."""
    entries = parse_entries([{'name': 'test', 'url_prefixes': [prefix], 'token_env': variable, **more}])
    return select(entries, prefix)


def over_http(url, variable, **more):
    return RemoteSettings(url, 'main', TREE, entry_for(url, variable, **more))


@pytest.fixture
def http_remote(tmp_path, monkeypatch):
    make_bare_repository(tmp_path / 'served' / 'fabrics.git')
    monkeypatch.setenv('HEDGEHOG_TEST_GIT_TOKEN', TOKEN)
    monkeypatch.setenv('HEDGEHOG_TEST_WRONG_TOKEN', 'not-the-token')
    with GitHttpServer(tmp_path / 'served', 'git', TOKEN) as server:
        yield server


def test_the_token_reaches_the_server_only_in_its_authorization_header(http_remote, tmp_path):
    settings = over_http(http_remote.url('fabrics.git'), 'HEDGEHOG_TEST_GIT_TOKEN')
    assert check_connection(settings).ok
    copy = WorkingCopy(tmp_path / 'copy', settings)
    copy.ensure()
    write(copy, 'raw/.gitkeep', '')
    assert copy.push(copy.commit('over http')).pushed
    config = (tmp_path / 'copy' / '.git' / 'config').read_text()
    assert TOKEN not in config and TOKEN not in ''.join(p.read_text() for p in (tmp_path / 'copy').rglob('*.gitkeep'))
    assert http_remote.authorizations.count(http_remote.expected) >= 2


def test_a_wrong_or_missing_token_is_a_credentials_error(http_remote, tmp_path):
    wrong = over_http(http_remote.url('fabrics.git'), 'HEDGEHOG_TEST_WRONG_TOKEN')
    result = check_connection(wrong)
    assert not result.ok and 'Authentication failed' in result.message
    with pytest.raises(GitError) as raised:
        WorkingCopy(tmp_path / 'copy', wrong).ensure()
    assert raised.value.code == 'credentials' and not (tmp_path / 'copy').exists()
    missing = over_http(http_remote.url('fabrics.git'), 'HEDGEHOG_TEST_UNSET_TOKEN')
    result = check_connection(missing)
    # The entry's name, never the variable (a server detail): the log tells the administrator which.
    assert not result.ok and "'test'" in result.message and 'HEDGEHOG_TEST_UNSET_TOKEN' not in result.message
    anonymous = RemoteSettings(http_remote.url('fabrics.git'), 'main', TREE)
    result = check_connection(anonymous)
    assert not result.ok and http_remote.authorizations[-1] is None


def test_check_connection_reports_the_branch(first, remote):
    result = check_connection(RemoteSettings(str(remote), 'main', TREE))
    assert result.ok and result.branch_exists and result.head == first.state().head
    result = check_connection(RemoteSettings(str(remote), 'release', TREE))
    assert result.ok and not result.branch_exists and 'does not exist yet' in result.message


def test_the_user_name_in_the_url_is_the_one_sent(tmp_path, monkeypatch):
    make_bare_repository(tmp_path / 'served' / 'fabrics.git')
    monkeypatch.setenv('HEDGEHOG_TEST_GIT_TOKEN', TOKEN)
    with GitHttpServer(tmp_path / 'served', 'deploy-bot', TOKEN) as server:
        url = server.url('fabrics.git').replace('http://', 'http://deploy-bot@')
        assert check_connection(over_http(url, 'HEDGEHOG_TEST_GIT_TOKEN')).ok
        plain = over_http(server.url('fabrics.git'), 'HEDGEHOG_TEST_GIT_TOKEN')
        assert not check_connection(plain).ok  # sent as `git`, which this server does not know
        # The entry may name the user itself.
        assert check_connection(
            over_http(server.url('fabrics.git'), 'HEDGEHOG_TEST_GIT_TOKEN', username='deploy-bot')
        ).ok
