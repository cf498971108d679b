"""Findings as the panels and pages show them."""

from netbox_hedgehog.core.findings import Finding, page_hint

__all__ = (
    'SEVERITY_COLORS',
    'finding_rows',
)


SEVERITY_COLORS = {'error': 'red', 'warning': 'orange', 'info': 'blue'}


def finding_rows(findings):
    """Finding dicts as the templates show them: badge colour and `file:line` added, the hint in a page's words."""
    return [
        {
            **finding,
            'color': SEVERITY_COLORS.get(finding['severity']),
            'location': Finding.from_dict(finding).location,
            'hint': page_hint(finding['hint']),
        }
        for finding in findings
    ]
