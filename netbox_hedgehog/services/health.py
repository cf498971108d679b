"""Health of a fabric's GitOps tree: is it complete, consistent with NetBox's index, and moving?

`check_fabric(fabric)` runs every check and returns a HealthReport (core/health_report.py): findings in the
one finding shape with the stable codes of `core.health_codes.CODES` (documented in docs/health.md), a status
(healthy, degraded, unhealthy), a score 0-100 and the time taken. Every surface (the Health tab, the API,
`hedgehog health`, the scheduled job, the metrics) reads this one report.

Fast on large trees: a managed file whose size and modification time are those its index row
recorded is trusted with a stat (as ingestion trusts its outputs); any other is read and hashed, and
only a file whose hash differs from its index row (or that has no row) is parsed and validated. A row
is written only for a file that held one valid object at the time, and it carries the keys of the
objects its spec refers to, so references between managed objects are checked from the index without
parsing anything.

This module is the service: it gathers the inputs (the tree, the index, the last ingestion run, the lock,
the working copy, the settings) and checks what needs the database or git. The checks over paths, bytes and
index rows are plain functions of the domain (services/health_checks.py, services/health_managed.py); the failure
patterns of the fabric's history come from gitops/history.py and gitops/patterns.py (HEALTH_PATTERN_* codes).
"""

import os
import time
from functools import partial

from django.utils import timezone
from netbox.plugins import get_plugin_config

from netbox_hedgehog.choices import GitOpsStatusChoices, IngestionStatusChoices
from netbox_hedgehog.core.errors import public_message, scrub_paths
from netbox_hedgehog.core.findings import in_file_order
from netbox_hedgehog.core.health_codes import health_finding
from netbox_hedgehog.core.health_patterns import rejected_files
from netbox_hedgehog.core.health_report import HealthReport
from netbox_hedgehog.core.health_status import HealthStatus
from netbox_hedgehog.core.tree import HNP, MANAGED, RAW, UNMANAGED, UnsafePathError
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.services.credentials import carries_no_credentials, locate
from netbox_hedgehog.services.fabrics import staged_tree, staging_leftovers
from netbox_hedgehog.services.health_checks import (
    check_disk,
    check_links,
    check_manifest,
    check_raw,
    check_tree,
    check_unmanaged,
    raw_files,
)
from netbox_hedgehog.services.health_managed import (
    Missing,
    MissingSource,
    check_managed,
    check_missing,
    check_references,
    managed_files,
)
from netbox_hedgehog.services.history import fabric_patterns
from netbox_hedgehog.services.index import index_specs, read_index
from netbox_hedgehog.services.lock import lock_holder
from netbox_hedgehog.services.repository import GitError
from netbox_hedgehog.services.treefs import LinkRefused, find_links

__all__ = (
    'acknowledgements',
    'check_credentials_configured',
    'check_fabric',
    'check_last_run',
    'check_staging',
    'check_working_copy',
    'classify_missing',
    'gitops_status_for',
    'missing_managed',
    'update_fabric_status',
)

PLUGIN = 'netbox_hedgehog'


def _gitops_root():
    # Findings are shown to anyone who may view the fabric: server paths in them become relative (errors.py).
    return get_plugin_config(PLUGIN, 'gitops_root')


def _setting(name):
    return get_plugin_config(PLUGIN, name)


def check_fabric(fabric, *, under_lock=False, scheduled=False):
    """Run every check on `fabric` now, then add the failure patterns of its history (gitops/history.py).

    `under_lock`: the caller holds the fabric lock (fix, restore), so a held lock does not mean an
    ingestion is running. `scheduled`: the scheduled health check is the one checking (so it is running).
    """

    started = time.monotonic()
    now = timezone.now()
    findings, stats, missing = [], {}, []
    holder = None if under_lock else lock_holder(fabric)
    running = holder is not None
    stats.update(ingestion_running=running, lock_holder=holder)
    if running:
        findings.append(health_finding('HEALTH_INGESTION_RUNNING', f'An ingestion of {fabric.name} is running.'))
    # Only what is read: a run's provenance lists every document (megabytes for a large fabric).
    last_run = (
        fabric.runs.exclude(status=IngestionStatusChoices.RUNNING)
        .order_by('-started', '-pk')
        .only('pk', 'status', 'error', 'findings')
        .first()
    )
    findings += check_last_run(last_run)
    stats['last_ingestion_age_seconds'] = (
        round((now - fabric.last_ingested).total_seconds()) if fabric.last_ingested else None
    )
    try:
        layout = fabric.layout()
    except UnsafePathError as exc:
        findings.append(health_finding('HEALTH_TREE_UNSAFE', public_message(exc, root=_gitops_root())))
        return HealthReport(fabric.name, findings, time.monotonic() - started, now, stats)
    if fabric.has_remote:
        findings += check_working_copy(fabric, stats)
    findings += check_staging(fabric)
    with fabric.files() as tree:
        tree_findings, missing = _check_files(fabric, layout, tree, last_run, now, stats)
    findings += tree_findings
    patterns = fabric_patterns(fabric, now, stats, recording=scheduled)
    findings += [pattern.finding() for pattern in patterns]
    return HealthReport(
        fabric.name,
        in_file_order(findings),
        time.monotonic() - started,
        now,
        stats,
        missing,
        patterns,
        acknowledged=acknowledgements(fabric),
    )


def acknowledgements(fabric):
    """{acknowledgement_key: reason} of the findings people acknowledged on `fabric` (FindingAcknowledgement)."""
    rows = fabric.acknowledgements.values_list('code', 'file', 'path', 'reason')
    return {(code, file, path): reason for code, file, path, reason in rows}


def _check_files(fabric, layout, tree, last_run, now, stats):
    """The checks that read the tree, all through `tree` (a treefs.Tree): none follows a link, and a part
    behind a link (a linked folder) is reported as HEALTH_SYMLINK and not looked into. Returns the findings
    and the missing managed files (index rows whose file is gone)."""
    try:
        links = find_links(tree)
    except LinkRefused as exc:  # a link above the tree, made after the path rules passed
        return [health_finding('HEALTH_TREE_UNSAFE', f'{exc.filename} is a symbolic link; the tree is not read.')], []
    findings = check_links(links)
    linked = set(links)
    findings += check_tree(layout, linked)
    if not {HNP} & linked:
        findings += check_manifest(layout, fabric.name, fabric.pk, tree, _gitops_root())
    missing = []
    if tree.is_folder(MANAGED) and MANAGED not in linked:
        files, strays = managed_files(tree, skip=linked)
        findings += strays
        rows = read_index(fabric)
        managed_findings, objects = check_managed(tree, files, rows, _setting('max_file_bytes'))
        findings += managed_findings + check_references(objects, fabric.name, partial(index_specs, fabric))
        present = set(files)
        missing = missing_managed(fabric, [row for path, row in rows.items() if path not in present])
        findings += check_missing(missing)
        stats.update(managed_files=len(files), indexed=len(rows), managed_missing=len(missing))
    if tree.is_folder(RAW):
        rejected = rejected_files(last_run.findings if last_run else ())
        findings += check_raw(raw_files(tree), rejected, now.timestamp(), _setting('raw_stale_minutes') * 60, stats)
    if tree.is_folder(UNMANAGED):
        findings += check_unmanaged(tree, stats)
    if tree.exists():
        findings += check_disk(layout.path, _setting('min_free_disk_bytes'), stats)
    return findings, missing


def check_last_run(run):
    """The last finished ingestion run failed: worth a warning until one succeeds."""
    if run is None or run.status != IngestionStatusChoices.FAILED:
        return []
    return [
        health_finding('HEALTH_INGESTION_FAILED', f'Ingestion run {run.pk} failed: {run.error or "no error recorded"}.')
    ]


def check_working_copy(fabric, stats):
    """The git working copy: cloned, committed, pushed, reachable? Fetches from the remote (no merge)."""
    remote = fabric.display_remote_url
    findings = check_credentials_configured(fabric)
    try:
        state = fabric.working_copy().state()
    except GitError as exc:
        code = 'HEALTH_GIT_CREDENTIALS' if exc.code == 'credentials' else 'HEALTH_GIT_UNREACHABLE'
        return [*findings, health_finding(code, public_message(exc, fabric.tree_path, _gitops_root()))]
    stats.update(git_cloned=state.cloned, git_ahead=state.ahead, git_behind=state.behind, git_dirty=len(state.dirty))
    if not state.cloned:
        return [*findings, health_finding('HEALTH_GIT_NOT_CLONED', f'No working copy of {remote} on this server yet.')]
    if state.dirty:
        listed = ', '.join(state.dirty[:5]) + (', ...' if len(state.dirty) > 5 else '')
        findings.append(
            health_finding('HEALTH_GIT_DIRTY', f'{len(state.dirty)} file(s) changed without a commit: {listed}.')
        )
    if state.reachable is False:
        code = 'HEALTH_GIT_CREDENTIALS' if state.error_code == 'credentials' else 'HEALTH_GIT_UNREACHABLE'
        findings.append(health_finding(code, scrub_paths(state.error, fabric.tree_path, _gitops_root())))
    if state.ahead and state.behind:
        findings.append(
            health_finding(
                'HEALTH_GIT_DIVERGED',
                f'{state.ahead} local and {state.behind} remote commits on {fabric.git_branch} since they parted.',
            )
        )
    elif state.ahead:
        findings.append(health_finding('HEALTH_GIT_AHEAD', f'{state.ahead} commit(s) not pushed to {remote}.'))
    elif state.behind:
        findings.append(health_finding('HEALTH_GIT_BEHIND', f'{state.behind} commit(s) on {remote} not pulled yet.'))
    return findings


def check_credentials_configured(fabric):
    """A reference kept by migration 0008 that no configured entry covers yet: the prefix to add, never
    the reference itself (a server path or variable name, for the administrator's eyes only)."""
    url = fabric.git_remote_url
    if not fabric.git_credentials_unmigrated or carries_no_credentials(url) or fabric.credentials_entry is not None:
        return []
    location = locate(url)
    if location is None:
        message = (
            f'The fabric named git credentials before the upgrade, and no URL prefix can cover its remote '
            f'{fabric.display_remote_url} (a query, a ".." or an escaped "/" in it): give the fabric the plain URL '
            'of its repository, then configure credentials for it.'
        )
    else:
        message = (
            f'The fabric named git credentials before the upgrade, and no entry of git_credentials in '
            f"PLUGINS_CONFIG covers its remote: add an entry with url_prefixes ['{location}'] naming that secret."
        )
    return [health_finding('HEALTH_GIT_CREDENTIALS_UNCONFIGURED', message)]


def check_staging(fabric):
    """Staging folders under gitops_root (gitops/staging.py): this fabric's tree awaiting its move into
    place, and leftovers of creations that never committed (any fabric's health shows them: no fabric owns
    them). A folder of a creation still running is nobody's business yet."""

    findings = []
    if (staged := staged_tree(fabric)) is not None:
        message = (
            f'The tree of {fabric.name} waits in {staged.name} under gitops_root: its move into place at the '
            'creation failed.'
        )
        findings.append(health_finding('HEALTH_TREE_STAGED', message, file=staged.name))
    for leftover in staging_leftovers(gitops_root()):
        message = (
            f'{leftover.name} under gitops_root is left from a creation of {leftover.fabric_name} that did not commit.'
        )
        findings.append(health_finding('HEALTH_STAGING_LEFTOVER', message, file=leftover.name))
    return findings


def classify_missing(fabric, paths):
    """{path: MissingSource} for managed files missing while index rows hold them.

    Without a remote (or a working copy, or when git fails) only the index holds them. With one, a
    file HEAD still holds comes back from git (its deletion is not committed), and a file a commit
    removed was deleted on purpose.
    """
    sources = dict.fromkeys(paths, MissingSource.INDEX)
    copy = fabric.working_copy() if paths and fabric.has_remote else None
    if copy is None or not copy.exists:
        return sources
    try:
        in_head = copy.committed_files(MANAGED)
        deleted = copy.deleted_by_commit(MANAGED) if set(paths) - in_head else set()
    except GitError:
        return sources
    for path in paths:
        if path in in_head:
            sources[path] = MissingSource.GIT
        elif path in deleted:
            sources[path] = MissingSource.COMMITTED
    return sources


def missing_managed(fabric, rows=None):
    """The fabric's index rows whose managed file does not exist, each as a Missing."""
    layout = fabric.layout()
    rows = read_index(fabric).values() if rows is None else rows
    absent = sorted(
        (row for row in rows if not os.path.lexists(layout.path / row.path)), key=lambda row: (row.kind, row.name)
    )
    sources = classify_missing(fabric, [row.path for row in absent])
    return [Missing(row.path, row.kind, row.name, sources[row.path]) for row in absent]


def gitops_status_for(report, fabric):
    """The fabric's GitOps status after `report`: healthy -> synced (initialized before any ingestion),
    degraded -> degraded, unhealthy -> failed (the tree is not usable as it is). None: leave it, because
    an ingestion was running and owns the status."""
    if report.stats.get('ingestion_running'):
        return None
    if report.status == HealthStatus.UNHEALTHY:
        return GitOpsStatusChoices.FAILED
    if report.status == HealthStatus.DEGRADED:
        return GitOpsStatusChoices.DEGRADED
    return GitOpsStatusChoices.SYNCED if fabric.last_ingested else GitOpsStatusChoices.INITIALIZED


def update_fabric_status(fabric, report):
    """Store the status `gitops_status_for` gives; returns it (None when unchanged or left alone)."""

    status = gitops_status_for(report, fabric)
    if status is None or status == fabric.gitops_status:
        return None
    HedgehogFabric.objects.filter(pk=fabric.pk).update(gitops_status=status)
    fabric.gitops_status = status
    return status
