"""Benchmark: one fabric of the generator's largest size, end to end, against the issue-20 targets.

    .venv/bin/python benchmarks/bench_scale.py [--size xlarge|large|small] [--seed N] [--repeat N]

Uses the dev database (the fabric, its user and its rows are deleted at the end; the tree lives in a
temporary gitops_root). Prints, for one new fabric:

- parse:     a bare CSafeLoader parse of the raw files (best of 4), the unit of the ratios;
- ingest:    first ingest and re-ingest of the same input as ratios to parse (targets <= 4x, <= 0.3x),
             and the peak RSS growth of this process during the first ingest (target <= 400 MB);
- health (a check stored for the Health tab, as the health job does it) and re-index of the unchanged tree
  as ratios to parse (target <= 0.5x for health);
- the fabric page, the resource list filtered by the fabric, a resource page, the Health tab and the
  API's first resource page (limit 50): ms (best of --repeat, after one warm-up) and query count
  (target <= 1 s each, a count that does not grow with the fabric);
- the fabric's deletion through its delete page (change logging on): time and peak RSS growth
  (targets <= 5 s, <= 200 MB).

With --workers instead: two RQ workers (separate `netbox rqworker --burst` processes, the same database, each
its own gitops_root, the fabrics' git remotes as the shared state) ingest two fabrics of --workers-size (default
`half`, about 50k documents) at once, against one worker ingesting one such fabric alone: the time from the first
job's start to the last one's end, and their ratio (target: about 1, on a machine with a core per worker). Beside
each figure, the CPU it took (sampled from /proc twice a second): the worker processes with their job's forked
children, the PostgreSQL backends of the dev database, and the whole machine. Cores busy = CPU seconds / wall seconds:
when one ingestion alone keeps more than half of the machine's cores busy, two at once cannot take the time of one.

The machine's load average is printed too: on a shared machine, the neighbours are in every figure.
"""

import argparse
import gc
import os
import shutil
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import yaml
from django_setup import REPO, change_records_removed, setup, temporary_gitops_root, vacuum_without_autovacuum
from timing import best_of, file_creation_us, reset_peak_rss, rss_mb

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
    parser.add_argument('--workers', action='store_true', help='the two-worker figure instead of the single fabric')
    parser.add_argument('--workers-size', default='half')
    args = parser.parse_args()
    setup()
    vacuum_without_autovacuum()
    if args.workers:
        print(f'load average at start: {" ".join(f"{v:.1f}" for v in os.getloadavg())} ({os.cpu_count()} cores)')
        two_workers(args.workers_size, args.seed)
        print(f'load average at end: {" ".join(f"{v:.1f}" for v in os.getloadavg())}')
        return
    from django.test import Client
    from django.urls import reverse
    from generate_fabric import write_fabric
    from users.models import User

    from netbox_hedgehog.health_jobs import record
    from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
    from netbox_hedgehog.services.ingestion import ingest
    from netbox_hedgehog.services.reindex import reindex

    print(f'load average at start: {" ".join(f"{v:.1f}" for v in os.getloadavg())} ({os.cpu_count()} cores)')
    with temporary_gitops_root('bench-scale-'), change_records_removed():
        fabric = HedgehogFabric.objects.create(name=f'bench-scale-{int(time.time())}')
        user = User.objects.create(username=f'{fabric.name}-user', is_superuser=True)
        tree = fabric.layout().path
        try:
            stats = write_fabric(fabric.layout().raw, args.size, args.seed)
            files = [path.read_bytes() for path in sorted(fabric.layout().raw.rglob('*.yaml'))]
            # Generating the input leaves writes pending that the parse and the ingest would otherwise pay for.
            os.sync()
            parse = parse_time(files)
            creation = file_creation_us(tree.parent)
            first, ingest_s, ingest_rss = measured(ingest, fabric, trigger='benchmark')
            write_fabric(fabric.layout().raw, args.size, args.seed)
            os.sync()
            again, reingest_s, _ = measured(ingest, fabric, trigger='benchmark')
            parse = min(parse, parse_time(files))  # the unit: the best of four, two on either side of the ingest
            # What the scheduled health job (or Check now) does: check, and store the report the Health tab shows.
            report, health_s, _ = measured(record, fabric)
            _, reindex_s, _ = measured(reindex, fabric)
            rows = HedgehogResource.objects.filter(fabric=fabric)
            print(
                f'fabric:      {args.size} (seed {args.seed}): {stats.documents} documents in {stats.files} files, '
                f'{stats.bytes:,} bytes; {rows.count()} indexed; rejected files {len(first.plan.rejected)}; '
                f'health {report.status}'
            )
            print(f'parse:       {parse:.3f} s (CSafeLoader, best of 4)')
            print(f'disk:        {creation:.0f} us to create a file before the ingest (timing.file_creation_us)')
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


# A person pushing the fabric's input: raw/ files committed in the creating process's working copy and pushed.
PERSON = {'GIT_AUTHOR_NAME': 'Bench', 'GIT_AUTHOR_EMAIL': 'bench@example.com'}
PERSON.update(GIT_COMMITTER_NAME='Bench', GIT_COMMITTER_EMAIL='bench@example.com')


def two_workers(size, seed, timeout=3600):
    """Print the time one worker takes for one fabric of `size` and two workers for two such fabrics at once."""
    from generate_fabric import write_fabric

    from netbox_hedgehog.models import HedgehogFabric

    stamp = int(time.time())
    fabrics = []
    # ignore_cleanup_errors: git's automatic gc, detached by a push, may still be writing in a repository.
    with (
        tempfile.TemporaryDirectory(prefix='bench-workers-', ignore_cleanup_errors=True) as scratch,
        temporary_gitops_root('bench-workers-'),
    ):
        scratch = Path(scratch)
        try:
            for role in ('alone', 'first', 'second'):
                remote = scratch / f'{role}.git'
                subprocess.run(['git', 'init', '--quiet', '--bare', '--initial-branch=main', str(remote)], check=True)
                fabric = HedgehogFabric.objects.create(name=f'bench-{role}-{stamp}', git_remote_url=str(remote))
                fabrics.append(fabric)
                stats = write_fabric(fabric.layout().raw, size, seed)
                tree = fabric.layout().path
                for command in (
                    ('add', '--all'),
                    ('commit', '--quiet', '-m', 'input'),
                    ('push', '--quiet', 'origin', 'HEAD:main'),
                ):
                    subprocess.run(['git', '-C', str(tree), *command], check=True, env={**os.environ, **PERSON})
            print(f'fabrics:     3 x {size} (seed {seed}): {stats.documents} documents in {stats.files} files each')
            roots = [scratch / 'worker-1', scratch / 'worker-2']
            alone = ingested_by_workers(fabrics[:1], roots[:1], scratch, timeout)
            together = ingested_by_workers(fabrics[1:], roots, scratch, timeout)
            print(f'one worker, one fabric:     {alone:.1f} s')
            print(f'two workers, two fabrics:   {together:.1f} s = {together / alone:.2f}x one (target about 1x)')
        finally:
            for fabric in fabrics:
                fabric.delete()


def ingested_by_workers(fabrics, roots, scratch, timeout):
    """Start a worker per gitops_root in `roots`, queue an ingestion job per fabric once they all listen, and
    stop them when every job finished: the seconds from the first job's start to the last one's end."""
    from core.models import Job
    from utilities.rqworker import get_queue_for_model, get_workers_for_queue

    from netbox_hedgehog.jobs import IngestionJob

    queue = get_queue_for_model(fabrics[0]._meta.model_name)
    # The workers read the dev configuration (scripts/netbox), with their own gitops_root each.
    env = {k: v for k, v in os.environ.items() if k not in ('DJANGO_SETTINGS_MODULE', 'HEDGEHOG_TEST_GITOPS_ROOT')}
    with ExitStack() as stack:
        workers = []
        for number, root in enumerate(roots, start=1):
            log = stack.enter_context(open(scratch / f'worker-{number}-of-{len(roots)}.log', 'w'))
            worker_env = {**env, 'HEDGEHOG_GITOPS_ROOT': str(root)}
            command = [str(REPO / 'scripts' / 'netbox'), 'rqworker', queue]
            workers.append(subprocess.Popen(command, env=worker_env, stdout=log, stderr=subprocess.STDOUT))
        try:
            until(lambda: get_workers_for_queue(queue) >= len(roots), timeout, 'the workers to listen')
            with CpuMeter([worker.pid for worker in workers]) as cpu:
                jobs = [IngestionJob.enqueue(instance=fabric, trigger='benchmark').pk for fabric in fabrics]
                finished = Job.objects.filter(pk__in=jobs, completed__isnull=False)
                until(lambda: finished.count() == len(jobs), timeout, 'the jobs to finish')
        finally:
            for worker in workers:
                worker.terminate()  # a warm shutdown: the worker is idle by now
                worker.wait(60)
    done = list(Job.objects.filter(pk__in=jobs))
    first = min(job.started for job in done)
    for job in done:
        assert job.status == 'completed', f'{job.name} of {job.object}: {job.status} {job.error}'
        # Each job's start and length: overlapping jobs that each take longer share the cores, not a lock.
        started, took = (job.started - first).total_seconds(), (job.completed - job.started).total_seconds()
        print(f'  job of {job.object}: started at +{started:.1f} s, took {took:.1f} s')
    wall = (max(job.completed for job in done) - first).total_seconds()
    print(f'  CPU while the jobs ran ({cpu.seconds:.1f} s sampled): {cpu.summary()}')
    return wall


# Clock ticks per second of /proc's CPU times.
TICKS = os.sysconf('SC_CLK_TCK')


class CpuMeter:
    """CPU seconds taken by the processes under `roots` (the workers, the job processes they fork, those
    forks' writer children), by the dev database's PostgreSQL backends, and by the whole machine, while the
    block runs. Sampled from /proc twice a second by a thread: a process's last half second before it
    exits may be missed, so the figures are lower bounds."""

    def __init__(self, roots, interval=0.5):
        self.roots, self.interval = set(roots), interval
        self.processes, self.backends = {}, {}  # pid -> the largest CPU seconds seen
        self.stop = threading.Event()

    def __enter__(self):
        self.machine_before, self.started = _machine_busy(), time.monotonic()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.seconds = time.monotonic() - self.started
        self.machine = _machine_busy() - self.machine_before

    def _sample(self):
        from django.db import connections

        # Its own connection: Django's are per thread. Backends of the dev database other than this one.
        database = connections.create_connection('default')
        try:
            with database.cursor() as cursor:
                while True:
                    cursor.execute(
                        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() '
                        'AND pid <> pg_backend_pid()'
                    )
                    for (pid,) in cursor.fetchall():
                        _keep_largest(self.backends, pid)
                    for pid in _descendants(self.roots):
                        _keep_largest(self.processes, pid)
                    if self.stop.wait(self.interval):
                        break
        finally:
            database.close()

    def summary(self):
        workers, backends = sum(self.processes.values()), sum(self.backends.values())
        cores = os.cpu_count()
        return (
            f'workers and their children {workers:.1f} s, PostgreSQL backends {backends:.1f} s: '
            f'{(workers + backends) / self.seconds:.2f} cores busy with the jobs; the whole machine '
            f'{self.machine / self.seconds:.2f} of {cores} cores busy'
        )


def _cpu_seconds(pid):
    """utime + stime of a live process, in seconds; None once it is gone."""
    try:
        fields = Path(f'/proc/{pid}/stat').read_text().rpartition(')')[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime and stime: fields 14 and 15 of proc(5)


def _keep_largest(seen, pid):
    seconds = _cpu_seconds(pid)
    if seconds is not None:
        seen[pid] = max(seen.get(pid, 0), seconds)


def _descendants(roots):
    """`roots` and every live process below them."""
    children = {}
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                parent = int(Path(entry, 'stat').read_text().rpartition(')')[2].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = set(), list(roots)
    while stack:
        pid = stack.pop()
        if pid not in found:
            found.add(pid)
            stack.extend(children.get(pid, ()))
    return found


def _machine_busy():
    """CPU seconds all cores spent on anything but idle and I/O wait since boot (/proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path('/proc/stat').read_text().split('\n', 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / TICKS


def until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f'waited {timeout} s for {what}')
        time.sleep(0.5)


if __name__ == '__main__':
    main()
