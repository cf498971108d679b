"""The plan's shapes: what happens to each raw/ file and document, and the record kept of an ingested file.

Plain Python. `plan.py` decides a Plan; the ingestion service carries it out and stores each ingested file's
documents as records (`DocumentPlan.record`), by which a later run settles the same bytes without parsing them.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from netbox_hedgehog.core.findings import Finding, Severity, in_file_order
from netbox_hedgehog.core.tree import MANAGED

__all__ = (
    'NOT_A_FILE',
    'RECORD_FIELDS',
    'DocumentAction',
    'DocumentPlan',
    'FileAction',
    'FilePlan',
    'Plan',
    'RawFile',
    'Unreadable',
    'managed_target',
    'raw_link_finding',
    'record_stat',
)

CONFLICT = 'INGEST_CONFLICT'
INGEST_SYMLINK = 'INGEST_SYMLINK'
TARGET_NOT_A_FILE = 'INGEST_TARGET_NOT_A_FILE'
# What `current_sha256` gives for a target that exists but is not a regular file (a folder, say).
NOT_A_FILE = 'not a regular file'
# An ingested-file record: a document as RECORD_FIELDS, then its output's size and modification time as the
# run that wrote or saw it (records of versions before those stats end after RECORD_FIELDS).
RECORD_FIELDS = ('index', 'line', 'action', 'kind', 'name', 'target', 'sha256', 'reason')
RECORD_TARGET, RECORD_SHA256 = RECORD_FIELDS.index('target'), RECORD_FIELDS.index('sha256')
_RECORD_SIZE, _RECORD_MTIME = len(RECORD_FIELDS), len(RECORD_FIELDS) + 1
NOT_YAML = 'INGEST_NOT_YAML'
NAME_NOT_UTF8 = 'INGEST_NAME_NOT_UTF8'
# A file the run must read (a raw file, or the output a document would replace) cannot be read.
READ_FAILED = 'INGEST_READ_FAILED'
# An output file could not be written: the raw files whose documents go there stay in raw/.
WRITE_FAILED = 'INGEST_WRITE_FAILED'


class Unreadable(str):
    """What `current_sha256` gives for a target that exists but cannot be read: the reason (`os.strerror`)."""

    __slots__ = ()


class FileAction(StrEnum):
    INGEST = 'ingest'
    REJECT = 'reject'
    IGNORE = 'ignore'


class DocumentAction(StrEnum):
    CREATE = 'create'
    UPDATE = 'update'
    UNCHANGED = 'unchanged'
    DUPLICATE = 'duplicate'
    FOREIGN = 'foreign'


@dataclass(frozen=True, slots=True)
class RawFile:
    """A file found in raw/: `path` relative to the tree (e.g. `raw/wiring.yaml`), its bytes and their SHA-256."""

    path: str
    data: bytes
    sha256: str = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, 'sha256', hashlib.sha256(self.data).hexdigest())


@dataclass(slots=True)
class DocumentPlan:
    index: int
    line: int
    action: DocumentAction
    kind: str
    name: str
    target: str = ''
    # The bytes to put at `target`; None for a document of a settled file (its output is in place).
    content: bytes | None = None
    sha256: str = ''
    reason: str = ''
    # The cleaned object (server-side fields gone, served apiVersion): what the index records.
    data: object = None
    # Its validation.reference_keys, as validation found them (None for a document of a settled file).
    reference_keys: list | None = None

    def record(self, output_stat=()):
        """The document as an ingested-file record (compact to store and load): RECORD_FIELDS, then
        `output_stat`, the (size, modification time) of its output as the run wrote or saw it."""
        fields = [self.index, self.line, self.action.value, self.kind, self.name, self.target, self.sha256, self.reason]
        return fields + list(output_stat)

    def as_dict(self):
        return {
            'index': self.index,
            'line': self.line,
            'action': self.action.value,
            'kind': self.kind,
            'name': self.name,
            'target': self.target,
            'sha256': self.sha256,
            'reason': self.reason,
        }


@dataclass(slots=True)
class FilePlan:
    path: str
    action: FileAction
    sha256: str = ''
    documents: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    # Known bytes whose outputs are all in place: not parsed, nothing of it is written or indexed again.
    settled: bool = False
    # (line, text) of the comments that belong to no document (yamlio): kept in the provenance record only.
    comments: list = field(default_factory=list)

    def as_dict(self):
        return {
            'file': self.path,
            'action': str(self.action),
            'sha256': self.sha256,
            'documents': [document.as_dict() for document in self.documents],
            'findings': [finding.as_dict() for finding in self.findings],
        }


@dataclass(slots=True)
class Plan:
    files: list = field(default_factory=list)
    # Findings that stop the whole run before anything is written (a symbolic link in the tree's layout).
    blocked: list = field(default_factory=list)
    # INGEST_ADOPTABLE findings: unmanaged/ files a run with adopt_unmanaged would move to managed/.
    offers: list = field(default_factory=list)

    @property
    def rejected(self):
        return [file for file in self.files if file.action == FileAction.REJECT]

    @property
    def ingested(self):
        return [file for file in self.files if file.action == FileAction.INGEST]

    @property
    def parsed(self):
        """The ingested files that were not settled: only they have anything to write or index."""
        return [file for file in self.ingested if not file.settled]

    def counts(self):
        files = Counter(str(file.action) for file in self.files)
        documents = Counter(str(document.action) for file in self.ingested for document in file.documents)
        return {
            'files': {str(action): files[str(action)] for action in FileAction},
            'documents': {str(action): documents[str(action)] for action in DocumentAction},
        }

    def findings(self):
        """Every finding of the plan, by file and line (the offers to move unmanaged documents included)."""
        return in_file_order(self.blocked + [finding for file in self.files for finding in file.findings] + self.offers)

    def reject_unwritten(self, failed):
        """Reject every ingested file with a document bound for a target in `failed` ({target: reason}): a
        file is ingested whole or not at all, and a duplicate's raw file is the only other copy of what
        failed. Returns the documents of the files still ingested and of those rejected now whose outputs
        are in place: what the index must describe."""
        in_place = []
        for file_plan in self.parsed:
            broken = [document for document in file_plan.documents if document.target in failed]
            in_place += [(file_plan, document) for document in file_plan.documents if document.target not in failed]
            if not broken:
                continue
            file_plan.action = FileAction.REJECT
            for document in broken:
                if document.action == DocumentAction.FOREIGN:
                    what = 'this foreign document'
                else:
                    what = f'{document.kind} {document.name}'
                file_plan.findings.append(
                    Finding(
                        Severity.ERROR,
                        WRITE_FAILED,
                        f'{document.target} could not be written ({failed[document.target]}): '
                        f'{what} stays in raw/, in this file.',
                        file_plan.path,
                        document.line,
                        document.index,
                        hint='Free space or lift what blocks writing there (an immutable file or folder), '
                        'then ingest again.',
                    )
                )
        return in_place

    def as_dict(self):
        return {
            'counts': self.counts(),
            'blocked': [finding.as_dict() for finding in self.blocked],
            'files': [file.as_dict() for file in self.files],
            'offers': [finding.as_dict() for finding in self.offers],
        }


def managed_target(kind, name):
    """Where the managed file of `kind` (a registry Kind) named `name` lives, relative to the tree."""
    return f'{MANAGED}/{kind.directory}/{name}.yaml'


def record_stat(record):
    """(size, modification time) of the output a record names as its run saw it, or None (an older record)."""
    if len(record) > _RECORD_MTIME:
        return record[_RECORD_SIZE], record[_RECORD_MTIME]
    return None


def raw_link_finding(path):
    """INGEST_SYMLINK: a link in raw/ is not read; the rest of raw/ is ingested."""
    return Finding(
        Severity.ERROR,
        INGEST_SYMLINK,
        f'{path} is a symbolic link: it is not read (links in a tree are never followed).',
        file=path,
        hint='Put the file itself into raw/ (a copy, not a link), and remove the link.',
    )
