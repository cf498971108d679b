"""A fabric's git remote, as settings: what is accepted and how URLs are shown.

Plain Python (no Django, no git): the model and the forms validate with these functions, and
`repository` (the git I/O) builds on them. No secret is stored with a fabric, nor named by it: the
credentials are the administrator's entry bound to the remote's URL (see `credentials`), read only
when git runs and passed to git through its environment, never its command line.
"""

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit, urlunsplit

__all__ = (
    'DEFAULT_BRANCH',
    'RemoteSettings',
    'check_branch',
    'check_remote_url',
    'check_repository_path',
    'default_repository_path',
    'is_ssh_url',
    'scrub',
    'scrub_url',
)

DEFAULT_BRANCH = 'main'
URL_SCHEMES = ('https', 'http', 'ssh', 'git', 'file')
# user@host:path, git's short form of an ssh URL.
SCP_LIKE = re.compile(r'^(?P<user>[^@/]+@)?(?P<host>[^/:]+):(?P<path>(?!//).+)$')
# Anything URL-like with user information: whatever a message quotes, the password part goes.
USERINFO = re.compile(r'(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/@\s:]*)(?::[^/@\s]*)?@')
HIDDEN = '***'


@dataclass(frozen=True, slots=True)
class RemoteSettings:
    """Where a fabric's tree lives in git: the remote, its branch, the tree's folder in the repository, and
    the administrator's credentials entry (`credentials.Entry`) bound to the URL, if any."""

    url: str
    branch: str = DEFAULT_BRANCH
    path: str = ''
    credentials: object = None

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
            return 'must not contain a password or token: git credentials are configured by the NetBox administrator'
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
