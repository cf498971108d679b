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
the file's `comments` (ingestion keeps them in the provenance record; yaml_chunks.py decides which).
What is written to managed/ from a document is managed_text.py's work.
"""

import bisect
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import yaml

from netbox_hedgehog.core.findings import Finding
from netbox_hedgehog.core.limits import MAX_FILE_BYTES
from netbox_hedgehog.core.yaml_chunks import CONTENT_LINE, chunks, note_comments, own_text
from netbox_hedgehog.core.yaml_codes import MAX_DEPTH, MAX_EXPANDED_NODES, YAML_CODES
from netbox_hedgehog.core.yaml_values import surely_representable, unrepresentable

__all__ = (
    'MAX_DEPTH',
    'SAFE_LOADER',
    'YAML_CODES',
    'Document',
    'ReadResult',
    'compose',
    'read_documents',
)

# The one place that decides which loader we use: libyaml's C parser when PyYAML was built with
# it (several times faster), the pure-Python one otherwise. Both build the same objects.
SAFE_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)

# Below this bound (brackets + twice the longest line) a document cannot nest deeper than
# libyaml handles safely, so the exact (slower) event scan is skipped.
_SAFE_NESTING_BOUND = 2000


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

_LONG_LINE = re.compile(rf'^[^\n]{{{_SAFE_NESTING_BOUND // 4},}}', re.MULTILINE)
_NON_UTF8_BOM = (b'\xff\xfe', b'\xfe\xff')
_NULL_TAG = 'tag:yaml.org,2002:null'
_STR_TAG = 'tag:yaml.org,2002:str'
_MAP_TAG = 'tag:yaml.org,2002:map'
_SEQ_TAG = 'tag:yaml.org,2002:seq'
_MERGE_TAG = 'tag:yaml.org,2002:merge'


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


class _Loader(SAFE_LOADER):
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


def read_documents(data, file='', max_bytes=MAX_FILE_BYTES):
    """Split `data` (bytes of one file) into documents; problems become findings, never exceptions."""
    result = ReadResult()
    text = _decode(data, file, max_bytes, result.findings)
    if text is None:
        return result
    pieces = []
    for text_line, chunk in chunks(text, result.comments):
        content = CONTENT_LINE.search(chunk)
        if content is None:  # empty or comment-only document
            note_comments(result.comments, text_line, chunk, 0, len(chunk))
            continue
        line = text_line + chunk.count('\n', 0, content.start())
        start, end = own_text(chunk, content.start())
        note_comments(result.comments, text_line, chunk, 0, start)
        note_comments(result.comments, text_line, chunk, end, len(chunk))
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
        for event in yaml.parse(chunk, Loader=SAFE_LOADER):
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
    loader = SAFE_LOADER(text)
    try:
        return loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()
