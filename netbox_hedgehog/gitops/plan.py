"""The plan of an ingestion: what happens to each raw/ file and to each of its documents. Pure.

The plan is decided before anything is written, from the bytes of the raw files and what the
managed/ tree holds now; it is what `ingest --dry-run` prints and what apply carries out.

- A raw file is ingested whole or rejected whole: one document with an error keeps the entire
  file in raw/, untouched, with its findings.
- Each document of an ingested file is `create`, `update` or `unchanged` (one of the managed kinds,
  bound for `managed/<dir>/<name>.yaml`), `duplicate` (an identical copy of a document earlier in
  the same run), or `foreign` (bound for `unmanaged/`, with the reason).
- The same kind and name twice in one run with different content is a conflict: both files are
  rejected, each with a finding naming the other.
- A foreign document filed in unmanaged/ whose kind this plugin has come to manage since (the gateway
  kinds) is offered for adoption (INGEST_ADOPTABLE); when the run adopts, its unmanaged/ file is planned
  like a raw file (its reason header left out) and goes once its document is in managed/.
"""

import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from netbox_hedgehog.findings import Finding, Severity, action, has_errors, in_file_order
from netbox_hedgehog.gitops.tree import MANAGED, UNMANAGED
from netbox_hedgehog.gitops.treefs import raw_link_finding as _raw_link_finding
from netbox_hedgehog.validation import classify, is_file_name_safe, validate_set
from netbox_hedgehog.yamlio import clean_data, clean_text, read_documents

__all__ = (
    'DocumentAction',
    'DocumentPlan',
    'FileAction',
    'FilePlan',
    'Plan',
    'RawFile',
    'adoptable_document',
    'adoption_offer',
    'make_plan',
    'managed_target',
)

CONFLICT = 'INGEST_CONFLICT'
TARGET_NOT_A_FILE = 'INGEST_TARGET_NOT_A_FILE'
# What `current_sha256` gives for a target that exists but is not a regular file (a folder, say).
NOT_A_FILE = 'not a regular file'
# A stored record may carry more after these fields (the service keeps each output's file stats there).
RECORD_FIELDS = ('index', 'line', 'action', 'kind', 'name', 'target', 'sha256', 'reason')
RECORD_TARGET, RECORD_SHA256 = RECORD_FIELDS.index('target'), RECORD_FIELDS.index('sha256')
NOT_YAML = 'INGEST_NOT_YAML'
NAME_NOT_UTF8 = 'INGEST_NAME_NOT_UTF8'
# A file the run must read (a raw file, or the output a document would replace) cannot be read.
READ_FAILED = 'INGEST_READ_FAILED'
# An output file could not be written: the raw files whose documents go there stay in raw/.
WRITE_FAILED = 'INGEST_WRITE_FAILED'
# A document in unmanaged/ of a kind managed now: the run offers to move it (adopt_unmanaged).
ADOPTABLE = 'INGEST_ADOPTABLE'
ADOPT_ACTION = action(
    'the Move to managed/ button of the Unmanaged tab', '`netbox hedgehog ingest <fabric> --adopt-unmanaged --dry-run`'
)
# The first line of every unmanaged/ file: why its document is kept there (gitops.unmanaged reads it back).
FOREIGN_HEADER = '# Not a Hedgehog fabric object ({reason}); kept here, not applied.'
_FOREIGN_HEADER_START = FOREIGN_HEADER.partition('{reason}')[0].encode()


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

    def record(self):
        """The document as an ingested-file record: a list in RECORD_FIELDS order (compact to store and load)."""
        return [self.index, self.line, self.action.value, self.kind, self.name, self.target, self.sha256, self.reason]

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


def adoptable_document(data, path):
    """(document bytes, its Classified) of the unmanaged/ file `path` holding `data`, without the reason header
    ingestion wrote above the document, when that document is of a kind this plugin manages now (it was
    foreign when it was filed); else None."""
    header, newline, document = data.partition(b'\n')
    if not header.startswith(_FOREIGN_HEADER_START) or not newline:
        return None
    result = read_documents(document, path)
    if len(result.documents) != 1 or result.findings:
        return None
    classified = classify(result.documents[0])
    return None if classified.is_foreign else (document, classified)


def adoption_offer(path, kind, name):
    """The INGEST_ADOPTABLE finding offering to move the unmanaged/ file `path` ({kind} {name}) to managed/."""
    return Finding(
        Severity.INFO,
        ADOPTABLE,
        f'{path} holds {kind} {name}, a kind this plugin manages now: ingesting with adopt_unmanaged moves it '
        'to managed/.',
        path,
        hint=f'See the plan first: {ADOPT_ACTION}.',
    )


def make_plan(
    raw_files,
    current_sha256,
    managed_documents=list,
    *,
    ignored=(),
    links=(),
    unreadable=(),
    misnamed=(),
    max_bytes=None,
    known_files=None,
    output_in_place=None,
    scope=None,
):
    """Decide what ingesting `raw_files` does.

    `current_sha256(target)` gives the SHA-256 of the file at `target` (relative to the tree) or
    None when there is none; `managed_documents()` returns the objects managed/ holds now (as
    yamlio Documents), so references from raw/ to them resolve (called only when something is
    validated); `ignored` are raw/ entries that are not YAML (listed as info, left alone);
    `unreadable` are (path, reason) of raw files that could not be read (rejected, left in raw/).
    `misnamed` are raw/ files whose names are not UTF-8, as `shown_name` shows them (rejected, left alone).
    `known_files` maps the SHA-256 of raw files ingested before to their documents as recorded
    then (`DocumentPlan.record()`); `links` are raw/ entries that are symbolic links (never read: each is
    rejected with an INGEST_SYMLINK finding). A file with those very bytes whose outputs are all still in
    place is settled without being parsed again. `output_in_place(record)` tells whether the output
    a record names still holds what it recorded (by default: the output's SHA-256 is the record's).
    `scope` names the set in the validator's messages ("raw/ nor managed/ of fabric dc1").
    """
    read_options = {} if max_bytes is None else {'max_bytes': max_bytes}
    known_files = known_files or {}
    output_in_place = output_in_place or (lambda record: current_sha256(record[RECORD_TARGET]) == record[RECORD_SHA256])
    raw_files = [(raw, raw.sha256) for raw in sorted(raw_files, key=lambda raw: raw.path)]

    def known(raw, sha256):
        # A file adopted from unmanaged/ is never settled: a record of the same bytes names that very file
        # as its output, which is in place until the adoption removes it.
        return sha256 in known_files and not raw.path.startswith(f'{UNMANAGED}/')

    parsed = {}

    def parse(raw, sha256):
        result = read_documents(raw.data, raw.path, **read_options)
        file_plan = FilePlan(raw.path, FileAction.INGEST, sha256, comments=result.comments)
        file_plan.findings.extend(result.findings)
        parsed[raw.path] = (file_plan, result.documents)

    for raw, sha256 in raw_files:
        if not known(raw, sha256):
            parse(raw, sha256)
    classify_once = _memoized_classify()
    claimed = _claimed_targets(parsed.values(), classify_once)
    settled = []
    for raw, sha256 in raw_files:
        if known(raw, sha256):
            if _still_in_place(known_files[sha256], claimed, output_in_place):
                settled.append(_settled_file(raw.path, sha256, known_files[sha256]))
            else:
                parse(raw, sha256)
    parsed = [parsed[raw.path] for raw, _ in raw_files if raw.path in parsed]
    unread = [_unreadable_file(path, reason) for path, reason in unreadable]
    plan = Plan(sorted([file_plan for file_plan, _ in parsed] + settled + unread, key=lambda file_plan: file_plan.path))

    raw_documents = [document for _, documents in parsed for document in documents]
    keys = {}  # id(document) -> its reference keys, found by validation once for the index too
    if raw_documents:
        _validate(parsed, raw_documents, managed_documents(), classify_once, keys, scope)
    entries = _classify(parsed, classify_once)
    _note_conflicts(entries)
    # Parsed documents' targets are looked at twice (blocked? then changed?); a settled file's are not.
    current_sha256 = functools.cache(current_sha256)
    _note_blocked_targets(entries, current_sha256)
    for file_plan, _ in parsed:
        if has_errors(file_plan.findings):
            file_plan.action = FileAction.REJECT
    # Only now, among the files that will really be ingested, does the first copy of an object own it:
    # a copy in a rejected file must not turn an identical one elsewhere into a skipped duplicate.
    _plan_documents([entry for entry in entries if entry.file_plan.action == FileAction.INGEST], current_sha256, keys)
    for path in sorted(links):
        plan.files.append(FilePlan(path, FileAction.REJECT, findings=[_raw_link_finding(path)]))
    plan.files.sort(key=lambda file_plan: file_plan.path)
    for file_plan, _ in parsed:
        file_plan.findings[:] = in_file_order(file_plan.findings)
    for path in sorted(ignored):
        plan.files.append(
            FilePlan(
                path,
                FileAction.IGNORE,
                findings=[
                    Finding(
                        Severity.INFO,
                        NOT_YAML,
                        'Not a YAML file: left alone in raw/.',
                        file=path,
                        hint='Rename it to .yaml or .yml if it holds YAML; otherwise move it out of raw/.',
                    )
                ],
            )
        )
    for path in sorted(misnamed):
        message = f'{path}: the file name is not UTF-8 text, which no finding, record or index can hold.'
        hint = 'Rename the file in raw/ (UTF-8, as the shell and git write names today).'
        finding = Finding(Severity.ERROR, NAME_NOT_UTF8, message, path, hint=hint)
        plan.files.append(FilePlan(path, FileAction.REJECT, findings=[finding]))
    return plan


@dataclass(slots=True)
class _Entry:
    file_plan: FilePlan
    document: object
    classified: object
    cleaned: object = None
    foreign_file: tuple | None = None  # (target, content, SHA-256) of a foreign document's unmanaged/ file


def _classify(parsed, classify_once):
    entries = []
    for file_plan, documents in parsed:
        for document in documents:
            classified = classify_once(document)
            entry = _Entry(file_plan, document, classified)
            if classified.is_foreign:
                entry.foreign_file = _foreign_file(document, classified)
            else:
                entry.cleaned = clean_data(document.data)
            entries.append(entry)
    return entries


def _memoized_classify():
    """Documents are classified once per plan, however many steps ask."""
    known = {}

    def classify_once(document):
        key = id(document)
        if key not in known:
            known[key] = (document, classify(document))  # the document is kept so its id stays unique
        return known[key][1]

    return classify_once


def _claimed_targets(parsed, classify_once):
    targets = set()
    for _, documents in parsed:
        for document in documents:
            if target := _target(classify_once(document)):
                targets.add(target)
    return targets


def _target(classified):
    """The managed file of a Hedgehog document, or None for a foreign one or one whose name cannot name a
    file (NUL, `/`, a control character, too long...): validation reports that name (NAME_*) as an error,
    and no file system call, finding or index ever gets it from here."""
    if classified.is_foreign or not is_file_name_safe(classified.name):
        return None
    return managed_target(classified.kind, classified.name)


def _still_in_place(documents, claimed, output_in_place):
    """Every output of a known file is still what it wrote, and no other file of this run touches them."""
    return all(record[RECORD_TARGET] not in claimed and output_in_place(record) for record in documents)


# A settled document is in place: what it once created or updated is now simply unchanged.
_SETTLED_ACTIONS = {action.value: action for action in DocumentAction} | {
    DocumentAction.CREATE.value: DocumentAction.UNCHANGED,
    DocumentAction.UPDATE.value: DocumentAction.UNCHANGED,
}


def _settled_file(path, sha256, records):
    documents = [
        DocumentPlan(index, line, _SETTLED_ACTIONS[action], kind, name, target, None, sha, reason)
        for index, line, action, kind, name, target, sha, reason, *_ in records
    ]
    return FilePlan(path, FileAction.INGEST, sha256, documents, settled=True)


def _unreadable_file(path, reason):
    finding = Finding(
        Severity.ERROR,
        READ_FAILED,
        f'{path} could not be read ({reason}): it stays in raw/.',
        path,
        hint='Make the file readable (or copy it anew), then ingest again.',
    )
    return FilePlan(path, FileAction.REJECT, findings=[finding])


def _validate(parsed, raw_documents, managed_documents, classify_once, keys, scope=None):
    """Validate raw documents as one set, with the managed objects they do not replace as context; `keys`
    receives each Hedgehog document's reference keys (validate_set)."""

    def identity(document):
        classified = classify_once(document)
        return None if classified.is_foreign or not classified.name else (classified.kind.kind, classified.name)

    replaced = {identity(document) for document in raw_documents} - {None}
    context = [document for document in managed_documents if identity(document) not in replaced]
    by_file = {file_plan.path: file_plan for file_plan, _ in parsed}
    for finding in validate_set(raw_documents, context=context, keys=keys, **({'scope': scope} if scope else {})):
        by_file[finding.file].findings.append(finding)


def _note_conflicts(entries):
    """Every definition of an object defined differently twice gets an error naming the others."""
    definitions = {}
    for entry in entries:
        if entry.cleaned is not None and _target(entry.classified):
            definitions.setdefault((entry.classified.kind.kind, entry.classified.name), []).append(entry)
    for (kind, name), group in definitions.items():
        first = group[0].cleaned
        if all(entry.cleaned == first for entry in group[1:]):
            continue
        places = [f'{entry.file_plan.path}:{entry.document.line}' for entry in group]
        for entry in group:
            others = ', '.join(place for place in places if place != f'{entry.file_plan.path}:{entry.document.line}')
            entry.file_plan.findings.append(
                Finding(
                    Severity.ERROR,
                    CONFLICT,
                    f'{kind} {name} is defined differently in {others}; no file defining it is ingested.',
                    entry.file_plan.path,
                    entry.document.line,
                    entry.document.index,
                    'metadata.name',
                    'Keep one definition (fix or remove the others), then ingest again.',
                )
            )


def _note_blocked_targets(entries, current_sha256):
    """A document whose output path holds something other than a file (a folder, say) cannot be written."""
    for entry in entries:
        classified = entry.classified
        if classified.is_foreign:
            target, what, folder = entry.foreign_file[0], 'this foreign document', UNMANAGED
        elif target := _target(classified):
            what, folder = f'{classified.kind.kind} {classified.name}', MANAGED
        else:
            continue
        current = current_sha256(target)
        if isinstance(current, Unreadable):
            entry.file_plan.findings.append(
                Finding(
                    Severity.ERROR,
                    READ_FAILED,
                    f'{target} could not be read ({current}): {what} cannot be compared with it or written.',
                    entry.file_plan.path,
                    entry.document.line,
                    entry.document.index,
                    'metadata.name',
                    f'Make that file in {folder}/ readable (or move it away), then ingest again.',
                )
            )
        elif current == NOT_A_FILE:
            entry.file_plan.findings.append(
                Finding(
                    Severity.ERROR,
                    TARGET_NOT_A_FILE,
                    f'{target} exists and is not a file: {what} cannot be written.',
                    entry.file_plan.path,
                    entry.document.line,
                    entry.document.index,
                    'metadata.name',
                    f'Move what is at that path out of {folder}/, then ingest again.',
                )
            )


def _plan_documents(entries, current_sha256, keys):
    owners = {}  # (kind, name) -> where the copy that is written comes from
    for entry in entries:
        document, classified, file_plan = entry.document, entry.classified, entry.file_plan
        if classified.is_foreign:
            file_plan.documents.append(_foreign(entry))
            continue
        key = (classified.kind.kind, classified.name)
        # clean_data hands back the very object when nothing needs cleaning: the text is then the author's.
        content = _as_file(document.text if entry.cleaned is document.data else clean_text(document))
        sha256 = hashlib.sha256(content).hexdigest()
        target = _target(classified)  # never None here: a file with an unusable name has an error, so is rejected
        doc_plan = DocumentPlan(
            document.index,
            document.line,
            DocumentAction.CREATE,
            *key,
            target,
            content,
            sha256,
            data=entry.cleaned,
            reference_keys=keys.get(id(document)),
        )
        if owner := owners.get(key):
            doc_plan.action = DocumentAction.DUPLICATE
            doc_plan.reason = f'identical to {owner}'
        else:
            owners[key] = f'{file_plan.path}:{document.line}'
            current = current_sha256(target)
            if current == sha256:
                doc_plan.action = DocumentAction.UNCHANGED
            elif current is not None:
                doc_plan.action = DocumentAction.UPDATE
        file_plan.documents.append(doc_plan)


_UNSAFE = re.compile(r'[^A-Za-z0-9_.-]+')


def _foreign(entry):
    document, classified = entry.document, entry.classified
    target, content, sha256 = entry.foreign_file
    return DocumentPlan(
        document.index,
        document.line,
        DocumentAction.FOREIGN,
        classified.kind_name if isinstance(classified.kind_name, str) else '',
        classified.name,
        target,
        content,
        sha256,
        reason=classified.reason,
    )


def _foreign_file(document, classified):
    """(target, content, SHA-256) of a foreign document's file in unmanaged/."""
    # The reason travels with the file, for whoever browses unmanaged/; the author's text follows as is.
    # One comment line: a reason quoting a kind with a line break in it must not add lines to the YAML.
    reason = classified.reason if classified.reason.isprintable() else repr(classified.reason)
    header = FOREIGN_HEADER.format(reason=reason) + '\n'
    content = _as_file(header + document.text)
    sha256 = hashlib.sha256(content).hexdigest()
    label = _UNSAFE.sub('-', f'{classified.kind_name or "document"}-{classified.name or "unnamed"}').strip('-.')
    # The content hash makes the name unique and stable: re-ingesting the same document writes the
    # same file, and two different documents never overwrite each other.
    return f'{UNMANAGED}/{label[:100].lower()}-{sha256[:12]}.yaml', content, sha256


def _as_file(text):
    return (text if text.endswith('\n') else text + '\n').encode()
