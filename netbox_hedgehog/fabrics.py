"""Fabric-level operations over the GitOps services, shared by every entry point.

The signal, the `hedgehog onboard` command, the views and the API all call these functions, so
the rules (which status a fabric gets, what is checked before a save, when an ingestion is
requested) live in one place. The file system work itself is in `gitops/`.
"""

import logging
import os

from django.utils import timezone
from netbox.plugins import get_plugin_config
from utilities.exceptions import AbortRequest

from netbox_hedgehog.choices import GitOpsStatusChoices
from netbox_hedgehog.errors import public_message, scrub_paths
from netbox_hedgehog.gitops import onboarding, sync
from netbox_hedgehog.gitops.credentials import CredentialsError, read_secret
from netbox_hedgehog.gitops.repository import GitError, check_connection
from netbox_hedgehog.gitops.tree import TreeLayout, UnsafePathError, resolve_tree
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.models.fabric import REMOTE_FIELDS, REMOTE_PERMISSION, gitops_root

__all__ = (
    'FabricTreeError',
    'check_git_connection',
    'mark_failed',
    'onboard',
    'onboard_new_fabric',
    'precheck',
    'remote_change_refused',
    'request_ingestion',
)

logger = logging.getLogger('netbox_hedgehog.fabrics')


class FabricTreeError(AbortRequest):
    """Onboarding failed: NetBox's views show `message` as a form error and its API answers 400 with it."""

    def __init__(self, error):
        # Shown to whoever saves the fabric: no server path (the log has the details).
        super().__init__(f'GitOps tree not created: {public_message(error, root=gitops_root())}')
        self.error = error


def precheck(fabric):
    """Problems that would make onboarding `fabric` fail, as {field: message}, without touching the disk.

    Forms and the API call this (through the model's clean()) so the common causes become field
    errors; onboarding itself still guards every other path.
    """
    # These messages reach fabric editors: they name no server path (the administrator knows gitops_root).
    root = gitops_root()
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
    previous = HedgehogFabric.objects.filter(pk=fabric.pk).first()
    if previous is not None and TreeLayout(previous.tree_path).manifest.exists():
        return _moves_the_tree(previous, fabric)
    return {}


def remote_change_refused(fabric, user):
    """{field: message} when `user` may not give `fabric` the remote it now holds, else {}.

    The remote URL decides which administrator's credentials go where, and the branch and the path in
    the repository decide what those credentials write to (another fabric's folder, a protected
    branch): setting any of them on a new fabric with a remote, or changing any of them, needs
    REMOTE_PERMISSION beyond add or change. Checked on the stored fabric, so an object permission's
    constraints apply to what it was, not to what the editor wants it to be.
    """
    previous = HedgehogFabric.objects.filter(pk=fabric.pk).first() if fabric.pk else None
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
        return {'git_remote_url': moved.format(where=repr(str(previous.tree_path)), how=how)}
    for name in ('git_branch', 'git_path'):
        if fabric.has_remote and getattr(previous, name) != getattr(fabric, name):
            how = 'Keep it, or create a new fabric for the other branch or folder.'
            return {name: moved.format(where=repr(f'{previous.git_branch}:{previous.git_path}'), how=how)}
    return {}


def onboard(fabric, *, dry_run=False):
    """Create or repair `fabric`'s tree; on success mark it initialized. Raises OnboardingError, or
    GitError for a fabric with a remote whose working copy cannot be cloned or pushed."""
    copy = None if dry_run else fabric.working_copy()
    cloned = copy is not None and copy.ensure()
    try:
        result = onboarding.initialize(
            gitops_root(),
            fabric.tree_relative_path,
            fabric_name=fabric.name,
            fabric_id=fabric.pk,
            dry_run=dry_run,
            claimable=_orphaned_manifest,
        )
        if copy is not None:
            _publish_tree(fabric, copy)
    except BaseException:
        if cloned:
            # Everything in it came from the remote or from this call: the remote keeps the former.
            copy.discard()
        raise
    if dry_run:
        return result
    fields = {'last_initialized': timezone.now()}
    if fabric.gitops_status in (GitOpsStatusChoices.PENDING, GitOpsStatusChoices.FAILED):
        fields['gitops_status'] = GitOpsStatusChoices.INITIALIZED
    HedgehogFabric.objects.filter(pk=fabric.pk).update(**fields)
    for name, value in fields.items():
        setattr(fabric, name, value)
    if result.raw_has_files:
        request_ingestion(fabric)
    return result


def _publish_tree(fabric, copy):
    """The initial tree as one commit, pushed: a GitOps tool must see the fabric's tree at once."""
    pushed = sync.publish(fabric, copy, f'hedgehog: onboard fabric {fabric.name}')
    if pushed.error:
        raise GitError('rejected', f'the initial commit {pushed.commit[:12]} was not pushed: {pushed.error}')


def onboard_new_fabric(fabric):
    """Onboarding inside the creating save's transaction: on failure the row goes with the directories.

    Django has no rollback hook, so should the transaction fail *after* a successful onboarding
    (a later receiver, a permission check), the tree stays with a manifest naming a fabric id that
    does not exist; `_orphaned_manifest` lets the next fabric created at that path take it over.
    """
    try:
        return onboard(fabric)
    except onboarding.OnboardingError as exc:
        logger.warning('fabric=%s event=onboarding_failed path=%s reason=%s', fabric.name, exc.path, exc.reason)
        raise FabricTreeError(exc) from exc
    except GitError as exc:
        logger.warning('fabric=%s event=onboarding_failed git=%s reason=%s', fabric.name, exc.code, exc)
        raise FabricTreeError(exc) from None


def check_git_connection(fabric):
    """The Test connection action: a real `git ls-remote` of the fabric's remote, with the credentials that
    cover its URL (none when no entry does)."""
    timeout = get_plugin_config('netbox_hedgehog', 'git_timeout_seconds')
    return check_connection(fabric.remote_settings(), timeout=timeout)


def mark_failed(fabric, error):
    """Record a failed onboarding of an existing fabric; never hides `error`, whatever happens here."""
    try:
        HedgehogFabric.objects.filter(pk=fabric.pk).update(gitops_status=GitOpsStatusChoices.FAILED)
    except Exception:
        logger.exception('fabric=%s event=status_write_failed after=%s', fabric.name, error)


def request_ingestion(fabric):
    """Queue one ingestion of `fabric` (raw/ already holds files); it is enqueued when the save commits."""
    from netbox_hedgehog.jobs import IngestionJob

    job = IngestionJob.enqueue(instance=fabric, trigger='onboarding')
    logger.info('fabric=%s event=ingestion_requested reason=raw_has_files job=%s', fabric.name, job.pk)
    return job


def _orphaned_manifest(manifest):
    """A tree whose manifest names a fabric that no longer exists may be taken over: deleted fabrics keep
    their files, and a rolled-back creation may leave a tree behind."""
    return not HedgehogFabric.objects.filter(pk=manifest.fabric_id, name=manifest.fabric_name).exists()
