"""Benchmark: the health check of a large ingested fabric against a CSafeLoader parse of its bytes.

    .venv/bin/python benchmarks/bench_health.py [--size large] [--seed N] [--repeat N]

Generates a fabric (generate_fabric.py) into raw/ of a new fabric in a temporary gitops_root,
ingests it through `ingest` (one managed file per object: >= 10,000 files for `large`), then
times, best of --repeat runs each, in this one process:

- health: `check_fabric` (read and hash every managed file, index, references, raw/, disk);
- parse:  yaml.load_all with CSafeLoader over the bytes of the same managed files, already in memory;
- patterns: the failure patterns alone (gitops/history.py) over a full history: the runs and stored
  health checks they read at most (RUNS_READ runs, CHECKS_READ checks), each run's findings those of
  the fabric's ingestion.

Prints health and parse and their ratio (target: health <= 0.5x parse), and the patterns' share of a
check. Run after `make setup`; the database rows are rolled back and the temporary tree removed.
"""

import argparse
import time
import uuid
from datetime import timedelta

import yaml
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
    from django.utils import timezone
    from generate_fabric import write_fabric

    from netbox_hedgehog.models import HedgehogFabric
    from netbox_hedgehog.services.health import check_fabric
    from netbox_hedgehog.services.history import CHECKS_READ, RUNS_READ, fabric_patterns
    from netbox_hedgehog.services.ingestion import ingest

    with temporary_gitops_root('bench-health-'):
        # Committed on its own: a new fabric's tree is moved into place when its creation commits.
        fabric = HedgehogFabric.objects.create(name='bench-health')
        with transaction.atomic():
            layout = fabric.layout()
            stats = write_fabric(layout.raw, args.size, args.seed)
            started = time.perf_counter()
            outcome = ingest(fabric, trigger='benchmark')
            ingest_time = time.perf_counter() - started
            assert not outcome.plan.rejected, 'the generated fabric must ingest whole'
            files = sorted(layout.managed.rglob('*.yaml'))
            data = [path.read_bytes() for path in files]

            def parse():
                return sum(1 for blob in data for _ in yaml.load_all(blob, Loader=yaml.CSafeLoader))

            health_time, report = best_of(args.repeat, lambda: check_fabric(fabric))
            parse_time, documents = best_of(args.repeat, parse)
            make_history(fabric, report)
            patterns_time, _ = best_of(args.repeat, lambda: fabric_patterns(fabric, timezone.now(), report.stats))
            transaction.set_rollback(True)
        fabric.delete()  # committed above; its tree goes with the temporary gitops_root

    print(f'fabric:        {args.size} (seed {args.seed}): {stats.files} raw files, {stats.documents} documents')
    print(f'ingested:      {len(files)} managed files, {sum(map(len, data))} bytes in {ingest_time:.1f} s')
    print(
        f'health:        {health_time:.3f} s  (best of {args.repeat}; {report.status}, score {report.score}, '
        f'{len(report.findings)} findings)'
    )
    print(f'parse:         {parse_time:.3f} s  (CSafeLoader, {documents} documents, best of {args.repeat})')
    print(f'health/parse:  {health_time / parse_time:.2f}x  (target <= 0.50x)')
    print(
        f'patterns:      {patterns_time * 1000:.1f} ms  (best of {args.repeat}; {RUNS_READ} runs, {CHECKS_READ} '
        f'stored checks) = {patterns_time / health_time:.1%} of the health check'
    )


def make_history(fabric, report):
    """The most history the patterns read: RUNS_READ runs like the fabric's ingestion, CHECKS_READ stored checks."""
    from core.choices import JobStatusChoices
    from core.models import Job
    from django.utils import timezone

    from netbox_hedgehog.health_jobs import HealthCheckJob, summary
    from netbox_hedgehog.services.history import CHECKS_READ, RUNS_READ

    run = fabric.runs.get()
    for _ in range(RUNS_READ - 1):
        run.pk = None
        run.save()
    recorded = summary(report)
    Job.objects.bulk_create(
        Job(
            name=HealthCheckJob.name,
            status=JobStatusChoices.STATUS_COMPLETED,
            completed=timezone.now() - timedelta(minutes=15 * n),
            job_id=uuid.uuid4(),
            data={'fabrics': {fabric.name: recorded, **{f'other-{m}': recorded for m in range(50)}}},
        )
        for n in range(CHECKS_READ)
    )


if __name__ == '__main__':
    main()
