"""The reader: document splitting, exact text, hostile input as findings, cleaned text."""

import yaml
from helpers import CORPUS, need_shared

from netbox_hedgehog.core.managed_text import clean_data, clean_text
from netbox_hedgehog.core.yaml_reader import MAX_DEPTH, read_documents

MULTI = b"""# file header comment
---
# banner of the first object
apiVersion: v1
kind: A   # trailing comment
---

---
# only a comment
---
kind: B
...
---
kind: C
"""


def codes_of(result):
    return [(f.code, f.line) for f in result.findings]


def test_splits_documents_with_start_lines_and_skips_empty_ones():
    result = read_documents(MULTI, 'multi.yaml')
    assert result.findings == []
    assert [d.data['kind'] for d in result.documents] == ['A', 'B', 'C']
    assert [d.index for d in result.documents] == [0, 1, 2]
    assert [d.line for d in result.documents] == [4, 11, 14]
    assert result.total == 3
    assert all(d.file == 'multi.yaml' for d in result.documents)


def test_document_text_is_the_authors_text_without_the_separator():
    first = read_documents(MULTI).documents[0]
    assert first.text == '# banner of the first object\napiVersion: v1\nkind: A   # trailing comment\n'
    assert first.text_line == 3


def test_reader_builds_the_same_objects_as_pyyaml_on_the_corpus():
    for path in sorted(need_shared(CORPUS).glob('*.yaml')):
        data = path.read_bytes()
        expected = [d for d in yaml.safe_load_all(data) if d is not None]
        assert [d.data for d in read_documents(data, path.name).documents] == expected, path.name


def test_comment_only_file_has_no_documents_and_no_findings():
    result = read_documents(b'# a: 1\n# ---\n#b: 2\n\n')
    assert (result.documents, result.findings, result.total) == ([], [], 0)
    assert result.comments == [(1, '# a: 1\n# ---\n#b: 2')]


COMMENTS = b"""# file header

# banner of A, right above it
kind: A
spec:
  # inside A
  x: 1
# right after A's last line
  # indented, still right after

# set apart by a blank line
--- # on the marker line
# ---
# kind: Old
# ---
# banner of B, after a commented-out document
kind: B
# ---
# kind: C
# name: c
---
# apiVersion: v1
# kind: D
kind: E
"""


def test_comments_go_with_the_document_they_describe_and_the_rest_is_the_files():
    result = read_documents(COMMENTS)
    a, b, e = result.documents
    assert a.text == COMMENTS.decode().split('\n\n')[1] + '\n'
    assert (a.text_line, a.line) == (3, 4)
    assert b.text == '# banner of B, after a commented-out document\nkind: B\n'
    assert (b.text_line, b.line) == (16, 17)
    assert e.text == 'kind: E\n'  # a commented-out document right above it is not its banner
    assert [line for line, _ in result.comments] == [1, 11, 12, 13, 18, 22]
    assert [text for _, text in result.comments] == [
        '# file header',
        '# set apart by a blank line',
        '--- # on the marker line',
        '# ---\n# kind: Old\n# ---',
        '# ---\n# kind: C\n# name: c',
        '# apiVersion: v1\n# kind: D',
    ]


def test_file_over_the_size_limit_is_a_finding():
    result = read_documents(b'a: 1\n' * 10, max_bytes=20)
    assert codes_of(result) == [('YAML_TOO_LARGE', None)]
    assert result.documents == []


def test_binary_and_non_utf8_bytes_are_findings():
    assert codes_of(read_documents(b'a: 1\nb: \x00\x01')) == [('YAML_BINARY', 2)]
    assert codes_of(read_documents(b'a: 1\nb: caf\xe9\n')) == [('YAML_ENCODING', 2)]
    assert codes_of(read_documents('a: 1'.encode('utf-16'))) == [('YAML_ENCODING', 1)]


def test_utf8_bom_and_crlf_are_accepted():
    result = read_documents(b'\xef\xbb\xbfa: 1\r\n---\r\nb: 2\r\n')
    assert [d.data for d in result.documents] == [{'a': 1}, {'b': 2}]
    assert result.documents[1].line == 3


def test_alias_bomb_is_refused_without_expanding():
    lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]']
    lines += [f'a{n}: &a{n} [' + ', '.join([f'*a{n - 1}'] * 10) + ']' for n in range(1, 9)]
    result = read_documents(('\n'.join(lines) + '\n').encode())
    assert codes_of(result) == [('YAML_ALIAS_BOMB', 1)]
    assert result.documents == []


def test_a_few_aliases_are_fine():
    result = read_documents(b'base: &b {x: 1}\ncopy: *b\n')
    assert result.findings == []
    assert result.documents[0].data == {'base': {'x': 1}, 'copy': {'x': 1}}


def test_deep_nesting_is_refused_before_the_c_parser_sees_it():
    for depth in (MAX_DEPTH + 1, 100_000):
        result = read_documents(b'[' * depth + b']' * depth)
        assert codes_of(result) == [('YAML_TOO_DEEP', 1)]
    deep_block = ''.join(' ' * level + f'k{level}:\n' for level in range(MAX_DEPTH + 5)) + ' ' * 200 + 'v: 1\n'
    assert [f.code for f in read_documents(deep_block.encode()).findings] == ['YAML_TOO_DEEP']


def test_duplicate_keys_are_errors_with_the_line_of_the_repeat():
    result = read_documents(b'kind: A\nspec:\n  x: 1\n  x: 2\n')
    assert codes_of(result) == [('YAML_DUPLICATE_KEY', 4)]
    assert result.documents[0].data['spec'] == {'x': 2}


def test_tab_indentation_is_its_own_finding():
    assert codes_of(read_documents(b'a: 1\nb:\n\tc: 2\n')) == [('YAML_TAB', 3)]


def test_lists_and_scalars_are_flagged_and_kept():
    result = read_documents(b'- 1\n- 2\n---\njust text\n')
    assert codes_of(result) == [('YAML_NOT_MAPPING', 1), ('YAML_NOT_MAPPING', 4)]
    assert [d.data for d in result.documents] == [[1, 2], 'just text']


def test_syntax_error_names_its_document_and_line_and_spares_the_others():
    result = read_documents(b'a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n')
    assert [(f.code, f.document) for f in result.findings] == [('YAML_SYNTAX', 1)]
    assert result.findings[0].line in (3, 4, 5)
    assert [d.data for d in result.documents] == [{'a': 1}, {'d': 4}]
    assert [d.index for d in result.documents] == [0, 2]


def test_unconstructible_values_never_raise():
    for text in (
        b'a: !!python/object:os.system x\n',
        b'? [1, 2]\n: x\n',
        b'{[1]: 2}\n',
        b'when: 2024-13-99\n',
        b'a: !!bool maybe\n',  # KeyError inside PyYAML
        b'a: !!timestamp hello\n',  # AttributeError inside PyYAML
        b'a: !!int 0x\n',
        b'a: !!float abc\n',
        b'a: !!merge x\n',
    ):
        result = read_documents(text)
        assert [f.code for f in result.findings] == ['YAML_SYNTAX'], text


KUBECTL_EXPORT = """\
# exported with kubectl
apiVersion: wiring.githedgehog.com/v1alpha2
kind: Switch
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion": "x"}
  creationTimestamp: "2025-04-03T20:44:26Z"
  generation: 1
  name: leaf-05   # the leaf
  namespace: default
  resourceVersion: "3557"
  uid: 04de1762
spec:
  role: server-leaf  # keep me
status:
  applied: {}
"""


def test_clean_text_strips_server_fields_keeps_comments_and_rewrites_legacy_version():
    document = read_documents(KUBECTL_EXPORT.encode()).documents[0]
    text = clean_text(document)
    assert text == (
        '# exported with kubectl\n'
        'apiVersion: wiring.githedgehog.com/v1beta1\n'
        'kind: Switch\n'
        'metadata:\n'
        '  name: leaf-05   # the leaf\n'
        '  namespace: default\n'
        'spec:\n'
        '  role: server-leaf  # keep me\n'
    )
    assert yaml.safe_load(text) == clean_data(document.data)


def test_clean_text_keeps_the_authors_bytes_when_nothing_needs_changing():
    text = 'apiVersion: wiring.githedgehog.com/v1beta1   # as written\nkind: Server\nmetadata: {name: s1}\n'
    document = read_documents(text.encode()).documents[0]
    assert clean_text(document) is document.text
    assert clean_data(document.data) is document.data  # what ingestion checks to skip clean_text


def test_clean_text_falls_back_to_a_dump_for_flow_style_metadata():
    text = 'apiVersion: v1\nkind: X\nmetadata: {name: a, uid: "1"}\n'
    cleaned = clean_text(read_documents(text.encode()).documents[0])
    assert yaml.safe_load(cleaned) == {'apiVersion': 'v1', 'kind': 'X', 'metadata': {'name': 'a'}}
