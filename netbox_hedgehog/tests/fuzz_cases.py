"""The cases of the whole-path fuzzer (fuzz_path.py), as hypothesis strategies: `cases()`.

A case is one to six files, each added by upload or dropped straight into raw/ (as a `git pull` or a shell
would), made of YAML documents built as node graphs (so anchors, aliases, tags and every scalar style come out as
a YAML emitter writes them), then perhaps mangled as bytes (UTF-16 with a BOM, latin-1, invalid UTF-8, NUL,
truncation). Hostile names too: metadata.name values at every length limit, raw file names as bytes (some not
UTF-8).
"""

import functools

import yaml
from hypothesis import strategies as st

from netbox_hedgehog.tests import ingestion_samples as samples

__all__ = ('cases',)

STR, INT, FLOAT, BOOL, NULL = (f'tag:yaml.org,2002:{name}' for name in ('str', 'int', 'float', 'bool', 'null'))
MAP, SEQ = 'tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq'

# Plain scalars whose type YAML 1.1 decides from their text: the values a person writes unquoted.
PLAIN = [
    '2020-01-01',
    '2020-01-01 10:00:00',
    '2001-12-14t21:59:43.10-05:00',
    '2024-13-99',
    '12:30',
    '1:30:00',
    '.inf',
    '-.inf',
    '.NaN',
    '1.0e+400',
    '-1.5e-400',
    '0.1',
    '1e3',
    '0x1F',
    '0b101',
    '017',
    '0o17',
    '08',
    '~',
    'null',
    'Null',
    'true',
    'False',
    'on',
    'off',
    'yes',
    'No',
    'y',
    'n',
    '<<',
    '=',
    str(2**63 - 1),
    str(2**63),
    str(-(2**63)),
    str(-(2**63) - 1),
    '1' * 40,
    '0x' + 'f' * 17,
    '1_000',
    '-',
    '?',
    'a: b',
    '#x',
    '@x',
    '`x',
    '%x',
    '*x',
    '&x',
    '!x',
    '|',
    '>',
    'vpc-1',
    '',
    ' ',
    'é',
    '😀',
]
# Double-quoted escapes: what only an escape can put in a string.
ESCAPED = ['\0', '\x00a', '\t', '\n', '\x1b', '\x85', '\u2028', '\ufeff', '\ufffe', '\U0001f600', 'a\0b', '\x7f']
TAGS = [
    None, STR, INT, FLOAT, BOOL, NULL, 'tag:yaml.org,2002:timestamp', 'tag:yaml.org,2002:binary',
    'tag:yaml.org,2002:set', 'tag:yaml.org,2002:omap', 'tag:yaml.org,2002:pairs', 'tag:yaml.org,2002:merge',
    'tag:yaml.org,2002:value', '!custom', 'tag:yaml.org,2002:python/object:os.system',
]  # fmt: skip
NAME_LENGTHS = [0, 1, 11, 12, 63, 64, 249, 250, 251, 253, 254, 256, 1000]
# Seed documents: valid objects, whose parts are replaced by hostile nodes.
SEEDS = [samples.WIRING, samples.vpc(), samples.ATTACHMENT_AND_FOREIGN]


@functools.cache
def _seed_nodes():
    return tuple(node for text in SEEDS for node in yaml.compose_all(text))


@st.composite
def scalars(draw):
    kind = draw(st.integers(0, 5))
    if kind == 0:
        value = draw(st.sampled_from(PLAIN))
        return yaml.ScalarNode(draw(st.sampled_from([None, None, None, *TAGS])) or _implicit(value), value)
    if kind == 1:
        value = draw(st.sampled_from(ESCAPED)) + draw(st.text(max_size=4))
        return yaml.ScalarNode(STR, value, style='"')
    if kind == 2:
        return yaml.ScalarNode(STR, draw(st.text(max_size=12)), style=draw(st.sampled_from([None, "'", '"', '|', '>'])))
    if kind == 3:
        length = draw(st.sampled_from(NAME_LENGTHS))
        return yaml.ScalarNode(STR, draw(st.sampled_from(['a', 's', 'é', '-', '.', 'A'])) * length)
    if kind == 4:
        number = draw(st.integers() | st.integers(-(2**70), 2**70) | st.sampled_from([2**63, -(2**63) - 1]))
        return yaml.ScalarNode(INT, str(number))
    return yaml.ScalarNode(draw(st.sampled_from(TAGS)) or STR, draw(st.sampled_from(PLAIN)))


def _implicit(value):
    """The tag a loader resolves `value` to when written plain (so the emitter writes it plain)."""
    return yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False))


def nodes(leaves):
    return st.recursive(
        leaves,
        lambda children: (
            st.builds(
                lambda items, tag, flow: yaml.SequenceNode(tag or SEQ, items, flow_style=flow),
                st.lists(children, max_size=4),
                st.sampled_from([None, None, 'tag:yaml.org,2002:omap', 'tag:yaml.org,2002:set']),
                st.booleans(),
            )
            | st.builds(
                lambda pairs, tag, flow: yaml.MappingNode(tag or MAP, pairs, flow_style=flow),
                st.lists(st.tuples(leaves, children), max_size=4),
                st.sampled_from([None, None, 'tag:yaml.org,2002:set', 'tag:yaml.org,2002:omap']),
                st.booleans(),
            )
        ),
        max_leaves=12,
    )


# Built once: making a recursive strategy costs more than drawing from it.
SCALARS = scalars()
NODES = nodes(SCALARS)


@st.composite
def documents(draw):
    """One document node: a seed object with hostile parts, a hostile graph, or a deep one."""
    shape = draw(st.integers(0, 9))
    if shape <= 5:
        root = draw(st.sampled_from(range(len(_seed_nodes()))))
        node = _seed_nodes()[root]
        # Untouched seeds now and then: a file is ingested only when all of its documents are fine.
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
            node = _replace_somewhere(node, draw(NODES), draw)
        if draw(st.integers(0, 2)) == 0:
            node = _renamed(node, draw(NAMES))
        return node
    if shape <= 7:
        return draw(NODES)
    if shape == 8:  # deep nesting around the limit (100 levels)
        node = draw(SCALARS)
        for _ in range(draw(st.sampled_from([50, 99, 100, 101, 150]))):
            node = yaml.SequenceNode(SEQ, [node], flow_style=draw(st.booleans()))
        return node
    # Shared and self-containing collections: the emitter writes anchors and aliases for them.
    shared = yaml.SequenceNode(SEQ, [draw(SCALARS)], flow_style=True)
    width, depth = draw(st.integers(1, 12)), draw(st.integers(1, 6))
    for _ in range(depth):
        shared = yaml.SequenceNode(SEQ, [shared] * width, flow_style=True)
    if draw(st.booleans()):
        shared.value.append(shared)
    return yaml.MappingNode(MAP, [(yaml.ScalarNode(STR, 'spec'), shared)])


@st.composite
def names(draw):
    """metadata.name values at every limit: 11 (short kinds), 63, 250 (a file name), 253 (Kubernetes)."""
    length = draw(st.sampled_from(NAME_LENGTHS))
    character = draw(st.sampled_from(['a', 'a', 'a', 'A', '-', '.', 'é', '/', '\0', '\n', '\x7f', '\x85']))
    name = ('a' * length)[:-1] + character if length else ''
    if draw(st.booleans()):
        name = character + name[1:]
    return yaml.ScalarNode(STR, name, style='"' if not name.isprintable() else None)


NAMES = names()


def _renamed(node, name):
    """`node` with metadata.name set to the scalar `name` (when it has a metadata mapping)."""
    if not isinstance(node, yaml.MappingNode):
        return node
    pairs = []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == 'metadata' and isinstance(value, yaml.MappingNode):
            fields = [(k, v) for k, v in value.value if not (isinstance(k, yaml.ScalarNode) and k.value == 'name')]
            value = yaml.MappingNode(MAP, [(yaml.ScalarNode(STR, 'name'), name), *fields], value.flow_style)
        pairs.append((key, value))
    return yaml.MappingNode(node.tag, pairs, node.flow_style)


DOCUMENTS = documents()


def _replace_somewhere(node, replacement, draw):
    """A copy of `node` with one node on a random path (a value, or a mapping key) replaced."""
    if isinstance(node, yaml.MappingNode) and node.value and draw(st.integers(0, 3)):
        position = draw(st.integers(0, len(node.value) - 1))
        key, value = node.value[position]
        if draw(st.integers(0, 5)) == 0:
            pair = (replacement, value)  # the key itself
        else:
            pair = (key, _replace_somewhere(value, replacement, draw))
        return yaml.MappingNode(node.tag, [*node.value[:position], pair, *node.value[position + 1 :]], node.flow_style)
    if isinstance(node, yaml.SequenceNode) and node.value and draw(st.integers(0, 3)):
        position = draw(st.integers(0, len(node.value) - 1))
        items = [*node.value[:position], _replace_somewhere(node.value[position], replacement, draw)]
        return yaml.SequenceNode(node.tag, items + node.value[position + 1 :], node.flow_style)
    if isinstance(node, yaml.MappingNode) and draw(st.booleans()):  # a new, unknown field
        return yaml.MappingNode(node.tag, [*node.value, (yaml.ScalarNode(STR, 'extra'), replacement)], node.flow_style)
    return replacement


def serialize(document_nodes, draw):
    """The YAML text of `document_nodes`, or None for a graph the emitter refuses."""
    try:
        return yaml.serialize_all(
            document_nodes,
            allow_unicode=draw(st.booleans()),
            explicit_start=draw(st.booleans()),
            width=draw(st.sampled_from([80, 20, 1000])),
        )
    except (yaml.YAMLError, RecursionError, ValueError, TypeError):
        return None


@st.composite
def contents(draw):
    """(the bytes of one file, the number of documents written into it: random text counts as one)."""
    document_nodes = draw(st.lists(DOCUMENTS, min_size=1, max_size=3))
    text = serialize(document_nodes, draw)
    documents = len(document_nodes) if text is not None else 1
    text = text if text is not None else draw(st.text(max_size=200))  # a graph the emitter refuses
    data = text.encode('utf-8', 'surrogatepass')
    # One file in four mangled as bytes: the rest reach the YAML reader and beyond.
    mangling = draw(st.integers(0, 19))
    if mangling == 0:
        data = text.encode('utf-16', 'surrogatepass')  # with a BOM
    elif mangling == 1:
        data = text.encode('latin-1', 'replace')
    elif mangling == 2 and data:
        position = draw(st.integers(0, len(data)))
        data = (
            data[:position]
            + draw(st.sampled_from([b'\xff', b'\xc3', b'\0', b'\xef\xbb\xbf', b'\r', b'\t']))
            + data[position:]
        )
    elif mangling == 3 and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif mangling == 4:
        data = b'\xef\xbb\xbf' + data.replace(b'\n', b'\r\n')
    return data, documents


@st.composite
def file_names(draw):
    """Raw file names as a disk may hold them: bytes, up to the 255 a name can have."""
    # Mostly UTF-8 (a name that is not is refused before its content is read: INGEST_NAME_NOT_UTF8).
    stem = (
        draw(
            st.sampled_from([b'wiring', b'a', b'caf\xc3\xa9', b'tab\tname', b'new\nline', b'-x', b'sp ace', b'caf\xe9'])
            | st.text(min_size=1, max_size=20).map(str.encode)
            | st.binary(min_size=1, max_size=20)
        )
        .replace(b'/', b'_')
        .replace(b'\0', b'_')
    )
    suffix = draw(st.sampled_from([b'.yaml', b'.yml', b'.YAML', b'.txt', b'']))
    length = draw(st.sampled_from([None, None, 250, 255]))
    if length:
        stem = (stem * 255)[: length - len(suffix)]
    name = stem + suffix
    if name.startswith(b'.'):
        name = b'x' + name  # hidden names are in-flight temporaries that ingestion skips by design
    return name[:255]


@st.composite
def upload_names(draw):
    """Names as an upload form or API caller sends them: plain ones half the time (a refused name tells
    nothing about the content), else hostile or at the length limit."""
    if draw(st.booleans()):
        return draw(st.sampled_from(['wiring.yaml', 'vpc.yml', 'a.yaml', 'été.yaml']))
    return draw(
        st.sampled_from(['a\0.yaml', 'a\ud800.yaml', 'a\x85.yaml', '../x.yaml', '.h.yaml', 'x.txt'])
        | st.text(min_size=1, max_size=20).map(lambda text: text + '.yaml')
        | st.sampled_from([250, 255, 256]).map(lambda length: 's' * (length - 5) + '.yaml')
    )


@st.composite
def cases(draw):
    """[(how, name, bytes, documents)]: `how` is 'upload' (name: text) or 'raw' (name: bytes); `documents` is
    how many documents the bytes were written with. Several files a case: one ingestion run takes them all."""
    files = []
    for _ in range(draw(st.integers(1, 6))):
        how = draw(st.sampled_from(['upload', 'raw']))
        name = draw(upload_names() if how == 'upload' else file_names())
        files.append((how, name, *draw(contents())))
    return files
