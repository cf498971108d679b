"""Fabrics with a git remote: onboarding, ingestion, health and the entry points, against real git.

Remotes are local bare repositories; "a person" is another clone made with the git command line,
pushing raw files the way a network engineer would.
"""

import os
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from rest_framework import status
from utilities.testing import APITestCase, TestCase

from netbox_hedgehog.core.exit_codes import NOT_PUSHED
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestionRun
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.services.fabrics import FabricTreeError
from netbox_hedgehog.services.health import check_fabric
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.lock import fabric_lock
from netbox_hedgehog.tests.git_helpers import Person, git, make_bare_repository
from netbox_hedgehog.tests.ingestion_samples import HALF_INVALID, WIRING, vpc
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, run_command

TREE = 'fabrics/dc1/gitops'


class GitRemoteMixin(TemporaryGitopsRootMixin):
    def setUp(self):
        super().setUp()
        self.scratch = Path(tempfile.mkdtemp(prefix='hedgehog-git-'))
        self.addCleanup(shutil.rmtree, self.scratch, ignore_errors=True)
        self.remote = make_bare_repository(self.scratch / 'fabrics.git')

    def create_fabric(self, **fields):
        return HedgehogFabric.objects.create(name='dc1', git_remote_url=str(self.remote), **fields)

    def person(self, name='pat'):
        return Person(self.remote, self.scratch / name, TREE)

    def remote_log(self):
        return git(self.remote, 'log', '--format=%s', 'main').splitlines()

    def remote_files(self):
        return git(self.remote, 'ls-tree', '-r', '--name-only', 'main').split()

    def remote_head(self):
        return git(self.remote, 'rev-parse', 'main').strip()


class OnboardingWithRemoteTest(GitRemoteMixin, TestCase):
    def test_a_new_fabric_clones_commits_its_tree_and_pushes(self):
        fabric = self.create_fabric()
        self.assertEqual((fabric.git_branch, fabric.git_path), ('main', TREE))
        self.assertTrue((self.gitops_root / 'dc1' / '.git').is_dir())
        self.assertEqual(fabric.tree_path, self.gitops_root / 'dc1' / TREE)
        self.assertTrue(fabric.layout().manifest.is_file())
        self.assertEqual(self.remote_log(), ['hedgehog: onboard fabric dc1'])
        files = self.remote_files()
        self.assertIn(f'{TREE}/.hnp/manifest.yaml', files)
        # Every empty directory travels with a .gitkeep, so a clone has the whole tree.
        for directory in ('raw', 'unmanaged', 'managed/vpcs', 'managed/switches', 'managed/vlannamespaces'):
            self.assertIn(f'{TREE}/{directory}/.gitkeep', files)

    def test_an_unreachable_remote_leaves_no_row_and_no_folder(self):
        with self.assertRaises(FabricTreeError) as raised:
            HedgehogFabric.objects.create(name='dc1', git_remote_url=str(self.scratch / 'missing.git'))
        self.assertIn('does not appear to be a git repository', str(raised.exception))
        self.assertFalse(HedgehogFabric.objects.filter(name='dc1').exists())
        self.assertFalse((self.gitops_root / 'dc1').exists())

    def test_a_repository_that_already_holds_the_tree_is_adopted_and_its_raw_files_queued(self):
        self.person().push({'raw/wiring.yaml': WIRING})
        fabric = self.create_fabric()
        self.assertTrue((fabric.tree_path / 'raw' / 'wiring.yaml').is_file())
        self.assertEqual(fabric.jobs.filter(name='Hedgehog ingestion').count(), 1)

    def test_a_url_with_a_password_is_refused(self):
        fabric = HedgehogFabric(name='dc1', git_remote_url='https://bot:hunter2@git.example.com/f.git')
        with self.assertRaises(ValidationError) as raised:
            fabric.full_clean()
        self.assertIn('configured by the NetBox administrator', str(raised.exception.message_dict['git_remote_url']))

    def test_the_tree_cannot_move_to_another_branch_or_lose_its_remote(self):
        fabric = self.create_fabric()
        for field, value in (('git_branch', 'other'), ('git_path', 'elsewhere'), ('git_remote_url', '')):
            changed = HedgehogFabric.objects.get(pk=fabric.pk)
            setattr(changed, field, value)
            with self.subTest(field=field), self.assertRaises(ValidationError) as raised:
                changed.full_clean()
            self.assertIn('moving a tree is not supported', str(raised.exception))
            # The editor is told where the tree is relative to gitops_root, never the server's folders.
            self.assertNotIn(str(gitops_root()), str(raised.exception))
        # A new URL for the same repository (the server moved) is fine.
        moved = self.scratch / 'moved.git'
        shutil.copytree(self.remote, moved)
        fabric.git_remote_url = str(moved)
        fabric.full_clean()

    def test_a_local_fabric_cannot_be_given_a_remote_later(self):
        fabric = HedgehogFabric.objects.create(name='dc1')
        fabric.git_remote_url = str(self.remote)
        with self.assertRaises(ValidationError) as raised:
            fabric.full_clean()
        self.assertIn('A remote can only be given to a new fabric', str(raised.exception))


class IngestionWithRemoteTest(GitRemoteMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.fabric = self.create_fabric()
        self.pat = self.person()

    def test_a_run_pulls_ingests_and_pushes_one_commit_that_says_what_changed(self):
        self.pat.push({'raw/wiring.yaml': WIRING, 'raw/vpc.yaml': vpc()})
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 0)
        self.assertTrue(outcome.git.pushed)
        self.assertEqual(len(self.remote_log()), 3)
        self.assertEqual(self.remote_log()[0], 'hedgehog: ingest dc1: 4 created')
        body = git(self.remote, 'log', '-1', '--format=%b', 'main')
        self.assertIn(f'NetBox ingestion run: {outcome.run.pk}', body)
        files = self.remote_files()
        self.assertIn(f'{TREE}/managed/switches/leaf-01.yaml', files)
        self.assertIn(f'{TREE}/managed/vpcs/vpc-1.yaml', files)
        self.assertNotIn(f'{TREE}/raw/wiring.yaml', files)
        self.assertIn(f'{TREE}/raw/.gitkeep', files)  # raw/ survives being emptied
        outcome.run.refresh_from_db()
        self.assertEqual((outcome.run.git_commit, outcome.run.git_error), (self.remote_head(), ''))

    def test_a_run_with_nothing_to_do_makes_no_commit(self):
        self.pat.push({'raw/wiring.yaml': WIRING})
        ingest(self.fabric, trigger='test')
        head = self.remote_head()
        outcome = ingest(self.fabric, trigger='test')
        self.assertIsNone(outcome.git.commit)
        self.assertEqual(self.remote_head(), head)

    def test_a_rejected_file_is_committed_in_raw_for_people_to_see_and_the_run_exits_1(self):
        self.pat.push({'raw/half.yaml': HALF_INVALID})
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 1)
        self.assertIn(f'{TREE}/raw/half.yaml', self.remote_files())

    def test_a_file_changed_by_a_push_is_reindexed_before_planning(self):
        self.pat.push({'raw/vpc.yaml': vpc(1001)})
        ingest(self.fabric, trigger='test')
        self.pat.push({'managed/vpcs/vpc-1.yaml': vpc(1002)}, message='edit in git')
        ingest(self.fabric, trigger='test')
        self.assertEqual(HedgehogResource.objects.get(name='vpc-1').spec['subnets']['default']['vlan'], 1002)

    def test_a_diverged_history_stops_the_run_before_any_change(self):
        self.pat.push({'raw/theirs.yaml': vpc(1003)})
        copy = self.fabric.working_copy()
        (copy.tree / 'raw' / 'ours.yaml').write_text(vpc(1004))
        git(copy.folder, 'add', '--all')
        git(copy.folder, 'commit', '--quiet', '-m', 'a local commit never pushed')
        code, out, _ = run_command('hedgehog', 'ingest', 'dc1')
        self.assertEqual(code, NOT_PUSHED)
        self.assertIn('diverged', out)
        self.assertTrue((copy.tree / 'raw' / 'ours.yaml').is_file())
        self.assertFalse((copy.tree / 'raw' / 'theirs.yaml').exists())
        self.assertFalse(IngestionRun.objects.filter(fabric=self.fabric).exists())
        self.assertEqual(self.remote_log()[0], 'add YAML')
        codes = [finding.code for finding in check_fabric(self.fabric).findings]
        self.assertIn('HEALTH_GIT_DIVERGED', codes)

    def test_a_push_rejected_because_someone_pushed_meanwhile_is_retried_after_a_pull(self):
        self.pat.push({'raw/wiring.yaml': WIRING})
        pushed_meanwhile = []

        def push_during_the_run(step, done, total):
            if not pushed_meanwhile:
                pushed_meanwhile.append(True)
                self.pat.push({'raw/vpc.yaml': vpc()}, message='pushed during the run')

        outcome = ingest(self.fabric, trigger='test', progress=push_during_the_run)
        self.assertTrue(outcome.git.pushed and outcome.git.retried)
        self.assertEqual(self.remote_log()[:2], ['hedgehog: ingest dc1: 3 created', 'pushed during the run'])
        # The file pushed meanwhile waits in raw/ for the next run, which takes it.
        self.assertTrue((self.fabric.tree_path / 'raw' / 'vpc.yaml').is_file())
        ingest(self.fabric, trigger='test')
        self.assertEqual(self.remote_log()[0], 'hedgehog: ingest dc1: 1 created')

    def test_an_unreachable_remote_keeps_the_commit_and_the_next_run_pushes_it(self):
        self.pat.push({'raw/wiring.yaml': WIRING})
        away = self.scratch / 'away.git'

        def remote_goes_away(step, done, total):
            if self.remote.exists():
                self.remote.rename(away)

        outcome = ingest(self.fabric, trigger='test', progress=remote_goes_away)
        self.assertEqual(outcome.exit_code, NOT_PUSHED)
        self.assertFalse(outcome.git.pushed)
        outcome.run.refresh_from_db()
        self.assertTrue(outcome.run.git_commit)
        self.assertIn('does not appear to be a git repository', outcome.run.git_error)
        self.assertEqual(HedgehogResource.objects.filter(fabric=self.fabric).count(), 3)  # the ingestion stands
        codes = {finding.code for finding in check_fabric(self.fabric).findings}
        self.assertTrue({'HEALTH_GIT_UNREACHABLE', 'HEALTH_GIT_AHEAD'} <= codes)
        away.rename(self.remote)
        outcome = ingest(self.fabric, trigger='test')
        self.assertTrue(outcome.git.pushed)
        self.assertEqual(self.remote_log()[0], 'hedgehog: ingest dc1: 3 created')

    def test_a_dry_run_neither_pulls_nor_commits(self):
        self.pat.push({'raw/wiring.yaml': WIRING})
        outcome = ingest(self.fabric, trigger='test', dry_run=True)
        self.assertIsNone(outcome.git)
        self.assertFalse((self.fabric.tree_path / 'raw' / 'wiring.yaml').exists())


class WorkingCopyHealthTest(GitRemoteMixin, TestCase):
    def codes(self, fabric):
        return {finding.code for finding in check_fabric(fabric).findings if finding.code.startswith('HEALTH_GIT')}

    def test_a_fresh_fabric_has_no_git_finding(self):
        self.assertEqual(self.codes(self.create_fabric()), set())

    def test_dirty_behind_and_not_cloned(self):
        fabric = self.create_fabric()
        (fabric.tree_path / 'managed' / 'vpcs' / 'hand-edit.yaml').write_text(vpc())
        (fabric.tree_path / 'raw' / 'waiting.yaml').write_text(vpc())  # waiting in raw/ is not dirt
        self.person().push({'raw/other.yaml': vpc(1005)})
        report = check_fabric(fabric)
        dirty = next(finding for finding in report.findings if finding.code == 'HEALTH_GIT_DIRTY')
        self.assertIn('1 file(s)', dirty.message)
        self.assertIn('HEALTH_GIT_BEHIND', self.codes(fabric))
        shutil.rmtree(self.gitops_root / 'dc1')
        self.assertIn('HEALTH_GIT_NOT_CLONED', self.codes(fabric))

    def test_fix_clones_a_lost_working_copy_and_the_tree_comes_back_from_the_remote(self):
        fabric = self.create_fabric()
        self.person().push({'managed/vpcs/vpc-1.yaml': vpc()}, message='a managed file')
        shutil.rmtree(self.gitops_root / 'dc1')
        self.assertIn('HEALTH_GIT_NOT_CLONED', self.codes(fabric))
        code, out, _ = run_command('hedgehog', 'fix', 'dc1')
        self.assertIn('clone', out)
        self.assertTrue((fabric.tree_path / 'managed' / 'vpcs' / 'vpc-1.yaml').is_file())
        self.assertEqual(self.codes(fabric), set())


class TwoWorkersTest(GitRemoteMixin, TransactionTestCase):
    """Two RQ workers on two machines: the same database, each its own gitops_root and working copy."""

    def use_root(self, root):
        plugins = {**settings.PLUGINS_CONFIG}
        plugins['netbox_hedgehog'] = {**plugins['netbox_hedgehog'], 'gitops_root': str(root)}
        return override_settings(PLUGINS_CONFIG=plugins)

    def setUp(self):
        super().setUp()
        self.fabric = self.create_fabric()  # onboarded by the first machine, whose root is self.gitops_root
        self.second_root = self.scratch / 'second-machine'
        self.second_root.mkdir()

    def test_each_worker_pulls_the_others_commits(self):
        pat = self.person()
        pat.push({'raw/wiring.yaml': WIRING})
        first = ingest(self.fabric, trigger='worker-1')
        pat.push({'raw/vpc.yaml': vpc()})
        with self.use_root(self.second_root):
            second = ingest(self.fabric, trigger='worker-2')  # clones on first use, pulls worker 1's commit
            self.assertTrue((self.second_root / 'dc1' / TREE / 'managed' / 'switches' / 'leaf-01.yaml').is_file())
        third = ingest(self.fabric, trigger='worker-1')  # pulls worker 2's commit; nothing left to do
        self.assertEqual(
            [first.git.commit is not None, second.git.commit is not None, third.git.commit], [True, True, None]
        )
        self.assertTrue((self.gitops_root / 'dc1' / TREE / 'managed' / 'vpcs' / 'vpc-1.yaml').is_file())
        self.assertEqual(self.fabric.working_copy().state().head, self.remote_head())
        self.assertEqual(HedgehogResource.objects.filter(fabric=self.fabric).count(), 4)

    def test_concurrent_workers_serialize_on_the_database_lock(self):
        self.person().push({'raw/wiring.yaml': WIRING, 'raw/vpc.yaml': vpc()})
        with fabric_lock(self.fabric):  # a third party holds the fabric while both workers start
            children = [self.fork_worker(root) for root in (self.gitops_root, self.second_root)]
            time.sleep(0.5)
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
        self.assertEqual(codes, [0, 0])
        # One after the other, never both at once: the second pulled the first's commit and found raw/
        # empty, so it recorded no run (both at once would have ingested the same files twice).
        (run,) = IngestionRun.objects.filter(fabric=self.fabric)
        self.assertTrue(run.git_commit)
        self.assertEqual(git(self.remote, 'rev-list', '--count', 'main').strip(), '3')  # onboard, pat, one ingest

    def fork_worker(self, root):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                for connection in connections.all(initialized_only=True):
                    connection.connection = None
                with self.use_root(root):
                    ingest(HedgehogFabric.objects.get(pk=self.fabric.pk), trigger='worker', wait=30)
                code = 0
            finally:
                os._exit(code)
        return pid


class GitEntryPointsTest(GitRemoteMixin, APITestCase):
    def setUp(self):
        super().setUp()
        self.fabric = self.create_fabric()

    def test_test_connection_runs_ls_remote(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-test-connection', args=[self.fabric.pk])
        response = self.client.post(url, **self.header)
        self.assertHttpStatus(response, status.HTTP_200_OK)
        self.assertTrue(response.data['ok'])
        self.assertEqual(response.data['head'], self.remote_head())
        self.remote.rename(self.scratch / 'gone.git')
        response = self.client.post(url, **self.header)
        self.assertFalse(response.data['ok'])
        self.assertIn('cannot reach', response.data['message'])

    def test_sync_ingest_answers_409_on_a_diverged_history(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        Person(self.remote, self.scratch / 'pat', TREE).push({'raw/a.yaml': vpc()})
        copy = self.fabric.working_copy()
        (copy.tree / 'raw' / 'b.yaml').write_text(vpc(1006))
        git(copy.folder, 'add', '--all')
        git(copy.folder, 'commit', '--quiet', '-m', 'local')
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-ingest', args=[self.fabric.pk])
        response = self.client.post(f'{url}?sync=true', **self.header)
        self.assertHttpStatus(response, status.HTTP_409_CONFLICT)
        self.assertEqual(response.data['git'], 'diverged')


class GitPagesTest(GitRemoteMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.fabric = self.create_fabric()

    def test_the_fabric_page_shows_the_remote_and_tests_the_connection(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.change_hedgehogfabric')
        page = self.client.get(self.fabric.get_absolute_url()).content.decode()
        self.assertIn(str(self.remote), page)
        self.assertIn(TREE, page)
        self.assertIn('Test connection', page)
        url = reverse('plugins:netbox_hedgehog:hedgehogfabric_test_connection', args=[self.fabric.pk])
        page = self.client.post(url, follow=True).content.decode()
        self.assertIn(f'branch main is at {self.remote_head()[:12]}', page)

    def test_a_local_fabric_page_has_no_git_panel(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.change_hedgehogfabric')
        local = HedgehogFabric.objects.create(name='local')
        page = self.client.get(local.get_absolute_url()).content.decode()
        self.assertNotIn('Test connection', page)
        self.assertNotIn('Path in repository', page)
