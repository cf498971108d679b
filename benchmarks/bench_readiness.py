"""Benchmark: the probes and NetBox's own /api/status/ under 20 concurrent anonymous clients.

    .venv/bin/python benchmarks/bench_readiness.py [--clients 20] [--seconds 10] [--workers 2] [--threads 8]

Makes 20 fabrics in a temporary gitops_root (one of them with a git remote nobody answers), serves
NetBox with gunicorn (gthread: --workers x --threads) on a free local port, then for each probe
(ready/, then live/):

- `--clients` anonymous clients ask for the probe as fast as they can for `--seconds`;
- meanwhile one client with a token asks for NetBox's /api/status/ in a loop;

and prints requests/s, p50 and p99 of each, the answers' status codes, git processes started by
the server (from `ps`), and PostgreSQL connections to the database (pg_stat_activity: before, peak,
after). Before the load, /api/status/ alone gives the baseline. Each request opens a new connection,
as a Kubernetes probe does. Run after `make setup`; what it creates is deleted at the end.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django_setup import REPO, setup, temporary_gitops_root

FABRICS = 20
USER = 'bench-readiness'


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def fetch(url, headers=None):
    """(status, seconds) of one GET on a new connection."""
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            code = response.status
    except urllib.error.HTTPError as error:
        error.read()
        code = error.code
    except OSError:
        code = 'error'
    return code, time.perf_counter() - started


def hammer(url, seconds, clients, headers=None):
    """`clients` threads asking for `url` for `seconds`: every (status, seconds)."""
    results, stop = [], threading.Event()

    def client():
        while not stop.is_set():
            results.append(fetch(url, headers))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return results


def figures(label, results, seconds):
    times = sorted(elapsed for _, elapsed in results)
    codes = {}
    for code, _ in results:
        codes[code] = codes.get(code, 0) + 1
    p50 = statistics.median(times) * 1000 if times else float('nan')
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000 if times else float('nan')
    print(
        f'  {label:<34} {len(results) / seconds:8.1f} req/s   p50 {p50:8.1f} ms   p99 {p99:8.1f} ms   '
        f'answers {dict(sorted(codes.items(), key=str))}'
    )


def connections_now():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute('SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()')
        return cursor.fetchone()[0]


def git_processes(server_pid):
    """git processes among the server's descendants now (ps, as an operator would look)."""
    lines = subprocess.run(['ps', '-eo', 'pid=,ppid=,comm='], capture_output=True, text=True).stdout.splitlines()
    parents, names = {}, {}
    for line in lines:
        pid, ppid, name = line.split(None, 2)
        parents[int(pid)], names[int(pid)] = int(ppid), name.strip()

    def under_server(pid):
        while pid > 1:
            if pid == server_pid:
                return True
            pid = parents.get(pid, 1)
        return False

    return [pid for pid, name in names.items() if name.startswith('git') and under_server(pid)]


def under_load(base, probe, args, auth, server_pid):
    """`args.clients` anonymous clients on the probe, one token client on /api/status/, connections watched."""
    before, peak, gits, status_results, stop = connections_now(), 0, set(), [], threading.Event()

    def watch():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, connections_now())
            gits.update(git_processes(server_pid))
            time.sleep(0.1)

    def ask_status():
        status_results.extend(hammer(f'{base}/api/status/', args.seconds, 1, auth))

    watcher, status_client = threading.Thread(target=watch), threading.Thread(target=ask_status)
    watcher.start()
    status_client.start()
    results = hammer(f'{base}/api/plugins/hedgehog/{probe}/', args.seconds, args.clients)
    status_client.join()
    stop.set()
    watcher.join()
    print(f'under {args.clients} clients on {probe}/:')
    figures(f'/api/plugins/hedgehog/{probe}/', results, args.seconds)
    figures('/api/status/ (1 client, same time)', status_results, args.seconds)
    print(
        f'  postgres connections to the database: before {before}, peak {peak}, after {connections_now()}; '
        f'git processes seen: {len(gits)}'
    )


def remove_leftovers():
    from users.models import User

    from netbox_hedgehog.models import HedgehogFabric

    HedgehogFabric.objects.filter(name__startswith='bench-ready-').delete()
    User.objects.filter(username=USER).delete()


def make_fabrics(scratch):
    from netbox_hedgehog.models import HedgehogFabric

    subprocess.run(['git', 'init', '--quiet', '--bare', '--initial-branch=main', f'{scratch}/remote.git'], check=True)
    for n in range(FABRICS - 1):
        HedgehogFabric.objects.create(name=f'bench-ready-{n:02d}')
    far = HedgehogFabric.objects.create(name='bench-ready-far', git_remote_url=f'{scratch}/remote.git')
    # A remote nobody answers (the model would refuse to create it so: onboarding clones).
    HedgehogFabric.objects.filter(pk=far.pk).update(git_remote_url=f'http://127.0.0.1:{free_port()}/fabric.git')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=20)
    parser.add_argument('--seconds', type=float, default=10)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--threads', type=int, default=8)
    args = parser.parse_args()
    setup()
    from users.constants import TOKEN_PREFIX
    from users.models import Token, User

    port = free_port()
    base = f'http://127.0.0.1:{port}'
    remove_leftovers()  # of an interrupted run
    with temporary_gitops_root('bench-ready-') as root, tempfile.TemporaryDirectory(prefix='bench-ready-') as scratch:
        make_fabrics(scratch)
        user = User.objects.create_user(username=USER, is_superuser=True)
        token = Token.objects.create(user=user)
        auth = {'Authorization': f'Bearer {TOKEN_PREFIX}{token.key}.{token.token}'}
        env = {
            **os.environ,
            'PYTHONPATH': f'{REPO / "testing"}{os.pathsep}{REPO}',
            'NETBOX_CONFIGURATION': 'configuration',
            'NETBOX_ROOT': os.environ.get('NETBOX_ROOT', str(REPO / 'var' / 'netbox')),
            'HEDGEHOG_GITOPS_ROOT': root,
        }
        gunicorn = Path(sys.executable).parent / 'gunicorn'
        server = subprocess.Popen(
            [
                str(gunicorn),
                'netbox.wsgi:application',
                '--bind',
                f'127.0.0.1:{port}',
                '--workers',
                str(args.workers),
                '--threads',
                str(args.threads),
                '--worker-class',
                'gthread',
                '--log-level',
                'warning',
            ],
            env=env,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 600  # NetBox starts slowly on a busy machine
            while fetch(f'{base}/api/plugins/hedgehog/live/')[0] != 200:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit('the server did not start')
                time.sleep(0.5)
            for path in ('/api/plugins/hedgehog/ready/', '/api/status/'):  # warm every worker
                hammer(f'{base}{path}', 1, args.workers * 2, auth if path == '/api/status/' else None)

            print(
                f'{FABRICS} fabrics (one with an unreachable remote); gunicorn {args.workers} workers x '
                f'{args.threads} threads; {args.clients} anonymous clients for {args.seconds:g} s per probe'
            )
            baseline = hammer(f'{base}/api/status/', min(args.seconds, 5), 1, auth)
            figures('/api/status/ alone (1 client)', baseline, min(args.seconds, 5))
            for probe in ('ready', 'live'):
                under_load(base, probe, args, auth, server.pid)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            remove_leftovers()


if __name__ == '__main__':
    main()
