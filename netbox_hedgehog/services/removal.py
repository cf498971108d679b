"""Deleting one managed object from NetBox: its file leaves managed/, a copy kept first, and the index follows.

Under the fabric's lock (an ingestion may be writing that file), in this order, so the object is in at
least one durable place at every instant: the file's bytes are kept in `.hnp/deleted/` and synced; the
file is removed from managed/; then, in one transaction, a run records the deletion (its provenance names
the kept copy) and the index row goes, change-logged with that run as a run's changes are (models/changelog.py).
With a git remote the deletion is committed and pushed like a run's changes. If the database step fails after
the file went, the row still holds the object and health offers to write the file back, and the copy is in
.hnp/deleted/.
"""

from django.db import transaction
from django.utils import timezone

from netbox_hedgehog.choices import IngestionStatusChoices
from netbox_hedgehog.core.tree import HNP
from netbox_hedgehog.models import IngestionRun
from netbox_hedgehog.models.changelog import ResourceChanges
from netbox_hedgehog.models.deletion import delete_resources
from netbox_hedgehog.services import sync
from netbox_hedgehog.services.lock import fabric_lock
from netbox_hedgehog.services.upload import set_aside

__all__ = ('DELETED', 'delete_managed_object')

# Where the last bytes of a deleted managed object are kept, relative to the tree.
DELETED = f'{HNP}/deleted'


def delete_managed_object(resource, *, trigger, user=None):
    """Delete `resource`'s managed file (kept in .hnp/deleted/) and its index row; returns the run recording it.

    Raises FabricLocked while an ingestion runs, UploadRefused when the file is not there to delete (a link,
    already missing: see the Health tab), UploadFailed when the disk refuses (nothing changed).
    """
    fabric, path = resource.fabric, resource.managed_path
    started = timezone.now()
    with fabric_lock(fabric):
        kept = _remove_file(fabric, path)
        with transaction.atomic():
            run = IngestionRun.objects.create(
                fabric=fabric,
                started=started,
                finished=timezone.now(),
                status=IngestionStatusChoices.COMPLETED,
                trigger=trigger,
                user=user,
                counts={'documents': {'delete': 1}, 'written': 0},
                provenance=[
                    {
                        'source': path,
                        'document': 0,
                        'line': None,
                        'sha256': resource.sha256,
                        'destination': kept,
                        'action': 'delete',
                    }
                ],
            )
            ResourceChanges.of_run(run).deleting([resource.pk])
            delete_resources([resource.pk])
        copy = fabric.working_copy()
        if copy is not None:
            message = f'hedgehog: delete {resource.kind} {resource.name} ({fabric.name})'
            result = sync.publish(fabric, copy, message, user)
            IngestionRun.objects.filter(pk=run.pk).update(git_commit=result.commit or '', git_error=result.error)
            run.refresh_from_db()
    return run


def _remove_file(fabric, path):
    """Keep the managed file's bytes in .hnp/deleted/, then remove it; the kept copy's tree-relative path."""
    with fabric.files() as tree:
        return set_aside(
            tree,
            path,
            DELETED,
            path.replace('/', '--'),
            gone='is already missing: see the Health tab.',
            unchanged=f'{path} is unchanged.',
        )
