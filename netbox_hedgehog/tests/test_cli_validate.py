"""`netbox hedgehog validate`: exit codes, the table, JSON; run in-process, no database needed."""

import argparse
import io
import json
import os

import pytest

from netbox_hedgehog.cli import validate

VALID = """\
apiVersion: wiring.githedgehog.com/v1beta1
kind: Server
metadata:
  name: server-1
"""
LEGACY = VALID.replace('v1beta1', 'v1alpha2')
INVALID = VALID.replace('server-1', 'Server_1')


@pytest.fixture(autouse=True)
def plugin_limit(monkeypatch):
    """The configured max_file_bytes, without needing NetBox settings."""
    monkeypatch.setattr(validate, '_max_file_bytes', lambda: 1024)


@pytest.fixture
def tree(tmp_path):
    def write(**files):
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return tmp_path

    return write


def run(*argv):
    parser = argparse.ArgumentParser(prog='hedgehog validate')
    validate.add_arguments(parser)
    options = vars(parser.parse_args(argv))
    out = io.StringIO()
    return validate.run(options, out), out.getvalue()


def test_valid_folder_exits_0_with_a_summary(tree):
    folder = tree(**{'a.yaml': VALID, 'sub/b.yml': VALID.replace('server-1', 'server-2'), 'notes.txt': 'x'})
    code, output = run(str(folder))
    assert code == 0
    assert output.splitlines()[-1] == 'OK: 2 file(s), 2 document(s); 0 error(s), 0 warning(s), 0 info'


def test_a_folder_is_searched_for_yaml_in_any_case_as_raw_is(tree):
    """The one suffix rule (core.limits, core.tree.is_yaml_name): `Wiring.YAML` in a folder is validated, as
    ingestion would take it from raw/."""
    folder = tree(**{'Wiring.YAML': INVALID, 'sub/Other.Yml': VALID, 'notes.yaml.bak': INVALID})
    code, output = run(str(folder), '--json')
    assert code == 1
    assert set(json.loads(output)['files']) == {str(folder / 'Wiring.YAML'), str(folder / 'sub/Other.Yml')}


def test_errors_exit_1_and_are_listed_with_location_code_and_hint(tree):
    folder = tree(**{'bad.yaml': INVALID})
    code, output = run(str(folder / 'bad.yaml'))
    assert code == 1
    assert f'{folder / "bad.yaml"}:4' in output and 'NAME_INVALID' in output and 'metadata.name' in output
    assert 'hint: Use lowercase letters' in output
    assert output.splitlines()[-1].startswith('FAILED: 1 file(s), 1 document(s); 1 error(s)')


def test_warnings_pass_unless_strict(tree):
    folder = tree(**{'legacy.yaml': LEGACY})
    assert run(str(folder))[0] == 0
    assert run(str(folder), '--strict')[0] == 1


def test_json_output_has_findings_and_per_file_document_counts(tree):
    folder = tree(**{'a.yaml': VALID + '---\n' + INVALID, 'empty.yaml': '# nothing\n'})
    code, output = run(str(folder), '--json')
    payload = json.loads(output)
    assert code == 1
    assert payload['ok'] is False
    assert payload['files'] == {str(folder / 'a.yaml'): 2, str(folder / 'empty.yaml'): 0}
    assert payload['documents'] == 2
    assert payload['counts'] == {'error': 1, 'warning': 0, 'info': 0}
    (finding,) = payload['findings']
    assert finding == {
        'severity': 'error',
        'code': 'NAME_INVALID',
        'message': "name 'Server_1' is not a lowercase RFC 1123 subdomain.",  # the path is shown beside it
        'file': str(folder / 'a.yaml'),
        'line': 9,
        'document': 1,
        'path': 'metadata.name',
        'hint': 'Use lowercase letters, digits, "-" and "."; start and end with a letter or digit.',
    }


def test_missing_path_is_bad_usage(tree, capsys):
    folder = tree(**{'a.yaml': VALID})
    code, output = run(str(folder), str(folder / 'nope'))
    assert (code, output) == (2, '')
    assert 'no such file or folder' in capsys.readouterr().err


def test_no_path_at_all_is_an_argparse_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        run()
    assert exit_info.value.code == 2


def test_file_over_the_configured_limit_is_an_error(tree):
    folder = tree(**{'big.yaml': VALID + '# ' + 'x' * 2000 + '\n'})
    code, output = run(str(folder), '--json')
    assert code == 1
    assert [f['code'] for f in json.loads(output)['findings']] == ['YAML_TOO_LARGE']


def test_a_file_name_that_is_not_utf8_is_shown_escaped_on_a_utf8_terminal(tmp_path):
    (tmp_path / os.fsdecode(b'caf\xe9.yaml')).write_text(INVALID)
    parser = argparse.ArgumentParser(prog='hedgehog validate')
    validate.add_arguments(parser)
    out = io.TextIOWrapper(io.BytesIO(), encoding='utf-8')  # strict, as sys.stdout is in a UTF-8 locale
    assert validate.run(vars(parser.parse_args([str(tmp_path)])), out) == 1
    out.flush()
    assert f'{tmp_path}/caf\\xe9.yaml:4' in out.buffer.getvalue().decode()
