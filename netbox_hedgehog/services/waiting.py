"""What the next ingestion would make of each file waiting in raw/, known from the moment the file arrives.

An upload (the form or the API) plans raw/ as the next ingestion would, the new file with the files waiting
beside it (`planner.plan_raw`), and records each waiting file's verdict and findings (a WaitingFileCheck
row, keyed by the file's path and identity as read). The health job does the same when a file waits that no
row matches: one pushed by git or copied by a shell, or one changed since it was checked. The fabric page
shows a file's row while it matches the file, unless an ingestion ran since (that run's findings are newer).

Rows of files that left raw/ (ingested, discarded, removed) are pruned by the next check; until then the
listing, which shows only what waits now, never shows them.
"""

from django.db import transaction
from django.utils import timezone

from netbox_hedgehog.core.plan_model import FileAction
from netbox_hedgehog.core.tree import is_utf8_name
from netbox_hedgehog.models import WaitingFileCheck
from netbox_hedgehog.services import treefs
from netbox_hedgehog.services.planner import plan_raw
from netbox_hedgehog.services.raw_backlog import last_finished_run, raw_backlog_page
from netbox_hedgehog.services.raw_intake import identity as _identity
from netbox_hedgehog.services.treefs import RawState

__all__ = ('check_arrivals', 'check_raw', 'forget', 'waiting_page')


def check_raw(fabric, path=None, data=None):
    """Plan raw/ as the next ingestion would (with `data` as the raw file `path`, see `plan_raw`) and record
    the verdict of every waiting file planned as the disk holds it; returns the Plan."""
    plan, identities = plan_raw(fabric, path, data)
    if not plan.blocked:  # a link in the tree: nothing was read, and health reports the link
        _record(fabric, plan, identities)
    return plan


def check_arrivals(fabric):
    """Check raw/ again (`check_raw`) when a waiting file has no row matching it (it arrived by git or a
    shell, or changed since it was checked); drop the rows when nothing waits. Returns the Plan, or None
    when every waiting file was checked as it is."""
    with fabric.files() as files:
        waiting = {
            entry.path: _identity(entry.stat())
            for entry in treefs.raw_entries(files)
            if entry.state == RawState.WAITING and is_utf8_name(entry.path)
        }
    recorded = {check.path: check.identity for check in WaitingFileCheck.objects.filter(fabric=fabric)}
    if all(recorded.get(path) == identity for path, identity in waiting.items()):
        if recorded.keys() - waiting.keys():
            WaitingFileCheck.objects.filter(fabric=fabric).exclude(path__in=list(waiting)).delete()
        return None
    return check_raw(fabric)


def forget(fabric, path):
    """The file `path` left raw/ (discarded): its check goes with it."""
    WaitingFileCheck.objects.filter(fabric=fabric, path=path).delete()


def waiting_page(fabric, limit):
    """`raw_backlog_page` with each file's recorded check in place of the last run's findings where the
    check matches the file as it is and is newer than that run: each entry gains `checked` (None when the
    findings are the run's) and `ingestible` (None when unknown)."""
    backlog, total = raw_backlog_page(fabric, limit)
    checks = {
        check.path: check
        for check in WaitingFileCheck.objects.filter(fabric=fabric, path__in=[entry['file'] for entry in backlog])
    }
    last_run = last_finished_run(fabric)
    run_finished = last_run[1] if last_run else None  # None too for a run that died unfinished
    for entry in backlog:
        entry['checked'] = entry['ingestible'] = None
        check = checks.get(entry['file'])
        if check and check.identity == entry['identity'] and (run_finished is None or check.checked > run_finished):
            entry.update(findings=check.findings, checked=check.checked, ingestible=check.ingestible)
    return backlog, total


def _record(fabric, plan, identities):
    """One row per waiting file planned from its bytes on disk; the rows of files no longer waiting go."""
    checked = timezone.now()
    rows = [
        WaitingFileCheck(
            fabric=fabric,
            path=file_plan.path,
            sha256=file_plan.sha256,
            inode=identities[file_plan.path][0],
            size=identities[file_plan.path][1],
            mtime_ns=identities[file_plan.path][2],
            checked=checked,
            ingestible=file_plan.action == FileAction.INGEST,
            findings=[finding.as_dict() for finding in file_plan.findings],
        )
        for file_plan in plan.files
        if file_plan.path in identities
    ]
    with transaction.atomic():
        WaitingFileCheck.objects.filter(fabric=fabric).exclude(path__in=[row.path for row in rows]).delete()
        WaitingFileCheck.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=('fabric', 'path'),
            update_fields=('sha256', 'inode', 'size', 'mtime_ns', 'checked', 'ingestible', 'findings'),
        )
