"""Fabric-level operations over the GitOps services, shared by every entry point.

The signal, the `hedgehog onboard` command, the views and the API all call these functions, so
the rules (which status a fabric gets, what is checked before a save, when an ingestion is
requested) live in one place. The file system work itself is in `gitops/`.
"""

import functools
import logging
import os
import weakref

from django.db import transaction
from django.utils import timezone
from netbox.plugins import get_plugin_config
from utilities.exceptions import AbortRequest

from netbox_hedgehog.choices import GitOpsStatusChoices
from netbox_hedgehog.core.errors import public_message
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.services import onboarding, staging, sync
from netbox_hedgehog.services.repository import GitError, WorkingCopy, check_connection

__all__ = (
    'FabricTreeError',
    'check_git_connection',
    'finish_staged',
    'mark_failed',
    'onboard',
    'onboard_new_fabric',
    'register_ingestion_queue',
    'request_ingestion',
    'staged_tree',
    'staging_leftovers',
    'when_committed',
)

logger = logging.getLogger('netbox_hedgehog.services.fabrics')
# The one way to queue an ingestion, registered at the app's ready() (register_ingestion_queue).
_ingestion_queue = []


class FabricTreeError(AbortRequest):
    """Onboarding failed: NetBox's views show `message` as a form error and its API answers 400 with it."""

    def __init__(self, error, fabric):
        # Shown to whoever saves the fabric: no server path (the log has the details), and the tree named by the
        # fabric's path, not by the staging folder it was being built in out of sight.
        message = staging.named_as_final(public_message(error, root=gitops_root()), fabric.gitops_path)
        super().__init__(f'GitOps tree not created: {message}')
        self.error = error


def onboard(fabric, *, dry_run=False):
    """Create or repair `fabric`'s tree in place; on success mark it initialized. Raises OnboardingError, or
    GitError for a fabric with a remote whose working copy cannot be cloned or pushed.

    A tree built at the fabric's creation whose move into place failed is moved into place first.
    """
    if not dry_run:
        finish_staged(fabric)
    copy = None if dry_run else fabric.working_copy()
    result = _build(fabric, copy, fabric.tree_relative_path, dry_run=dry_run)[0]
    if dry_run:
        return result
    _mark_initialized(fabric)
    if result.raw_has_files:
        request_ingestion(fabric)
    return result


def _build(fabric, copy, tree_relative, dry_run=False):
    """Clone (with a remote), initialize the tree at `tree_relative` and publish its first commit; on a
    failure, undo what this call made. Returns (OnboardingResult, whether this call cloned)."""
    cloned = copy is not None and copy.ensure()
    try:
        result = onboarding.initialize(
            gitops_root(),
            tree_relative,
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
    return result, cloned


def _mark_initialized(fabric):
    fields = {'last_initialized': timezone.now()}
    if fabric.gitops_status in (GitOpsStatusChoices.PENDING, GitOpsStatusChoices.FAILED):
        fields['gitops_status'] = GitOpsStatusChoices.INITIALIZED
    HedgehogFabric.objects.filter(pk=fabric.pk).update(**fields)
    for name, value in fields.items():
        setattr(fabric, name, value)


def _publish_tree(fabric, copy):
    """The initial tree as one commit, pushed: a GitOps tool must see the fabric's tree at once."""
    pushed = sync.publish(fabric, copy, f'hedgehog: onboard fabric {fabric.name}')
    if pushed.error:
        raise GitError('rejected', f'the initial commit {pushed.commit[:12]} was not pushed: {pushed.error}')


def onboard_new_fabric(fabric):
    """Onboarding of a fabric being created, inside the creating save's transaction: a creation that does
    not commit leaves nothing at the fabric's path (ARCHITECTURE.md 3.8).

    The folder is built out of sight (gitops/staging.py) and renamed into place when the transaction
    commits; a rollback removes it. Failures that can be known before the commit (a path taken, a folder
    not writable, a clone that fails) raise FabricTreeError, so the form or the API shows them and the row
    is not saved. When a folder is already at the path (a tree to adopt or take over), onboarding works
    in it as it always did, and a rollback undoes exactly what it made there.
    """
    try:
        return _onboard_new(fabric)
    except onboarding.OnboardingError as exc:
        logger.warning('fabric=%s event=onboarding_failed path=%s reason=%s', fabric.name, exc.path, exc.reason)
        raise FabricTreeError(exc, fabric) from exc
    except GitError as exc:
        logger.warning('fabric=%s event=onboarding_failed git=%s reason=%s', fabric.name, exc.code, exc)
        raise FabricTreeError(exc, fabric) from None


def _onboard_new(fabric):
    root = gitops_root()
    # Every refusal that does not depend on the folder's content (an unsafe path, a tree inside another
    # tree, a foreign manifest or a name collision in a folder already there) before anything is made.
    onboarding.initialize(
        root,
        fabric.tree_relative_path,
        fabric_name=fabric.name,
        fabric_id=fabric.pk,
        dry_run=True,
        claimable=_orphaned_manifest,
    )
    final = root / fabric.gitops_path
    if os.path.lexists(final):
        copy = fabric.working_copy()
        result, cloned = _build(fabric, copy, fabric.tree_relative_path)
        when_committed(_nothing, functools.partial(_undo_in_place, fabric.name, result, copy if cloned else None))
    else:
        _sweep_leftovers(root, fabric.name)
        name = staging.staging_name(fabric.name, staging.transaction_id())
        folder = root / name
        copy = _working_copy_at(fabric, folder)
        try:
            result = _build(fabric, copy, f'{name}/{fabric.git_path}' if copy else name)[0]
        except BaseException:
            staging.discard(folder)
            raise
        when_committed(
            functools.partial(_move_into_place, fabric.pk, fabric.name, folder, final),
            functools.partial(staging.discard, folder),
        )
    _mark_initialized(fabric)
    if result.raw_has_files:
        request_ingestion(fabric)
    return result


def when_committed(on_commit, on_rollback):
    """Run `on_commit` when the current transaction commits, `on_rollback` when it (or the savepoint this
    runs in) rolls back instead.

    Django has no rollback hook, but it drops the on_commit callbacks of a rolled-back transaction or
    savepoint at once; the finalizer of the callback runs the moment it is dropped (CPython frees it
    then), and does nothing if the callback ran. A process that dies mid-transaction runs neither: the
    staging folder it leaves is swept later (gitops/staging.py).
    """
    state = {'committed': False}

    def callback():
        state['committed'] = True
        on_commit()

    weakref.finalize(callback, _unless_committed, state, on_rollback)
    transaction.on_commit(callback, robust=True)


def _unless_committed(state, on_rollback):
    if not state['committed']:
        on_rollback()


def _nothing():
    pass


def _working_copy_at(fabric, folder):
    if not fabric.has_remote:
        return None
    timeout = get_plugin_config('netbox_hedgehog', 'git_timeout_seconds')
    return WorkingCopy(folder, fabric.remote_settings(), timeout=timeout)


def _move_into_place(pk, name, folder, final):
    """At commit: the built folder to the fabric's path. A failure cannot undo the commit: the fabric is
    marked failed, health reports HEALTH_TREE_STAGED, and `hedgehog onboard` or `fix` finishes the move."""
    try:
        staging.move_into_place(folder, final)
    except OSError as exc:
        logger.error('fabric=%s event=tree_not_moved staging=%s path=%s reason=%s', name, folder, final, exc)
        HedgehogFabric.objects.filter(pk=pk).update(gitops_status=GitOpsStatusChoices.FAILED)
        return
    logger.info('fabric=%s event=tree_in_place path=%s', name, final)


def _undo_in_place(name, result, cloned_copy):
    """At rollback, for a folder that was there before: remove what onboarding made in it, nothing else."""
    leftovers = onboarding.undo(result)
    if cloned_copy is not None:
        cloned_copy.discard(keep_folder=True)
    if leftovers:
        logger.warning('fabric=%s event=rollback_leftovers items=%s', name, '; '.join(leftovers))


def staged_tree(fabric):
    """The staging folder holding `fabric`'s tree when its move into place at the creation failed, or None."""
    if os.path.lexists(gitops_root() / fabric.gitops_path):
        return None
    for staged in staging.find(gitops_root()):
        if staged.fabric_name == fabric.name and _owned_by(staged, fabric):
            return staged
    return None


def finish_staged(fabric, dry_run=False):
    """Move `fabric`'s tree into place when its move at the creation failed; returns the Staged moved (or,
    in a dry run, to move), or None. OSError when the move fails again."""
    staged = staged_tree(fabric)
    if staged is not None and not dry_run:
        final = gitops_root() / fabric.gitops_path
        staging.move_into_place(staged.path, final)
        logger.info('fabric=%s event=tree_in_place path=%s from=%s', fabric.name, final, staged.name)
        if fabric.gitops_status == GitOpsStatusChoices.FAILED:
            _mark_initialized(fabric)
    return staged


def _owned_by(staged, fabric):
    manifest = staging.manifest_of(staged, fabric.git_path if fabric.has_remote else '')
    return manifest is not None and manifest.belongs_to(fabric.name, fabric.pk)


def staging_leftovers(root, fabric_name=None):
    """Staging folders under `root` of creations that never committed (or whose fabric is gone), whose
    transaction is over: safe to remove. With `fabric_name`, only those of that name."""
    found = [s for s in staging.find(root) if fabric_name is None or s.fabric_name == fabric_name]
    if not found:
        return []
    running = staging.in_progress(s.xid for s in found)
    fabrics = {fabric.name: fabric for fabric in HedgehogFabric.objects.filter(name__in={s.fabric_name for s in found})}
    leftovers = []
    for staged in found:
        if staged.xid in running:
            continue
        fabric = fabrics.get(staged.fabric_name)
        if fabric is not None and _owned_by(staged, fabric) and not os.path.lexists(root / fabric.gitops_path):
            continue  # the tree of a committed fabric whose move failed: finished, never removed
        leftovers.append(staged)
    return leftovers


def _sweep_leftovers(root, fabric_name):
    for staged in staging_leftovers(root, fabric_name):
        staging.discard(staged.path)
        logger.info('fabric=%s event=staging_leftover_removed folder=%s', fabric_name, staged.name)


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


def register_ingestion_queue(enqueue):
    """Set how an ingestion is queued: `enqueue(instance=fabric, trigger=...)`, the job's (jobs.IngestionJob,
    an adapter this service does not import). The plugin's ready() registers it."""
    _ingestion_queue[:] = [enqueue]


def request_ingestion(fabric):
    """Queue one ingestion of `fabric` (raw/ already holds files); it is enqueued when the save commits."""
    (enqueue,) = _ingestion_queue
    job = enqueue(instance=fabric, trigger='onboarding')
    logger.info('fabric=%s event=ingestion_requested reason=raw_has_files job=%s', fabric.name, job.pk)
    return job


def _orphaned_manifest(manifest):
    """A tree whose manifest names a fabric that no longer exists may be taken over: deleted fabrics keep
    their files (and a creation from before staging may have left a tree behind)."""
    return not HedgehogFabric.objects.filter(pk=manifest.fabric_id, name=manifest.fabric_name).exists()
