"""The references of one resource both ways, as the resource page and the REST API show them.

Both read the validator's one table of references (`validation.reference_table`): through `references()`
for what the object refers to, and through the keys each row stores from it (`validation.reference_keys`)
for what refers to the object, so a page, the API, health and validation never disagree about what refers
to what. Only objects the user may view are looked at.
"""

import operator
from functools import reduce

from django.db.models import Q

from netbox_hedgehog.core.validation import references
from netbox_hedgehog.models import HedgehogResource

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
    # Each row stores the keys of what its spec refers to (the same table's rules, at write time): the objects
    # referring to this one are a GIN index lookup, however many referring objects the fabric holds.
    referring = visible.filter(reference_keys__contains=[f'{resource.kind}/{resource.name}'])
    referred_by = [
        _entry(kind, name, pk)
        for pk, kind, name in referring.order_by('kind', 'name').values_list('pk', 'kind', 'name')
    ]
    return {'refers_to': refers_to, 'referred_by': referred_by}


def _entry(kind, name, pk):
    return {'kind': kind, 'name': name, 'pk': pk}
