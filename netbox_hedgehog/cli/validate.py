"""`netbox hedgehog validate PATH... [--json] [--strict]`: validate YAML files or folders, change nothing.

Exit codes: 0 when there is no error (warnings allowed), 1 when there are errors (or, with
--strict, warnings), 2 on bad usage (a path that does not exist).
"""

from pathlib import Path

from netbox.plugins import get_plugin_config

from netbox_hedgehog.cli import add_json_option, print_findings, usage_error, write_json
from netbox_hedgehog.core.exit_codes import FAILED, OK
from netbox_hedgehog.core.validation import validate_paths

HELP = 'Validate Hedgehog CRD YAML files or folders (*.yaml, *.yml, recursively); changes nothing.'


def add_arguments(parser):
    parser.add_argument('paths', nargs='+', metavar='PATH', help='YAML file or folder')
    add_json_option(parser, 'findings and per-file document counts')
    parser.add_argument('--strict', action='store_true', help='fail on warnings too')


def run(options, out):
    paths = options['paths']
    missing = [path for path in paths if not Path(path).exists()]
    if missing:
        return usage_error(f'no such file or folder: {", ".join(missing)}')
    report = validate_paths(paths, max_bytes=_max_file_bytes())
    failed = report.failed(strict=options.get('strict', False))
    if options.get('json'):
        _write_json(report, failed, out)
    else:
        _write_table(report, failed, out)
    return FAILED if failed else OK


def _max_file_bytes():
    return get_plugin_config('netbox_hedgehog', 'max_file_bytes')


def _write_json(report, failed, out):
    payload = {
        'ok': not failed,
        'counts': report.counts(),
        'files': report.files,
        'documents': sum(report.files.values()),
        'findings': [finding.as_dict() for finding in report.findings],
    }
    write_json(payload, out)


def _write_table(report, failed, out):
    print_findings(report.findings, out)
    counts = report.counts()
    documents = sum(report.files.values())
    verdict = 'FAILED' if failed else 'OK'
    out.write(
        f'{verdict}: {len(report.files)} file(s), {documents} document(s); '
        f'{counts["error"]} error(s), {counts["warning"]} warning(s), {counts["info"]} info\n'
    )
