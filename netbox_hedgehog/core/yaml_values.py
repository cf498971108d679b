"""Which YAML values a Hedgehog file may hold: those of JSON, as Kubernetes stores objects. Plain Python.

A Kubernetes object is JSON: strings, finite numbers, booleans, null, lists, and mappings whose keys
are strings. YAML can say more, and none of the rest survives the way to a cluster or to NetBox's
index: an unquoted `2020-01-01` is a timestamp (YAML 1.1), `!!binary`, `!!set`, `!!omap` and `!!pairs`
build bytes, sets and tuples, an unquoted `on:` or `1:` key is a boolean or an integer, `.inf` and
`.nan` are no JSON numbers, a double-quoted `"\\0"` or `"\\ud800"` escape puts a character in the text
that PostgreSQL refuses, an alias of an anchor still open makes a collection that contains itself,
and an integer may have any size.

Integers: a Kubernetes API server decodes JSON integers as signed 64-bit (Go's int64) and turns a
larger one into a float64, silently dropping digits; every integer field of the Hedgehog CRDs is an
int64 or narrower. PostgreSQL's jsonb would keep any size and JavaScript clients only 2**53, but the
cluster is where a managed file goes, so its bound is the rule: -2**63 .. 2**63-1.

The reader (`yamlio.read_documents`) calls `unrepresentable` on each document's node tree, whose
marks give the line of each offending value or key, before anything else sees the data: validation,
upload and ingestion therefore apply one rule, to Hedgehog kinds and foreign documents alike.
"""

import math
import re

import yaml

__all__ = ('INT_MAX', 'INT_MIN', 'MAX_PROBLEMS', 'surely_representable', 'unrepresentable')

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
# Per document: the first few say what is wrong; a file of ten thousand timestamps needs no more.
MAX_PROBLEMS = 10

_YAML = 'tag:yaml.org,2002:'
_STR, _INT, _FLOAT, _BOOL, _NULL = (_YAML + name for name in ('str', 'int', 'float', 'bool', 'null'))
_MAP, _SEQ, _MERGE = (_YAML + name for name in ('map', 'seq', 'merge'))
# NUL, and the surrogate code points (valid UTF-8 never holds them; only escapes or a Python
# fallback parser can make them): PostgreSQL text and jsonb refuse both.
_BAD_CHARACTER = re.compile('[\x00\ud800-\udfff]')
_TAGGED = {
    'timestamp': 'a timestamp ({value}): YAML reads an unquoted date or time as one',
    'binary': 'binary data (!!binary)',
    'set': 'a set (!!set)',
    'omap': 'an ordered map (!!omap)',
    'pairs': 'a list of pairs (!!pairs)',
}
_KEY_TYPES = {
    _INT: 'an integer',
    _FLOAT: 'a number',
    _BOOL: 'a boolean',
    _NULL: 'null',
    _YAML + 'timestamp': 'a date or time',
    _YAML + 'binary': 'binary data',
}
_SHOWN = 40  # characters of a value quoted in a message
# An integer written in fewer characters fits in 64 bits whatever its notation (decimal, 0x, 0b, 0o,
# sexagesimal 1:30): most are, so most are not even built to be compared.
_SURELY_64_BITS = 16


def unrepresentable(root, construct):
    """(0-based line, field path, what is wrong) for each value or key under the node `root` that a
    Kubernetes object cannot hold, at most MAX_PROBLEMS, by line.

    `construct(node)` builds a number's value (the loader's `construct_object`). Collections reached
    again through an alias are checked once. Iterative, and cheap on the common nodes (plain strings,
    mappings, lists): a field path is spelled out only for a problem.
    """
    problems = []
    checked, open_collections = set(), set()
    stack = [(root, None)]  # (node, where): where is (parent's where, key or index) or None for the root
    while stack and len(problems) < MAX_PROBLEMS:
        node, where = stack.pop()
        if node is None:  # every child of a collection (its id in `where`) is done
            open_collections.discard(where)
            continue
        if isinstance(node, yaml.ScalarNode):
            if node.tag != _STR or node.style == '"':
                if what := _scalar_problem(node, construct):
                    problems.append((node.start_mark.line, where, what))
            continue
        identity = id(node)
        if identity in open_collections:
            problems.append(
                (node.start_mark.line, where, 'a collection that contains itself (an alias of its own anchor)')
            )
            continue
        if identity in checked:
            continue  # another alias of a collection checked already
        checked.add(identity)
        if node.tag not in (_MAP, _SEQ):
            problems.append((node.start_mark.line, where, _tagged(node)))
            continue
        open_collections.add(identity)
        stack.append((None, identity))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, (where, position)) for position, item in reversed(list(enumerate(node.value))))
            continue
        children = []  # pushed last first, so that they are checked in the order they are written
        for key_node, value_node in node.value:
            key_tag = key_node.tag
            if key_tag == _MERGE:
                children.append((value_node, where))  # merged keys belong to this very mapping
                continue
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else '...'
            child = (where, key)
            if key_tag != _STR or not isinstance(key_node, yaml.ScalarNode):
                what = _KEY_TYPES.get(key_tag, 'of another type')
                problems.append(
                    (key_node.start_mark.line, child, f'a key that is {what} ({_shown(key)}), not a string')
                )
            elif key_node.style == '"' and _BAD_CHARACTER.search(key):
                problems.append((key_node.start_mark.line, child, f'a key {_bad_text(key)}'))
            children.append((value_node, child))
        stack.extend(reversed(children))
    return [(line, _path(where), what) for line, where, what in sorted(problems[:MAX_PROBLEMS], key=_position)]


def _position(problem):
    return problem[0]


def _path(where):
    """spec.subnets.default.vlan, permit[0][1]: the field path of a (parent, key or index) chain."""
    parts = []
    while where is not None:
        where, step = where
        parts.append(f'[{step}]' if isinstance(step, int) else f'.{_shown(step)}')
    return ''.join(reversed(parts)).removeprefix('.')


def surely_representable(scalar):
    """True when a scalar node is, at a glance, a value a Kubernetes object can hold: text without escapes
    (only a double-quoted scalar has them, so only it can hold what UTF-8 text cannot bring in), a boolean,
    null, or an integer too short to pass 64 bits. False only says that a closer look is needed.

    The reader builds most documents without aliases in one walk of its own (`yamlio`): that walk asks
    this of each scalar and runs `unrepresentable` only on a document where some scalar, key or tag is
    not this plain, instead of walking every document twice."""
    tag = scalar.tag
    if tag == _STR:
        return scalar.style != '"'
    if tag == _INT:
        return len(scalar.value) < _SURELY_64_BITS
    return tag == _BOOL or tag == _NULL


def _scalar_problem(node, construct):
    if surely_representable(node):
        return None
    tag = node.tag
    if tag == _STR:
        if _BAD_CHARACTER.search(node.value):
            return f'text {_bad_text(node.value)}'
        return None
    if tag == _INT:
        value = construct(node)
        if not INT_MIN <= value <= INT_MAX:
            return f'the integer {_shown(node.value)}, beyond the signed 64 bits a Kubernetes integer holds'
        return None
    if tag == _FLOAT:
        if not math.isfinite(construct(node)):
            return f'{_shown(node.value)}, not a finite number (JSON has no infinity or NaN)'
        return None
    return _tagged(node)


def _tagged(node):
    name = node.tag.removeprefix(_YAML)
    value = node.value if isinstance(node, yaml.ScalarNode) else ''
    return _TAGGED.get(name, 'a value tagged {tag}').format(value=_shown(value), tag=_shown(node.tag))


def _bad_text(text):
    character = _BAD_CHARACTER.search(text).group()
    if character == '\x00':
        return 'holding a NUL character (\\0), which no text in NetBox can hold'
    return f'holding a lone surrogate ({ascii(character)[1:-1]}), which is no Unicode character'


def _shown(text):
    """`text` as a message may quote it: printable and short (repr escapes NUL and surrogates)."""
    text = text if len(text) <= _SHOWN else text[:_SHOWN] + '...'
    return text if text.isprintable() else repr(text)
