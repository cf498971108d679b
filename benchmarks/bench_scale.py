"""Benchmark: one fabric of the generator's largest size, end to end, against the issue-20 targets.

    .venv/bin/python benchmarks/bench_scale.py [--size xlarge|large|small] [--seed N] [--repeat N]

Uses the dev database (the fabric, its user and its rows are deleted at the end; the tree lives in a
temporary gitops_root). Prints, for one new fabric:

- parse:     a bare CSafeLoader parse of the raw files (best of 2), the unit of the ratios;
- ingest:    first ingest and re-ingest of the same input as ratios to parse (targets <= 4x, <= 0.3x),
             and the peak RSS growth of this process during the first ingest (target <= 400 MB);
- health and re-index of the unchanged tree as ratios to parse (target <= 0.5x for health);
- the fabric page, the resource list filtered by the fabric, a resource page, the Health tab and the
  API's first resource page (limit 50): ms (best of --repeat, after one warm-up) and query count
  (target <= 1 s each, a count that does not grow with the fabric);
- the fabric's deletion through its delete page (change logging on): time and peak RSS growth
  (targets <= 5 s, <= 200 MB).

The machine's load average is printed too: on a shared machine, the neighbours are in every figure.
"""

import argparse
import gc
import os
import shutil
import time

import yaml
from django_setup import setup, temporary_gitops_root
from timing import best_of, reset_peak_rss, rss_mb

TARGETS = {'ingest': 4, 'reingest': 0.3, 'health': 0.5}


def measured(function, *args, **kwargs):
    """(result, seconds, peak RSS growth in MB) of one call, from a collected heap."""
    gc.collect()
    reset_peak_rss()
    before = rss_mb('VmRSS')
    started = time.perf_counter()
    result = function(*args, **kwargs)
    seconds = time.perf_counter() - started
    return result, seconds, rss_mb('VmHWM') - before


def parse_time(files, repeat=2):
    loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
    seconds, _ = best_of(repeat, lambda: sum(1 for data in files for _ in yaml.load_all(data, Loader=loader)))
    return seconds


def page_figures(client, url, repeat):
    """(best ms, query count) of GET `url`, after one warm-up request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # Counted now: the captured queries are a slice of the connection's log, which the next request clears.
    count = len(queries)
    assert response.status_code == 200, f'{url}: {response.status_code}'
    seconds, _ = best_of(repeat, lambda: client.get(url))
    return seconds * 1000, count


def verdict(ok):
    return 'ok' if ok else 'OVER TARGET'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', default='xlarge')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args()
    setup()
    from django.test import Client
    from django.urls import reverse
    from generate_fabric import write_fabric
    from users.models import User

    from netbox_hedgehog.gitops.health import check_fabric
    from netbox_hedgehog.gitops.ingestion import ingest, reindex
    from netbox_hedgehog.models import HedgehogFabric, HedgehogResource

    print(f'load average at start: {" ".join(f"{v:.1f}" for v in os.getloadavg())} ({os.cpu_count()} cores)')
    with temporary_gitops_root('bench-scale-'):
        fabric = HedgehogFabric.objects.create(name=f'bench-scale-{int(time.time())}')
        user = User.objects.create(username=f'{fabric.name}-user', is_superuser=True)
        tree = fabric.layout().path
        try:
            stats = write_fabric(fabric.layout().raw, args.size, args.seed)
            files = [path.read_bytes() for path in sorted(fabric.layout().raw.rglob('*.yaml'))]
            parse = parse_time(files)
            os.sync()  # generating the input leaves writes pending that the ingest would otherwise pay for
            first, ingest_s, ingest_rss = measured(ingest, fabric, trigger='benchmark')
            write_fabric(fabric.layout().raw, args.size, args.seed)
            os.sync()
            again, reingest_s, _ = measured(ingest, fabric, trigger='benchmark')
            report, health_s, _ = measured(check_fabric, fabric)
            _, reindex_s, _ = measured(reindex, fabric)
            rows = HedgehogResource.objects.filter(fabric=fabric)
            print(
                f'fabric:      {args.size} (seed {args.seed}): {stats.documents} documents in {stats.files} files, '
                f'{stats.bytes:,} bytes; {rows.count()} indexed; rejected files {len(first.plan.rejected)}; '
                f'health {report.status}'
            )
            print(f'parse:       {parse:.3f} s (CSafeLoader, best of 2)')
            for name, seconds in (('ingest', ingest_s), ('re-ingest', reingest_s), ('health', health_s)):
                ratio, target = seconds / parse, TARGETS[name.replace('-', '')]
                ok = verdict(ratio <= target)
                print(f'{name + ":":12} {seconds:.3f} s = {ratio:.2f}x parse (target <= {target}x) {ok}')
            print(f're-index:    {reindex_s:.3f} s = {reindex_s / parse:.2f}x parse (no target)')
            print(f'ingest RSS:  +{ingest_rss:.0f} MB peak growth (target <= 400 MB) {verdict(ingest_rss <= 400)}')
            print(f'  (re-ingest wrote {len(again.written)} files)')

            client = Client()
            client.force_login(user)
            resource = rows.filter(kind='VPC').order_by('name').first() or rows.order_by('pk').first()
            pages = (
                ('fabric page', fabric.get_absolute_url()),
                ('resource list', f'{reverse("plugins:netbox_hedgehog:hedgehogresource_list")}?fabric_id={fabric.pk}'),
                ('resource page', resource.get_absolute_url()),
                ('Health tab', reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[fabric.pk])),
                (
                    'API list',
                    f'{reverse("plugins-api:netbox_hedgehog-api:hedgehogresource-list")}?fabric_id={fabric.pk}&limit=50',
                ),
            )
            for name, url in pages:
                ms, count = page_figures(client, url, args.repeat)
                print(f'{name + ":":15} {ms:7.0f} ms, {count:3d} queries (target <= 1000 ms) {verdict(ms <= 1000)}')

            delete_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_delete', args=[fabric.pk])
            response, delete_s, delete_rss = measured(client.post, delete_url, {'confirm': True})
            assert response.status_code == 302, response.status_code
            assert not HedgehogFabric.objects.filter(pk=fabric.pk).exists(), 'the fabric was not deleted'
            print(
                f'delete:      {delete_s:.3f} s (target <= 5 s) {verdict(delete_s <= 5)}, '
                f'+{delete_rss:.0f} MB peak RSS growth (target <= 200 MB) {verdict(delete_rss <= 200)}'
            )
        finally:
            if HedgehogFabric.objects.filter(pk=fabric.pk).exists():
                fabric.delete()
            user.delete()
            shutil.rmtree(tree, ignore_errors=True)
    print(f'load average at end: {" ".join(f"{v:.1f}" for v in os.getloadavg())}')


if __name__ == '__main__':
    main()
