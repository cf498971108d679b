"""Git credentials bound to URL prefixes: the matcher (pure), the setting's checks, reading the secret, and
real git showing where a secret goes (a prefix-bound server) and where it never goes (anything else)."""

import subprocess

import pytest

from netbox_hedgehog.core.remote import RemoteSettings
from netbox_hedgehog.services.credentials import (
    CredentialsConfigError,
    CredentialsError,
    Location,
    carries_no_credentials,
    locate,
    parse_entries,
    read_secret,
    select,
)
from netbox_hedgehog.services.repository import GitError, WorkingCopy, check_connection
from netbox_hedgehog.tests.git_helpers import GitHttpServer, Listener, make_bare_repository

TOKEN = 'hh-prefix-token-7c1e5a93'
TREE = 'fabrics/dc1/gitops'


def entries(*items):
    return parse_entries([{'name': f'e{number}', **item} for number, item in enumerate(items, 1)])


def token(*prefixes, variable='HEDGEHOG_TEST_PREFIX_TOKEN', **more):
    return {'url_prefixes': list(prefixes), 'token_env': variable, **more}


# --- the matcher --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('url', 'expected'),
    [
        ('https://Git.Example.COM/net/f.git', Location('https', 'git.example.com', None, ('net', 'f.git'))),
        ('HTTPS://git.example.com:443/net/', Location('https', 'git.example.com', None, ('net',))),
        ('https://git.example.com:8443/net', Location('https', 'git.example.com', 8443, ('net',))),
        ('https://deploy-bot@git.example.com/net', Location('https', 'git.example.com', None, ('net',))),
        ('http://127.0.0.1:8080/a.git', Location('http', '127.0.0.1', 8080, ('a.git',))),
        ('git@git.example.com:net/f.git', Location('ssh', 'git.example.com', None, ('net', 'f.git'))),
        ('ssh://git@git.example.com:22/net/f.git', Location('ssh', 'git.example.com', None, ('net', 'f.git'))),
        ('git+ssh://git.example.com/net', Location('ssh', 'git.example.com', None, ('net',))),
        ('https://h/My%20Project/_git/r%7e', Location('https', 'h', None, ('My%20Project', '_git', 'r~'))),
        ('https://[::1]:443/r', Location('https', '[::1]', None, ('r',))),
    ],
)
def test_urls_are_normalised_to_scheme_host_port_and_segments(url, expected):
    assert locate(url) == expected


@pytest.mark.parametrize(
    'url',
    [
        '/srv/git/f.git',  # local: no credentials ever
        'file:///srv/git/f.git',
        'git://git.example.com/f.git',  # anonymous protocol
        'ftp://git.example.com/f.git',
        'https://git.example.com/net/../evil/f.git',
        'https://git.example.com/net/%2e%2e/evil',
        'https://git.example.com/net%2Fevil',
        'https://git.example.com/net%5cevil',
        'https://git.example.com/net//f.git',
        'https://git.example.com/./f.git',
        'https://git.example.com/f.git?x=1',
        'https://git.example.com/f.git#x',
        'https://git.example.com\\@evil.example/f.git',
        'https://git.example.com@evil.example@x/f.git',
        'https://git.example.com:99999/f.git',
        'https://git.example.com/f%zz',
        'https://git.example.com/f%00',
        'https://exa mple.com/f.git',
        'https://-evil/f.git',
        'https:///f.git',
        '',
        None,
    ],
)
def test_urls_two_parsers_could_read_differently_are_covered_by_nothing(url):
    assert locate(url) is None


def test_a_prefix_ends_at_a_slash_so_a_longer_host_or_segment_is_not_covered():
    configured = entries(token('https://git.example.com'), token('https://code.example.com/net', variable='B'))
    assert select(configured, 'https://git.example.com/any/f.git').name == 'e1'
    assert select(configured, 'https://git.example.com.evil/f.git') is None
    assert select(configured, 'https://git.example.com.evil.example/f.git') is None
    assert select(configured, 'https://code.example.com/net/f.git').name == 'e2'
    assert select(configured, 'https://code.example.com/net').name == 'e2'
    assert select(configured, 'https://code.example.com/network/f.git') is None
    assert select(configured, 'https://code.example.com/f.git') is None


def test_user_information_is_no_way_around_the_host():
    configured = entries(token('https://git.example.com/net/'))
    # Whatever precedes the last @ of the authority is the user: the host is evil.example.
    assert select(configured, 'https://git.example.com@evil.example/net/f.git') is None
    assert select(configured, 'https://git.example.com:443@evil.example/net/f.git') is None
    assert select(configured, 'https://bot@git.example.com/net/f.git').name == 'e1'


def test_scheme_and_port_are_part_of_the_match():
    configured = entries(token('https://git.example.com/net'))
    assert select(configured, 'http://git.example.com/net/f.git') is None  # never a token in clear text
    assert select(configured, 'https://git.example.com:8443/net/f.git') is None
    assert select(configured, 'https://git.example.com:443/net/f.git').name == 'e1'
    assert select(configured, 'ssh://git.example.com/net/f.git') is None


def test_the_longest_prefix_wins_whatever_the_order():
    for order in ((0, 1, 2), (2, 1, 0)):
        items = [
            token('https://git.example.com', variable='ALL'),
            token('https://git.example.com/net', variable='NET'),
            token('https://git.example.com/net/dc1.git', variable='DC1'),
        ]
        configured = parse_entries([items[i] for i in order])
        assert select(configured, 'https://git.example.com/net/dc1.git').token_env == 'DC1'
        assert select(configured, 'https://git.example.com/net/dc2.git').token_env == 'NET'
        assert select(configured, 'https://git.example.com/other/x.git').token_env == 'ALL'


def test_ssh_keys_match_ssh_urls_in_both_spellings():
    configured = parse_entries([{'url_prefixes': ['git@git.example.com:net'], 'ssh_key_file': '/etc/netbox/key'}])
    assert select(configured, 'ssh://git@git.example.com/net/f.git').ssh_key_file == '/etc/netbox/key'
    assert select(configured, 'git@git.example.com:net/f.git').ssh_key_file == '/etc/netbox/key'
    assert select(configured, 'https://git.example.com/net/f.git') is None
    assert select(configured, 'git@git.example.com.evil:net/f.git') is None


def test_remotes_that_never_need_credentials():
    assert carries_no_credentials('/srv/f.git') and carries_no_credentials('file:///srv/f.git')
    assert carries_no_credentials('git://h/f.git')
    assert not carries_no_credentials('https://h/f.git') and not carries_no_credentials('git@h:f.git')


# --- the setting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('value', 'why'),
    [
        ({'url_prefixes': ['https://h']}, 'list'),
        (['https://h'], 'dict'),
        ([{'url_prefixes': ['https://h']}], 'exactly one'),
        ([{'url_prefixes': ['https://h'], 'token_env': 'A', 'token_file': '/a'}], 'exactly one'),
        ([{'url_prefixes': 'https://h', 'token_env': 'A'}], 'non-empty list'),
        ([{'url_prefixes': [], 'token_env': 'A'}], 'non-empty list'),
        ([{'url_prefixes': ['https://h'], 'token_env': 'not a name'}], 'environment variable'),
        ([{'url_prefixes': ['https://h'], 'token_file': 'relative/token'}], 'absolute'),
        ([{'url_prefixes': ['https://h'], 'ssh_key_file': '/k'}], 'for ssh'),
        ([{'url_prefixes': ['git@h:net'], 'token_env': 'A'}], 'https or http'),
        ([{'url_prefixes': ['/srv/git'], 'token_env': 'A'}], 'is not a URL prefix'),
        ([{'url_prefixes': ['https://h/a/../b'], 'token_env': 'A'}], 'is not a URL prefix'),
        ([{'url_prefixes': ['https://u:pw@h/'], 'token_env': 'A'}], 'no password'),
        ([{'url_prefixes': ['https://h'], 'token_env': 'A', 'password': 'x'}], 'unknown key'),
        ([{'url_prefixes': ['https://h'], 'token_env': 'A', 'username': 'a b'}], 'username'),
        ([{'url_prefixes': ['https://h/', 'https://H:443'], 'token_env': 'A'}], 'twice'),
        (
            [{'url_prefixes': ['https://h/x'], 'token_env': 'A'}, {'url_prefixes': ['https://h/x/'], 'token_env': 'B'}],
            'also in',
        ),
        (
            [
                {'name': 'a', 'url_prefixes': ['https://h/1'], 'token_env': 'A'},
                {'name': 'a', 'url_prefixes': ['https://h/2'], 'token_env': 'B'},
            ],
            'name',
        ),
    ],
)
def test_a_malformed_setting_says_which_entry_and_why(value, why):
    with pytest.raises(CredentialsConfigError, match=why):
        parse_entries(value)


def test_no_setting_is_no_credentials():
    assert parse_entries(None) == () and parse_entries([]) == ()
    assert select((), 'https://h/f.git') is None


# --- reading the secret ---------------------------------------------------------------------------


def test_the_secret_comes_from_the_file_or_variable_the_administrator_named(tmp_path, monkeypatch):
    monkeypatch.setenv('HEDGEHOG_TEST_PREFIX_TOKEN', f' {TOKEN}\n')
    (entry,) = entries(token('https://h/net', username='bot'))
    assert read_secret(entry, 'https://h/net/f.git').secret == TOKEN
    assert read_secret(entry, 'https://h/net/f.git').username == 'bot'
    token_file = tmp_path / 'token'
    token_file.write_text(TOKEN + '\n')
    (entry,) = entries({'url_prefixes': ['https://h'], 'token_file': str(token_file)})
    assert read_secret(entry, 'https://h/f.git').secret == TOKEN
    (entry,) = entries({'url_prefixes': ['ssh://h'], 'ssh_key_file': str(token_file)})
    assert read_secret(entry, 'git@h:f.git').ssh_key_file == str(token_file)


def test_a_secret_is_never_read_for_a_url_outside_the_entry(monkeypatch):
    monkeypatch.setenv('HEDGEHOG_TEST_PREFIX_TOKEN', TOKEN)
    (entry,) = entries(token('https://h/net'))
    with pytest.raises(CredentialsError, match='not bound'):
        read_secret(entry, 'https://evil.example/net/f.git')


def test_a_secret_that_cannot_be_read_names_the_entry_never_the_path_or_variable(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv('HEDGEHOG_TEST_PREFIX_TOKEN', raising=False)
    for item in (
        token('https://h'),
        {'url_prefixes': ['https://h'], 'token_file': str(tmp_path / 'absent')},
        {'url_prefixes': ['ssh://h'], 'ssh_key_file': str(tmp_path / 'absent-key')},
    ):
        (entry,) = entries(item)
        with pytest.raises(CredentialsError) as raised:
            read_secret(entry, 'https://h/f.git' if 'token_env' in item or 'token_file' in item else 'ssh://h/f')
        assert "'e1'" in str(raised.value)
        assert entry.reference not in str(raised.value)
        assert entry.reference in caplog.text  # the administrator's log says which
    (tmp_path / 'two-lines').write_text('a\nb\n')
    (entry,) = entries({'url_prefixes': ['https://h'], 'token_file': str(tmp_path / 'two-lines')})
    with pytest.raises(CredentialsError, match='line break'):
        read_secret(entry, 'https://h/f.git')


# --- real git: where the secret goes ---------------------------------------------------------------


def settings_for(url, prefix, variable='HEDGEHOG_TEST_PREFIX_TOKEN'):
    return RemoteSettings(url, 'main', TREE, select(entries(token(prefix, variable=variable)), prefix))


def test_a_prefix_bound_token_reaches_its_own_remote(tmp_path, monkeypatch):
    monkeypatch.setenv('HEDGEHOG_TEST_PREFIX_TOKEN', TOKEN)
    make_bare_repository(tmp_path / 'served' / 'fabrics.git')
    with GitHttpServer(tmp_path / 'served', 'git', TOKEN) as server:
        settings = settings_for(server.url('fabrics.git'), server.url(''))
        assert check_connection(settings).ok
        assert server.expected in server.authorizations


def test_settings_whose_entry_does_not_cover_the_url_send_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv('HEDGEHOG_TEST_PREFIX_TOKEN', TOKEN)
    with Listener() as evil:
        # A caller's mistake: the entry for git.example.com handed over with the listener's URL.
        (entry,) = entries(token('https://git.example.com/net'))
        settings = RemoteSettings(evil.url('f.git'), 'main', TREE, entry)
        result = check_connection(settings)
        assert not result.ok and 'not bound' in result.message
        with pytest.raises(GitError) as raised:
            WorkingCopy(tmp_path / 'copy', settings).ensure()
        assert raised.value.code == 'credentials'
        assert evil.requests == []  # not even contacted


def test_a_redirect_to_another_host_gets_no_secret(tmp_path, monkeypatch):
    monkeypatch.setenv('HEDGEHOG_TEST_PREFIX_TOKEN', TOKEN)
    with Listener() as evil, Listener(redirect_to=evil.origin) as bound:
        settings = settings_for(bound.url('fabrics.git'), bound.url(''))
        result = check_connection(settings)
        assert not result.ok
        assert bound.requests, 'git never reached the bound remote'
        assert evil.requests, 'git did not follow the redirect, so this test proves nothing'
        assert not evil.received(TOKEN)


def test_the_servers_own_credential_helpers_are_switched_off(tmp_path, monkeypatch):
    # A credential store in the NetBox user's git configuration would answer for any host.
    home = tmp_path / 'home'
    home.mkdir()
    subprocess.run(['git', 'config', '--file', str(home / '.gitconfig'), 'credential.helper', 'store'], check=True)
    monkeypatch.setenv('HOME', str(home))
    monkeypatch.delenv('XDG_CONFIG_HOME', raising=False)
    with Listener() as evil:
        (home / '.git-credentials').write_text(evil.origin.replace('http://', f'http://git:{TOKEN}@') + '\n')
        result = check_connection(RemoteSettings(evil.url('f.git'), 'main', TREE))
        assert not result.ok and evil.requests
        assert not evil.received(TOKEN)
