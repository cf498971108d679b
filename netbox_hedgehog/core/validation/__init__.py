"""Validation of Hedgehog CRD documents: per document, then across a set. Plain Python, no Django.

Public API (ingestion, health and the `hedgehog validate` command use only these):

- `classify(document) -> Classified`: one of the managed kinds (maybe legacy) or foreign with a reason;
- `validate_document(document) -> list[Finding]`: apiVersion/kind, metadata, structure and the
  kind's semantic rules, after Hedgehog's defaulting;
- `validate_set(documents) -> list[Finding]`: the above for each document plus the cross-object
  rules over the whole set (one file, a raw/ folder, raw/ plus managed/);
- `validate_paths(paths, max_bytes=...) -> Report`: read files and folders (*.yaml, *.yml,
  recursively) and validate everything read as one set;
- `references(kind, spec) -> list[(kind, name)]`: the objects an object refers to, from the one
  table of references (`reference_table`) that the validator, pages, API and health all read;
- `reference_fields(kind, spec) -> list[Reference(path, kind, name)]`: the same with the field naming each;
- `referring_kinds()`: the kinds whose objects refer to others.

Documents are `netbox_hedgehog.core.yaml_reader.Document` objects from `read_documents`. Findings are
`netbox_hedgehog.core.findings.Finding`; their codes are listed in `validation.codes.CODES`.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from netbox_hedgehog.core.findings import Finding, Severity, in_file_order
from netbox_hedgehog.core.kinds import by_kind
from netbox_hedgehog.core.limits import MAX_FILE_BYTES
from netbox_hedgehog.core.tree import NAME_MAX, is_yaml_name, shown_name
from netbox_hedgehog.core.validation.classify import Classified, classify_data
from netbox_hedgehog.core.validation.codes import CODES
from netbox_hedgehog.core.validation.context import DocumentCheck
from netbox_hedgehog.core.validation.crossobject import DEFAULT_SCOPE, check_set, referenced
from netbox_hedgehog.core.validation.defaults import DEFAULT_NAMESPACE, apply_defaults
from netbox_hedgehog.core.validation.reference_table import references_of, referring_kinds
from netbox_hedgehog.core.validation.rules_gateway import GATEWAY_RULES
from netbox_hedgehog.core.validation.rules_vpc import VPC_RULES
from netbox_hedgehog.core.validation.rules_wiring import WIRING_RULES
from netbox_hedgehog.core.validation.structure import STRUCTURAL_CODES, check_structure
from netbox_hedgehog.core.yaml_reader import Document, ReadResult, read_documents

__all__ = (
    'CODES',
    'STRUCTURAL_CODES',
    'Classified',
    'Report',
    'classify',
    'is_file_name_safe',
    'reference_fields',
    'reference_keys',
    'references',
    'referring_kinds',
    'validate_document',
    'validate_paths',
    'validate_set',
    'yaml_files',
)

# Matched whole (fullmatch): with `$`, a name ending in a newline would pass and become a file name.
_NAME = re.compile(r'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')
_MAX_NAME = 253
# An object's managed file is <name>.yaml, and a file name holds NAME_MAX bytes (a valid name is ASCII).
MAX_FILE_NAME = NAME_MAX - len('.yaml')
# Hedgehog builds switch-side names (VRFs, route maps) from these, hence the short limit.
_SHORT_NAME_KINDS = {'VPC': 11, 'IPv4Namespace': 11, 'External': 11}
_RULES = VPC_RULES | WIRING_RULES | GATEWAY_RULES


@dataclass(slots=True)
class Report:
    """The outcome of `validate_paths`: every finding, and per file the documents it holds.

    `files` maps each file read to its number of non-empty documents (including any that failed
    to parse); `documents` are the parsed documents, in file order.
    """

    findings: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    documents: list = field(default_factory=list)

    def counts(self):
        counts = {str(s): 0 for s in Severity}
        for finding in self.findings:
            counts[str(finding.severity)] += 1
        return counts

    def failed(self, strict=False):
        """True when there are errors (or, with `strict`, warnings)."""
        failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
        return any(f.severity in failing for f in self.findings)


def classify(document):
    """Classify a Document (or an already parsed object)."""
    return classify_data(document.data if isinstance(document, Document) else document)


def is_file_name_safe(name):
    """True when `name` passes the metadata.name checks and so can name a managed file: the plan asks this
    before any file system call sees a name; every name it refuses has its NAME_* error finding."""
    return type(name) is str and len(name) <= MAX_FILE_NAME and _NAME.fullmatch(name) is not None


def validate_document(document):
    """Findings of one document on its own (no cross-object rules)."""
    return _check(document).findings()


def validate_set(documents, context=(), scope=DEFAULT_SCOPE, keys=None):
    """Findings of every document plus the cross-object rules over the whole set, in document order.

    `context` holds documents already accepted elsewhere (what managed/ holds): references resolve
    to them and clashes with them are found, but they are not validated again and get no findings.
    `scope` says in messages where a missing object was looked for ("raw/ nor managed/ of fabric dc1").
    `keys`, a dict, receives the `reference_keys` of each Hedgehog document of `documents`, by its id():
    the rules found its references already, and ingestion stores them with its index row.
    """
    checked = [_check(document) for document in documents]
    check_set(checked, [_context(document) for document in context], scope)
    if keys is not None:
        keys.update((id(item.document), _keys(item.references)) for item in checked if item.obj is not None)
    return [finding for item in checked for finding in item.findings()]


def references(kind, spec):
    """(kind, name) of each object a `kind` object with `spec` refers to, after Hedgehog's defaulting
    (a VPC refers to the default namespaces when its author named none)."""
    return referenced(kind, apply_defaults(kind, {'spec': spec}).get('spec'))


def reference_keys(kind, spec):
    """'<kind>/<name>' of each object a `kind` object with `spec` refers to: what an index row stores so that
    "referred to by" is an indexed lookup, never a read of every referring spec. Kept in step with this table
    by the ingestion and re-index that write each row (a change of the table needs a migration that refreshes
    the stored keys, as 0010 filled them)."""
    if kind not in referring_kinds():
        return []
    return _keys(reference_fields(kind, spec))


def _keys(found):
    return [f'{reference.kind}/{reference.name}' for reference in found]


def reference_fields(kind, spec):
    """Reference(path, kind, name) of each object a `kind` object with `spec` refers to, after defaulting."""
    return references_of(kind, apply_defaults(kind, {'spec': spec}).get('spec'))


def yaml_files(paths):
    """The YAML files named by `paths` (files as given, folders searched recursively), sorted per folder.

    Raises FileNotFoundError for a path that does not exist.
    """
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob('*') if is_yaml_name(p.name) and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(path)
    return files


def validate_paths(paths, max_bytes=MAX_FILE_BYTES):
    """Read and validate files and folders as one set; see `yaml_files` for which files."""
    report = Report()
    read_findings = []
    for path in yaml_files(paths):
        name = shown_name(str(path))  # a name that is not UTF-8 is shown with \xNN, never printed as it is
        result = _read(path, name, max_bytes)
        read_findings.extend(result.findings)
        report.files[name] = result.total
        report.documents.extend(result.documents)
    validation = validate_set(report.documents)
    report.findings = in_file_order(read_findings + validation)
    return report


def _read(path, name, max_bytes):
    """read_documents for a file, without loading a file over the size limit into memory."""

    def failed(code, detail=''):
        severity, message, hint = CODES[code]
        return ReadResult(findings=[Finding(severity, code, message + detail, file=name, hint=hint)])

    try:
        if path.stat().st_size > max_bytes:
            return failed('YAML_TOO_LARGE')
        return read_documents(path.read_bytes(), name, max_bytes)
    except OSError as exc:
        # The finding names the file already; the OSError's own text would add its absolute server path.
        return failed('FILE_UNREADABLE', f' {exc.strerror or type(exc).__name__}.')


def _check(document):
    classified = classify_data(document.data)
    check = DocumentCheck(document, classified)
    if classified.kind is None:
        if classified.unknown_version:
            served = by_kind(classified.kind_name).version
            message = f'{classified.kind_name}: {classified.reason}; kept as foreign.'
            check.add('UNKNOWN_VERSION', 'apiVersion', message, hint=f'Use the served version {served}.')
        elif isinstance(document.data, dict):
            check.add('FOREIGN_DOCUMENT', '', f'Foreign document: {classified.reason}.')
        return check
    kind = classified.kind.kind
    if classified.legacy:
        check.add(
            'LEGACY_API_VERSION',
            'apiVersion',
            f'{classified.api_version} is the legacy version; it is written as {classified.kind.api_version}.',
        )
    _check_metadata(kind, document.data.get('metadata'), check.add)
    check.obj = obj = apply_defaults(kind, document.data)
    check_structure(kind, obj, check.add)
    spec = obj.get('spec')
    if isinstance(spec, dict):
        _RULES[kind](spec, check.add)
    return check


def _context(document):
    classified = classify_data(document.data)
    check = DocumentCheck(document, classified)
    if classified.kind is not None:
        check.obj = apply_defaults(classified.kind.kind, document.data)
    return check


def _check_metadata(kind, metadata, add):
    if metadata is None:
        add('NAME_MISSING', 'metadata', 'metadata with a name is required.')
        return
    if not isinstance(metadata, dict):
        add('METADATA_INVALID', 'metadata', 'metadata must be a mapping.')
        return
    name = metadata.get('name')
    if name is None or name == '':
        add('NAME_MISSING', 'metadata.name', 'metadata.name is required.')
    elif not isinstance(name, str) or len(name) > _MAX_NAME or not _NAME.fullmatch(name):
        shown = repr(name) if len(repr(name)) <= 80 else repr(name)[:76] + '...'  # repr: NUL and the like escaped
        add('NAME_INVALID', 'metadata.name', f'metadata.name {shown} is not a lowercase RFC 1123 subdomain.')
    elif len(name) > _SHORT_NAME_KINDS.get(kind, _MAX_NAME):
        limit = _SHORT_NAME_KINDS[kind]
        add('NAME_TOO_LONG', 'metadata.name', f'{kind} name {name!r} has {len(name)} characters; at most {limit}.')
    elif len(name) > MAX_FILE_NAME:
        add(
            'NAME_TOO_LONG',
            'metadata.name',
            f'{kind} name {name[:20]}... has {len(name)} characters; at most {MAX_FILE_NAME}, so that its managed '
            f'file <name>.yaml fits the {NAME_MAX} bytes a file name holds.',
        )
    namespace = metadata.get('namespace')
    if namespace not in (None, '', DEFAULT_NAMESPACE):
        add(
            'NAMESPACE_INVALID',
            'metadata.namespace',
            f'metadata.namespace is {namespace!r}; only "default" is supported.',
        )
