"""`netbox hedgehog validate PATH... [--json] [--strict]`: validate YAML files or folders, change nothing.

Exit codes: 0 when there is no error (warnings allowed), 1 when there are errors (or, with
--strict, warnings), 2 on bad usage (a path that does not exist).
"""

import json
from pathlib import Path

from ..validation import validate_paths

HELP = 'Validate Hedgehog CRD YAML files or folders (*.yaml, *.yml, recursively); changes nothing.'

OK, FAILED, USAGE_ERROR = 0, 1, 2


def add_arguments(parser):
    parser.add_argument('paths', nargs='+', metavar='PATH', help='YAML file or folder')
    parser.add_argument('--json', action='store_true', help='print findings and per-file document counts as JSON')
    parser.add_argument('--strict', action='store_true', help='fail on warnings too')


def run(options, out):
    paths = options['paths']
    missing = [path for path in paths if not Path(path).exists()]
    if missing:
        out.write(f'error: no such file or folder: {", ".join(missing)}\n')
        return USAGE_ERROR
    report = validate_paths(paths, max_bytes=_max_file_bytes())
    failed = report.failed(strict=options.get('strict', False))
    if options.get('json'):
        _write_json(report, failed, out)
    else:
        _write_table(report, failed, out)
    return FAILED if failed else OK


def _max_file_bytes():
    from netbox.plugins import get_plugin_config

    return get_plugin_config('netbox_hedgehog', 'max_file_bytes')


def _write_json(report, failed, out):
    payload = {
        'ok': not failed,
        'counts': report.counts(),
        'files': report.files,
        'documents': sum(report.files.values()),
        'findings': [finding.as_dict() for finding in report.findings],
    }
    out.write(json.dumps(payload, indent=2) + '\n')


def _write_table(report, failed, out):
    rows = [
        (f.location or '-', str(f.severity).upper(), f.code, f.path or '-', f.message, f.hint) for f in report.findings
    ]
    if rows:
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        header = ('LOCATION', 'SEVERITY', 'CODE', 'PATH')
        widths = [max(width, len(title)) for width, title in zip(widths, header, strict=True)]
        out.write('  '.join(title.ljust(width) for title, width in zip(header, widths, strict=True)) + '  MESSAGE\n')
        for *columns, message, hint in rows:
            out.write('  '.join(value.ljust(width) for value, width in zip(columns, widths, strict=True)))
            out.write(f'  {message}\n')
            if hint:
                out.write(f'    hint: {hint}\n')
    counts = report.counts()
    documents = sum(report.files.values())
    verdict = 'FAILED' if failed else 'OK'
    out.write(
        f'{verdict}: {len(report.files)} file(s), {documents} document(s); '
        f'{counts["error"]} error(s), {counts["warning"]} warning(s), {counts["info"]} info\n'
    )
