"""A fabric's git remote, as settings: what is accepted, where secrets come from, how URLs are shown.

Plain Python (no Django, no git): the model and the forms validate with these functions, and
`repository` (the git I/O) builds on them. The secret itself is never stored with the fabric: a
fabric names a *credentials reference* (an environment variable, or a file on the NetBox server),
read only when git runs and passed to git through its environment, never its command line.
"""

import os
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit, urlunsplit

__all__ = (
    'DEFAULT_BRANCH',
    'Credentials',
    'CredentialsError',
    'RemoteSettings',
    'check_branch',
    'check_credentials_reference',
    'check_remote_url',
    'check_repository_path',
    'default_repository_path',
    'is_ssh_url',
    'read_credentials',
    'scrub',
    'scrub_url',
)

DEFAULT_BRANCH = 'main'
URL_SCHEMES = ('https', 'http', 'ssh', 'git', 'file')
# user@host:path, git's short form of an ssh URL.
SCP_LIKE = re.compile(r'^(?P<user>[^@/]+@)?(?P<host>[^/:]+):(?P<path>(?!//).+)$')
ENVIRONMENT_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
# Anything URL-like with user information: whatever a message quotes, the password part goes.
USERINFO = re.compile(r'(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/@\s:]*)(?::[^/@\s]*)?@')
HIDDEN = '***'


@dataclass(frozen=True, slots=True)
class RemoteSettings:
    """Where a fabric's tree lives in git: the remote, its branch, the tree's folder in the repository."""

    url: str
    branch: str = DEFAULT_BRANCH
    path: str = ''
    credentials: str = ''

    @property
    def display_url(self):
        return scrub_url(self.url)


def default_repository_path(fabric_name):
    """The tree's folder inside the repository when the fabric does not name one."""
    return f'fabrics/{fabric_name}/gitops'


def check_remote_url(url):
    """Why `url` cannot be a fabric's remote, or None. A password inside the URL is refused: it would be
    a secret stored in the database and shown on pages. Local paths (absolute) are remotes too."""
    if not url or url != url.strip() or any(character.isspace() for character in url):
        return 'must be a URL or an absolute path without spaces'
    if url.startswith('-'):
        return 'must not start with "-"'
    if url.startswith('/'):
        return None
    if '://' in url:
        parts = urlsplit(url)
        if parts.scheme not in URL_SCHEMES:
            return f'scheme {parts.scheme!r} is not one git uses here ({", ".join(URL_SCHEMES)})'
        if parts.password is not None:
            return 'must not contain a password or token: name a credentials reference instead'
        if parts.scheme != 'file' and not parts.hostname:
            return 'must name a host'
        return None
    if SCP_LIKE.match(url):
        return None
    return 'must be a URL (https://, ssh://, git@host:path, file://) or an absolute path'


def is_ssh_url(url):
    return url.startswith(('ssh://', 'git+ssh://')) or ('://' not in url and not url.startswith('/'))


def check_branch(name):
    """Why `name` cannot be a branch name, or None (git's check-ref-format rules, the ones that matter)."""
    if not name:
        return 'must not be empty'
    if name.startswith(('-', '/')) or name.endswith(('/', '.', '.lock')) or name == '@':
        return 'is not a valid branch name'
    if '..' in name or '//' in name or '@{' in name or re.search(r'[\x00-\x20\x7f~^:?*\[\\]', name):
        return 'is not a valid branch name'
    if any(part.startswith('.') for part in name.split('/')):
        return 'is not a valid branch name'
    return None


def check_repository_path(path):
    """Why `path` cannot be the tree's folder inside the repository, or None."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or any(part in ('.', '..', '.git') for part in pure.parts) or '//' in path:
        return 'must be a relative folder inside the repository (no "..", ".git" or leading "/")'
    return None


class CredentialsError(ValueError):
    """A credentials reference that does not lead to a secret; the message never holds the secret."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """What git needs for a remote: a secret (token or password) or an SSH private key file."""

    secret: str = ''
    ssh_key_file: str = ''


def check_credentials_reference(reference):
    """Why `reference` is not a credentials reference, or None: the *name* of an environment variable or
    the absolute path of a file. Says nothing about whether the secret is there (see read_credentials)."""
    if not reference:
        return None
    if reference.startswith('/'):
        return None
    if ENVIRONMENT_NAME.match(reference):
        return None
    return 'must be the name of an environment variable (LIKE_THIS) or the absolute path of a file'


def read_credentials(reference, url):
    """The Credentials `reference` leads to, for `url`; CredentialsError when it leads nowhere.

    A file next to an ssh remote is its private key; otherwise the file's (or variable's) text is a
    token or password for https.
    """
    if not reference:
        return Credentials()
    if problem := check_credentials_reference(reference):
        raise CredentialsError(f'credentials reference {reference!r} {problem}')
    if not reference.startswith('/'):
        secret = os.environ.get(reference)
        if not secret:
            raise CredentialsError(f'the environment variable {reference} (the credentials) is not set on this server')
        return Credentials(secret=secret.strip())
    if not os.path.isfile(reference) or not os.access(reference, os.R_OK):
        raise CredentialsError(f'the credentials file {reference} does not exist or cannot be read on this server')
    if is_ssh_url(url):
        return Credentials(ssh_key_file=reference)
    with open(reference, encoding='utf-8') as handle:
        secret = handle.read().strip()
    if not secret:
        raise CredentialsError(f'the credentials file {reference} is empty')
    return Credentials(secret=secret)


def scrub_url(url):
    """`url` as shown to people: any password dropped (a URL from elsewhere may still carry one)."""
    if '://' not in url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit('@', 1)[1]
    user = f'{parts.username}@' if parts.username else ''
    return urlunsplit(parts._replace(netloc=f'{user}{netloc}'))


def scrub(text, secrets=()):
    """`text` with every password in a URL and every known secret replaced by ***: for messages, logs,
    job data and exceptions that quote git's own words."""
    text = USERINFO.sub(lambda match: f'{match["scheme"]}{match["user"]}{"@" if match["user"] else ""}', str(text))
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    return text
