"""Benchmark: ingestion of a large generated fabric, against a bare CSafeLoader parse of the same bytes.

    .venv/bin/python benchmarks/bench_ingest.py [--size large|small] [--seed N]

Run after `make setup` (it uses the dev database; the fabric it creates is deleted at the end,
and its tree lives in a temporary gitops_root). Prints, from one run:

- ingest:    raw/ -> managed/ + unmanaged/ + DB index, end to end (target <= 4x parse);
- re-ingest: the same files dropped into raw/ again, nothing to change (target <= 0.3x parse);
- peak RSS growth of this process during the first ingest (target <= 150 MB).
"""

import argparse
import gc
import os
import shutil
import sys
import time
from pathlib import Path

import yaml
from django_setup import setup

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def reset_peak_rss():
    """Linux: writing 5 to clear_refs resets this process's peak RSS (VmHWM) to its current RSS."""
    Path('/proc/self/clear_refs').write_text('5')


def rss_mb(field):
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith(f'{field}:'):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def parse_time(files):
    loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
    best = None
    for _ in range(3):
        gc.collect()
        started = time.perf_counter()
        for data in files:
            list(yaml.load_all(data, Loader=loader))
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', default='large', choices=('small', 'large'))
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    setup()
    from benchmarks.generate_fabric import write_fabric
    from netbox_hedgehog.gitops.ingestion import ingest
    from netbox_hedgehog.models import HedgehogFabric

    fabric = HedgehogFabric.objects.create(name=f'bench-ingest-{int(time.time())}')
    raw = fabric.layout().raw
    try:
        stats = write_fabric(raw, args.size, args.seed)
        files = [path.read_bytes() for path in sorted(raw.rglob('*.yaml'))]
        size, count = sum(map(len, files)), len(files)
        # Start from a quiet disk: generating the input (and earlier runs' clean-up) leaves writes pending
        # that would otherwise be paid for inside the timing. Ingestion's own sync() stays inside it.
        os.sync()
        gc.collect()
        reset_peak_rss()
        rss_before = rss_mb('VmRSS')
        started = time.perf_counter()
        first = ingest(fabric, trigger='benchmark')
        ingest_seconds = time.perf_counter() - started
        rss_growth = rss_mb('VmHWM') - rss_before

        write_fabric(raw, args.size, args.seed)
        os.sync()
        started = time.perf_counter()
        again = ingest(fabric, trigger='benchmark')
        reingest_seconds = time.perf_counter() - started

        parse_seconds = parse_time(files)
        counts = first.plan.counts()
        print(f'fabric:            {count} files, {size:,} bytes, {stats}')
        print(f'documents:         {counts["documents"]}')
        print(
            f'rejected files:    {len(first.plan.rejected)}; re-ingest unchanged: '
            f'{again.plan.counts()["documents"]["unchanged"]}, written: {len(again.written)}'
        )
        print(f'parse (CSafeLoader): {parse_seconds:.3f} s')
        print(f'ingest:            {ingest_seconds:.3f} s = {ingest_seconds / parse_seconds:.2f}x parse (target <= 4x)')
        print(
            f're-ingest:         {reingest_seconds:.3f} s = {reingest_seconds / parse_seconds:.2f}x parse '
            '(target <= 0.3x)'
        )
        print(f'peak RSS growth:   {rss_growth:.0f} MB during the first ingest (target <= 150 MB)')
    finally:
        tree = fabric.layout().path
        fabric.delete()
        shutil.rmtree(tree, ignore_errors=True)


if __name__ == '__main__':
    main()
