"""The files waiting in raw/ now, with the last run's findings for each, in bounded work (the fabric page)."""

import json
from datetime import datetime

from django.db import connection
from django.utils import timezone

from netbox_hedgehog.choices import IngestionStatusChoices
from netbox_hedgehog.core.tree import shown_name
from netbox_hedgehog.models import IngestionRun
from netbox_hedgehog.services import treefs
from netbox_hedgehog.services.raw_intake import identity


def raw_backlog(fabric, limit=None):
    """Files waiting in raw/ now (by the one raw/ listing rule: links included, never followed), with the
    findings the last run recorded for each: the first `limit` of them by path (all with None)."""
    return raw_backlog_page(fabric, limit)[0]


def raw_backlog_page(fabric, limit):
    """(the first `limit` files of `raw_backlog`, how many wait in all): what a page shows, in bounded work.

    Only the files shown are looked at (a stat each) and only their findings leave the database: the
    last run's findings can list every file of a large input.
    """
    fabric.layout()  # UnsafePathError for a gitops_path the path rules refuse, as everywhere
    with fabric.files() as files:
        entries = treefs.raw_entries(files)
        shown = entries if limit is None else entries[:limit]
        backlog = []
        for entry in shown:
            stat = entry.stat()
            backlog.append(
                {
                    'file': shown_name(entry.path),
                    'size': stat.st_size,
                    'modified': datetime.fromtimestamp(stat.st_mtime, tz=timezone.get_current_timezone()),
                    'identity': identity(stat),
                    'findings': [],
                }
            )
    if backlog:
        by_file = {entry['file']: entry for entry in backlog}
        for finding in _last_run_findings(fabric, list(by_file)):
            by_file[finding['file']]['findings'].append(finding)
    return backlog, len(entries)


def last_finished_run(fabric):
    """(pk, finished) of the fabric's last run that is not running, or None."""
    return (
        fabric.runs.exclude(status=IngestionStatusChoices.RUNNING)
        .order_by('-started', '-pk')
        .values_list('pk', 'finished')
        .first()
    )


def _last_run_findings(fabric, paths):
    """The findings the fabric's last finished run recorded for the files `paths`, in the run's order;
    filtered by the database, so a run with a finding for each of thousands of files is not loaded."""
    last = last_finished_run(fabric)
    if last is None:
        return []
    last, _ = last
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT finding FROM {IngestionRun._meta.db_table} run, '
            'jsonb_array_elements(run.findings) WITH ORDINALITY AS found(finding, position) '
            "WHERE run.id = %s AND finding->>'file' = ANY(%s) ORDER BY position",
            [last, paths],
        )
        return [json.loads(finding) for (finding,) in cursor.fetchall()]  # Django reads jsonb as text
