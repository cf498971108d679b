"""Health of managed/ against the index: one valid object per file at its own path, every file indexed at
its hash, every index row with its file, every reference between managed objects resolved.

Plain functions over a tree (a treefs.Tree, so no link is followed), bytes and index rows; the health service
(gitops/health.py) reads the rows and hands them over.
"""

import hashlib
import stat
from enum import StrEnum
from typing import NamedTuple

from netbox_hedgehog.core.findings import Severity
from netbox_hedgehog.core.health_codes import health_finding
from netbox_hedgehog.core.index_rows import IndexRow
from netbox_hedgehog.core.plan_model import managed_target
from netbox_hedgehog.core.tree import MANAGED, is_yaml_name
from netbox_hedgehog.core.validation import classify, reference_fields, reference_keys, validate_document
from netbox_hedgehog.core.yaml_reader import read_documents
from netbox_hedgehog.services.treefs import LinkRefused

__all__ = (
    'MISSING_SOURCE_WORDS',
    'Inspection',
    'Missing',
    'MissingSource',
    'check_managed',
    'check_missing',
    'check_references',
    'inspect_managed_file',
    'managed_files',
)


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
                strays.append(health_finding('HEALTH_MANAGED_STRAY', message, file=shown))
        elif not entry.is_file(follow_symlinks=False):
            strays.append(health_finding('HEALTH_MANAGED_STRAY', f'{shown} is not a regular file.', file=shown))
        elif is_yaml_name(name):
            files.append(shown)
        else:
            strays.append(health_finding('HEALTH_MANAGED_STRAY', f'{shown} is not a YAML file.', file=shown))
    files.sort()
    return files, strays


def check_managed(tree, files, rows, max_bytes):
    """Managed files against their index `rows` ({managed path: IndexRow}): (findings, objects).

    A file whose SHA-256 equals its row's is the object the row describes (rows are written only
    for valid files) and is not parsed; any other file is inspected. A file whose size and modification
    time are still those its row recorded is not even read, as ingestion trusts its outputs (a stat
    instead of a read and a hash: most of a large fabric's check). `objects` are IndexRows of
    every valid object at its own path (from the row, or from the file when it changed), for the
    reference check.
    """
    findings, objects = [], []
    for relative in files:
        row = rows.get(relative)
        if row is not None and row.file_size is not None and _unchanged_since_indexed(tree, relative, row):
            objects.append(row)
            continue
        try:
            data = tree.read(relative)
        except LinkRefused:
            continue  # became a link since it was listed: the next check names it
        except OSError as exc:
            message = f'{relative} cannot be read: {exc.strerror or type(exc).__name__}.'
            findings.append(health_finding('HEALTH_MANAGED_UNPARSABLE', message, file=relative))
            continue
        sha256 = hashlib.sha256(data).hexdigest()
        if row is not None and row.sha256 == sha256:
            objects.append(row)
            continue
        inspection = inspect_managed_file(relative, data, max_bytes)
        findings += inspection.findings
        found = inspection.object
        if found is not None:
            _, kind, name, spec = found
            objects.append(IndexRow(relative, sha256, kind, name, spec=spec))
        if row is not None:
            message = f'{relative} changed since it was indexed (SHA-256 {sha256[:12]}, index {row.sha256[:12]}).'
            findings.append(health_finding('HEALTH_INDEX_HASH_MISMATCH', message, file=relative))
        elif found is not None:
            findings.append(
                health_finding('HEALTH_INDEX_FILE_UNINDEXED', f'{relative} is not in the index.', file=relative)
            )
    return findings, objects


def _unchanged_since_indexed(tree, relative, row):
    try:
        found = tree.lstat(relative)
    except OSError:  # gone or not to be looked at since it was listed: reading it says which
        return False
    return found.st_size == row.file_size and found.st_mtime_ns == row.file_mtime_ns and stat.S_ISREG(found.st_mode)


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
            findings.append(health_finding('HEALTH_INDEX_ROW_ORPHANED', message, file=item.path))
            continue
        source = 'git HEAD' if item.source == MissingSource.GIT else 'the index (as clean CR YAML)'
        message = (
            f'{item.path} is missing; the index still holds {item.kind} {item.name}: fix writes it back from {source}.'
        )
        findings.append(health_finding('HEALTH_MANAGED_MISSING', message, file=item.path))
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
        return Inspection([health_finding('HEALTH_MANAGED_UNPARSABLE', message, relative, errors[0].line)])
    if read.total != 1:
        message = f'{relative} holds {read.total} documents; a managed file holds exactly one object.'
        return Inspection([health_finding('HEALTH_MANAGED_DOCUMENT_COUNT', message, relative)])
    document = read.documents[0]
    classified = classify(document)
    if classified.is_foreign:
        message = f'{relative} holds no Hedgehog object: {classified.reason}.'
        return Inspection([health_finding('HEALTH_MANAGED_FOREIGN', message, relative, document.line)])
    errors = [finding for finding in validate_document(document) if finding.severity == Severity.ERROR]
    if errors:
        first = errors[0]
        message = f'{relative}: {len(errors)} validation error(s); first: {first.code} {first.message}'
        return Inspection([health_finding('HEALTH_MANAGED_INVALID', message, relative, first.line, first.path)])
    target = managed_target(classified.kind, classified.name)
    if target == relative:
        spec = document.data.get('spec')
        return Inspection([], (relative, classified.kind.kind, classified.name, spec), target)
    same_dir = target.rpartition('/')[0] == relative.rpartition('/')[0]
    code = 'HEALTH_MANAGED_NAME_MISMATCH' if same_dir else 'HEALTH_MANAGED_WRONG_DIR'
    message = f'{relative} holds {classified.kind.kind} {classified.name}, whose place is {target}.'
    return Inspection([health_finding(code, message, relative, document.line)], target=target)


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
                findings.append(health_finding('HEALTH_REF_DANGLING', message, obj.path, path=reference.path))
    return findings


def _reference_keys(obj):
    return obj.keys if obj.keys is not None else reference_keys(obj.kind, obj.spec)
