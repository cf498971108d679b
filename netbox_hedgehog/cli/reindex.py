"""`netbox hedgehog reindex <fabric> [--json]`: rebuild NetBox's index of a fabric from its managed/ files."""

from netbox_hedgehog.cli import add_fabric_argument, add_json_option, fabric_subcommand, print_findings, print_result
from netbox_hedgehog.core.exit_codes import OK
from netbox_hedgehog.services.reindex import reindex

HELP = "Rebuild a fabric's resource index from managed/ (files are the truth; they are not changed)."


def add_arguments(parser):
    add_fabric_argument(parser)
    add_json_option(parser)


@fabric_subcommand
def run(fabric, options, out):
    print_result(fabric, reindex(fabric), options, out, _describe)
    return OK


def _describe(fabric, result, out):
    print_findings(result.findings, out, fabric.name)
    out.write(f'fabric {fabric.name}: {result.summary()}\n')
    if result.kept:
        out.write(
            f'{len(result.kept)} row(s) kept whose managed file is missing: `hedgehog fix {fabric.name}` writes '
            f'them back, `hedgehog fix {fabric.name} --forget-missing` drops them\n'
        )
