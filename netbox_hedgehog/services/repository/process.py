"""How git runs for a remote: the environment of each process (the credential helper answering only for the
remote's origin, the server's own helpers switched off), messages scrubbed of secrets, failures classified."""

import os
import re
import shlex
from urllib.parse import urlsplit

from git import GitCommandError

from netbox_hedgehog.core.remote import scrub
from netbox_hedgehog.services.credentials import Credentials, CredentialsError, read_secret

__all__ = ('GitError',)

# Git asks this helper for https credentials; it answers from the environment of the git process,
# so the secret is in no file and on no command line, and only when git asks for the remote's own
# origin (scheme://host[:port], as git writes it): after a redirect to another host, it says nothing.
CREDENTIAL_HELPER = (
    '!f() { test "$1" = get || return 0; p=; h=; '
    'while IFS="=" read -r k v; do test -n "$k" || break; case "$k" in protocol) p=$v;; host) h=$v;; esac; done; '
    'o=$(printf "%s://%s" "$p" "$h" | tr "[:upper:]" "[:lower:]"); '
    'test -n "$HEDGEHOG_GIT_SECRET" && test "$o" = "$HEDGEHOG_GIT_ORIGIN" && '
    'printf "username=%s\\npassword=%s\\n" "$HEDGEHOG_GIT_USERNAME" "$HEDGEHOG_GIT_SECRET"; }; f'
)
# Configuration for every git process (git's GIT_CONFIG_COUNT): an empty credential.helper clears the
# helpers of the server's own git configuration (a credential store would answer for any host), then
# ours is the only one.
CREDENTIAL_CONFIG = {
    'GIT_CONFIG_COUNT': '2',
    'GIT_CONFIG_KEY_0': 'credential.helper',
    'GIT_CONFIG_VALUE_0': '',
    'GIT_CONFIG_KEY_1': 'credential.helper',
    'GIT_CONFIG_VALUE_1': CREDENTIAL_HELPER,
}
REJECTED = re.compile(r'\[rejected\]|non-fast-forward|fetch first|\[remote rejected\]')
DENIED = re.compile(
    r'Authentication failed|could not read (Username|Password)|Permission denied|HTTP 40[13]|'
    r'The requested URL returned error: 40[13]|terminal prompts disabled|Host key verification failed'
)


class GitError(Exception):
    """A git operation failed; `code` says which way (see CODES), the message is safe to show anyone."""

    CODES = ('credentials', 'unreachable', 'diverged', 'conflict', 'rejected', 'not_a_working_copy', 'failed')

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def git_environment(settings):
    """The environment of every git process for this remote, and the secrets its messages must not show.

    Credentials come only from `settings.credentials`, the administrator's entry, and only when it
    covers `settings.url` (read_secret checks again: whatever built the settings, a secret never goes
    to a URL outside its entry's prefixes).
    """
    try:
        credentials = read_secret(settings.credentials, settings.url) if settings.credentials else Credentials()
    except CredentialsError as exc:
        raise GitError('credentials', str(exc)) from None
    environment = {
        'GIT_TERMINAL_PROMPT': '0',
        'GIT_ASKPASS': '',
        'SSH_ASKPASS': '',
        'LC_ALL': 'C',
        **CREDENTIAL_CONFIG,
        # Empty unless an entry applies: a value in the server's own environment never reaches the helper.
        'HEDGEHOG_GIT_SECRET': '',
        'HEDGEHOG_GIT_ORIGIN': '',
    }
    secrets = ()
    if credentials.secret:
        environment['HEDGEHOG_GIT_SECRET'] = credentials.secret
        environment['HEDGEHOG_GIT_ORIGIN'] = _origin(settings.url)
        # The entry's user name, else the URL's, else one any token-based host accepts.
        environment['HEDGEHOG_GIT_USERNAME'] = credentials.username or _url_username(settings.url) or 'git'
        secrets = (credentials.secret,)
    if credentials.ssh_key_file:
        environment['GIT_SSH_COMMAND'] = (
            f'ssh -i {shlex.quote(credentials.ssh_key_file)} -o IdentitiesOnly=yes -o BatchMode=yes'
        )
    return environment, secrets


def _origin(url):
    """scheme://host[:port] of an http(s) URL, lowercase, as git names it to a credential helper."""
    parts = urlsplit(url)
    return f'{parts.scheme}://{parts.netloc.rsplit("@", 1)[-1]}'.lower()


def _url_username(url):
    return urlsplit(url).username if '://' in url else None


def run_git(git, args, environment, secrets, *, timeout=None, check=True):
    """Run `git args` with `environment`; its output, or GitError (scrubbed of `secrets`, classified) when it
    fails and `check`."""
    try:
        status, stdout, stderr = git.execute(
            ['git', *args],
            env={**os.environ, **environment},
            kill_after_timeout=timeout,
            with_extended_output=True,
            with_exceptions=False,
        )
    except GitCommandError as exc:  # git could not be started at all
        raise GitError('failed', scrub(exc.stderr or exc, secrets)) from None
    if status == 0 or not check:
        return stdout if status == 0 else ''
    # git's hints are advice for a person at a terminal; push --porcelain reports rejections on stdout.
    lines = [line for line in f'{stderr}\n{stdout}'.splitlines() if line.strip() and not line.startswith('hint:')]
    said = scrub('\n'.join(lines) or f'git {args[0]} exited with {status}', secrets)
    command = next(arg for number, arg in enumerate(args) if arg[0] != '-' and args[number - 1] != '-c')
    raise GitError(_classify(said, status), f'git {command} failed: {said}')


def _classify(said, status):
    if REJECTED.search(said):
        return 'rejected'
    if DENIED.search(said):
        return 'credentials'
    if (
        re.search(
            r'Could not read from remote|unable to access|does not appear to be a git repository|'
            r'Could not resolve host|Connection refused|timed out|not found',
            said,
        )
        or status == -9
    ):
        return 'unreachable'
    return 'failed'
