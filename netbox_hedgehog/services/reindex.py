"""Re-index: the index rebuilt from managed/. Rows follow files; files are never touched."""

import hashlib
from dataclasses import dataclass, field

from django.db import transaction

from netbox_hedgehog.core import kinds
from netbox_hedgehog.core.findings import HEALTH_ACTION, Finding, Severity
from netbox_hedgehog.core.plan_model import managed_target
from netbox_hedgehog.core.tree import MANAGED, shown_name
from netbox_hedgehog.core.validation import classify, validate_document
from netbox_hedgehog.core.yaml_reader import read_documents
from netbox_hedgehog.models.changelog import ResourceChanges
from netbox_hedgehog.models.deletion import delete_resources
from netbox_hedgehog.services import treefs
from netbox_hedgehog.services.faults import os_reason
from netbox_hedgehog.services.index import read_index
from netbox_hedgehog.services.index_store import row_fields, statistics_refreshed, update_rows, write_rows
from netbox_hedgehog.services.lock import fabric_lock


@dataclass
class ReindexResult:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    # Rows whose managed file is missing, kept: they may hold the last copy of the object (`fix` restores it).
    kept: list = field(default_factory=list)
    unchanged: int = 0
    findings: list = field(default_factory=list)

    def as_dict(self):
        return {
            'created': self.created,
            'updated': self.updated,
            'deleted': self.deleted,
            'kept': self.kept,
            'unchanged': self.unchanged,
            'findings': [finding.as_dict() for finding in self.findings],
        }

    def summary(self):
        """What changed in the index, in words: `2 created, 0 updated, 1 deleted, 40 unchanged`."""
        return (
            f'{len(self.created)} created, {len(self.updated)} updated, {len(self.deleted)} deleted, '
            f'{self.unchanged} unchanged'
        )


def reindex(fabric, *, drop_missing=()):
    """Make the index follow managed/: rows follow files; files are never touched.

    A row whose file is missing is kept (it may hold the last copy of the object: `fix` writes the
    file back from it) unless its path is in `drop_missing`, the deletions known to be intended (a
    commit removed the file, or a person confirmed it); `drop_missing=True` drops every such row (a
    restored backup replaced the whole tree, the previous one kept in its own backup).
    """
    with fabric_lock(fabric, 'reindex'):
        return reindex_unlocked(fabric, drop_missing=drop_missing)


def reindex_unlocked(fabric, *, drop_missing=()):
    """`reindex` for a caller that holds the fabric's lock already (an ingestion after a pull)."""
    with fabric.files() as files:
        return _reindex_files(fabric, files, drop_missing)


def _reindex_files(fabric, files, drop_missing):
    result = ReindexResult()
    if links := treefs.find_links(files):
        # managed/ through a link is not this tree's: the index is left as it is until the link is gone.
        result.findings = treefs.link_findings(links, stopped='the index was not changed')
        return result
    rows = read_index(fabric)
    creates, updates, restamped, present, seen = [], [], [], set(), set()
    for kind in kinds.KINDS:
        for name in _managed_yaml_files(files, f'{MANAGED}/{kind.directory}'):
            target = shown_name(name)  # no valid object has a non-UTF-8 name: findings show it so
            seen.add(target)
            try:
                data, stat, _ = files.read_with_stat(name)
            except OSError as exc:
                # Rows follow files, and this one cannot be looked at: its row, if any, stays as it is.
                present.add(target)
                result.findings.append(_unreadable_managed_file(target, exc))
                continue
            sha256 = hashlib.sha256(data).hexdigest()
            stamp = {'file_size': stat.st_size, 'file_mtime_ns': stat.st_mtime_ns}
            row = rows.get(target)
            if row is not None and row.sha256 == sha256:
                present.add(target)
                result.unchanged += 1
                if (row.file_size, row.file_mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                    restamped.append((row.pk, stamp))
                continue
            fields = _managed_file_fields(kind, target, data, sha256, result.findings)
            if fields is None:
                continue  # not a valid object: no row claims it is (health reports the file)
            present.add(target)
            if row is None:
                creates.append({**fields, **stamp, 'source_file': ''})
                result.created.append(target)
            else:
                updates.append((row.pk, {**fields, **stamp, 'source_file': ''}))
                result.updated.append(target)
    gone = {path for path in set(rows) - present if path not in seen and files.lstat_or_none(path) is None}
    dropped = gone if drop_missing is True else gone & set(drop_missing)
    result.kept = sorted(gone - dropped)
    result.deleted = sorted(set(rows) - present - set(result.kept))
    changes = ResourceChanges.of_reindex(fabric)
    with transaction.atomic():
        # In bulk, with their search-cache entries: a pull that removed most of a fabric drops most of its rows.
        changes.deleting(rows[path].pk for path in result.deleted)
        delete_resources(rows[path].pk for path in result.deleted)
        if creates or updates:
            write_rows(fabric, changes, creates, updates)
        update_rows(restamped)
    with statistics_refreshed(len(creates)):
        pass  # nothing of a re-index follows its commit to do meanwhile
    return result


def _managed_yaml_files(files, folder):
    """Tree-relative paths of the regular `*.yaml` files directly in `folder` (none when it is missing), sorted."""
    if not files.is_folder(folder):
        return []
    return sorted(
        f'{folder}/{entry.name}'
        for entry in files.scandir(folder)
        if entry.name.endswith('.yaml') and not entry.name.startswith('.') and entry.is_file(follow_symlinks=False)
    )


def _unreadable_managed_file(target, exc):
    return Finding(
        Severity.WARNING,
        'INDEX_SKIPPED_FILE',
        f'{target} could not be read ({os_reason(exc)}): its index row, if any, is left as it is.',
        file=target,
        hint='Make the file readable (or move it away), then re-index.',
    )


def _managed_file_fields(kind, target, data, sha256, findings):
    """Index fields of a managed file holding exactly one valid object of its directory's kind, else None."""
    read = read_documents(data, target)
    problem = None
    if read.findings or len(read.documents) != 1:
        problem = f'holds {read.total} documents' if not read.findings else read.findings[0].message
    else:
        document = read.documents[0]
        classified = classify(document)
        expected = managed_target(classified.kind, classified.name) if classified.kind else None
        if expected != target:
            problem = f'holds {classified.kind_name or "a foreign document"} {classified.name!r}, not {kind.kind}'
        elif any(f.severity == Severity.ERROR for f in validate_document(document)):
            problem = 'does not validate'
    if problem:
        findings.append(
            Finding(
                Severity.WARNING,
                'INDEX_SKIPPED_FILE',
                f'{target} {problem}: not indexed.',
                file=target,
                hint=f'Why: see {HEALTH_ACTION}; correct or move the file.',
            )
        )
        return None
    return row_fields(document.data, target, sha256)
