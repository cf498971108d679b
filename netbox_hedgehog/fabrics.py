"""Fabric-level operations over the GitOps services, shared by every entry point.

The signal, the `hedgehog onboard` command, the views and the API all call these functions, so
the rules (which status a fabric gets, what is checked before a save, when an ingestion is
requested) live in one place. The file system work itself is in `gitops/`.
"""

import logging
import os

from django.utils import timezone
from utilities.exceptions import AbortRequest

from netbox_hedgehog.choices import GitOpsStatusChoices
from netbox_hedgehog.gitops import onboarding
from netbox_hedgehog.gitops.tree import TreeLayout, UnsafePathError, resolve_tree
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.models.fabric import gitops_root

__all__ = ('FabricTreeError', 'mark_failed', 'onboard', 'onboard_new_fabric', 'precheck', 'request_ingestion')

logger = logging.getLogger('netbox_hedgehog.fabrics')


class FabricTreeError(AbortRequest):
    """Onboarding failed: NetBox's views show `message` as a form error and its API answers 400 with it."""

    def __init__(self, error):
        super().__init__(f'GitOps tree not created: {error}')
        self.error = error


def precheck(fabric):
    """Problems that would make onboarding `fabric` fail, as {field: message}, without touching the disk.

    Forms and the API call this (through the model's clean()) so the common causes become field
    errors; onboarding itself still guards every other path.
    """
    root = gitops_root()
    if not root.is_dir():
        return {None: f'The plugin setting gitops_root ({root}) is not an existing folder; ask an administrator.'}
    if not os.access(root, os.W_OK | os.X_OK):
        return {None: f'The plugin setting gitops_root ({root}) is not writable by NetBox.'}
    try:
        resolve_tree(root, fabric.gitops_path)
    except UnsafePathError as exc:
        return {'gitops_path': exc.reason}
    previous = HedgehogFabric.objects.filter(pk=fabric.pk).values_list('gitops_path', flat=True).first()
    if previous is not None and previous != fabric.gitops_path and TreeLayout(root / previous).manifest.exists():
        return {
            'gitops_path': f'This fabric already has a GitOps tree at {previous!r}; moving a tree is not supported. '
            'Move the folder by hand and keep the path, or create a new fabric.'
        }
    return {}


def onboard(fabric, *, dry_run=False):
    """Create or repair `fabric`'s tree; on success mark it initialized. Raises OnboardingError."""
    result = onboarding.initialize(
        gitops_root(),
        fabric.gitops_path,
        fabric_name=fabric.name,
        fabric_id=fabric.pk,
        dry_run=dry_run,
        claimable=_orphaned_manifest,
    )
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
