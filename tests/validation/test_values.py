"""Which YAML values a file may hold (JSON's), decided once by the reader; names checked before any file system call."""

import importlib.util
import sys

import pytest
import yaml
from helpers import obj

from netbox_hedgehog.core.plan import make_plan, read_raw
from netbox_hedgehog.core.plan_model import FileAction, RawFile
from netbox_hedgehog.core.validation import is_file_name_safe, validate_document, validate_paths
from netbox_hedgehog.core.yaml_reader import read_documents
from netbox_hedgehog.core.yaml_values import MAX_PROBLEMS

VPC = """\
apiVersion: vpc.githedgehog.com/v1beta1
kind: VPC
metadata:
  name: vpc-1
spec:
  subnets:
    default: {subnet: 10.0.1.0/24, vlan: 1001}
  extra: %s
"""
GOOD = 'apiVersion: wiring.githedgehog.com/v1beta1\nkind: Server\nmetadata: {name: server-1}\n'

# (what is written as spec.extra, the field path the finding names, words of its message)
POISON = [
    ('2020-01-01', 'spec.extra', 'a timestamp (2020-01-01)'),
    ('2020-01-01 10:00:00', 'spec.extra', 'a timestamp'),
    ('!!binary aGVsbG8=', 'spec.extra', 'binary data'),
    ('!!set {a, b}', 'spec.extra', 'a set'),
    ('!!omap [a: 1]', 'spec.extra', 'an ordered map'),
    ('!!pairs [a: 1]', 'spec.extra', 'a list of pairs'),
    ('{2020-01-01: x}', 'spec.extra.2020-01-01', 'a key that is a date or time'),
    ('{1: x}', 'spec.extra.1', 'a key that is an integer'),
    ('{true: x}', 'spec.extra.true', 'a key that is a boolean'),
    ('{on: x}', 'spec.extra.on', 'a key that is a boolean'),
    ('{~: x}', 'spec.extra.~', 'a key that is null'),
    ('{1.5: x}', 'spec.extra.1.5', 'a key that is a number'),
    ('.inf', 'spec.extra', 'not a finite number'),
    ('-.inf', 'spec.extra', 'not a finite number'),
    ('.nan', 'spec.extra', 'not a finite number'),
    ('1.0e+400', 'spec.extra', 'not a finite number'),
    ('"a\\0b"', 'spec.extra', 'NUL character'),
    ('"a\\x00b"', 'spec.extra', 'NUL character'),
    ('"a\\u0000b"', 'spec.extra', 'NUL character'),
    ('{"k\\0": 1}', "spec.extra.'k\\x00'", 'a key holding a NUL character'),
    ('[ok, [1, "\\0"]]', 'spec.extra[1][1]', 'NUL character'),
    (str(2**63), 'spec.extra', 'beyond the signed 64 bits'),
    (str(-(2**63) - 1), 'spec.extra', 'beyond the signed 64 bits'),
    ('0x' + 'f' * 16, 'spec.extra', 'beyond the signed 64 bits'),
    ('1' * 200, 'spec.extra', 'beyond the signed 64 bits'),
    ('&loop [*loop]', 'spec.extra[0]', 'contains itself'),
]


@pytest.mark.parametrize(('value', 'path', 'words'), POISON, ids=[value[:20] for value, _, _ in POISON])
def test_a_value_json_cannot_hold_is_an_error_at_its_line_and_the_document_goes_no_further(value, path, words):
    text = GOOD + '---\n' + VPC % value
    result = read_documents(text.encode(), 'raw/vpc.yaml')
    (finding,) = result.findings
    assert (finding.code, finding.severity, finding.file, finding.line) == (
        'YAML_UNREPRESENTABLE',
        'error',
        'raw/vpc.yaml',
        12,
    )
    assert (finding.document, finding.path) == (1, path)
    assert words in finding.message and '\0' not in finding.message + finding.path
    # The good document beside it is read; the poisoned one is seen by no one else (like a syntax error).
    assert [document.data['kind'] for document in result.documents] == ['Server']
    assert result.total == 2


@pytest.mark.parametrize(
    'value',
    [
        '"2020-01-01"',
        '!!str 2020-01-01',
        str(2**63 - 1),
        str(-(2**63)),
        '0x7fffffffffffffff',
        '1:30',
        '1.5e+300',
        '-0.0',
        '"tab\\there, bell \\a and \\u00e9"',
        '{"on": 1, "1": 2, "~": 3}',
        '[[a, b], {c: null}]',
        '&a {x: 1}',
    ],
)
def test_json_values_pass(value):
    result = read_documents((VPC % value).encode(), 'vpc.yaml')
    assert result.findings == []
    assert len(result.documents) == 1


def test_foreign_documents_follow_the_same_rule():
    text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  when: 2020-01-01\n---\n- .nan\n---\n"\\0"\n'
    result = read_documents(text.encode(), 'raw/foreign.yaml')
    assert [(f.code, f.line, f.path) for f in result.findings] == [
        ('YAML_UNREPRESENTABLE', 5, 'data.when'),
        ('YAML_UNREPRESENTABLE', 7, '[0]'),
        ('YAML_UNREPRESENTABLE', 9, ''),
    ]
    assert result.findings[2].message.startswith('The document is text holding a NUL character')
    assert result.documents == []


def test_aliases_are_checked_once_and_merged_keys_with_their_mapping():
    text = 'base: &b {when: 2020-01-01}\nlater: {<<: *b, x: 1}\nagain: *b\n'
    findings = read_documents(text.encode()).findings
    assert {f.code for f in findings} == {'YAML_UNREPRESENTABLE'}
    assert 'base.when' in {f.path for f in findings}


def test_a_document_reports_its_first_problems_only():
    text = 'a:\n' + ''.join(f'  k{n}: 2020-01-{n % 28 + 1:02}\n' for n in range(100))
    findings = read_documents(text.encode()).findings
    assert len(findings) == MAX_PROBLEMS
    assert [f.line for f in findings] == list(range(2, 2 + MAX_PROBLEMS))


def test_the_careful_path_gives_the_same_findings_as_the_fast_one():
    # An alias sends the file through the document-by-document parse; lines must not move.
    fast = read_documents((GOOD + '---\n' + VPC % '2020-01-01').encode()).findings
    careful = read_documents((GOOD + '---\n' + VPC % '2020-01-01\n  alias: &x [*x]').encode()).findings
    assert [(f.line, f.path) for f in fast] == [(12, 'spec.extra')]
    assert [(f.line, f.path) for f in careful] == [(12, 'spec.extra'), (13, 'spec.alias[0]')]


@pytest.fixture
def pure_python_reader(monkeypatch):
    """The reader as it is where PyYAML has no libyaml: a second copy of the module, built on SafeLoader."""
    monkeypatch.delattr(yaml, 'CSafeLoader')
    spec = importlib.util.spec_from_file_location(
        'netbox_hedgehog._yamlio_pure', sys.modules['netbox_hedgehog.core.yaml_reader'].__file__
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.SAFE_LOADER is yaml.SafeLoader
    return module


def test_lone_surrogates_are_refused_by_the_pure_python_reader_too(pure_python_reader):
    for value, path in (('"\\ud800"', 'spec.extra'), ('{"k\\udfff": 1}', "spec.extra.'k\\udfff'")):
        (finding,) = pure_python_reader.read_documents((VPC % value).encode(), 'vpc.yaml').findings
        assert (finding.code, finding.line, finding.path) == ('YAML_UNREPRESENTABLE', 8, path)
        assert 'lone surrogate' in finding.message
        finding.message.encode('utf-8')  # the message itself is storable text
    # libyaml refuses the escape outright.
    assert [f.code for f in read_documents((VPC % '"\\ud800"').encode()).findings] == ['YAML_SYNTAX']


@pytest.mark.parametrize(('value', 'path'), POISON_SAMPLE := [(v, p) for v, p, _ in POISON[::3]])
def test_the_pure_python_reader_applies_the_same_rule(pure_python_reader, value, path):
    (finding,) = pure_python_reader.read_documents((VPC % value).encode(), 'vpc.yaml').findings
    assert (finding.code, finding.path) == ('YAML_UNREPRESENTABLE', path)


def test_validate_paths_reports_poison_as_hedgehog_validate_does(tmp_path):
    (tmp_path / 'vpc.yaml').write_text(VPC % '2020-01-01')
    (tmp_path / 'server.yaml').write_text(GOOD)
    report = validate_paths([tmp_path])
    assert [(f.code, f.line) for f in report.findings] == [('YAML_UNREPRESENTABLE', 8)]
    assert report.failed()


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('name', 'code'),
    [
        ('vpc-1\n', 'NAME_INVALID'),  # `$` in a regular expression matches before a final newline
        ('a/b', 'NAME_INVALID'),
        ('../../etc', 'NAME_INVALID'),
        ('tab\tname', 'NAME_INVALID'),
        ('s' * 251, 'NAME_TOO_LONG'),  # a Kubernetes name, but <name>.yaml would not fit a file name
        ('s' * 253, 'NAME_TOO_LONG'),
        ('s' * 254, 'NAME_INVALID'),
    ],
)
def test_names_that_cannot_name_a_file_are_errors(name, code):
    (document,) = read_documents(yaml.safe_dump(obj('Server', name, {})).encode()).documents
    assert [f.code for f in validate_document(document) if f.severity == 'error'] == [code]
    assert not is_file_name_safe(name)
    assert '\0' not in ''.join(f.message for f in validate_document(document))


def test_a_nul_in_a_name_is_refused_by_the_reader_before_anyone_reads_the_name():
    (finding,) = read_documents(yaml.safe_dump(obj('Server', 'nul\0name', {})).encode()).findings
    assert (finding.code, finding.path) == ('YAML_UNREPRESENTABLE', 'metadata.name')
    assert not is_file_name_safe('nul\0name')


def test_the_longest_name_a_file_can_hold_is_valid():
    assert is_file_name_safe('s' * 250)
    (document,) = read_documents(yaml.safe_dump(obj('Server', 's' * 250, {})).encode()).documents
    assert validate_document(document) == []


def test_the_plan_asks_the_file_system_about_no_unsafe_name():
    """The targets the plan asks about are stat'ed by the service: os.stat raises on a NUL, reads outside the
    tree for `..`."""

    def server(name):
        return yaml.safe_dump(obj('Server', name, {}))

    raw = [
        RawFile('raw/newline.yaml', server('vpc-1\n').encode()),
        RawFile('raw/up.yaml', server('../../x').encode()),
        RawFile('raw/slash.yaml', server('a/b').encode()),
        RawFile('raw/long.yaml', server('s' * 253).encode()),
        RawFile('raw/twice.yaml', (server('../d') + '---\n' + server('../d').replace('{}', '{profile: x}')).encode()),
        RawFile('raw/good.yaml', server('server-1').encode()),
    ]
    reading = read_raw(raw).settle(set())
    assert reading.targets() == {'managed/servers/server-1.yaml'}
    plan = reading.decide(dict.fromkeys(reading.targets()))
    assert {file.path: file.action for file in plan.files} == {
        'raw/good.yaml': FileAction.INGEST,
        'raw/long.yaml': FileAction.REJECT,
        'raw/newline.yaml': FileAction.REJECT,
        'raw/slash.yaml': FileAction.REJECT,
        'raw/twice.yaml': FileAction.REJECT,
        'raw/up.yaml': FileAction.REJECT,
    }
    # The plan's own findings name no such target either ('../d' twice is the validator's DUPLICATE_OBJECT).
    assert {f.code for f in plan.findings()} == {'NAME_INVALID', 'NAME_TOO_LONG', 'DUPLICATE_OBJECT'}


def test_a_foreign_kind_with_a_line_break_keeps_its_unmanaged_header_one_line():
    text = 'apiVersion: example.com/v1\nkind: "Thing\\nmetadata: {name: evil}"\nmetadata: {name: t}\n'
    (file_plan,) = make_plan([RawFile('raw/thing.yaml', text.encode())]).files
    (document,) = file_plan.documents
    header, rest = document.content.decode().split('\n', 1)
    assert header.startswith('# Not a Hedgehog fabric object') and rest == text
