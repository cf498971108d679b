"""Health of a fabric's GitOps tree: is it complete, consistent with NetBox's index, and moving?

`check_fabric(fabric)` runs every check and returns a HealthReport: findings in the one finding
shape with the stable codes of `CODES` (documented in docs/health.md), a status (healthy,
degraded, unhealthy), a score 0-100 and the time taken. Every surface (the Health tab, the API,
`hedgehog health`, the scheduled job, the metrics) reads this one report.

Fast on large trees: a managed file whose size and modification time are those its index row
recorded is trusted with a stat (as ingestion trusts its outputs); any other is read and hashed, and
only a file whose hash differs from its index row (or that has no row) is parsed and validated. A row
is written only for a file that held one valid object at the time, and it carries the keys of the
objects its spec refers to, so references between managed objects are checked from the index without
parsing anything.

The checks are plain functions over paths, bytes and index rows; `check_fabric` gathers their
inputs (the tree, the index, the last ingestion run, the lock) and adds them up, with the failure
patterns of the fabric's history (gitops/history.py, gitops/patterns.py: HEALTH_PATTERN_* codes).
"""

import hashlib
import os
import shutil
import stat
import time
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import NamedTuple

from django.db import connection
from django.utils import timezone
from netbox.plugins import get_plugin_config

from netbox_hedgehog.choices import GitOpsStatusChoices, IngestionStatusChoices
from netbox_hedgehog.errors import public_message, scrub_paths
from netbox_hedgehog.findings import (
    FIX_ACTION,
    INGEST_ACTION,
    Finding,
    Severity,
    action,
    count_by_severity,
    in_file_order,
)
from netbox_hedgehog.gitops import treefs
from netbox_hedgehog.gitops.credentials import carries_no_credentials, locate
from netbox_hedgehog.gitops.patterns import PATTERN_CODES, age_words, rejected_files
from netbox_hedgehog.gitops.plan_model import managed_target
from netbox_hedgehog.gitops.tree import (
    FIRST_LAYOUT,
    HNP,
    MANAGED,
    MANIFEST,
    RAW,
    UNMANAGED,
    ManifestError,
    UnsafePathError,
    folder_layout,
    is_yaml_name,
    parse_manifest,
)
from netbox_hedgehog.gitops.treefs import LinkRefused, find_links, raw_entries
from netbox_hedgehog.validation import classify, reference_fields, reference_keys, validate_document
from netbox_hedgehog.yamlio import read_documents

__all__ = (
    'CODES',
    'EXIT_CODES',
    'HealthCode',
    'HealthReport',
    'HealthStatus',
    'IndexRow',
    'Inspection',
    'check_credentials_configured',
    'check_disk',
    'check_fabric',
    'check_last_run',
    'check_links',
    'check_managed',
    'check_manifest',
    'check_missing',
    'classify_missing',
    'missing_managed',
    'Missing',
    'MissingSource',
    'check_raw',
    'check_staging',
    'check_references',
    'check_tree',
    'check_unmanaged',
    'check_working_copy',
    'gitops_status_for',
    'index_rows',
    'index_specs',
    'inspect_managed_file',
    'managed_files',
    'raw_files',
    'score_of',
    'status_of',
    'update_fabric_status',
    'worst',
)

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
PLUGIN = 'netbox_hedgehog'


class HealthCode(NamedTuple):
    severity: Severity
    meaning: str
    hint: str
    # `hedgehog fix` repairs findings of this code (see gitops/repair.py).
    fixable: bool = False


FIX = f'Repair it with {FIX_ACTION}.'
CODES = {
    # The tree against its spec (gitops/tree.py)
    'HEALTH_TREE_UNSAFE': HealthCode(E, 'The fabric gitops_path is refused by the path rules.', 'Correct gitops_path.'),
    'HEALTH_TREE_MISSING': HealthCode(E, 'The fabric tree folder does not exist.', FIX, True),
    'HEALTH_DIR_MISSING': HealthCode(E, 'A directory of the tree layout is missing.', FIX, True),
    'HEALTH_TREE_STAGED': HealthCode(
        E,
        "The fabric's tree was built at its creation but not moved into place when the creation committed.",
        'Finish it with '
        + action('the Fix button', '`netbox hedgehog fix <fabric>` (or `netbox hedgehog onboard <fabric>`)')
        + '.',
        True,
    ),
    'HEALTH_STAGING_LEFTOVER': HealthCode(
        INFO,
        'A staging folder under gitops_root of a fabric creation that did not commit (a crash, say).',
        FIX + ' It only holds what the creation made or cloned.',
        True,
    ),
    'HEALTH_DIR_NOT_DIRECTORY': HealthCode(
        E,
        'A file (or another non-folder) is where a tree directory belongs (a link there is HEALTH_SYMLINK).',
        f'Move it away, then repair the tree with {FIX_ACTION}.',
    ),
    'HEALTH_SYMLINK': HealthCode(
        E,
        'A symbolic link where the tree needs a real folder or file (a layout folder, or an entry inside managed/, '
        'unmanaged/ or .hnp/): links are never followed, so ingestion, fix, upload, backup and restore stop.',
        FIX + ' It moves the link aside into .hnp/links-aside/ (and puts a real empty folder in its place).',
        True,
    ),
    'HEALTH_DIR_NOT_WRITABLE': HealthCode(
        E, 'NetBox cannot write in a tree directory.', 'Give the NetBox user write access (owner, mode, mount).'
    ),
    'HEALTH_MANIFEST_MISSING': HealthCode(E, 'The manifest .hnp/manifest.yaml is missing.', FIX, True),
    'HEALTH_MANIFEST_INVALID': HealthCode(
        E, 'The manifest cannot be read or makes no sense.', 'Restore it from a backup or git; it is never overwritten.'
    ),
    'HEALTH_MANIFEST_FOREIGN': HealthCode(
        E, "The manifest names another fabric: this tree is not this fabric's.", 'Point gitops_path at its own tree.'
    ),
    'HEALTH_MANIFEST_OUTDATED': HealthCode(
        W, 'The manifest names the fabric by an old name or format.', 'Harmless; the manifest is never rewritten.'
    ),
    # managed/: one valid object per file, at the path of its kind and name
    'HEALTH_MANAGED_UNPARSABLE': HealthCode(
        E, 'A managed file cannot be read or is not valid YAML.', 'Fix the file, or restore it from git.'
    ),
    'HEALTH_MANAGED_DOCUMENT_COUNT': HealthCode(
        E, 'A managed file does not hold exactly one document.', 'Move the file into raw/ and ingest it.'
    ),
    'HEALTH_MANAGED_FOREIGN': HealthCode(
        E, 'A managed file holds no Hedgehog object (another kind, or no kind).', 'Move it into raw/ and ingest it.'
    ),
    'HEALTH_MANAGED_INVALID': HealthCode(
        E, 'A managed file holds an object that does not validate.', 'Fix the object, or ingest a valid one.'
    ),
    'HEALTH_MANAGED_WRONG_DIR': HealthCode(
        W, 'A managed file is in the directory of another kind.', FIX + ' It is moved when its place is free.', True
    ),
    'HEALTH_MANAGED_NAME_MISMATCH': HealthCode(
        W, 'A managed file name is not <metadata.name>.yaml.', FIX + ' It is renamed when the name is free.', True
    ),
    'HEALTH_MANAGED_STRAY': HealthCode(
        W,
        'An entry in managed/ that is no YAML file (other file, special file, folder with a YAML name).',
        'Move it out of managed/.',
    ),
    # The index (HedgehogResource rows) against managed/
    'HEALTH_MANAGED_MISSING': HealthCode(
        W,
        'A managed file is missing while its index row holds the object: fix writes it back (from git HEAD, or from '
        'the index).',
        FIX
        + ' If the deletion was intended: '
        + action('Forget missing objects', '`netbox hedgehog fix <fabric> --forget-missing`')
        + '.',
        True,
    ),
    'HEALTH_INDEX_ROW_ORPHANED': HealthCode(
        W, 'An index row whose managed file was deleted by a git commit: the deletion is intended.', FIX, True
    ),
    'HEALTH_INDEX_FILE_UNINDEXED': HealthCode(W, 'A valid managed file has no index row.', FIX, True),
    'HEALTH_INDEX_HASH_MISMATCH': HealthCode(W, 'A managed file changed since it was indexed.', FIX, True),
    'HEALTH_REF_DANGLING': HealthCode(
        W, 'A managed object references an object that managed/ does not hold.', 'Ingest the referenced object.'
    ),
    # Is it moving? raw/, unmanaged/, the last ingestion
    'HEALTH_RAW_PENDING': HealthCode(
        INFO, 'Files wait in raw/ for the next ingestion.', f'Nothing to do; or ingest them now with {INGEST_ACTION}.'
    ),
    'HEALTH_RAW_STALE': HealthCode(
        W,
        'YAML files have waited in raw/ longer than raw_stale_minutes.',
        f'Ingest with {INGEST_ACTION}; check that the RQ workers run.',
    ),
    'HEALTH_RAW_REJECTED': HealthCode(
        W,
        'A raw/ file was rejected by the last ingestion and awaits a person.',
        f'Correct the file, then ingest again with {INGEST_ACTION}.',
    ),
    'HEALTH_RAW_IGNORED': HealthCode(
        INFO, 'Files in raw/ that ingestion leaves alone (not YAML, or hidden).', 'Remove them from raw/.'
    ),
    'HEALTH_UNMANAGED_DOCUMENTS': HealthCode(
        INFO,
        'Foreign documents kept in unmanaged/.',
        'Nothing to do; each file there says why it is not a Hedgehog object. Delete those you do not need.',
    ),
    'HEALTH_INGESTION_FAILED': HealthCode(
        W,
        'The last ingestion failed; nothing was lost.',
        f'Read the run error, then ingest again with {INGEST_ACTION}.',
    ),
    'HEALTH_INGESTION_RUNNING': HealthCode(
        INFO, 'An ingestion is running; some findings may be transient.', 'Check again once it has finished.'
    ),
    # The git working copy (fabrics with a remote)
    'HEALTH_GIT_NOT_CLONED': HealthCode(
        W, 'The fabric has a git remote but no working copy on this server yet.', 'The next ingestion clones it.'
    ),
    'HEALTH_GIT_CREDENTIALS': HealthCode(
        E,
        'The git credentials configured for the remote cannot be read, or the remote refuses them (or wants some).',
        "An administrator checks the git_credentials entry covering the remote's URL in PLUGINS_CONFIG.",
    ),
    'HEALTH_GIT_CREDENTIALS_UNCONFIGURED': HealthCode(
        E,
        'The fabric named git credentials before they moved to PLUGINS_CONFIG, and no configured entry covers '
        'its remote URL.',
        "An administrator adds an entry with the URL prefix the finding gives to PLUGINS_CONFIG['netbox_hedgehog']"
        "['git_credentials'] (the former reference is in the log of migration 0008), then restarts NetBox.",
    ),
    'HEALTH_GIT_UNREACHABLE': HealthCode(
        W, 'The git remote cannot be reached; commits wait in the working copy.', 'Check the URL and the network.'
    ),
    'HEALTH_GIT_DIRTY': HealthCode(
        W, 'Files under the tree changed without a commit (raw/ aside).', 'The next ingestion commits them.'
    ),
    'HEALTH_GIT_AHEAD': HealthCode(
        W,
        'Commits of the working copy are not on the remote yet.',
        f'Ingest again with {INGEST_ACTION} to push, or check the remote.',
    ),
    'HEALTH_GIT_BEHIND': HealthCode(
        INFO,
        'The remote has commits the working copy has not pulled yet.',
        'Nothing to do: the next ingestion pulls them.',
    ),
    'HEALTH_GIT_DIVERGED': HealthCode(
        E,
        'The working copy and the remote have diverged: ingestion refuses to run.',
        'Reconcile them by hand in the working copy (rebase or merge), then push.',
    ),
    # The machine
    'HEALTH_DISK_LOW': HealthCode(
        E, 'Free disk space under the tree is below min_free_disk_bytes.', 'Free disk space or grow the volume.'
    ),
    # Failure patterns across runs and checks (gitops/patterns.py): the hint is the remedy
    **{code: HealthCode(known.severity, known.meaning, known.remedy) for code, known in PATTERN_CODES.items()},
}


def _gitops_root():
    # Findings are shown to anyone who may view the fabric: server paths in them become relative (errors.py).
    return get_plugin_config(PLUGIN, 'gitops_root')


def _finding(code, message, file='', line=None, path='', hint=None, document=None):
    known = CODES[code]
    return Finding(known.severity, code, message, file, line, document, path, known.hint if hint is None else hint)


# --- the report ---------------------------------------------------------------------------------


class HealthStatus(StrEnum):
    HEALTHY = 'healthy'
    DEGRADED = 'degraded'
    UNHEALTHY = 'unhealthy'


# `hedgehog health` exit codes, and the order of badness.
EXIT_CODES = {HealthStatus.HEALTHY: 0, HealthStatus.DEGRADED: 1, HealthStatus.UNHEALTHY: 2}


def status_of(findings):
    """Unhealthy with any error, degraded with any warning, else healthy (info never counts)."""
    severities = {finding.severity for finding in findings}
    if Severity.ERROR in severities:
        return HealthStatus.UNHEALTHY
    return HealthStatus.DEGRADED if Severity.WARNING in severities else HealthStatus.HEALTHY


def worst(statuses):
    """The worst of `statuses` (healthy when there are none)."""
    return max(statuses, key=EXIT_CODES.__getitem__, default=HealthStatus.HEALTHY)


def score_of(findings):
    """0-100 within the status's band: healthy 100, degraded 50-99, unhealthy 0-49.

    Each code costs per finding (error 10, warning 2) up to a cap (error 40, warning 10), so
    ten thousand copies of one problem do not outweigh three different ones.
    """
    per_code = {}
    for finding in findings:
        per_code[(finding.code, finding.severity)] = per_code.get((finding.code, finding.severity), 0) + 1
    costs = {Severity.ERROR: (10, 40), Severity.WARNING: (2, 10), Severity.INFO: (0, 0)}
    penalty = sum(min(costs[severity][1], costs[severity][0] * n) for (_, severity), n in per_code.items())
    status = status_of(findings)
    if status == HealthStatus.HEALTHY:
        return 100
    if status == HealthStatus.DEGRADED:
        return 99 - min(49, penalty)
    return 49 - min(49, penalty)


def acknowledgement_key(finding):
    """What an acknowledgement names of a finding: its code, file and field path (its line moves with edits)."""
    return (finding.code, finding.file, finding.path)


# Errors are never acknowledged: what a person may accept is a warning or an info (a reference to an object
# that lives in another fabric or repository, say).
ACKNOWLEDGEABLE = frozenset({Severity.WARNING, Severity.INFO})


@dataclass
class HealthReport:
    """One health check of one fabric. `duration` is in seconds; `stats` are the measured figures.

    `acknowledged` maps acknowledgement_key() to the reason a person gave: such findings stay listed but
    do not lower the status or the score."""

    fabric: str
    findings: list
    duration: float
    checked: object
    stats: dict = field(default_factory=dict)
    # The Missing managed files behind the HEALTH_MANAGED_MISSING and HEALTH_INDEX_ROW_ORPHANED findings.
    missing: list = field(default_factory=list)
    # The failure patterns (gitops/patterns.py) behind the HEALTH_PATTERN_* findings, with their evidence.
    patterns: list = field(default_factory=list)
    acknowledged: dict = field(default_factory=dict)

    @property
    def counted(self):
        """The findings that count towards the status and the score: all but the acknowledged ones."""
        return [finding for finding in self.findings if self.reason_for(finding) is None]

    def reason_for(self, finding):
        if finding.severity not in ACKNOWLEDGEABLE:
            return None
        return self.acknowledged.get(acknowledgement_key(finding))

    @property
    def status(self):
        return status_of(self.counted)

    @property
    def score(self):
        return score_of(self.counted)

    @property
    def exit_code(self):
        return EXIT_CODES[self.status]

    def counts(self):
        return count_by_severity(self.findings)

    def as_dict(self):
        return {
            'fabric': self.fabric,
            'status': str(self.status),
            'score': self.score,
            'checked': self.checked.isoformat(),
            'duration': round(self.duration, 4),
            'counts': self.counts(),
            'stats': self.stats,
            'findings': [{**finding.as_dict(), 'acknowledged': self.reason_for(finding)} for finding in self.findings],
            'patterns': [pattern.as_dict() for pattern in self.patterns],
        }


# --- gathering the inputs -----------------------------------------------------------------------


class MissingSource(StrEnum):
    """Where a managed file that is missing while its index row holds the object comes back from."""

    GIT = 'git'  # HEAD of the fabric's working copy holds the file: restored byte for byte
    INDEX = 'index'  # only the index row holds the object: written back from it as clean CR YAML
    COMMITTED = 'committed'  # a commit removed the file: the deletion is intended, the row is dropped


MISSING_SOURCE_WORDS = {
    MissingSource.GIT: 'restorable from git HEAD',
    MissingSource.INDEX: 'restorable from the index',
    MissingSource.COMMITTED: 'deletion committed in git: the row can be dropped',
}


class Missing(NamedTuple):
    """An index row whose managed file is missing, and what `fix` does about it."""

    path: str
    kind: str
    name: str
    source: MissingSource

    @property
    def words(self):
        return MISSING_SOURCE_WORDS[self.source]


def classify_missing(fabric, paths):
    """{path: MissingSource} for managed files missing while index rows hold them.

    Without a remote (or a working copy, or when git fails) only the index holds them. With one, a
    file HEAD still holds comes back from git (its deletion is not committed), and a file a commit
    removed was deleted on purpose.
    """
    from netbox_hedgehog.gitops.repository import GitError

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
    rows = index_rows(fabric) if rows is None else rows
    absent = sorted(
        (row for row in rows if not os.path.lexists(layout.path / row.path)), key=lambda row: (row.kind, row.name)
    )
    sources = classify_missing(fabric, [row.path for row in absent])
    return [Missing(row.path, row.kind, row.name, sources[row.path]) for row in absent]


class IndexRow(NamedTuple):
    """What health needs of a HedgehogResource row. `keys` are the stored reference keys of its spec
    ('<kind>/<name>', validation.reference_keys); `spec` is there only for an object read from its file."""

    path: str
    sha256: str
    kind: str
    name: str
    spec: object = None
    keys: tuple | None = None
    # The file's size and modification time when it was indexed (None in rows written before they were kept).
    size: int | None = None
    mtime_ns: int | None = None


def index_rows(fabric):
    """The fabric's index rows in one query, in no order, without specs: references are checked from the keys each row
    stores, so no spec is fetched or decoded (a large fabric holds tens of thousands of referring objects).
    Plain SQL: the ORM's per-row conversions cost several times the query on a large fabric."""
    from netbox_hedgehog.models import HedgehogResource

    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT managed_path, sha256, kind, name, reference_keys, file_size, file_mtime_ns '
            f'FROM {HedgehogResource._meta.db_table} WHERE fabric_id = %s',
            [fabric.pk],
        )
        return [
            IndexRow(path, sha, kind, name, None, tuple(keys), *stats) for path, sha, kind, name, keys, *stats in cursor
        ]


def index_specs(fabric, paths):
    """{managed path: spec} of the fabric's index rows at `paths`, in one query."""
    return dict(fabric.resources.filter(managed_path__in=paths).values_list('managed_path', 'spec'))


def check_fabric(fabric, *, under_lock=False, scheduled=False):
    """Run every check on `fabric` now, then add the failure patterns of its history (gitops/history.py).

    `under_lock`: the caller holds the fabric lock (fix, restore), so a held lock does not mean an
    ingestion is running. `scheduled`: the scheduled health check is the one checking (so it is running).
    """
    from netbox_hedgehog.gitops.history import fabric_patterns
    from netbox_hedgehog.gitops.lock import lock_holder

    started = time.monotonic()
    now = timezone.now()
    findings, stats, missing = [], {}, []
    holder = None if under_lock else lock_holder(fabric)
    running = holder is not None
    stats.update(ingestion_running=running, lock_holder=holder)
    if running:
        findings.append(_finding('HEALTH_INGESTION_RUNNING', f'An ingestion of {fabric.name} is running.'))
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
        findings.append(_finding('HEALTH_TREE_UNSAFE', public_message(exc, root=_gitops_root())))
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


def acknowledged_report(stored, acknowledged):
    """A stored report (HealthReport.as_dict) with `acknowledged` applied anew: its findings marked, its status
    and score recomputed, so acknowledging shows at once without a new check."""
    findings = [Finding.from_dict(row) for row in stored['findings']]
    report = HealthReport(stored['fabric'], findings, 0, None, acknowledged=acknowledged)
    marked = [
        {**row, 'acknowledged': report.reason_for(finding)}
        for row, finding in zip(stored['findings'], findings, strict=True)
    ]
    return {**stored, 'findings': marked, 'status': str(report.status), 'score': report.score}


def _check_files(fabric, layout, tree, last_run, now, stats):
    """The checks that read the tree, all through `tree` (a treefs.Tree): none follows a link, and a part
    behind a link (a linked folder) is reported as HEALTH_SYMLINK and not looked into. Returns the findings
    and the missing managed files (index rows whose file is gone)."""
    try:
        links = find_links(tree)
    except LinkRefused as exc:  # a link above the tree, made after the path rules passed
        return [_finding('HEALTH_TREE_UNSAFE', f'{exc.filename} is a symbolic link; the tree is not read.')], []
    findings = check_links(links)
    linked = set(links)
    findings += check_tree(layout, linked)
    if not {HNP} & linked:
        findings += check_manifest(layout, fabric.name, fabric.pk, tree)
    missing = []
    if tree.is_folder(MANAGED) and MANAGED not in linked:
        files, strays = managed_files(tree, skip=linked)
        findings += strays
        rows = index_rows(fabric)
        managed_findings, objects = check_managed(tree, files, rows, _setting('max_file_bytes'))
        findings += managed_findings + check_references(objects, fabric.name, partial(index_specs, fabric))
        present = set(files)
        missing = missing_managed(fabric, [row for row in rows if row.path not in present])
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


def check_links(links):
    """HEALTH_SYMLINK for each link `treefs.find_links` found: errors, since every writer stops on them."""
    return [
        _finding('HEALTH_SYMLINK', f'{path} is a symbolic link; links in a tree are never followed.', file=path)
        for path in links
    ]


def _setting(name):
    return get_plugin_config(PLUGIN, name)


def check_last_run(run):
    """The last finished ingestion run failed: worth a warning until one succeeds."""
    if run is None or run.status != IngestionStatusChoices.FAILED:
        return []
    return [_finding('HEALTH_INGESTION_FAILED', f'Ingestion run {run.pk} failed: {run.error or "no error recorded"}.')]


# --- the checks: plain functions over paths, bytes and rows --------------------------------------


def check_tree(layout, linked=frozenset()):
    """Every directory of the layout exists, is a real directory and is writable. `linked`: layout folders
    that are links (HEALTH_SYMLINK reports them), and nothing below them is looked at."""
    if not os.path.lexists(layout.path):
        return [_finding('HEALTH_TREE_MISSING', f'The tree {layout.path} does not exist.')]
    findings = []
    for directory in layout.directories():
        relative = directory.relative_to(layout.path).as_posix()
        shown = relative + '/'
        if any(relative == link or relative.startswith(f'{link}/') for link in linked):
            continue
        if directory.is_symlink() or (os.path.lexists(directory) and not directory.is_dir()):
            findings.append(_finding('HEALTH_DIR_NOT_DIRECTORY', f'{shown} is not a directory.', file=shown))
        elif not directory.exists():
            message = f'The directory {shown} is missing'
            if (layout_version := folder_layout(relative)) > FIRST_LAYOUT:
                message += f' (tree layout {layout_version} added it for new kinds)'
            findings.append(_finding('HEALTH_DIR_MISSING', f'{message}.', file=shown))
        elif not os.access(directory, os.W_OK | os.X_OK):
            findings.append(_finding('HEALTH_DIR_NOT_WRITABLE', f'NetBox cannot write in {shown}.', file=shown))
    return findings


def check_staging(fabric):
    """Staging folders under gitops_root (gitops/staging.py): this fabric's tree awaiting its move into
    place, and leftovers of creations that never committed (any fabric's health shows them: no fabric owns
    them). A folder of a creation still running is nobody's business yet."""
    from netbox_hedgehog.fabrics import staged_tree, staging_leftovers
    from netbox_hedgehog.models.fabric import gitops_root

    findings = []
    if (staged := staged_tree(fabric)) is not None:
        message = (
            f'The tree of {fabric.name} waits in {staged.name} under gitops_root: its move into place at the '
            'creation failed.'
        )
        findings.append(_finding('HEALTH_TREE_STAGED', message, file=staged.name))
    for leftover in staging_leftovers(gitops_root()):
        message = (
            f'{leftover.name} under gitops_root is left from a creation of {leftover.fabric_name} that did not commit.'
        )
        findings.append(_finding('HEALTH_STAGING_LEFTOVER', message, file=leftover.name))
    return findings


def check_manifest(layout, fabric_name, fabric_id, tree):
    """The manifest exists, parses, names this fabric, and says what onboarding would write today."""
    shown = f'{HNP}/{MANIFEST}'
    if not tree.exists():
        return []  # HEALTH_TREE_MISSING says it all
    if tree.lstat_or_none(shown) is None:
        return [_finding('HEALTH_MANIFEST_MISSING', 'The tree has no manifest.', file=shown)]
    try:
        manifest = parse_manifest(tree.read(shown).decode('utf-8'), source=shown)
    except LinkRefused:
        return []  # HEALTH_SYMLINK names it
    except treefs.NotRegularFile:
        return [_finding('HEALTH_MANIFEST_INVALID', f'{shown} is not a regular file', file=shown)]
    except (OSError, UnicodeDecodeError, ManifestError) as exc:
        return [_finding('HEALTH_MANIFEST_INVALID', public_message(exc, layout.path, _gitops_root()), file=shown)]
    if not manifest.belongs_to(fabric_name, fabric_id):
        message = f'The manifest names fabric {manifest.fabric_name!r} (id {manifest.fabric_id}), not {fabric_name!r}.'
        return [_finding('HEALTH_MANIFEST_FOREIGN', message, file=shown)]
    if not manifest.describes(fabric_name, fabric_id):
        message = (
            f'The manifest names {manifest.fabric_name!r} (id {manifest.fabric_id}, format '
            f'{manifest.format_version}); the fabric is {fabric_name!r} (id {fabric_id}).'
        )
        return [_finding('HEALTH_MANIFEST_OUTDATED', message, file=shown)]
    return []


def managed_files(tree, skip=()):
    """(the files under managed/ as tree-relative paths, findings for entries that are no files).

    Hidden entries (`.gitkeep`, temporaries of a running ingestion, editor files) are skipped, and so are
    links (HEALTH_SYMLINK reports them) and the folders `skip`.
    """
    files, strays = [], []
    for shown, entry in tree.walk(MANAGED, skip=skip):
        name = entry.name
        if name.startswith('.') or entry.is_symlink() or '/.' in shown:
            continue
        if entry.is_dir(follow_symlinks=False):
            if is_yaml_name(name):  # where ingestion would write an object's file
                message = f'{shown} is a folder with a YAML file name: the object it names cannot be written.'
                strays.append(_finding('HEALTH_MANAGED_STRAY', message, file=shown))
        elif not entry.is_file(follow_symlinks=False):
            strays.append(_finding('HEALTH_MANAGED_STRAY', f'{shown} is not a regular file.', file=shown))
        elif is_yaml_name(name):
            files.append(shown)
        else:
            strays.append(_finding('HEALTH_MANAGED_STRAY', f'{shown} is not a YAML file.', file=shown))
    files.sort()
    return files, strays


def check_managed(tree, files, rows, max_bytes):
    """Managed files against their index rows: (findings, objects).

    A file whose SHA-256 equals its row's is the object the row describes (rows are written only
    for valid files) and is not parsed; any other file is inspected. A file whose size and modification
    time are still those its row recorded is not even read, as ingestion trusts its outputs (a stat
    instead of a read and a hash: most of a large fabric's check). `objects` are IndexRows of
    every valid object at its own path (from the row, or from the file when it changed), for the
    reference check.
    """
    by_path = {row.path: row for row in rows}
    findings, objects = [], []
    for relative in files:
        row = by_path.get(relative)
        if row is not None and row.size is not None and _unchanged_since_indexed(tree, relative, row):
            objects.append(row)
            continue
        try:
            data = tree.read(relative)
        except LinkRefused:
            continue  # became a link since it was listed: the next check names it
        except OSError as exc:
            message = f'{relative} cannot be read: {exc.strerror or type(exc).__name__}.'
            findings.append(_finding('HEALTH_MANAGED_UNPARSABLE', message, file=relative))
            continue
        sha256 = hashlib.sha256(data).hexdigest()
        if row is not None and row.sha256 == sha256:
            objects.append(row)
            continue
        inspection = inspect_managed_file(relative, data, max_bytes)
        findings += inspection.findings
        found = inspection.object
        if found is not None:
            objects.append(IndexRow(relative, sha256, *found[1:]))
        if row is not None:
            message = f'{relative} changed since it was indexed (SHA-256 {sha256[:12]}, index {row.sha256[:12]}).'
            findings.append(_finding('HEALTH_INDEX_HASH_MISMATCH', message, file=relative))
        elif found is not None:
            findings.append(_finding('HEALTH_INDEX_FILE_UNINDEXED', f'{relative} is not in the index.', file=relative))
    return findings, objects


def _unchanged_since_indexed(tree, relative, row):
    try:
        found = tree.lstat(relative)
    except OSError:  # gone or not to be looked at since it was listed: reading it says which
        return False
    return found.st_size == row.size and found.st_mtime_ns == row.mtime_ns and stat.S_ISREG(found.st_mode)


def check_missing(missing):
    """Each Missing as a finding saying what `fix` does: write the file back, or drop a row whose
    deletion was committed. Rows of missing files are never dropped otherwise (ARCHITECTURE.md 3.5)."""
    findings = []
    for item in missing:
        if item.source == MissingSource.COMMITTED:
            message = (
                f'The index lists {item.kind} {item.name} at {item.path}, whose deletion was committed in git: '
                'fix drops the row.'
            )
            findings.append(_finding('HEALTH_INDEX_ROW_ORPHANED', message, file=item.path))
            continue
        source = 'git HEAD' if item.source == MissingSource.GIT else 'the index (as clean CR YAML)'
        message = (
            f'{item.path} is missing; the index still holds {item.kind} {item.name}: fix writes it back from {source}.'
        )
        findings.append(_finding('HEALTH_MANAGED_MISSING', message, file=item.path))
    return findings


class Inspection(NamedTuple):
    """What `inspect_managed_file` found: its findings, the object when it is valid at its own path
    ((path, kind, name, spec)), and `target`, where the file belongs when it holds one valid object."""

    findings: list
    object: tuple | None = None
    target: str | None = None


def inspect_managed_file(relative, data, max_bytes):
    """Parse and validate one managed file's bytes: one valid Hedgehog object at `managed_target`?"""
    read = read_documents(data, relative, max_bytes)
    errors = [finding for finding in read.findings if finding.severity == Severity.ERROR]
    if errors:
        message = errors[0].message  # the reader's own words: what is wrong, at which line
        return Inspection([_finding('HEALTH_MANAGED_UNPARSABLE', message, relative, errors[0].line)])
    if read.total != 1:
        message = f'{relative} holds {read.total} documents; a managed file holds exactly one object.'
        return Inspection([_finding('HEALTH_MANAGED_DOCUMENT_COUNT', message, relative)])
    document = read.documents[0]
    classified = classify(document)
    if classified.is_foreign:
        message = f'{relative} holds no Hedgehog object: {classified.reason}.'
        return Inspection([_finding('HEALTH_MANAGED_FOREIGN', message, relative, document.line)])
    errors = [finding for finding in validate_document(document) if finding.severity == Severity.ERROR]
    if errors:
        first = errors[0]
        message = f'{relative}: {len(errors)} validation error(s); first: {first.code} {first.message}'
        return Inspection([_finding('HEALTH_MANAGED_INVALID', message, relative, first.line, first.path)])
    target = managed_target(classified.kind, classified.name)
    if target == relative:
        spec = document.data.get('spec')
        return Inspection([], (relative, classified.kind.kind, classified.name, spec), target)
    same_dir = target.rpartition('/')[0] == relative.rpartition('/')[0]
    code = 'HEALTH_MANAGED_NAME_MISMATCH' if same_dir else 'HEALTH_MANAGED_WRONG_DIR'
    message = f'{relative} holds {classified.kind.kind} {classified.name}, whose place is {target}.'
    return Inspection([_finding(code, message, relative, document.line)], target=target)


def check_references(objects, fabric_name=None, load_specs=None):
    """HEALTH_REF_DANGLING for each reference of the one reference table (the validator's) whose target
    managed/ does not hold. Dangling is about existence; whether a reference contradicts its target
    (REF_CONFLICT) is validation's business at ingestion, so target specs are not read here.

    An object's references are its row's stored keys (`keys`), or its spec's when it was read from its file.
    Only an object with a dangling reference has its spec read again, for the field naming the target:
    `load_specs(paths)` gives {path: spec} for objects that came without theirs.
    """
    names = {f'{obj.kind}/{obj.name}' for obj in objects}
    dangling = [obj for obj in objects if any(key not in names for key in _reference_keys(obj))]
    missing_specs = [obj.path for obj in dangling if obj.spec is None]
    specs = load_specs(missing_specs) if missing_specs and load_specs else {}
    where = f'managed/ of fabric {fabric_name}' if fabric_name else 'managed/'
    findings = []
    for obj in dangling:
        spec = obj.spec if obj.spec is not None else specs.get(obj.path)
        for reference in reference_fields(obj.kind, spec):
            if f'{reference.kind}/{reference.name}' not in names:
                message = f'{obj.kind} {obj.name}: {reference.kind} {reference.name!r} is not in {where}.'
                findings.append(_finding('HEALTH_REF_DANGLING', message, obj.path, path=reference.path))
    return findings


def _reference_keys(obj):
    return obj.keys if obj.keys is not None else reference_keys(obj.kind, obj.spec)


def raw_files(tree):
    """(tree-relative path, modification time) of every entry of raw/ by the one raw/ listing rule, sorted.
    A link is listed (with its own time) and never followed: ingestion rejects it, or it counts as ignored."""
    return [(entry.path, entry.stat().st_mtime) for entry in raw_entries(tree)]


def check_raw(files, rejected, now, stale_after, stats):
    """raw/ `files` (path, mtime): how much waits and since when; `rejected` maps the files the last run
    rejected to their error findings. Times are POSIX timestamps, `stale_after` seconds."""
    findings, waiting, ignored = [], [], []
    for path, modified in files:
        name = path.rpartition('/')[2]
        if errors := rejected.get(path):
            message = (
                f'{path} was rejected by the last ingestion: {len(errors)} error(s); first: {errors[0]["message"]}'
            )
            findings.append(_finding('HEALTH_RAW_REJECTED', message, file=path, line=errors[0].get('line')))
        elif name.startswith('.') or not is_yaml_name(name):
            ignored.append(path)
        else:
            waiting.append(now - modified)
    stats.update(
        raw_backlog=len(files),
        raw_rejected=len(files) - len(waiting) - len(ignored),
        raw_oldest_age_seconds=round(max(now - modified for _, modified in files)) if files else None,
    )
    if waiting:
        code = 'HEALTH_RAW_STALE' if max(waiting) > stale_after else 'HEALTH_RAW_PENDING'
        message = f'{len(waiting)} YAML file(s) wait for ingestion; the oldest for {age_words(max(waiting))}.'
        findings.append(_finding(code, message, file='raw/'))
    if ignored:
        message = f'{len(ignored)} file(s) here are never ingested: {", ".join(ignored[:5])}.'
        findings.append(_finding('HEALTH_RAW_IGNORED', message, file='raw/'))
    return findings


def check_unmanaged(tree, stats):
    count = sum(
        1
        for path, entry in tree.walk(UNMANAGED)
        if not entry.is_dir(follow_symlinks=False) and not entry.is_symlink() and '/.' not in path
    )
    stats['unmanaged_files'] = count
    if not count:
        return []
    return [_finding('HEALTH_UNMANAGED_DOCUMENTS', f'{count} foreign document(s) kept, one file each.', 'unmanaged/')]


def check_working_copy(fabric, stats):
    """The git working copy: cloned, committed, pushed, reachable? Fetches from the remote (no merge)."""
    from netbox_hedgehog.gitops.repository import GitError

    remote = fabric.display_remote_url
    findings = check_credentials_configured(fabric)
    try:
        state = fabric.working_copy().state()
    except GitError as exc:
        code = 'HEALTH_GIT_CREDENTIALS' if exc.code == 'credentials' else 'HEALTH_GIT_UNREACHABLE'
        return [*findings, _finding(code, public_message(exc, fabric.tree_path, _gitops_root()))]
    stats.update(git_cloned=state.cloned, git_ahead=state.ahead, git_behind=state.behind, git_dirty=len(state.dirty))
    if not state.cloned:
        return [*findings, _finding('HEALTH_GIT_NOT_CLONED', f'No working copy of {remote} on this server yet.')]
    if state.dirty:
        listed = ', '.join(state.dirty[:5]) + (', ...' if len(state.dirty) > 5 else '')
        findings.append(_finding('HEALTH_GIT_DIRTY', f'{len(state.dirty)} file(s) changed without a commit: {listed}.'))
    if state.reachable is False:
        code = 'HEALTH_GIT_CREDENTIALS' if state.error_code == 'credentials' else 'HEALTH_GIT_UNREACHABLE'
        findings.append(_finding(code, scrub_paths(state.error, fabric.tree_path, _gitops_root())))
    if state.ahead and state.behind:
        findings.append(
            _finding(
                'HEALTH_GIT_DIVERGED',
                f'{state.ahead} local and {state.behind} remote commits on {fabric.git_branch} since they parted.',
            )
        )
    elif state.ahead:
        findings.append(_finding('HEALTH_GIT_AHEAD', f'{state.ahead} commit(s) not pushed to {remote}.'))
    elif state.behind:
        findings.append(_finding('HEALTH_GIT_BEHIND', f'{state.behind} commit(s) on {remote} not pulled yet.'))
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
    return [_finding('HEALTH_GIT_CREDENTIALS_UNCONFIGURED', message)]


def check_disk(path, minimum, stats):
    free = shutil.disk_usage(path).free
    stats['free_bytes'] = free
    if free >= minimum:
        return []
    message = f'{free // 2**20} MiB free under the tree; the minimum is {minimum // 2**20} MiB.'
    return [_finding('HEALTH_DISK_LOW', message)]


# --- what the fabric's GitOps status becomes ----------------------------------------------------


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
    from netbox_hedgehog.models import HedgehogFabric

    status = gitops_status_for(report, fabric)
    if status is None or status == fabric.gitops_status:
        return None
    HedgehogFabric.objects.filter(pk=fabric.pk).update(gitops_status=status)
    fabric.gitops_status = status
    return status
