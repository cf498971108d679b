"""What is checked before a fabric is saved: the remote's permission and whether its tree can be made.

The model's clean() calls these (every way an editor saves a fabric comes through it) and gives them the fabric
as stored: they read no model, so models/fabric.py imports this module at its top and no import cycle runs
through the model.
"""

import os

from netbox_hedgehog.core.errors import scrub_paths
from netbox_hedgehog.core.tree import TreeLayout, UnsafePathError, resolve_tree
from netbox_hedgehog.services.credentials import CredentialsError, read_secret

__all__ = ('REMOTE_FIELDS', 'REMOTE_PERMISSION', 'remote_change_refused', 'tree_problems')

# Where a fabric's git remote points, and so where the administrator's credentials for it go and what
# they write to: changing any of these needs this permission beyond change (see remote_change_refused).
REMOTE_FIELDS = ('git_remote_url', 'git_branch', 'git_path')
REMOTE_PERMISSION = 'netbox_hedgehog.change_remote_hedgehogfabric'


def tree_problems(fabric, previous, root):
    """Problems that would make onboarding `fabric` fail, as {field: message}, without touching the disk
    (`previous`: the fabric as stored, or None; `root`: gitops_root).

    Forms and the API call this (through the model's clean()) so the common causes become field
    errors; onboarding itself still guards every other path.
    """
    # These messages reach fabric editors: they name no server path (the administrator knows gitops_root).
    if not root.is_dir():
        return {None: 'The plugin setting gitops_root is not an existing folder; ask an administrator.'}
    if not os.access(root, os.W_OK | os.X_OK):
        return {None: 'The plugin setting gitops_root is not writable by NetBox; ask an administrator.'}
    try:
        resolve_tree(root, fabric.tree_relative_path)
    except UnsafePathError as exc:
        return {'gitops_path': scrub_paths(exc.reason, root=root)}
    if entry := fabric.credentials_entry:
        # Read, never sent: nothing reaches the remote before the row is valid and saved.
        try:
            read_secret(entry, fabric.git_remote_url)
        except CredentialsError as exc:
            return {'git_remote_url': f'{exc}; ask an administrator.'}
    if previous is not None and TreeLayout(previous.tree_path).manifest.exists():
        return _moves_the_tree(previous, fabric)
    return {}


def remote_change_refused(fabric, previous, user):
    """{field: message} when `user` may not give `fabric` the remote it now holds, else {} (`previous`: the fabric as
    stored, or None for a new one).

    The remote URL decides which administrator's credentials go where, and the branch and the path in
    the repository decide what those credentials write to (another fabric's folder, a protected
    branch): setting any of them on a new fabric with a remote, or changing any of them, needs
    REMOTE_PERMISSION beyond add or change. Checked on the stored fabric, so an object permission's
    constraints apply to what it was, not to what the editor wants it to be.
    """
    if previous is None:
        changed = ['git_remote_url'] if fabric.git_remote_url else []
    else:
        changed = [name for name in REMOTE_FIELDS if getattr(previous, name) != getattr(fabric, name)]
    if not changed or user.has_perm(REMOTE_PERMISSION, previous):
        return {}
    message = (
        'Setting or changing the git remote (URL, branch or path in repository) needs the permission '
        f'{REMOTE_PERMISSION}.'
    )
    return {name: message for name in changed}


def _moves_the_tree(previous, fabric):
    """A change of path, or of having a remote, branch or path in the repository, would move an existing tree."""
    moved = 'This fabric already has a GitOps tree at {where}; moving a tree is not supported. {how}'
    if previous.gitops_path != fabric.gitops_path:
        how = 'Move the folder by hand and keep the path, or create a new fabric.'
        return {'gitops_path': moved.format(where=repr(previous.gitops_path), how=how)}
    if previous.has_remote != fabric.has_remote:
        how = (
            "A remote can only be given to a new fabric: create one with the remote, and drop this tree's "
            'managed/ files into its raw/.'
            if fabric.has_remote
            else 'Its working copy stays; keep the remote, or create a new fabric without one.'
        )
        return {'git_remote_url': moved.format(where=repr(previous.tree_relative_path), how=how)}
    for name in ('git_branch', 'git_path'):
        if fabric.has_remote and getattr(previous, name) != getattr(fabric, name):
            how = 'Keep it, or create a new fabric for the other branch or folder.'
            return {name: moved.format(where=repr(f'{previous.git_branch}:{previous.git_path}'), how=how)}
    return {}
