"""Every finding code has a hint, and a hint naming an action is said in the words of the place it shows."""

import re
from pathlib import Path

from netbox_hedgehog.core.findings import FIX_ACTION, Finding, Severity, command_hint, page_hint
from netbox_hedgehog.core.health_codes import CODES as HEALTH_CODES
from netbox_hedgehog.core.validation.codes import CODES

DOCS = Path(__file__).resolve().parents[1] / 'docs'
# A row of a code table: | `CODE` | severity | [fix |] meaning | hint |
ROW = re.compile(r'^\| `([A-Za-z_-]+)` \| (?:error|warning|info) \|(.*)\| *([^|]*?) *\|$', re.MULTILINE)


def test_every_code_in_the_code_tables_has_a_hint():
    assert [code for code, entry in (CODES | HEALTH_CODES).items() if not entry.hint.strip()] == []


def test_every_code_the_docs_list_has_a_hint():
    rows = [row for name in ('findings.md', 'health.md') for row in ROW.findall((DOCS / name).read_text())]
    assert len(rows) > len(CODES) + len(HEALTH_CODES)  # the services' own codes are listed too
    assert [code for code, _, hint in rows if not hint] == []


def test_a_hint_names_the_button_on_a_page_and_the_command_on_the_command_line():
    hint = HEALTH_CODES['HEALTH_DIR_MISSING'].hint
    assert page_hint(hint) == 'Repair it with the Fix button.'
    assert command_hint(hint) == 'Repair it with `netbox hedgehog fix <fabric>`.'
    assert command_hint(hint, 'dc1') == 'Repair it with `netbox hedgehog fix dc1`.'
    # Near miss: a hint naming no action reads the same everywhere.
    plain = CODES['REF_CONFLICT'].hint
    assert page_hint(plain) == command_hint(plain, 'dc1') == plain


def test_no_hint_shown_on_a_page_or_the_command_line_speaks_the_others_words():
    hints = [entry.hint for entry in (CODES | HEALTH_CODES).values()]
    assert any(FIX_ACTION in hint for hint in hints)
    for hint in hints:
        assert 'netbox hedgehog' not in page_hint(hint) and 'hedgehog fix' not in page_hint(hint), hint
        assert 'button' not in command_hint(hint) and 'Health tab' not in command_hint(hint), hint


def test_the_command_line_table_names_the_command_for_the_fabric():
    from io import StringIO

    from netbox_hedgehog.cli import print_findings

    finding = Finding(Severity.WARNING, 'HEALTH_DIR_MISSING', 'A folder is missing.', 'managed/vpcs', hint=FIX_ACTION)
    out = StringIO()
    print_findings([finding], out, fabric='dc1')
    assert '    hint: `netbox hedgehog fix dc1`\n' in out.getvalue()
