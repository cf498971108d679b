"""The Kubernetes probes (live/, ready/) and the authenticated fabric health summary (health/).

Readiness means "this NetBox can do its work": database, Redis, a writable gitops_root. It never looks
at a fabric, answers a status only (never an exception's text), and stays cheap under many anonymous
clients: the last test runs 20 of them against a real threaded server with 20 fabrics, one of them with
an unreachable remote, and watches git processes and PostgreSQL connections while they run.
"""

import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import git.cmd
from core.models import ObjectType
from django.conf import settings
from django.db import OperationalError, connection, connections
from django.test import LiveServerTestCase, override_settings
from django.urls import reverse
from rest_framework import status
from users.models import ObjectPermission
from utilities.testing import APITestCase

from netbox_hedgehog import health_jobs, probes
from netbox_hedgehog.health_jobs import HealthCheckJob
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.tests.git_helpers import make_bare_repository
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

API = 'plugins-api:netbox_hedgehog-api:'
DATABASE_DOWN = 'connection to server at "127.0.0.1", port 5432 failed: FATAL:  sorry, too many clients already'


def closed_port():
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class GitProcesses:
    """Counts the processes started while it is active, git's above all: observes Popen, never replaces it.

    GitPython imported Popen by name, so its module is watched as well as subprocess (which run() uses).
    """

    def __init__(self):
        self.started = []

    def __enter__(self):
        started, original = self.started, subprocess.Popen

        class Watched(original):
            def __init__(self, args, *rest, **options):
                started.append(args)
                super().__init__(args, *rest, **options)

        self.patches = [mock.patch.object(subprocess, 'Popen', Watched), mock.patch.object(git.cmd, 'Popen', Watched)]
        for patch in self.patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        for patch in self.patches:
            patch.stop()

    @property
    def git(self):
        return [args for args in self.started if 'git' in str(args[0] if isinstance(args, list | tuple) else args)]


class ProbeTest(TemporaryGitopsRootMixin, APITestCase):
    def setUp(self):
        super().setUp()
        probes.readiness.clear()
        self.addCleanup(probes.readiness.clear)
        self.client.logout()
        self.client.get(reverse(f'{API}live'))  # NetBox caches its configuration in Redis on a first request

    def ready(self):
        probes.readiness.clear()
        return self.client.get(reverse(f'{API}ready'))

    def assertUnreadyWithStatusOnly(self, response, *hidden):
        self.assertHttpStatus(response, status.HTTP_503_SERVICE_UNAVAILABLE)
        self.assertEqual(response.json(), {'status': 'unready'})
        for text in hidden:
            self.assertNotIn(text, response.content.decode())

    def test_liveness_answers_without_database_or_readiness_checks(self):
        database = connections['default']
        with (
            self.assertNumQueries(0),
            mock.patch.object(database, 'cursor', side_effect=OperationalError(DATABASE_DOWN)),
            mock.patch.object(probes, 'check_once', side_effect=AssertionError('liveness ran a readiness check')),
        ):
            response = self.client.get(reverse(f'{API}live'), HTTP_AUTHORIZATION='Bearer nbt_nothing.at-all')
        self.assertHttpStatus(response, status.HTTP_200_OK)
        self.assertEqual(response.json(), {'status': 'alive'})

    def test_ready_gives_a_status_only_to_anyone(self):
        response = self.ready()
        self.assertHttpStatus(response, status.HTTP_200_OK)
        self.assertEqual(response.json(), {'status': 'ready'})

    def test_fabric_content_problems_never_make_netbox_unready_and_no_fabric_is_looked_at(self):
        HedgehogFabric.objects.create(name='dc1')
        (self.gitops_root / 'dc1' / '.hnp' / 'manifest.yaml').unlink()
        (self.gitops_root / 'dc1' / 'raw' / 'broken.yaml').write_text('kind: [unclosed\n')
        with (
            GitProcesses() as processes,
            mock.patch('netbox_hedgehog.services.health.check_fabric', side_effect=AssertionError('health ran')),
            mock.patch.object(os, 'scandir', side_effect=AssertionError('a folder was listed')),
            mock.patch.object(os, 'walk', side_effect=AssertionError('a tree was walked')),
        ):
            response = self.ready()
        self.assertEqual(response.json(), {'status': 'ready'})
        self.assertEqual(processes.started, [])

    def test_database_down_is_unready_without_the_database_words(self):
        with mock.patch.object(connections['default'], 'cursor', side_effect=OperationalError(DATABASE_DOWN)):
            response = self.ready()
        self.assertUnreadyWithStatusOnly(response, 'FATAL', 'too many clients', '5432', 'Operational')

    def test_task_redis_down_is_unready(self):
        port = closed_port()
        queues = {name: {**queue, 'PORT': port} for name, queue in settings.RQ_QUEUES.items()}
        with override_settings(RQ_QUEUES=queues):
            response = self.ready()
        self.assertUnreadyWithStatusOnly(response, str(port), 'Connection', 'Error')
        self.assertHttpStatus(self.ready(), status.HTTP_200_OK)

    def test_gitops_root_missing_or_a_file_is_unready_without_its_path(self):
        for broken in (self.gitops_root / 'missing', self.gitops_root / 'a-file'):
            if broken.name == 'a-file':
                broken.write_text('x')
            with self.subTest(broken.name), self.plugin_root(broken):
                self.assertUnreadyWithStatusOnly(self.ready(), str(self.gitops_root))

    def test_a_read_only_gitops_root_is_unready(self):
        folder = Path(tempfile.mkdtemp(prefix='hedgehog-ro-'))
        self.addCleanup(folder.rmdir)
        mounted = subprocess.run(
            ['mount', '-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', str(folder)], capture_output=True, text=True
        )
        if mounted.returncode:
            self.skipTest(f'mounting a read-only tmpfs is not permitted here: {mounted.stderr.strip()}')
        self.addCleanup(subprocess.run, ['umount', str(folder)], check=True)
        with self.plugin_root(folder):
            self.assertUnreadyWithStatusOnly(self.ready(), str(folder))

    def plugin_root(self, root):
        plugin = {**settings.PLUGINS_CONFIG['netbox_hedgehog'], 'gitops_root': str(root)}
        return override_settings(PLUGINS_CONFIG={**settings.PLUGINS_CONFIG, 'netbox_hedgehog': plugin})

    def test_one_check_serves_every_caller_for_a_second(self):
        now = [100.0]
        check = probes.ReadinessCheck(clock=lambda: now[0])
        with self.assertNumQueries(1):
            self.assertTrue(check.ready())
            self.assertTrue(check.ready())
        now[0] += probes.FRESH_SECONDS
        with self.assertNumQueries(1):
            self.assertTrue(check.ready())

    def test_while_one_thread_checks_the_others_answer_the_recent_result_or_wait_for_it(self):
        now = [100.0]
        check = probes.ReadinessCheck(clock=lambda: now[0])
        check.last = (True, 100.0)
        now[0] += probes.FRESH_SECONDS + 1
        with check.checking:  # another thread is checking
            self.assertTrue(check.ready())
        # Nothing recent (a quiet spell): wait for the check under way and answer what it found.
        now[0] += probes.STALE_SECONDS
        check.checking.acquire()
        waiting = threading.Thread(target=lambda: answers.append(check.ready()))
        answers = []
        waiting.start()
        check.last = (False, now[0])
        check.checking.release()
        waiting.join(10)
        self.assertEqual(answers, [False])


class HealthSummaryTest(TemporaryGitopsRootMixin, APITestCase):
    url = reverse(f'{API}health')

    def setUp(self):
        super().setUp()
        self.dc1 = HedgehogFabric.objects.create(name='dc1')
        self.dc2 = HedgehogFabric.objects.create(name='dc2')
        (self.gitops_root / 'dc2' / '.hnp' / 'manifest.yaml').unlink()

    def test_anonymous_and_callers_without_view_permission_are_refused(self):
        self.assertHttpStatus(self.client.get(self.url), status.HTTP_403_FORBIDDEN)
        self.assertHttpStatus(self.client.get(self.url, **self.header), status.HTTP_403_FORBIDDEN)

    def test_stored_results_per_fabric_never_a_check_on_the_request(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        with mock.patch.object(health_jobs, 'check_fabric', side_effect=AssertionError('checked on the request')):
            before = self.client.get(self.url, **self.header).json()
        self.assertEqual(before['count'], 2)
        self.assertEqual(
            [(row['name'], row['status'], row['checked']) for row in before['results']],
            [
                ('dc1', None, None),
                ('dc2', None, None),
            ],
        )
        HealthCheckJob.enqueue(immediate=True)
        with mock.patch.object(health_jobs, 'check_fabric', side_effect=AssertionError('checked on the request')):
            after = {row['name']: row for row in self.client.get(self.url, **self.header).json()['results']}
        self.assertEqual((after['dc1']['status'], after['dc1']['score']), ('healthy', 100))
        self.assertEqual(after['dc2']['status'], 'unhealthy')
        self.assertEqual(after['dc2']['counts']['error'], 1)
        self.assertTrue(after['dc2']['checked'])
        self.assertEqual(after['dc2']['id'], self.dc2.pk)

    @override_settings(LOGIN_REQUIRED=False, EXEMPT_VIEW_PERMISSIONS=['*'])
    def test_anonymous_viewers_never_make_a_fabric_be_checked(self):
        self.client.logout()
        api = reverse(f'{API}hedgehogfabric-health', args=[self.dc1.pk])
        tab = reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[self.dc1.pk])
        check_now = reverse('plugins:netbox_hedgehog:hedgehogfabric_check_health', args=[self.dc1.pk])
        with (
            mock.patch('netbox_hedgehog.api.views.check_fabric', side_effect=AssertionError('checked')),
            mock.patch('netbox_hedgehog.health_jobs.check_fabric', side_effect=AssertionError('checked')),
        ):
            self.assertHttpStatus(self.client.get(api), status.HTTP_403_FORBIDDEN)
            for response in (self.client.get(tab), self.client.post(check_now)):
                self.assertHttpStatus(response, status.HTTP_302_FOUND)
                self.assertIn('/login/', response['Location'])
            # The stored summary is theirs to read where anonymous viewing is allowed.
            self.assertHttpStatus(self.client.get(self.url), status.HTTP_200_OK)

    def test_only_fabrics_the_caller_may_view(self):
        permission = ObjectPermission.objects.create(name='dc1 only', actions=['view'], constraints={'name': 'dc1'})
        permission.object_types.add(ObjectType.objects.get_for_model(HedgehogFabric))
        permission.users.add(self.user)
        names = [row['name'] for row in self.client.get(self.url, **self.header).json()['results']]
        self.assertEqual(names, ['dc1'])


class ReadinessUnderLoadTest(TemporaryGitopsRootMixin, LiveServerTestCase):
    """20 anonymous clients for a few seconds on a real threaded server, with 20 fabrics (one whose remote
    nobody answers): only 200/503, no git process, a bounded number of database connections."""

    host = '127.0.0.1'
    clients = 20
    seconds = 2.5
    # The check's own connection and the sampling one, with slack for NetBox's middleware reading its
    # configuration on a cold cache; the anonymous health check of old used one per client.
    extra_connections = 3

    def setUp(self):
        super().setUp()
        probes.readiness.clear()
        self.addCleanup(probes.readiness.clear)
        remote = make_bare_repository(Path(tempfile.mkdtemp(prefix='hedgehog-remote-')) / 'fabric.git')
        for n in range(19):
            HedgehogFabric.objects.create(name=f'dc{n:02d}')
        unreachable = HedgehogFabric.objects.create(name='far', git_remote_url=str(remote))
        HedgehogFabric.objects.filter(pk=unreachable.pk).update(
            git_remote_url=f'http://127.0.0.1:{closed_port()}/fabric.git'
        )
        (self.gitops_root / 'dc03' / 'raw' / 'broken.yaml').write_text('kind: [unclosed\n')

    def connections_now(self):
        with connection.cursor() as cursor:
            cursor.execute('SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()')
            return cursor.fetchone()[0]

    def test_twenty_anonymous_clients(self):
        urls = [f'{self.live_server_url}{reverse(f"{API}{name}")}' for name in ('ready', 'live')]
        answers, failures, stop = [], [], threading.Event()

        def client(n):
            url = urls[n % 4 == 3]  # three in four ask for readiness
            while not stop.is_set():
                try:
                    with urllib.request.urlopen(url, timeout=30) as response:
                        answers.append((response.status, response.read()))
                except urllib.error.HTTPError as error:
                    answers.append((error.code, error.read()))
                except OSError as error:
                    failures.append(repr(error))

        for url in urls:  # the server's first answers load code and caches: not what is measured here
            urllib.request.urlopen(url, timeout=30).read()
        before = self.connections_now()
        peak = before
        with GitProcesses() as processes:
            threads = [threading.Thread(target=client, args=(n,)) for n in range(self.clients)]
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + self.seconds
            while time.monotonic() < deadline:
                peak = max(peak, self.connections_now())
                time.sleep(0.05)
            stop.set()
            for thread in threads:
                thread.join(60)
        after = self.connections_now()

        self.assertEqual(failures, [])
        self.assertGreater(len(answers), self.clients)
        self.assertLessEqual({code for code, _ in answers}, {200, 503})
        statuses = {b'{"status":"ready"}', b'{"status":"unready"}', b'{"status":"alive"}'}
        self.assertLessEqual({body for _, body in answers}, statuses)
        self.assertEqual(processes.git, [])
        self.assertLessEqual(peak - before, self.extra_connections, (before, peak, after))
        self.assertLessEqual(after, before + 1, (before, peak, after))
