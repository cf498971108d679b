"""The plan of an ingestion: what happens to each raw/ file and to each of its documents. Pure.

The plan is decided before anything is written, from the bytes of the raw files and what the managed/ tree
holds now; it is what `ingest --dry-run` prints and what apply carries out. The plan takes data, not
callbacks: it is made in three steps, and between them the service gathers what the next step needs.

1. `read_raw` parses the raw files whose bytes were never ingested before; the others are known by their
   records (`DocumentPlan.record`). `Reading.records_to_check` names the recorded outputs no parsed file claims.
2. `Reading.settle(in_place)`: a known file whose recorded outputs are all in place is settled, unparsed;
   the others are parsed now. `Reading.targets` then names every file the documents would write, and
   `Reading.needs_context` says whether anything is validated (so managed/ objects are needed as context).
3. `Reading.decide(current, managed_documents, ...)` validates and gives the Plan:

- A raw file is ingested whole or rejected whole: one document with an error keeps the entire
  file in raw/, untouched, with its findings.
- Each document of an ingested file is `create`, `update` or `unchanged` (one of the managed kinds,
  bound for `managed/<dir>/<name>.yaml`), `duplicate` (an identical copy of a document earlier in
  the same run), or `foreign` (bound for `unmanaged/`, with the reason; foreign.py).
- The same kind and name twice in one run with different content is a conflict: both files are
  rejected, each with a finding naming the other.
- A foreign document filed in unmanaged/ whose kind this plugin has come to manage since (the gateway
  kinds) is offered for adoption (INGEST_ADOPTABLE); when the run adopts, its unmanaged/ file is planned
  like a raw file (its reason header left out) and goes once its document is in managed/.

`make_plan` runs the three steps over plain data (a mapping of the tree's files to their SHA-256). The parsed
documents as entries, and the checks across them (conflicts, blocked targets), are in plan_entries.py.
"""

import hashlib

from netbox_hedgehog.core.findings import Finding, Severity, has_errors, in_file_order
from netbox_hedgehog.core.foreign import as_file
from netbox_hedgehog.core.managed_text import clean_text
from netbox_hedgehog.core.plan_entries import (
    classify_entries,
    document_target,
    entry_target,
    note_blocked_targets,
    note_conflicts,
)
from netbox_hedgehog.core.plan_model import (
    NAME_NOT_UTF8,
    NOT_YAML,
    READ_FAILED,
    RECORD_SHA256,
    RECORD_TARGET,
    DocumentAction,
    DocumentPlan,
    FileAction,
    FilePlan,
    Plan,
    raw_link_finding,
)
from netbox_hedgehog.core.tree import UNMANAGED
from netbox_hedgehog.core.validation import classify, validate_set
from netbox_hedgehog.core.yaml_reader import read_documents

__all__ = ('Reading', 'files_to_parse', 'make_plan', 'read_raw')


def read_raw(raw_files, known_files=None, *, max_bytes=None, parsed=None):
    """Step 1: parse the raw files (RawFile) whose bytes `known_files` ({SHA-256: records}) does not know.
    `parsed` ({path: ReadResult}) holds those already parsed elsewhere (by the service, on another core)."""
    return Reading(raw_files, known_files or {}, max_bytes, parsed or {})


def files_to_parse(raw_files, known_files):
    """The raw files step 1 parses: those whose bytes `known_files` does not know."""
    return [raw for raw in raw_files if not _is_known(raw, known_files)]


class Reading:
    """The raw files of one plan, as far as they are read; see the module docstring for the steps."""

    def __init__(self, raw_files, known_files, max_bytes, parsed):
        self._options = {} if max_bytes is None else {'max_bytes': max_bytes}
        self._ready = parsed
        self._raw_files = sorted(raw_files, key=lambda raw: raw.path)
        self._known = {raw.path: known_files[raw.sha256] for raw in self._raw_files if _is_known(raw, known_files)}
        self._parsed = {}  # path -> (FilePlan, documents)
        self._settled = []
        self._entries = None
        self._classified = {}
        for raw in self._raw_files:
            if raw.path not in self._known:
                self._parse(raw)
        self._claimed = {target for target in map(self._target_of, self._documents()) if target}

    def records_to_check(self):
        """The records of known files none of whose outputs a parsed file claims: the service tells which of
        them are in place (the output still holds what the record says) for `settle`."""
        return [
            record
            for records in self._known.values()
            if all(record[RECORD_TARGET] not in self._claimed for record in records)
            for record in records
        ]

    def settle(self, in_place):
        """Step 2: settle each known file whose records are all in `in_place` (a set of (target, SHA-256));
        parse the others. Returns self."""
        for raw in self._raw_files:
            records = self._known.get(raw.path)
            if records is None:
                continue
            if all(record[RECORD_TARGET] not in self._claimed for record in records) and all(
                (record[RECORD_TARGET], record[RECORD_SHA256]) in in_place for record in records
            ):
                self._settled.append(_settled_file(raw.path, raw.sha256, records))
            else:
                self._parse(raw)
        self._entries = classify_entries(self._parsed_in_order(), self._classify)
        return self

    @property
    def needs_context(self):
        """Whether any document is validated: only then does `decide` need the objects managed/ holds."""
        return any(documents for _, documents in self._parsed.values())

    def targets(self):
        """Every file of the tree (managed/ or unmanaged/) the parsed documents would be written to: `decide`
        needs their current SHA-256."""
        return {target for entry in self._entries if (target := entry_target(entry))}

    def decide(self, current, managed_documents=(), *, ignored=(), links=(), unreadable=(), misnamed=(), scope=None):
        """Step 3: the Plan. `current` maps each of `targets()` to its SHA-256 now (None: no file there;
        NOT_A_FILE; an Unreadable reason); `managed_documents` are the objects managed/ holds (yamlio
        Documents), so references from raw/ to them resolve. `ignored` are raw/ entries that are not YAML,
        `links` symbolic links (never read), `unreadable` (path, reason) of raw files that could not be read,
        `misnamed` names that are not UTF-8 as `shown_name` shows them. `scope` names the set in the
        validator's messages ("raw/ nor managed/ of fabric dc1")."""
        parsed = self._parsed_in_order()
        unread = [_unreadable_file(path, reason) for path, reason in unreadable]
        plan = Plan(sorted([file_plan for file_plan, _ in parsed] + self._settled + unread, key=_by_path))
        raw_documents = [document for _, documents in parsed for document in documents]
        keys = {}  # id(document) -> its reference keys, found by validation once for the index too
        if raw_documents:
            _validate(parsed, raw_documents, managed_documents, self._classify, keys, scope)
        note_conflicts(self._entries)
        note_blocked_targets(self._entries, current)
        for file_plan, _ in parsed:
            if has_errors(file_plan.findings):
                file_plan.action = FileAction.REJECT
        # Only now, among the files that will really be ingested, does the first copy of an object own it:
        # a copy in a rejected file must not turn an identical one elsewhere into a skipped duplicate.
        ingested = [entry for entry in self._entries if entry.file_plan.action == FileAction.INGEST]
        _plan_documents(ingested, current, keys)
        plan.files += [FilePlan(path, FileAction.REJECT, findings=[raw_link_finding(path)]) for path in links]
        for file_plan, _ in parsed:
            file_plan.findings[:] = in_file_order(file_plan.findings)
        plan.files += [FilePlan(path, FileAction.IGNORE, findings=[_not_yaml(path)]) for path in ignored]
        plan.files += [FilePlan(path, FileAction.REJECT, findings=[_misnamed(path)]) for path in misnamed]
        plan.files.sort(key=_by_path)
        return plan

    def _parse(self, raw):
        result = self._ready.pop(raw.path, None) or read_documents(raw.data, raw.path, **self._options)
        file_plan = FilePlan(raw.path, FileAction.INGEST, raw.sha256, comments=result.comments)
        file_plan.findings.extend(result.findings)
        self._parsed[raw.path] = (file_plan, result.documents)

    def _parsed_in_order(self):
        return [self._parsed[raw.path] for raw in self._raw_files if raw.path in self._parsed]

    def _documents(self):
        return [document for _, documents in self._parsed.values() for document in documents]

    def _classify(self, document):
        """Documents are classified once per plan, however many steps ask."""
        key = id(document)
        if key not in self._classified:
            self._classified[key] = (document, classify(document))  # the document is kept so its id stays unique
        return self._classified[key][1]

    def _target_of(self, document):
        return document_target(self._classify(document))


def make_plan(
    raw_files, current=None, managed_documents=(), *, known_files=None, in_place=None, max_bytes=None, **options
):
    """The three steps over data: `current` maps tree paths to their SHA-256 (a path it lacks holds no file);
    a recorded output is in place when `in_place` ({(target, SHA-256)}) holds it, by default when `current`
    gives its recorded SHA-256. `options` are `Reading.decide`'s."""
    current = current or {}
    reading = read_raw(raw_files, known_files, max_bytes=max_bytes)
    if in_place is None:
        recorded = [(record[RECORD_TARGET], record[RECORD_SHA256]) for record in reading.records_to_check()]
        in_place = {(target, sha256) for target, sha256 in recorded if current.get(target) == sha256}
    reading.settle(in_place)
    documents = managed_documents if reading.needs_context else ()
    return reading.decide({target: current.get(target) for target in reading.targets()}, documents, **options)


def _is_known(raw, known_files):
    # A file adopted from unmanaged/ is never settled: a record of the same bytes names that very file
    # as its output, which is in place until the adoption removes it.
    return raw.sha256 in known_files and not raw.path.startswith(f'{UNMANAGED}/')


def _by_path(file_plan):
    return file_plan.path


def _not_yaml(path):
    return Finding(
        Severity.INFO,
        NOT_YAML,
        'Not a YAML file: left alone in raw/.',
        file=path,
        hint='Rename it to .yaml or .yml if it holds YAML; otherwise move it out of raw/.',
    )


def _misnamed(path):
    message = f'{path}: the file name is not UTF-8 text, which no finding, record or index can hold.'
    hint = 'Rename the file in raw/ (UTF-8, as the shell and git write names today).'
    return Finding(Severity.ERROR, NAME_NOT_UTF8, message, path, hint=hint)


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


def _plan_documents(entries, current, keys):
    owners = {}  # (kind, name) -> where the copy that is written comes from
    for entry in entries:
        document, classified, file_plan = entry.document, entry.classified, entry.file_plan
        if classified.is_foreign:
            file_plan.documents.append(_foreign(entry))
            continue
        key = (classified.kind.kind, classified.name)
        # clean_data hands back the very object when nothing needs cleaning: the text is then the author's.
        content = as_file(document.text if entry.cleaned is document.data else clean_text(document))
        sha256 = hashlib.sha256(content).hexdigest()
        # Never None here: a file with an unusable name has an error, so is rejected.
        target = document_target(classified)
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
            state = current.get(target)
            if state == sha256:
                doc_plan.action = DocumentAction.UNCHANGED
            elif state is not None:
                doc_plan.action = DocumentAction.UPDATE
        file_plan.documents.append(doc_plan)


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
