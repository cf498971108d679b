"""A fabric's git working copy: clone, pull (fast-forward only), commit, push (retried once after a rebase)."""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from git import Git, Repo

from netbox_hedgehog.core.remote import scrub
from netbox_hedgehog.services.repository.process import GitError, git_environment, run_git

__all__ = (
    'AUTHOR',
    'ConnectionResult',
    'PullResult',
    'PushResult',
    'WorkingCopyState',
    'WorkingCopy',
    'check_connection',
)

AUTHOR = ('NetBox Hedgehog', 'hedgehog@netbox.invalid')
COMMITTER = {'GIT_COMMITTER_NAME': AUTHOR[0], 'GIT_COMMITTER_EMAIL': AUTHOR[1]}
# Temporaries of a running ingestion never belong in a commit.
EXCLUDED = ('.*.hnp-tmp',)


@dataclass
class PullResult:
    commits: int = 0
    # Repository paths under the tree that the pull changed.
    changed: list = field(default_factory=list)


@dataclass
class PushResult:
    commit: str | None = None
    pushed: bool = False
    retried: bool = False
    error: str = ''

    def as_dict(self):
        return {'commit': self.commit, 'pushed': self.pushed, 'retried': self.retried, 'error': self.error}


@dataclass
class WorkingCopyState:
    cloned: bool
    head: str | None = None
    # Changes under the tree that no commit holds yet, raw/ left out (files waiting there are normal).
    dirty: list = field(default_factory=list)
    ahead: int = 0
    behind: int = 0
    reachable: bool | None = None
    error: str = ''
    error_code: str = ''


@dataclass
class ConnectionResult:
    ok: bool
    message: str
    branch_exists: bool = False
    head: str | None = None

    def as_dict(self):
        return {'ok': self.ok, 'message': self.message, 'branch_exists': self.branch_exists, 'head': self.head}


class WorkingCopy:
    """The working copy at `folder` of the remote described by `settings` (a remote.RemoteSettings)."""

    def __init__(self, folder, settings, *, timeout=60):
        self.folder = Path(folder)
        self.settings = settings
        self.timeout = timeout
        self.environment, self.secrets = git_environment(settings)

    @property
    def tree(self):
        return self.folder / self.settings.path

    @property
    def exists(self):
        return (self.folder / '.git').is_dir()

    @property
    def branch(self):
        return self.settings.branch

    # --- clone ------------------------------------------------------------------------------------

    def ensure(self):
        """Clone on first use; True when this call made the working copy (so `discard` may remove it).

        A folder that holds anything but a working copy is refused: it could be a tree from before
        the fabric had a remote, and cloning over it is not ours to decide.
        """
        if self.exists:
            self._check_origin()
            self._git('config', 'core.symlinks', 'false')  # copies cloned before this setting existed
            return False
        if self.folder.exists() and any(self.folder.iterdir()):
            raise GitError(
                'not_a_working_copy',
                f'{self.folder} exists and is not a git working copy; move its contents away or give the fabric '
                'another gitops_path',
            )
        existed = self.folder.exists()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            repo = Repo.init(self.folder, initial_branch=self.branch)
            with repo.config_writer() as config:
                config.set_value('core', 'quotePath', 'false')
                # A link pushed to the remote checks out as a plain small file holding its target's name:
                # a tree's content is untrusted, and nothing in it may lead outside (see gitops/treefs/).
                config.set_value('core', 'symlinks', 'false')
            (self.folder / '.git' / 'info').mkdir(exist_ok=True)
            (self.folder / '.git' / 'info' / 'exclude').write_text(''.join(f'{line}\n' for line in EXCLUDED))
            self._git('remote', 'add', 'origin', self.settings.url)
            if self._fetch():
                self._git('checkout', '-B', self.branch, '--track', self._upstream)
        except BaseException:
            self.discard(keep_folder=existed)
            raise
        return True

    def discard(self, keep_folder=False):
        """Remove a working copy this process cloned (onboarding that failed): the remote keeps everything."""
        if keep_folder:
            for entry in self.folder.iterdir():
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        else:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _check_origin(self):
        urls = self._git('remote', 'get-url', 'origin', check=False)
        if urls != self.settings.url:
            # The remote moved (a new host name, say): follow the fabric's setting.
            self._git('remote', 'set-url', 'origin', self.settings.url)

    # --- before a run -----------------------------------------------------------------------------

    def pull(self):
        """Fast-forward to the remote branch. A diverged history or a local change in the way raises
        GitError and leaves every file and ref of the working copy as it was."""
        if not self._fetch():
            return PullResult()
        before = self._head()
        if before is None:
            self._git('checkout', '-B', self.branch, '--track', self._upstream)
            return PullResult(self._count(self._upstream), self._changed(None))
        ahead, behind = self._ahead_behind()
        if behind and ahead:
            raise GitError(
                'diverged',
                f'{self.branch} in {self.folder} and {self._upstream} have diverged ({ahead} local and {behind} '
                'remote commits); nothing was changed. Reconcile them by hand (rebase or merge, then push).',
            )
        if not behind:
            return PullResult()
        try:
            self._git('merge', '--ff-only', self._upstream)
        except GitError as exc:
            raise GitError('conflict', f'cannot fast-forward {self.folder} to {self._upstream}: {exc}') from None
        return PullResult(behind, self._changed(before))

    # --- after a run ------------------------------------------------------------------------------

    def commit(self, message, author=AUTHOR):
        """Commit everything under the tree as one commit; None (and no commit) when nothing changed."""
        self._git('add', '--all', '--', self.settings.path)
        if not self._git('diff', '--cached', '--name-only', '--', self.settings.path):
            return None
        name, email = author
        self._git(
            'commit',
            '--quiet',
            '--no-verify',
            '-m',
            message,
            environment={'GIT_AUTHOR_NAME': name, 'GIT_AUTHOR_EMAIL': email, **COMMITTER},
        )
        return self._head()

    def push(self, commit=None):
        """Push the branch; a rejection is retried once after rebasing onto the remote. Never raises for
        the remote's answer: the result says whether it was pushed, and the local commit stays."""
        result = PushResult(commit=commit or self._head())
        if result.commit is None:
            return result
        try:
            self._push()
        except GitError as exc:
            if exc.code != 'rejected':
                result.error = str(exc)
                return result
            result.retried = True
            try:
                self._rebase_onto_remote()
                result.commit = self._head()
                self._push()
            except GitError as again:
                result.error = str(again)
                return result
        result.pushed = True
        return result

    def unpushed(self):
        """Local commits the remote branch does not have (after a failed push, say)."""
        if self._head() is None:
            return 0
        if self._remote_head() is None:
            return self._count('HEAD')
        return self._ahead_behind()[0]

    def _push(self):
        self._git('push', '--porcelain', 'origin', f'HEAD:refs/heads/{self.branch}', network=True)

    def _rebase_onto_remote(self):
        self._fetch()
        try:
            self._git('rebase', '--quiet', self._upstream, environment=COMMITTER)
        except GitError as exc:
            self._git('rebase', '--abort', check=False)
            raise GitError(
                'conflict',
                f'the push was rejected and the commit does not rebase onto {self._upstream}: {exc}; '
                'the local commit is kept',
            ) from None

    # --- state ------------------------------------------------------------------------------------

    def state(self, contact_remote=True):
        """Where the working copy stands: not cloned, dirty, ahead of or behind the remote, unreachable."""
        if not self.exists:
            return WorkingCopyState(cloned=False)
        state = WorkingCopyState(cloned=True, head=self._head())
        raw = f'{self.settings.path}/raw/'
        status = self._git('status', '--porcelain', '--untracked-files=all', '--', self.settings.path)
        state.dirty = [line[3:] for line in status.splitlines() if not line[3:].startswith(raw)]
        if contact_remote:
            try:
                self._fetch()
                state.reachable = True
            except GitError as exc:
                state.reachable, state.error, state.error_code = False, str(exc), exc.code
        if self._remote_head() is not None and state.head is not None:
            state.ahead, state.behind = self._ahead_behind()
        elif state.head is not None:
            state.ahead = self._count('HEAD')
        return state

    # --- what HEAD holds: `fix` restores a deleted managed file from it, or learns the deletion was committed

    def committed_files(self, folder):
        """Tree-relative paths of the files HEAD holds under the tree's `folder` (managed, say)."""
        if self._head() is None:
            return set()
        names = self._git('ls-tree', '-r', '-z', '--name-only', '--full-tree', 'HEAD', '--', self._in_repo(folder))
        return {self._in_tree(name) for name in names.split('\0') if name}

    def deleted_by_commit(self, folder):
        """Tree-relative paths under `folder` that some commit of HEAD's history removed."""
        if self._head() is None:
            return set()
        folder = self._in_repo(folder)
        names = self._git('log', '--diff-filter=D', '--name-only', '-z', '--format=', 'HEAD', '--', folder)
        return {self._in_tree(name.strip('\n')) for name in names.split('\0') if name.strip('\n')}

    def committed_bytes(self, relative):
        """The exact bytes HEAD holds at the tree-relative path `relative`; GitError when it holds none."""
        status, stdout, stderr = Git(self.folder).execute(
            ['git', 'cat-file', 'blob', f'HEAD:{self._in_repo(relative)}'],
            env={**os.environ, **self.environment},
            with_extended_output=True,
            with_exceptions=False,
            stdout_as_string=False,
            strip_newline_in_stdout=False,
        )
        if status != 0:
            said = stderr.decode('utf-8', 'replace') if isinstance(stderr, bytes) else str(stderr)
            raise GitError('failed', f'git cat-file failed: {scrub(said.strip(), self.secrets)}')
        return stdout

    def _in_repo(self, relative):
        return f'{self.settings.path}/{relative}'

    def _in_tree(self, name):
        return name.removeprefix(f'{self.settings.path}/')

    # --- plumbing ---------------------------------------------------------------------------------

    @property
    def _upstream(self):
        return f'origin/{self.branch}'

    def _fetch(self):
        """Fetch the branch; True when the remote has it (an empty remote has no branch yet)."""
        refs = self._git('ls-remote', '--heads', 'origin', f'refs/heads/{self.branch}', network=True)
        if not refs:
            return False
        self._git(
            'fetch', '--quiet', 'origin', f'+refs/heads/{self.branch}:refs/remotes/{self._upstream}', network=True
        )
        return True

    def _head(self):
        return self._git('rev-parse', '--verify', '--quiet', 'HEAD', check=False) or None

    def _remote_head(self):
        return self._git('rev-parse', '--verify', '--quiet', self._upstream, check=False) or None

    def _count(self, revision):
        return int(self._git('rev-list', '--count', revision))

    def _ahead_behind(self):
        ahead, behind = self._git('rev-list', '--left-right', '--count', f'HEAD...{self._upstream}').split()
        return int(ahead), int(behind)

    def _changed(self, before):
        if before is None:
            names = self._git('ls-tree', '-r', '--name-only', 'HEAD', '--', self.settings.path)
        else:
            names = self._git('diff', '--name-only', before, 'HEAD', '--', self.settings.path)
        return names.splitlines()

    def _git(self, *args, network=False, check=True, environment=None):
        """Run one git command in the working copy; GitError (scrubbed) when it fails and `check`."""
        return run_git(
            Git(self.folder),
            args,
            {**self.environment, **(environment or {})},
            self.secrets,
            timeout=self.timeout if network else None,
            check=check,
        )


def check_connection(settings, *, timeout=60):
    """Reach the remote with the fabric's credentials (a real `git ls-remote`) and say what was found."""
    try:
        environment, secrets = git_environment(settings)
    except GitError as exc:
        return ConnectionResult(False, str(exc))
    try:
        refs = run_git(Git(), ('ls-remote', settings.url), environment, secrets, timeout=timeout)
    except GitError as exc:
        return ConnectionResult(False, f'cannot reach {settings.display_url}: {exc}')
    heads = dict(reversed(line.split('\t', 1)) for line in refs.splitlines() if '\t' in line)
    head = heads.get(f'refs/heads/{settings.branch}')
    if head is None:
        message = f'reached {settings.display_url}; branch {settings.branch} does not exist yet (a first push makes it)'
    else:
        message = f'reached {settings.display_url}; branch {settings.branch} is at {head[:12]}'
    return ConnectionResult(True, message, head is not None, head)
