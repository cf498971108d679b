"""Git credentials, configured by the NetBox administrator and bound to the remote URLs they may go to.

The administrator lists entries in PLUGINS_CONFIG['netbox_hedgehog']['git_credentials']; each names
where its secret lives on the server (a token file, an environment variable, or an SSH private key
file) and the URL prefixes it may be sent to, the way Argo CD matches repository credential
templates. A fabric never names credentials: its remote URL selects the entry with the longest
prefix that covers it, or none, so whatever a fabric editor types, a secret only ever goes to a URL
the administrator bound it to.

Prefixes are compared on a normalised URL, never as strings: scheme, host and port must be equal,
and the path matches whole segments (`https://git.example.com/net` covers `.../net/fabrics.git`, not
`.../network/x.git`, and `https://git.example.com` never covers `https://git.example.com.evil/`).
User information is ignored, and a URL that two parsers could read differently (a backslash, an
escaped slash or dot, a `..` segment, a query) is covered by nothing.

Plain Python (no Django): the PluginConfig validates the setting with `parse_entries`, the model
selects an entry with `select`, `repository` reads the secret with `read_secret` when git runs.
"""

import logging
import os
import re
from dataclasses import dataclass

__all__ = (
    'Credentials',
    'CredentialsConfigError',
    'CredentialsError',
    'Entry',
    'Location',
    'carries_no_credentials',
    'locate',
    'parse_entries',
    'read_secret',
    'select',
)

logger = logging.getLogger('netbox_hedgehog.git')

SCHEMES = {'https': 'https', 'http': 'http', 'ssh': 'ssh', 'git+ssh': 'ssh', 'ssh+git': 'ssh'}
DEFAULT_PORTS = {'https': 443, 'http': 80, 'ssh': 22}
# Remotes git reaches without any credentials: local paths and the anonymous git:// protocol.
NO_CREDENTIALS_SCHEMES = ('file', 'git')
# user@host:path, git's short form of an ssh URL (no scheme, no "//" after the colon).
SCP_LIKE = re.compile(r'^(?:(?P<user>[^@/:]+)@)?(?P<host>[^/:@]+):(?P<path>(?!//).*)$')
# What an authority may hold to be matched at all: a DNS name, IPv4 or [IPv6], a port, a plain user.
AUTHORITY = re.compile(
    r'^(?:(?P<user>[A-Za-z0-9._~!$&\'()*+,;=%-]+)@)?'
    r'(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])'
    r'(?::(?P<port>[0-9]{1,5}))?$'
)
ESCAPE = re.compile(r'%([0-9A-Fa-f]{2})')
UNRESERVED = re.compile(r'[A-Za-z0-9._~-]')
ENVIRONMENT_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
USERNAME = re.compile(r'^[^\s:@/\\]+$')
ENTRY_KEYS = ('name', 'url_prefixes', 'username', 'token_file', 'token_env', 'ssh_key_file')
SECRET_KEYS = ('token_file', 'token_env', 'ssh_key_file')


@dataclass(frozen=True, slots=True)
class Location:
    """A remote URL reduced to what decides where a secret goes: scheme, host, port and path segments."""

    scheme: str
    host: str
    port: int | None
    segments: tuple[str, ...]

    def within(self, prefix):
        """True when `prefix` covers this location: same scheme, host and port, and its whole segments lead."""
        return (self.scheme, self.host, self.port) == (prefix.scheme, prefix.host, prefix.port) and self.segments[
            : len(prefix.segments)
        ] == prefix.segments

    def __str__(self):
        port = f':{self.port}' if self.port is not None else ''
        return f'{self.scheme}://{self.host}{port}/' + '/'.join(self.segments)


def carries_no_credentials(url):
    """True for remotes git reaches without credentials: absolute paths, file:// and git:// URLs."""
    return url.startswith('/') or ('://' in url and url.split('://', 1)[0].lower() in NO_CREDENTIALS_SCHEMES)


def locate(url):
    """The Location of `url`, or None when no credentials may ever be bound to it (a local path, a
    scheme without authentication, or a URL whose meaning depends on who parses it)."""
    if not isinstance(url, str) or not url or any(ord(c) < 33 or ord(c) == 127 or c == '\\' for c in url):
        return None
    if '?' in url or '#' in url:
        return None
    if '://' in url:
        scheme, rest = url.split('://', 1)
        scheme = SCHEMES.get(scheme.lower())
        authority, _, path = rest.partition('/')
    elif not url.startswith('/') and (scp := SCP_LIKE.match(url)):
        scheme, authority, path = 'ssh', scp['host'], scp['path']
    else:
        return None
    parts = AUTHORITY.match(authority)
    if scheme is None or parts is None:
        return None
    port = int(parts['port']) if parts['port'] else None
    if port is not None and not 0 < port < 65536:
        return None
    if port == DEFAULT_PORTS[scheme]:
        port = None
    segments = _segments(path)
    if segments is None:
        return None
    return Location(scheme, parts['host'].lower(), port, segments)


def _segments(path):
    """Path segments with unreserved escapes decoded; None for an empty or dot segment, or an escaped slash,
    backslash or control character (servers disagree on what those mean)."""
    names = path.split('/')
    if names and names[-1] == '':
        names.pop()  # a trailing slash says "folder", not another segment
    segments = []
    for name in names:
        codes = ESCAPE.findall(name)
        if name.count('%') != len(codes):
            return None  # a lone or malformed escape
        if any(int(code, 16) < 0x20 or int(code, 16) == 0x7F or code.upper() in ('2F', '5C') for code in codes):
            return None
        name = ESCAPE.sub(_normal_escape, name)
        if name in ('', '.', '..'):
            return None
        segments.append(name)
    return tuple(segments)


def _normal_escape(match):
    character = chr(int(match[1], 16))
    return character if UNRESERVED.fullmatch(character) else f'%{match[1].upper()}'


class CredentialsConfigError(ValueError):
    """The git_credentials setting is malformed; the message says which entry and why."""


class CredentialsError(ValueError):
    """Configured credentials that cannot be read; the message names the entry, never a path or the secret."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One credentials entry of the administrator: where its secret lives and the prefixes it may go to."""

    name: str
    prefixes: tuple[Location, ...]
    token_file: str = ''
    token_env: str = ''
    ssh_key_file: str = ''
    username: str = ''

    def match(self, url):
        """The longest of this entry's prefixes that covers `url`, or None."""
        location = locate(url)
        if location is None:
            return None
        covering = [prefix for prefix in self.prefixes if location.within(prefix)]
        return max(covering, key=lambda prefix: len(prefix.segments), default=None)

    def covers(self, url):
        return self.match(url) is not None

    @property
    def reference(self):
        """Where the secret lives (a path or a variable name): for the administrator only, never shown."""
        return self.token_file or self.token_env or self.ssh_key_file


@dataclass(frozen=True, slots=True)
class Credentials:
    """What git needs for a remote: a secret (token or password) or an SSH private key file."""

    secret: str = ''
    ssh_key_file: str = ''
    username: str = ''


def parse_entries(value):
    """The entries of the git_credentials setting (a list of dicts), checked; CredentialsConfigError if malformed.

    Each entry: `url_prefixes` (a non-empty list), exactly one of `token_file` (absolute path),
    `token_env` (a variable name) or `ssh_key_file` (absolute path), and optionally `username` and
    `name`. Tokens go to http(s) prefixes only, SSH keys to ssh ones. A prefix given twice (in one
    entry or two) is refused: which secret goes where must never depend on the order of a list.
    """
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise CredentialsConfigError(f'must be a list of entries (got {type(value).__name__})')
    entries, names, seen = [], set(), {}
    for number, item in enumerate(value, 1):
        entry = _parse_entry(number, item)
        if entry.name in names:
            raise CredentialsConfigError(f'entry {number}: the name {entry.name!r} is used by another entry')
        names.add(entry.name)
        for prefix in entry.prefixes:
            if prefix in seen:
                raise CredentialsConfigError(f'entry {number}: the prefix {prefix} is also in entry {seen[prefix]}')
            seen[prefix] = number
        entries.append(entry)
    return tuple(entries)


def _parse_entry(number, item):
    where = f'entry {number}'
    if not isinstance(item, dict):
        raise CredentialsConfigError(f'{where}: must be a dict (got {type(item).__name__})')
    if unknown := sorted(set(map(str, item)) - set(ENTRY_KEYS)):
        raise CredentialsConfigError(f'{where}: unknown key(s) {", ".join(unknown)} (known: {", ".join(ENTRY_KEYS)})')
    name = item.get('name', where)
    if not isinstance(name, str) or not name.strip():
        raise CredentialsConfigError(f'{where}: name must be a non-empty string')
    where = f'entry {number} ({name})' if 'name' in item else where
    secrets = [key for key in SECRET_KEYS if item.get(key)]
    if len(secrets) != 1:
        raise CredentialsConfigError(f'{where}: give exactly one of {", ".join(SECRET_KEYS)}')
    (kind,) = secrets
    reference = item[kind]
    if not isinstance(reference, str):
        raise CredentialsConfigError(f'{where}: {kind} must be a string')
    if kind == 'token_env' and not ENVIRONMENT_NAME.match(reference):
        raise CredentialsConfigError(f'{where}: token_env must be the name of an environment variable')
    if kind != 'token_env' and not reference.startswith('/'):
        raise CredentialsConfigError(f'{where}: {kind} must be an absolute path')
    username = item.get('username', '')
    if username and (not isinstance(username, str) or not USERNAME.match(username)):
        raise CredentialsConfigError(f'{where}: username must be a user name without spaces, ":", "@" or slashes')
    if username and kind == 'ssh_key_file':
        raise CredentialsConfigError(f'{where}: username applies to tokens; an ssh URL names its own user')
    prefixes = item.get('url_prefixes')
    if isinstance(prefixes, str) or not isinstance(prefixes, (list, tuple)) or not prefixes:
        raise CredentialsConfigError(f'{where}: url_prefixes must be a non-empty list of URL prefixes')
    located = []
    for prefix in prefixes:
        location = locate(prefix) if isinstance(prefix, str) else None
        if location is None or _has_password(prefix):
            raise CredentialsConfigError(
                f'{where}: {prefix!r} is not a URL prefix credentials can be bound to '
                '(https://host/path, http://, ssh:// or git@host:path; no password, query or ".." in it)'
            )
        wanted = ('ssh',) if kind == 'ssh_key_file' else ('https', 'http')
        if location.scheme not in wanted:
            raise CredentialsConfigError(
                f'{where}: {prefix!r} is a {location.scheme} URL; {kind} is for {" or ".join(wanted)} remotes'
            )
        if location in located:
            raise CredentialsConfigError(f'{where}: the prefix {location} is given twice')
        located.append(location)
    return Entry(name.strip(), tuple(located), username=username, **{kind: reference})


def _has_password(url):
    if '://' not in url:
        return False
    authority = url.split('://', 1)[1].split('/', 1)[0]
    return '@' in authority and ':' in authority.rsplit('@', 1)[0]


def select(entries, url):
    """The entry whose prefix covers `url` most closely (longest prefix wins), or None: the only way a
    fabric gets credentials."""
    best, best_length = None, -1
    for entry in entries:
        prefix = entry.match(url)
        if prefix is not None and len(prefix.segments) > best_length:
            best, best_length = entry, len(prefix.segments)
    return best


def read_secret(entry, url):
    """The Credentials of `entry` for `url`; CredentialsError (naming the entry only) when they cannot be
    read, or when `url` is outside the entry's prefixes (a caller's mistake must not send a secret astray).

    The path or variable that failed goes to the log, which only administrators read.
    """
    if not entry.covers(url):
        raise CredentialsError(f'the git credentials {entry.name!r} are not bound to this remote URL')
    unreadable = f'the git credentials {entry.name!r} configured for this remote cannot be read on this server'
    if entry.ssh_key_file:
        if not os.path.isfile(entry.ssh_key_file) or not os.access(entry.ssh_key_file, os.R_OK):
            logger.warning('credentials=%s event=unreadable file=%s', entry.name, entry.ssh_key_file)
            raise CredentialsError(f'{unreadable} (the NetBox log says why)')
        return Credentials(ssh_key_file=entry.ssh_key_file)
    if entry.token_env:
        secret = os.environ.get(entry.token_env, '').strip()
        if not secret:
            logger.warning('credentials=%s event=unset variable=%s', entry.name, entry.token_env)
            raise CredentialsError(f'{unreadable} (the NetBox log says why)')
    else:
        try:
            with open(entry.token_file, encoding='utf-8') as handle:
                secret = handle.read().strip()
        except (OSError, UnicodeDecodeError) as exc:
            logger.warning('credentials=%s event=unreadable file=%s error=%s', entry.name, entry.token_file, exc)
            raise CredentialsError(f'{unreadable} (the NetBox log says why)') from None
        if not secret:
            logger.warning('credentials=%s event=empty file=%s', entry.name, entry.token_file)
            raise CredentialsError(f'{unreadable} (the NetBox log says why)')
    if any(character in secret for character in '\r\n\0'):
        logger.warning('credentials=%s event=multi_line_secret', entry.name)
        raise CredentialsError(f'{unreadable}: the secret holds a line break (the NetBox log says which entry)')
    return Credentials(secret=secret, username=entry.username)
