"""Benchmark: ingestion of a large generated fabric, against a bare CSafeLoader parse of the same bytes.

    .venv/bin/python benchmarks/bench_ingest.py [--size large|small] [--seed N] [--rounds N]

Run after `make setup` (it uses the dev database; the fabrics it creates are deleted at the end,
and their trees live in a temporary gitops_root). Each round ingests a new fabric; printed, from
one run:

- ingest:    raw/ -> managed/ + unmanaged/ + DB index, end to end (target <= 3x parse, issue 20);
- re-ingest: the same files dropped into raw/ again, nothing to change (target <= 0.3x parse);
- peak RSS growth of the ingesting process during a first ingest (target <= 150 MB);
- file creation: what creating one small file costs on this machine's disk right before the ingest
  (timing.file_creation_us): ingestion creates a file per document, so a slow disk shows in the ratio.

The ratios divide the best round by the best parse (several parses in every round): on a shared
machine the slower samples measure the neighbours. Every round is printed too.

File creation on ext4 slows down for a few minutes after many files were deleted nearby (the
kernel skips the inodes it freed recently, looking at each): wait five minutes after the end of a
run before starting the next, or the next one's first round measures the previous clean-up.
"""

import argparse
import gc
import os
import shutil
import sys
import time
from pathlib import Path

import yaml
from django_setup import change_records_removed, setup, vacuum_without_autovacuum
from timing import best_of, file_creation_us, reset_peak_rss, rss_mb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def parse_time(files, repeat=3):
    loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
    seconds, _ = best_of(repeat, lambda: sum(1 for data in files for _ in yaml.load_all(data, Loader=loader)))
    return seconds


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def run_round(number, args):
    """One new fabric: its first ingest and a re-ingest of the same input; returns the figures and the fabric."""
    from benchmarks.generate_fabric import write_fabric
    from netbox_hedgehog.models import HedgehogFabric
    from netbox_hedgehog.services.ingestion import ingest

    fabric = HedgehogFabric.objects.create(name=f'bench-ingest-{int(time.time())}-{number}')
    raw = fabric.layout().raw
    stats = write_fabric(raw, args.size, args.seed)
    files = [path.read_bytes() for path in sorted(raw.rglob('*.yaml'))]
    parse = parse_time(files)
    # Start from a quiet disk: generating the input leaves writes pending that would otherwise be
    # paid for inside the timing. Ingestion's own barrier stays inside it.
    os.sync()
    creation = file_creation_us(fabric.layout().path.parent)
    gc.collect()
    reset_peak_rss()
    rss_before = rss_mb('VmRSS')
    first, ingest_seconds = timed(ingest, fabric, trigger='benchmark')
    rss_growth = rss_mb('VmHWM') - rss_before

    write_fabric(raw, args.size, args.seed)
    os.sync()
    again, reingest_seconds = timed(ingest, fabric, trigger='benchmark')
    parse = min(parse, parse_time(files))
    figures = {
        'stats': stats,
        'bytes': sum(map(len, files)),
        'first': first,
        'again': again,
        'parse': parse,
        'ingest': ingest_seconds,
        'reingest': reingest_seconds,
        'rss': rss_growth,
        'creation': creation,
    }
    return figures, fabric


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', default='large', choices=('small', 'large'))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()
    setup()
    vacuum_without_autovacuum()

    rounds, fabrics = [], []
    with change_records_removed():
        measure_rounds(args, rounds, fabrics)
    report(rounds)


def measure_rounds(args, rounds, fabrics):
    try:
        for number in range(1, args.rounds + 1):
            figures, fabric = run_round(number, args)
            fabrics.append(fabric)
            rounds.append(figures)
            print(
                f'round {number}: parse {figures["parse"]:.3f} s, ingest {figures["ingest"]:.3f} s '
                f'({figures["ingest"] / figures["parse"]:.2f}x), re-ingest {figures["reingest"]:.3f} s '
                f'({figures["reingest"] / figures["parse"]:.2f}x), peak RSS growth {figures["rss"]:.0f} MB, '
                f'file creation {figures["creation"]:.0f} us'
            )
    finally:
        # Deleted only now: file creation in a round would otherwise measure an earlier round's clean-up.
        for fabric in fabrics:
            tree = fabric.layout().path
            fabric.delete()
            shutil.rmtree(tree, ignore_errors=True)


def report(rounds):
    last = rounds[-1]
    counts = last['first'].plan.counts()
    parse = min(figures['parse'] for figures in rounds)
    ingest_seconds = min(figures['ingest'] for figures in rounds)
    reingest_seconds = min(figures['reingest'] for figures in rounds)
    print(f'fabric:            {last["stats"].files} files, {last["bytes"]:,} bytes, {last["stats"]}')
    print(f'documents:         {counts["documents"]}')
    print(
        f'rejected files:    {len(last["first"].plan.rejected)}; re-ingest unchanged: '
        f'{last["again"].plan.counts()["documents"]["unchanged"]}, written: {len(last["again"].written)}'
    )
    print(f'parse (CSafeLoader): {parse:.3f} s (best of {3 * 2 * len(rounds)})')
    print(
        f'ingest:            {ingest_seconds:.3f} s = {ingest_seconds / parse:.2f}x parse '
        f'(best of {len(rounds)} rounds; target <= 3x)'
    )
    print(
        f're-ingest:         {reingest_seconds:.3f} s = {reingest_seconds / parse:.2f}x parse '
        f'(best of {len(rounds)} rounds; target <= 0.3x)'
    )
    print(
        f'peak RSS growth:   {max(figures["rss"] for figures in rounds):.0f} MB during a first ingest, '
        'the largest of the rounds (target <= 150 MB)'
    )


if __name__ == '__main__':
    main()
