"""Reading YAML safely: split a file into documents with their lines and exact source text.

Plain Python (PyYAML only). Raw files come from anyone, so nothing here raises or hangs on hostile
input: size, encoding, nesting depth, alias expansion, duplicate keys and syntax problems all
become findings with stable codes, and the other documents of the file are still read. A document
holding a value no Kubernetes object can (yamlvalues.py: a timestamp, a non-string key, NaN, a NUL, ...)
is a YAML_UNREPRESENTABLE finding at the value's line, and goes no further, like one that does not parse.

Each document keeps the author's own text (without its `---` line), because ingestion writes that
text verbatim into managed/. Comments belong to the document they describe: the comment block right
above it (no blank line between) and those inside it go with it; a file's header, comments after a
document set apart by a blank line, and commented-out documents describe no one object, so they are
the file's `comments` (ingestion keeps them in the provenance record). `clean_text` produces the text
a cluster accepts (server-side fields removed, legacy apiVersion rewritten) and keeps the author's
bytes everywhere else.
"""

import bisect
import copy
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import yaml

from .findings import Finding, Severity
from .kinds import LEGACY_VERSION, SERVED_VERSION
from .yamlvalues import surely_representable, unrepresentable

__all__ = (
    'DEFAULT_MAX_BYTES',
    'YAML_CODES',
    'Document',
    'ReadResult',
    'clean_data',
    'clean_text',
    'compose',
    'read_documents',
)

DEFAULT_MAX_BYTES = 16 * 1024 * 1024

# The one place that decides which loader we use: libyaml's C parser when PyYAML was built with
# it (several times faster), the pure-Python one otherwise. Both build the same objects.
_BaseLoader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)

# Deeper than any Hedgehog object (a VPC reaches 7 levels); libyaml's composer recurses in C and
# crashes the process somewhere between 10,000 and 100,000 levels, so depth is checked first.
MAX_DEPTH = 100
# A document may use anchors and aliases, but once expanded it must stay this small: aliases
# share objects, and every walk over the data (ours, json, jsonschema) would expand them.
MAX_EXPANDED_NODES = 100_000
# Below this bound (brackets + twice the longest line) a document cannot nest deeper than
# libyaml handles safely, so the exact (slower) event scan is skipped.
_SAFE_NESTING_BOUND = 2000

YAML_CODES = {
    'YAML_TOO_LARGE': (
        Severity.ERROR,
        'The file is larger than the configured limit (max_file_bytes).',
        'Split the file, or raise max_file_bytes in the plugin settings.',
    ),
    'YAML_BINARY': (
        Severity.ERROR,
        'The file contains NUL bytes: it is binary, not YAML.',
        'Remove the file from raw/; only YAML files belong there.',
    ),
    'YAML_ENCODING': (Severity.ERROR, 'The file is not valid UTF-8.', 'Save the file as UTF-8.'),
    'YAML_SYNTAX': (Severity.ERROR, 'The document is not valid YAML.', 'Fix the YAML syntax at the given line.'),
    'YAML_TAB': (
        Severity.ERROR,
        'A tab is used for indentation; YAML allows only spaces.',
        'Replace the tabs at the start of the line with spaces.',
    ),
    'YAML_TOO_DEEP': (
        Severity.ERROR,
        f'The document nests deeper than {MAX_DEPTH} levels.',
        'No Hedgehog object nests this deep; check the file is what you meant to add.',
    ),
    'YAML_ALIAS_BOMB': (
        Severity.ERROR,
        f'Anchors and aliases expand to more than {MAX_EXPANDED_NODES} nodes (an alias bomb).',
        'Write the values out instead of nesting aliases.',
    ),
    'YAML_DUPLICATE_KEY': (
        Severity.ERROR,
        'A mapping repeats a key; Kubernetes rejects duplicate fields.',
        'Keep one of the entries.',
    ),
    'YAML_UNREPRESENTABLE': (
        Severity.ERROR,
        'A value or key a Kubernetes object cannot hold (objects are JSON): a timestamp, binary data, a set, '
        'a key that is not a string, infinity or NaN, a NUL or lone surrogate in text, an integer beyond 64 bits, '
        'or a collection that contains itself.',
        'Quote dates, times and keys such as on: or 1: to make them strings; remove the rest.',
    ),
    'YAML_NOT_MAPPING': (
        Severity.WARNING,
        'The document is a list or a scalar, not an object; it is kept as foreign.',
        'Hedgehog objects are mappings with apiVersion, kind and metadata.',
    ),
}

# What building a document's objects can raise: PyYAML's constructors raise whatever their parsing hits
# (`!!bool maybe` a KeyError, `!!timestamp hello` an AttributeError, a day 99 a ValueError, ...).
_CONSTRUCTION_ERRORS = (
    yaml.YAMLError,
    RecursionError,
    ValueError,
    TypeError,
    OverflowError,
    LookupError,
    AttributeError,
)

_DOCUMENT_MARKER = re.compile(r'^(?:---|\.\.\.)(?=[ \t\r\n]|$)', re.MULTILINE)
_CONTENT_LINE = re.compile(r'^[ \t]*[^#\s]', re.MULTILINE)
# Comment lines of a commented-out document: its marker (`# ---`), or one that starts it (`# kind: Server`).
_COMMENTED_MARKER = re.compile(r'[ \t]*#[ \t]*(?:---|\.\.\.)(?:[ \t]|$)')
_COMMENTED_DOCUMENT = re.compile(r'[ \t]*#[ \t]*(?:(?:---|\.\.\.)(?:[ \t]|$)|(?:apiVersion|kind):)')
_LONG_LINE = re.compile(rf'^[^\n]{{{_SAFE_NESTING_BOUND // 4},}}', re.MULTILINE)
_NON_UTF8_BOM = (b'\xff\xfe', b'\xfe\xff')
_NULL_TAG = 'tag:yaml.org,2002:null'
_STR_TAG = 'tag:yaml.org,2002:str'
_MAP_TAG = 'tag:yaml.org,2002:map'
_SEQ_TAG = 'tag:yaml.org,2002:seq'
_MERGE_TAG = 'tag:yaml.org,2002:merge'

# Fields a cluster adds to an object; `kubectl get -o yaml` output carries them and a GitOps tool
# must not apply them back.
SERVER_METADATA_FIELDS = ('uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation')
LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration'


class Document(NamedTuple):
    """One non-empty YAML document of a file.

    `index` counts non-empty documents from 0 (documents that failed to parse keep their index,
    so indices match what the author sees); `line` is the 1-based line of the document's first
    content line and `text_line` the line where `text` starts (right after the `---` line).
    `text` is the author's exact text; `data` the parsed object (any YAML value).
    """

    file: str
    index: int
    line: int
    text_line: int
    text: str
    data: object


@dataclass(slots=True)
class ReadResult:
    documents: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    # Non-empty documents seen, including those that could not be parsed.
    total: int = 0
    # (line, text) of each comment block that belongs to no document, in file order, verbatim.
    comments: list = field(default_factory=list)


class _TooDeep(yaml.YAMLError):
    """Raised by the fast path; the careful path then reports YAML_TOO_DEEP."""


class _Loader(_BaseLoader):
    """The safe loader, also noting duplicate mapping keys (PyYAML silently keeps the last)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicate_keys = []
        self.needs_value_check = False

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        # Cheap in the common case: only a size mismatch (or a merge key) needs a closer look.
        if len(mapping) != len(node.value):
            self._note_duplicates(node)
        return mapping

    def _note_duplicates(self, node):
        # Keys merged in with `<<` come from an anchor outside this mapping and may be overridden.
        start, end = node.start_mark.index, node.end_mark.index
        seen = set()
        for key_node, _ in node.value:
            if not start <= key_node.start_mark.index <= end:
                continue
            key = self.construct_object(key_node)
            if key in seen:
                self.duplicate_keys.append((key, key_node.start_mark.line))
            seen.add(key)

    def construct_plain(self, node, depth=0):
        """Build a document without aliases faster than PyYAML's generic constructor.

        Strings, mappings and lists (nearly every node of a CRD document) are built directly;
        every other tag (int, bool, null, timestamp, merge keys, ...) goes through the standard
        constructor, so the result is the same. Only for documents known to hold no aliases:
        nodes are not memoised. Raises _TooDeep past MAX_DEPTH nested collections.

        Sets `needs_value_check` when some node is not plainly one a Kubernetes object can hold
        (yamlvalues.surely_representable, a key that is not plain text, another tag): only then does the
        document need `unrepresentable`'s walk.
        """
        tag = node.tag
        if tag == _STR_TAG:
            if node.style == '"':
                self.needs_value_check = True
            return node.value
        if tag == _MAP_TAG:
            if depth >= MAX_DEPTH:
                raise _TooDeep
            mapping = {}
            for key_node, value_node in node.value:
                if key_node.tag == _STR_TAG:
                    if key_node.style == '"':
                        self.needs_value_check = True
                    key = key_node.value
                elif key_node.tag == _MERGE_TAG:
                    self.needs_value_check = True
                    return self.construct_object(node, deep=True)
                else:
                    self.needs_value_check = True
                    key = self.construct_plain(key_node, depth + 1)
                mapping[key] = self.construct_plain(value_node, depth + 1)
            if len(mapping) != len(node.value):
                self._note_duplicates(node)
            return mapping
        if tag == _SEQ_TAG:
            if depth >= MAX_DEPTH:
                raise _TooDeep
            return [self.construct_plain(item, depth + 1) for item in node.value]
        if not isinstance(node, yaml.ScalarNode) or not surely_representable(node):
            self.needs_value_check = True
        return self.construct_object(node, deep=True)


def read_documents(data, file='', max_bytes=DEFAULT_MAX_BYTES):
    """Split `data` (bytes of one file) into documents; problems become findings, never exceptions."""
    result = ReadResult()
    text = _decode(data, file, max_bytes, result.findings)
    if text is None:
        return result
    pieces = []
    for text_line, chunk in _chunks(text, result.comments):
        content = _CONTENT_LINE.search(chunk)
        if content is None:  # empty or comment-only document
            _note_comments(result.comments, text_line, chunk, 0, len(chunk))
            continue
        line = text_line + chunk.count('\n', 0, content.start())
        start, end = _own_text(chunk, content.start())
        _note_comments(result.comments, text_line, chunk, 0, start)
        _note_comments(result.comments, text_line, chunk, end, len(chunk))
        pieces.append(_Piece(result.total, line, text_line + chunk.count('\n', 0, start), chunk[start:end]))
        result.total += 1
    parsed = None
    if not any(_may_be_hostile(piece.text) for piece in pieces):
        # One loader over the whole file is the fast path; any surprise falls back to parsing
        # document by document, which also pins each problem on its own document.
        parsed = _parse_stream(data if len(data) == len(text) else text, pieces)
    for position, piece in enumerate(pieces):
        if parsed is None:
            document = _parse(file, piece, result.findings)
        else:
            document = _document(file, piece, *parsed[position], result.findings)
        if document is not None:
            result.documents.append(document)
    return result


class _Piece(NamedTuple):
    index: int
    line: int
    text_line: int
    text: str


def _decode(data, file, max_bytes, findings):
    def fail(code, line=None):
        severity, message, hint = YAML_CODES[code]
        findings.append(Finding(severity, code, message, file=file, line=line, hint=hint))

    if len(data) > max_bytes:
        fail('YAML_TOO_LARGE')
        return None
    if data.startswith(_NON_UTF8_BOM):  # UTF-16/32: NUL bytes, but text in the wrong encoding
        fail('YAML_ENCODING', 1)
        return None
    if b'\x00' in data:
        fail('YAML_BINARY', data.count(b'\n', 0, data.index(b'\x00')) + 1)
        return None
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as exc:
        fail('YAML_ENCODING', data.count(b'\n', 0, exc.start) + 1)
        return None
    text = text.removeprefix('\ufeff')
    if '\r' in text:
        text = text.replace('\r\n', '\n')
    return text


def _chunks(text, comments):
    """(line where the text starts, text) per document, split at `---` and `...` lines; a comment on a
    marker line (`--- # next: the spines`) is added to `comments`."""
    start, line = 0, 1
    for marker in _DOCUMENT_MARKER.finditer(text):
        yield line, text[start : marker.start()]
        line += text.count('\n', start, marker.start())
        end = text.find('\n', marker.start())
        end = len(text) if end < 0 else end + 1
        rest = text[marker.start() + 3 : end]
        if text.startswith('---', marker.start()) and _CONTENT_LINE.match(rest):
            # `--- value` starts the document on the marker line itself: keep that line.
            start = marker.start()
        else:
            if '#' in rest:
                comments.append((line, text[marker.start() : end].rstrip('\n')))
            start, line = end, line + 1
    yield line, text[start:]


def _own_text(chunk, content_start):
    """(start, end) of the text that is the document's own in its chunk (the text between two markers).

    It runs from the comment block right above the first content line (no blank line between) to the
    comments right after the last one (likewise). A commented-out document is no one's: above, only what
    follows its commented `# ---` stays (nothing, when no such line ends it); below, it ends the block.
    """
    start = content_start
    above = chunk[:content_start].split('\n')[:-1]  # the text before a content line ends with its newline
    for line in reversed(above):
        if not _is_comment(line) or _COMMENTED_MARKER.match(line):
            break
        if _COMMENTED_DOCUMENT.match(line):
            start = content_start
            break
        start -= len(line) + 1
    end = _end_of_content(chunk)
    while end < len(chunk):
        line_end = chunk.find('\n', end)
        line_end = len(chunk) if line_end < 0 else line_end + 1
        line = chunk[end:line_end]
        if not _is_comment(line) or _COMMENTED_DOCUMENT.match(line):
            break
        end = line_end
    return start, end


def _end_of_content(chunk):
    """The offset right after the last content line of a chunk that has one."""
    end = len(chunk)
    while True:
        line_start = chunk.rfind('\n', 0, max(end - 1, 0)) + 1
        if _CONTENT_LINE.match(chunk, line_start, end):
            return end
        end = line_start


def _is_comment(line):
    return line.lstrip(' \t').startswith('#')


def _note_comments(comments, text_line, chunk, start, end):
    """Add `chunk[start:end]` (whole lines: comments, blank lines) as one block unless it is blank; blank
    lines around the block are left out, the indent of its first line is kept."""
    part = chunk[start:end]
    first = len(part) - len(part.lstrip('\n \t'))
    if first == len(part):
        return
    first = part.rfind('\n', 0, first) + 1
    comments.append((text_line + chunk.count('\n', 0, start + first), part[first:].rstrip('\n \t')))


def _fail(findings, file, piece, code, line, detail=''):
    """A finding of `code`; a `detail` opening with ':' says what went wrong in the parser's words."""
    severity, message, hint = YAML_CODES[code]
    if detail.startswith(':'):
        message = message.removesuffix('.')
    findings.append(Finding(severity, code, message + detail, file=file, line=line, document=piece.index, hint=hint))


def _parse_stream(stream, pieces):
    """(data, duplicate keys) per piece from one pass over the file, or None to parse piecewise."""
    starts = [piece.text_line - 1 for piece in pieces]  # 0-based, as YAML marks count lines
    parsed = [None] * len(pieces)
    loader = _Loader(stream)
    try:
        while loader.check_node():
            node = loader.get_node()
            if isinstance(node, yaml.ScalarNode) and node.value == '' and node.tag == _NULL_TAG:
                continue  # an empty document between two markers
            position = bisect.bisect_right(starts, node.start_mark.line) - 1
            if position < 0 or parsed[position] is not None:
                return None
            seen = len(loader.duplicate_keys)
            loader.needs_value_check = False
            data = loader.construct_plain(node)
            problems = unrepresentable(node, loader.construct_object) if loader.needs_value_check else []
            loader.constructed_objects.clear()
            offset = pieces[position].text_line - 1
            duplicates = [(key, line - offset) for key, line in loader.duplicate_keys[seen:]]
            parsed[position] = (data, duplicates, [(line - offset, *problem) for line, *problem in problems])
    except _CONSTRUCTION_ERRORS:
        return None
    finally:
        loader.dispose()
    return None if None in parsed else parsed


def _parse(file, piece, findings):
    """Parse one document on its own (the careful path, used when the whole-file pass fails)."""
    problem = _scan_events(piece.text)
    if problem:
        _fail(findings, file, piece, problem, piece.line)
        return None
    loader = _Loader(piece.text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node)
        problems = unrepresentable(node, loader.construct_object)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = piece.text_line + mark.line if mark else piece.line
        code = 'YAML_TAB' if _is_tab_problem(exc, piece.text, mark) else 'YAML_SYNTAX'
        _fail(findings, file, piece, code, line, f': {exc.problem or exc.context}.')
        return None
    except _CONSTRUCTION_ERRORS as exc:
        # Unhashable keys, unconstructible scalars (e.g. a timestamp with day 99), ...
        _fail(findings, file, piece, 'YAML_SYNTAX', piece.line, f': {exc}.')
        return None
    finally:
        loader.dispose()
    return _document(file, piece, data, loader.duplicate_keys, problems, findings)


def _document(file, piece, data, duplicate_keys, problems, findings):
    """The Document of a parsed piece, or None when it holds values no Kubernetes object can hold: then no
    one (validation, the plan, the index) ever sees its data, as for a document that does not parse."""
    for key, key_line in duplicate_keys:
        _fail(findings, file, piece, 'YAML_DUPLICATE_KEY', piece.text_line + key_line, f' Key: {key!r}.')
    if problems:
        severity, message, hint = YAML_CODES['YAML_UNREPRESENTABLE']
        for line, path, what in problems:
            where = path or 'The document'
            findings.append(
                Finding(
                    severity,
                    'YAML_UNREPRESENTABLE',
                    f'{where} is {what}.',
                    file,
                    piece.text_line + line,
                    piece.index,
                    path,
                    hint,
                )
            )
        return None
    if not isinstance(data, dict):
        what = 'a list' if isinstance(data, list) else f'a scalar ({type(data).__name__})'
        _fail(findings, file, piece, 'YAML_NOT_MAPPING', piece.line, f' It is {what}.')
    return Document(file, piece.index, piece.line, piece.text_line, piece.text, data)


def _may_be_hostile(chunk):
    """True when a document could hold aliases or nest deep enough to need the exact scan."""
    if '*' in chunk:
        return True
    bound = chunk.count('[') + chunk.count('{') + chunk.count('\n') // 2
    return bound > _SAFE_NESTING_BOUND // 2 or _LONG_LINE.search(chunk) is not None


def _scan_events(chunk):
    """Exact nesting depth and expanded size from the event stream (iterative, nothing recursive).

    Returns a finding code, or '' when the document is safe to compose and construct.
    """
    anchors = {}
    stack = []  # per open collection: [anchor, nodes inside so far]
    total = 0
    try:
        for event in yaml.parse(chunk, Loader=_BaseLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    return 'YAML_TOO_DEEP'
                stack.append([event.anchor, 1])
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                anchor, size = stack.pop()
            elif isinstance(event, yaml.AliasEvent):
                anchor, size = None, anchors.get(event.anchor, 1)
            elif isinstance(event, yaml.ScalarEvent):
                anchor, size = event.anchor, 1
            else:
                continue
            if anchor is not None:
                anchors[anchor] = size
            if stack:
                stack[-1][1] += size
            else:
                total += size
            if total > MAX_EXPANDED_NODES or (stack and stack[-1][1] > MAX_EXPANDED_NODES):
                return 'YAML_ALIAS_BOMB'
    except yaml.YAMLError:
        return ''  # the parse that follows reports the syntax error with its line
    return ''


def _is_tab_problem(exc, chunk, mark):
    if '\\t' in str(exc.problem) or "'\\t'" in str(exc):
        return True
    if mark is None:
        return False
    lines = chunk.split('\n')
    if mark.line >= len(lines):
        return False
    source = lines[mark.line]
    return '\t' in source[: len(source) - len(source.lstrip(' \t'))]


def compose(text):
    """The node tree of one document's text (marks give lines and offsets), or None if unparseable."""
    loader = _BaseLoader(text)
    try:
        return loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()


# --- The text a cluster accepts -------------------------------------------------------------


# Fields the fabric's Go types always serialize (structs, not pointers: githedgehog/fabric
# api/vpc/v1beta1/externalattachment_types.go at 78827debafabbd0fafc6f6abd154a89da7fb69da). The CRD
# requires them, so hhfab (whose client sends `{}`) works while `kubectl apply` of a file without them fails.
ALWAYS_SERIALIZED = {('vpc.githedgehog.com', 'ExternalAttachment'): ('switch', 'neighbor')}


def _cleanup_plan(data):
    """(paths to remove, new apiVersion or None, spec fields to write as {}) for a parsed object."""
    removals = []
    if not isinstance(data, dict):
        return removals, None, []
    if 'status' in data:
        removals.append(('status',))
    metadata = data.get('metadata')
    if isinstance(metadata, dict):
        removals.extend(('metadata', name) for name in SERVER_METADATA_FIELDS if name in metadata)
        annotations = metadata.get('annotations')
        if isinstance(annotations, dict) and LAST_APPLIED_ANNOTATION in annotations:
            if len(annotations) == 1:
                removals.append(('metadata', 'annotations'))
            else:
                removals.append(('metadata', 'annotations', LAST_APPLIED_ANNOTATION))
    api_version = data.get('apiVersion')
    new_api = None
    if isinstance(api_version, str) and api_version.endswith('/' + LEGACY_VERSION):
        new_api = api_version[: -len(LEGACY_VERSION)] + SERVED_VERSION
    group = api_version.partition('/')[0] if isinstance(api_version, str) else None
    spec, kind = data.get('spec'), data.get('kind')
    always = ALWAYS_SERIALIZED.get((group, kind)) if isinstance(spec, dict) and isinstance(kind, str) else None
    additions = [name for name in always or () if spec.get(name) is None]
    return removals, new_api, additions


def clean_data(data):
    """A copy of `data` without server-side fields, with a legacy apiVersion rewritten and the struct
    fields the fabric's client always sends written as {}; `data` itself when nothing needs any of that
    (so callers can tell, and `clean_text` keeps the author's text)."""
    removals, new_api, additions = _cleanup_plan(data)
    if not removals and new_api is None and not additions:
        return data
    cleaned = copy.deepcopy(data)
    for path in removals:
        parent = cleaned
        for part in path[:-1]:
            parent = parent[part]
        del parent[path[-1]]
    if new_api is not None:
        cleaned['apiVersion'] = new_api
    for name in additions:
        cleaned['spec'][name] = {}
    return cleaned


def clean_text(document):
    """The document's text as it should be written to managed/.

    The author's text unchanged when nothing needs removing, rewriting or adding; otherwise the same
    text with the server-side entries cut out line by line, the apiVersion value replaced and the
    always-sent fields added as `name: {}` at the end of spec, so the author's comments and layout
    survive. If the text cannot be edited that way (flow style, unusual layout), the cleaned object is
    dumped instead: correct, but without comments.
    """
    removals, new_api, additions = _cleanup_plan(document.data)
    if not removals and new_api is None and not additions:
        return document.text
    expected = clean_data(document.data)
    edited = _edit_text(document.text, removals, new_api, additions)
    if edited is not None:
        try:
            if yaml.load(edited, Loader=_BaseLoader) == expected:
                return edited
        except yaml.YAMLError:
            pass
    return yaml.safe_dump(expected, sort_keys=False, allow_unicode=True, width=120)


def _edit_text(text, removals, new_api, additions=()):
    root = compose(text)
    if not isinstance(root, yaml.MappingNode):
        return None
    spans = []  # (start offset, end offset, replacement)
    for path in removals:
        span = _entry_span(text, root, path)
        if span is None:
            return None
        spans.append((*span, ''))
    if new_api is not None:
        value = _child(root, 'apiVersion')
        if value is None:
            return None
        spans.append((value[1].start_mark.index, value[1].end_mark.index, new_api))
    if additions:
        span = _spec_additions(text, root, additions)
        if span is None:
            return None
        spans.extend(span)
    for start, end, replacement in sorted(spans, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _spec_additions(text, root, additions):
    """Spans writing each of `additions` as `{}` in the block mapping spec: a null value replaced where
    the key is written, else a `name: {}` line after spec's last entry, at its indentation."""
    spec = _child(root, 'spec')
    if spec is None or not isinstance(spec[1], yaml.MappingNode) or spec[1].flow_style or not spec[1].value:
        return None
    spans, lines = [], []
    for name in additions:
        entry = _child(spec[1], name)
        if entry is None:
            lines.append(f'{" " * spec[1].value[0][0].start_mark.column}{name}: {{}}\n')
        elif entry[1].start_mark.index == entry[1].end_mark.index:  # `switch:` with nothing after
            colon = text.index(':', entry[0].end_mark.index) + 1
            spans.append((colon, colon, ' {}'))
        else:  # `switch: null` or `switch: ~`
            spans.append((entry[1].start_mark.index, entry[1].end_mark.index, '{}'))
    if lines:
        end = _end_of_value(text, spec[1])
        prefix = '' if end == 0 or text[end - 1] == '\n' else '\n'
        spans.append((end, end, prefix + ''.join(lines)))
    return spans


def _child(node, key):
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _entry_span(text, root, path):
    """Whole lines holding the block-mapping entry at `path`, from its key to the next sibling."""
    node = root
    for part in path[:-1]:
        entry = _child(node, part)
        if entry is None or not isinstance(entry[1], yaml.MappingNode):
            return None
        node = entry[1]
    if node.flow_style:
        return None
    entries = node.value
    for position, (key_node, value_node) in enumerate(entries):
        if not (isinstance(key_node, yaml.ScalarNode) and key_node.value == path[-1]):
            continue
        start = text.rfind('\n', 0, key_node.start_mark.index) + 1
        if text[start : key_node.start_mark.index].strip():
            return None  # something else precedes the key on its line
        if position + 1 < len(entries):
            next_key = entries[position + 1][0].start_mark.index
            end = text.rfind('\n', 0, next_key) + 1
        else:
            end = _end_of_value(text, value_node)
        return start, end
    return None


def _end_of_value(text, value_node):
    if isinstance(value_node, yaml.CollectionNode) and not value_node.flow_style:
        # A block collection ends where the next token starts: the start of that line, or the
        # end of the text when nothing follows.
        if not text[value_node.end_mark.index :].strip():
            return len(text)
        return text.rfind('\n', 0, value_node.end_mark.index) + 1
    end = text.find('\n', value_node.end_mark.index)
    return len(text) if end < 0 else end + 1
