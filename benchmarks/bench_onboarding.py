"""Fabric creation through the ORM, post_save onboarding included: latency over N fabrics.

Run after `make setup`: .venv/bin/python benchmarks/bench_onboarding.py [--fabrics 50]
Target (issue #3): median <= 50 ms per fabric, commit (and the move of the tree into place) included.
Nothing is kept: the rows are deleted afterwards and the trees live in a temporary gitops_root.
"""

import argparse
import statistics
import time

from django_setup import setup


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--fabrics', type=int, default=50)
    args = parser.parse_args()
    setup()
    from django.db import transaction

    from netbox_hedgehog.core.tree import TreeLayout
    from netbox_hedgehog.models import HedgehogFabric

    latencies, created = [], []
    try:
        for number in range(args.fabrics):
            started = time.perf_counter()
            # Its own transaction, committed: the tree is built out of sight and moved into place at the commit.
            with transaction.atomic():
                fabric = HedgehogFabric.objects.create(name=f'bench-{number}', gitops_path=f'bench/run/fabric-{number}')
            latencies.append(time.perf_counter() - started)
            created.append(fabric.pk)
            assert TreeLayout(fabric.tree_path).manifest.is_file()
    finally:
        HedgehogFabric.objects.filter(pk__in=created).delete()

    ms = sorted(value * 1000 for value in latencies)
    print(f'fabrics created:    {len(ms)}')
    print(f'median latency:     {statistics.median(ms):.1f} ms (target <= 50 ms)')
    print(f'p90 latency:        {ms[int(len(ms) * 0.9) - 1]:.1f} ms')
    print(f'min / max:          {ms[0]:.1f} / {ms[-1]:.1f} ms')


if __name__ == '__main__':
    main()
