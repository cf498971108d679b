"""Benchmark: the resource page of a large ingested fabric, and its References panel alone.

    .venv/bin/python benchmarks/bench_resource_page.py [--size large] [--seed N] [--repeat N]

Generates a fabric (generate_fabric.py), ingests it, then times, best of --repeat runs each, the
whole resource page (GET through Django's test client, as a superuser) and the References panel's
context (the objects referring to this one are found by asking every referring object of the
fabric) for: the default IPv4Namespace (every VPC refers to it), a VPC and a Switch. The database
rows are rolled back and the temporary tree removed.
"""

import argparse

from django_setup import setup, temporary_gitops_root
from timing import best_of


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', default='large')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()
    setup()
    from django.db import transaction
    from django.test import Client
    from generate_fabric import write_fabric
    from users.models import User

    from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
    from netbox_hedgehog.services.ingestion import ingest
    from netbox_hedgehog.ui.panels import ReferencesPanel

    with temporary_gitops_root('bench-resource-page-'):
        # Committed on its own: a new fabric's tree is moved into place when its creation commits.
        fabric = HedgehogFabric.objects.create(name='bench-resource-page')
        with transaction.atomic():
            stats = write_fabric(fabric.layout().raw, args.size, args.seed)
            assert not ingest(fabric, trigger='benchmark').plan.rejected, 'the generated fabric must ingest whole'
            user = User.objects.create(username='bench-resource-page', is_superuser=True)
            client = Client()
            client.force_login(user)
            request = client.get('/').wsgi_request
            rows = HedgehogResource.objects.filter(fabric=fabric)
            print(f'fabric:  {args.size} (seed {args.seed}): {stats.documents} documents, {rows.count()} indexed')
            for kind, name in (('IPv4Namespace', 'default'), ('VPC', None), ('Switch', None)):
                row = rows.filter(kind=kind, **({'name': name} if name else {})).order_by('name').first()
                page, response = best_of(args.repeat, lambda row=row: client.get(row.get_absolute_url()))
                assert response.status_code == 200, response.status_code
                panel, context = best_of(
                    args.repeat,
                    lambda row=row: ReferencesPanel().get_context({'object': row, 'request': request}),
                )
                print(
                    f'{kind} {row.name}: page {page * 1000:.0f} ms, references {panel * 1000:.0f} ms '
                    f'(refers to {len(context["refers_to"])}, referred to by {len(context["referred_by"])}; '
                    f'best of {args.repeat})'
                )
            transaction.set_rollback(True)
        fabric.delete()  # committed above; its tree goes with the temporary gitops_root


if __name__ == '__main__':
    main()
