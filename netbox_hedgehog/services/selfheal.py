"""Self-healing: the scheduled health check makes, in the fabrics that opted in, the repairs `fix` makes safely.

What `fix` does without being told more (gitops/repair.py): folders and manifest recreated, misplaced managed
files moved to their place, missing managed files written back from git HEAD or the index, index rows
rebuilt from managed files, links moved aside. Never what needs a person (forgetting missing objects is a
confirmation `fix` only takes from one), and never while the fabric is locked: an ingestion, fix, backup or
restore is at work, and the next check tries again.

Each repair is a line of the job's log; each automatic fix is one change record on the fabric (its
Changelog tab), "repaired by the scheduled health check: ...". The Health tab and the report list the latest
of those records, and the metrics count them.
"""

import uuid

from core.choices import ObjectChangeActionChoices
from core.models import ObjectChange, ObjectType
from django.db.models import Count

from netbox_hedgehog.core.errors import scrub_paths
from netbox_hedgehog.core.health_codes import CODES
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.services.lock import FabricLocked
from netbox_hedgehog.services.repair import fix

__all__ = ('REPAIRED_BY', 'last_repairs', 'needs_repair', 'repair_counts', 'self_heal')

REPAIRED_BY = 'repaired by the scheduled health check'
# The change record's user name: no person made the change.
AUTHOR = 'scheduled health check'
MESSAGE_LENGTH = ObjectChange._meta.get_field('message').max_length


def needs_repair(report):
    """True when `report` has a finding `fix` repairs."""
    return any(CODES[finding.code].fixable for finding in report.findings if finding.code in CODES)


def self_heal(fabric, report, log, request_id=None):
    """Repair `fabric` as `fix` does when it opted in and `report` has something fix repairs.

    Returns the RepairResult, or None when nothing was tried (not opted in, nothing to repair, locked).
    `log` is the job's logger; `request_id` ties the change record to the job.
    """
    if not fabric.self_healing or not needs_repair(report):
        return None
    if report.stats.get('ingestion_running'):
        log.info(
            f'fabric={fabric.name} event=self_healing_skipped reason=locked holder="{report.stats["lock_holder"]}"'
        )
        return None
    fabric.snapshot()
    try:
        result = fix(fabric)
    except FabricLocked:  # taken between the check and the repair
        log.info(f'fabric={fabric.name} event=self_healing_skipped reason=locked')
        return None
    for change in result.changes:
        log.info(f'fabric={fabric.name} event=self_repair action={change.action} {_shown(fabric, change)}')
    for refusal in result.refused:  # each needs a person: the Health tab still shows its finding
        log.warning(f'fabric={fabric.name} event=self_repair_refused {_safe(fabric, refusal)}')
    if result.changes:
        _record_change(fabric, result.changes, request_id)
    return result


def _safe(fabric, text):
    return scrub_paths(text, fabric.tree_path, gitops_root())


def _shown(fabric, change):
    return _safe(fabric, f'{change.path} {change.detail}'.strip())


def _record_change(fabric, changes, request_id):
    """One change record on the fabric for the repairs: each one, as far as the message holds them."""
    record = fabric.to_objectchange(ObjectChangeActionChoices.ACTION_UPDATE)
    record.user_name = AUTHOR
    record.request_id = request_id or uuid.uuid4()
    record.message = _message([f'{change.action} {_safe(fabric, change.path)}' for change in changes])
    record.save()


def _message(repairs):
    """'repaired by ...: create managed/externals; move managed/vpcs/a.yaml (+3 more)', within the field."""
    prefix = f'{REPAIRED_BY}: '
    if len(whole := prefix + '; '.join(repairs)) <= MESSAGE_LENGTH:
        return whole
    room = MESSAGE_LENGTH - len(prefix) - len(f' (+{len(repairs)} more)')
    listed, used = [], 0
    for repair in repairs:
        used += len(repair) + (2 if listed else 0)
        if used > room:
            break
        listed.append(repair)
    return f'{prefix}{"; ".join(listed) or f"{len(repairs)} repairs"} (+{len(repairs) - len(listed)} more)'


def _repair_records(**filters):
    return ObjectChange.objects.filter(
        changed_object_type=ObjectType.objects.get_for_model(HedgehogFabric), message__startswith=REPAIRED_BY, **filters
    )


def last_repairs(fabric, limit=10):
    """The latest automatic repairs of `fabric`: [(time, what was repaired, request id)], newest first."""
    records = _repair_records(changed_object_id=fabric.pk).order_by('-time')[:limit]
    prefix = len(f'{REPAIRED_BY}: ')
    return [
        (time, message[prefix:], request)
        for time, message, request in records.values_list('time', 'message', 'request_id')
    ]


def repair_counts():
    """{fabric id: its automatic repairs kept in the change log (CHANGELOG_RETENTION)}, in one query."""
    return dict(_repair_records().order_by().values_list('changed_object_id').annotate(count=Count('pk')))
