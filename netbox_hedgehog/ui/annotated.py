"""A file's text line by line with each finding beside the line it is about: the Edit page's view of a file.

Computed here, so the template only lays rows out; every piece of text (the file's lines, the findings'
messages and hints) is untrusted and left to the template's escaping.
"""

from netbox_hedgehog.ui.panels import finding_rows

__all__ = ('annotated_text',)

# The theme colour (a Tabler variable, defined for NetBox's light and dark themes) of the bar marking a flagged
# line, by the worst severity of its findings.
LINE_MARKS = {'error': 'danger', 'warning': 'warning', 'info': 'info'}
_WORST_FIRST = tuple(LINE_MARKS)


def annotated_text(text, findings, path):
    """{'rows': [{number, text, findings, mark}], 'general': findings of no line of this file}.

    `findings` are finding dicts (Finding.as_dict()); those of `path` with a line inside the text go beside
    that line, the others (the whole file's, or a line past its end) above the text.
    """
    lines = text.splitlines() or ['']
    rows = [{'number': number, 'text': line, 'findings': []} for number, line in enumerate(lines, start=1)]
    general = []
    for finding in finding_rows(findings):
        line = finding.get('line')
        if finding.get('file') == path and line and line <= len(rows):
            rows[line - 1]['findings'].append(finding)
        else:
            general.append(finding)
    for row in rows:
        severities = {finding['severity'] for finding in row['findings']}
        worst = next((severity for severity in _WORST_FIRST if severity in severities), None)
        row['mark'] = LINE_MARKS.get(worst)
    return {'rows': rows, 'general': general}
