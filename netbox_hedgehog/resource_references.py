"""The references of one resource both ways, as the resource page and the REST API show them.

Both read the validator's one table of references (`validation.reference_table`) through
`references()`, so a page, the API, health and validation never disagree about what refers to what.
Only objects the user may view are looked at.
"""

import operator
from functools import reduce

from django.db.models import Q

from netbox_hedgehog.models import HedgehogResource
from netbox_hedgehog.validation import references, referring_kinds

__all__ = ('resource_references',)


def resource_references(resource, user):
    """{'refers_to': [...], 'referred_by': [...]} for `resource`; each entry {'kind', 'name', 'pk'}, where
    `pk` is None for a target the index does not hold (a dangling reference)."""
    visible = HedgehogResource.objects.restrict(user, 'view').filter(fabric_id=resource.fabric_id)
    targets = references(resource.kind, resource.spec)
    found = {}
    if targets:
        wanted = reduce(operator.or_, (Q(kind=kind, name=name) for kind, name in targets))
        found = {(kind, name): pk for pk, kind, name in visible.filter(wanted).values_list('pk', 'kind', 'name')}
    refers_to = [_entry(kind, name, found.get((kind, name))) for kind, name in targets]
    # Any referring object may name this one (a VPC names its namespaces even through defaults), so each
    # is asked; only their kind, name and spec are read.
    key = (resource.kind, resource.name)
    referring = visible.filter(kind__in=referring_kinds()).values_list('pk', 'kind', 'name', 'spec')
    referred_by = sorted(
        (_entry(kind, name, pk) for pk, kind, name, spec in referring if key in references(kind, spec)),
        key=lambda entry: (entry['kind'], entry['name']),
    )
    return {'refers_to': refers_to, 'referred_by': referred_by}


def _entry(kind, name, pk):
    return {'kind': kind, 'name': name, 'pk': pk}
