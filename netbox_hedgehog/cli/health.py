"""`netbox hedgehog health [<fabric> | --all] [--json | --report]`: check fabric trees, change nothing.

`--report` writes the Markdown health report (status, score, findings, failure patterns, last runs, last
automatic repairs; gitops/health_report.py) to stdout instead: the Health tab's download holds the same.

Exit codes: 0 healthy, 1 degraded, 2 unhealthy (the worst fabric with --all). Bad usage (no
fabric and no --all, both, an unknown fabric) also exits 2, as argparse's own usage errors do;
it prints only to stderr, so a monitoring script tells the two apart by an empty stdout.
"""

from netbox_hedgehog.cli import add_fabric_argument, find_fabric, print_findings, usage_error, write_json
from netbox_hedgehog.core.health_status import EXIT_CODES, worst
from netbox_hedgehog.core.report_markdown import render
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services.health import check_fabric
from netbox_hedgehog.services.health_report import fabric_report

HELP = "Check a fabric's GitOps tree (or every fabric's): structure, managed files, index, raw/ backlog, disk."


def add_arguments(parser):
    add_fabric_argument(parser, nargs='?')
    parser.add_argument('--all', action='store_true', help='check every fabric')
    output = parser.add_mutually_exclusive_group()
    output.add_argument('--json', action='store_true', help='print the report(s) as JSON')
    output.add_argument(
        '--report',
        action='store_true',
        help='print the Markdown health report: status, score, findings, patterns, last runs, last repairs',
    )


def run(options, out):
    if bool(options['fabric']) == bool(options['all']):
        return usage_error('name one fabric, or pass --all')
    if options['all']:
        fabrics = list(HedgehogFabric.objects.all())
    else:
        fabrics = [find_fabric(options['fabric'])]
        if fabrics[0] is None:
            return usage_error(f'no fabric named {options["fabric"]!r}')
    if options['report']:
        fabric_reports = [fabric_report(fabric) for fabric in fabrics]
        out.write(render(fabric_reports))
        return EXIT_CODES[worst(report.health.status for report in fabric_reports)]
    reports = [check_fabric(fabric) for fabric in fabrics]
    status = worst(report.status for report in reports)
    if options['json']:
        payload = (
            reports[0].as_dict()
            if not options['all']
            else {
                'status': str(status),
                'fabrics': [report.as_dict() for report in reports],
            }
        )
        write_json(payload, out)
    else:
        for report in reports:
            describe(report, out)
        if options['all']:
            out.write(f'{len(reports)} fabric(s): {status}\n')
    return EXIT_CODES[status]


def describe(report, out):
    """The report as people read it: one summary line, then the findings table."""
    counts = report.counts()
    out.write(
        f'fabric {report.fabric}: {report.status}, score {report.score} '
        f'({counts["error"]} error(s), {counts["warning"]} warning(s), {counts["info"]} info) '
        f'in {report.duration:.2f} s\n'
    )
    print_findings(report.findings, out, report.fabric)
