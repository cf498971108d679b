"""Issue 15, problem 4: `fix` restores, never discards.

managed/switchgroups/ (three SwitchGroups) deleted by accident, in a fabric without a git remote (the
files come back from the index) and with one (from git HEAD, byte for byte); a committed deletion lets
fix drop the rows; a person's "forget missing objects" drops them only once confirmed, and the dry run
lists it. Real trees, real git (a local bare remote), real PostgreSQL.
"""

import errno
import hashlib
import json
import shutil
from unittest import mock

import yaml
from core.models import Job
from django.test import TestCase
from django.urls import reverse
from rest_framework import status
from utilities.testing import APITestCase
from utilities.testing import TestCase as NetBoxTestCase

from netbox_hedgehog.health_jobs import FabricHealthJob
from netbox_hedgehog.jobs import RepairJob
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
from netbox_hedgehog.services import treefs
from netbox_hedgehog.services.health import check_fabric
from netbox_hedgehog.services.health_managed import MissingSource
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.repair import fix
from netbox_hedgehog.tests.git_helpers import git, make_bare_repository
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, run_command, snapshot

GROUPS = ('mclag-1', 'eslag-1', 'border')
PATHS = [f'managed/switchgroups/{name}.yaml' for name in GROUPS]
SWITCHGROUPS = """\
# Switch groups of rack 1: do not rename, the switches refer to them.
apiVersion: wiring.githedgehog.com/v1beta1
kind: SwitchGroup
metadata:
  name: mclag-1
  labels:
    rack: r1
spec: {}
---
apiVersion: wiring.githedgehog.com/v1beta1
kind: SwitchGroup
metadata:
  name: eslag-1
  namespace: default
spec: {}
---
apiVersion: wiring.githedgehog.com/v1beta1
kind: SwitchGroup
metadata:
  name: border
spec: {}
"""


class SwitchGroupsMixin(TemporaryGitopsRootMixin):
    """Fabric dc1 (without a remote) holding three ingested SwitchGroups."""

    def setUp(self):
        super().setUp()
        self.fabric = self.make_fabric()
        self.tree = self.fabric.layout().path
        (self.tree / 'raw' / 'switchgroups.yaml').write_text(SWITCHGROUPS)
        outcome = ingest(self.fabric, trigger='test')
        self.assertFalse(outcome.plan.rejected)
        self.originals = {path: (self.tree / path).read_bytes() for path in PATHS}
        self.rows = dict(self.fabric.resources.values_list('managed_path', 'pk'))
        self.assertEqual(sorted(self.rows), sorted(PATHS))

    def make_fabric(self):
        return HedgehogFabric.objects.create(name='dc1')

    def delete_folder(self):
        shutil.rmtree(self.tree / 'managed' / 'switchgroups')

    def assert_rows_kept(self):
        self.assertEqual(dict(self.fabric.resources.values_list('managed_path', 'pk')), self.rows)

    def missing_findings(self, report=None):
        report = report or check_fabric(self.fabric)
        return {f.file: f for f in report.findings if f.code in ('HEALTH_MANAGED_MISSING', 'HEALTH_INDEX_ROW_ORPHANED')}


class WithoutRemoteTest(SwitchGroupsMixin, TestCase):
    def test_health_says_each_file_is_restorable_from_the_index(self):
        self.delete_folder()
        report = check_fabric(self.fabric)
        findings = self.missing_findings(report)
        self.assertEqual(sorted(findings), sorted(PATHS))
        self.assertEqual({f.code for f in findings.values()}, {'HEALTH_MANAGED_MISSING'})
        self.assertTrue(all('from the index' in f.message for f in findings.values()))
        self.assertEqual({item.source for item in report.missing}, {MissingSource.INDEX})

    def test_fix_writes_the_files_back_from_the_index_and_keeps_the_rows(self):
        self.delete_folder()
        result = fix(self.fabric)
        self.assertEqual(result.exit_code, 0, result.refused)
        restored = {change.path: change.detail for change in result.changes if change.action == 'restore'}
        self.assertEqual(sorted(restored), sorted(PATHS))
        self.assertNotIn('drop', [change.action for change in result.changes])
        self.assert_rows_kept()
        for path in PATHS:
            data = (self.tree / path).read_bytes()
            written = yaml.safe_load(data)
            original = yaml.safe_load(self.originals[path])
            self.assertEqual(
                (written['apiVersion'], written['kind'], written['metadata']['name'], written['spec']),
                (original['apiVersion'], original['kind'], original['metadata']['name'], original['spec']),
            )
            row = HedgehogResource.objects.get(managed_path=path)
            self.assertEqual(row.sha256, hashlib.sha256(data).hexdigest())  # the row follows the written file
        # The index never held the author's comment or label: the repair says so instead of pretending.
        self.assertIn('comments, layout, labels and annotations are not restored', restored[PATHS[0]])
        self.assertNotIn(b'rack', (self.tree / PATHS[0]).read_bytes())
        self.assertEqual(result.after.status, 'healthy', result.after.findings)
        self.assertEqual(fix(self.fabric).changes, [])

    def test_dry_run_lists_the_restores_and_with_forget_the_forgets_and_changes_nothing(self):
        self.delete_folder()
        before = snapshot(self.tree)
        plan = fix(self.fabric, dry_run=True)
        self.assertEqual(sorted(c.path for c in plan.changes if c.action == 'restore'), sorted(PATHS))
        plan = fix(self.fabric, dry_run=True, forget_missing=True)
        self.assertEqual(sorted(c.path for c in plan.changes if c.action == 'forget'), sorted(PATHS))
        self.assertNotIn('restore', [c.action for c in plan.changes])
        self.assertEqual(snapshot(self.tree), before)
        self.assert_rows_kept()

    def test_forget_drops_only_the_confirmed_rows(self):
        self.delete_folder()
        result = fix(self.fabric, forget_missing=[PATHS[0]])
        self.assertEqual([c.path for c in result.changes if c.action == 'forget'], [PATHS[0]])
        self.assertEqual(sorted(c.path for c in result.changes if c.action == 'restore'), sorted(PATHS[1:]))
        self.assertEqual(sorted(self.fabric.resources.values_list('managed_path', flat=True)), sorted(PATHS[1:]))
        self.assertFalse((self.tree / PATHS[0]).exists())
        self.assertEqual(result.after.status, 'healthy', result.after.findings)

    def test_command_forget_missing_lists_in_the_dry_run_then_drops(self):
        self.delete_folder()
        code, out, _ = run_command('hedgehog', 'fix', 'dc1', '--dry-run', '--forget-missing')
        self.assertEqual(code, 0, out)
        for path in PATHS:
            self.assertIn(f'would forget   {path}', out)
        self.assert_rows_kept()
        code, out, _ = run_command('hedgehog', 'fix', 'dc1', '--forget-missing', '--json')
        self.assertEqual(code, 0, out)
        self.assertEqual(sorted(c['path'] for c in json.loads(out)['changes'] if c['action'] == 'forget'), PATHS[::-1])
        self.assertFalse(self.fabric.resources.exists())

    def test_command_without_forget_restores(self):
        self.delete_folder()
        code, out, _ = run_command('hedgehog', 'fix', 'dc1')
        self.assertEqual(code, 0, out)
        self.assertIn(f'restore  {PATHS[0]} (from the index', out)
        self.assertTrue(all((self.tree / path).is_file() for path in PATHS))

    def test_a_restore_that_cannot_write_is_refused_and_keeps_the_row(self):
        self.delete_folder()
        # The name is given to the written temporary last: a full disk there leaves nothing behind either.
        with mock.patch.object(treefs.Tree, 'link', side_effect=OSError(errno.ENOSPC, 'No space left on device')):
            result = fix(self.fabric)
        self.assertEqual(result.exit_code, 1)
        self.assertEqual(len(result.refused), 3, result.refused)
        self.assertIn('No space left on device', result.refused[0])
        self.assert_rows_kept()
        names = [path.name for path in (self.tree / 'managed' / 'switchgroups').iterdir()]
        self.assertEqual(names, ['.gitkeep'])  # no temporary left behind


class WithRemoteTest(SwitchGroupsMixin, TestCase):
    """The same fabric kept in git: a local bare repository is its remote."""

    def make_fabric(self):
        self.remote = make_bare_repository(self.gitops_root.parent / f'{self.gitops_root.name}-remote.git')
        self.addCleanup(shutil.rmtree, self.remote, ignore_errors=True)
        return HedgehogFabric.objects.create(name='dc1', git_remote_url=str(self.remote))

    def test_fix_restores_from_head_byte_for_byte(self):
        self.delete_folder()
        report = check_fabric(self.fabric)
        self.assertEqual({item.source for item in report.missing}, {MissingSource.GIT})
        self.assertTrue(all('from git HEAD' in f.message for f in self.missing_findings(report).values()))
        result = fix(self.fabric)
        self.assertEqual(result.exit_code, 0, result.refused)
        details = {c.path: c.detail for c in result.changes if c.action == 'restore'}
        self.assertEqual(sorted(details), sorted(PATHS))
        self.assertTrue(all('from git HEAD, byte-identical' in detail for detail in details.values()))
        for path in PATHS:
            self.assertEqual((self.tree / path).read_bytes(), self.originals[path])  # the comment and label too
        self.assert_rows_kept()
        copy = self.fabric.working_copy()
        self.assertEqual(git(copy.folder, 'status', '--porcelain'), '')  # the working copy is as committed
        self.assertEqual(result.after.status, 'healthy', result.after.findings)

    def test_a_committed_deletion_lets_fix_drop_the_rows(self):
        copy = self.fabric.working_copy()
        git(copy.folder, 'rm', '-r', '--quiet', f'{self.fabric.git_path}/managed/switchgroups')
        git(copy.folder, 'commit', '--quiet', '-m', 'retire the switch groups')
        git(copy.folder, 'push', '--quiet', 'origin', 'HEAD:main')
        findings = self.missing_findings()
        self.assertEqual({f.code for f in findings.values()}, {'HEALTH_INDEX_ROW_ORPHANED'})
        plan = fix(self.fabric, dry_run=True)
        self.assertEqual(sorted(c.path for c in plan.changes if c.action == 'drop'), sorted(PATHS))
        self.assert_rows_kept()
        result = fix(self.fabric)
        self.assertEqual(sorted(c.path for c in result.changes if c.action == 'drop'), sorted(PATHS))
        self.assertFalse(self.fabric.resources.exists())
        self.assertFalse((self.tree / 'managed' / 'switchgroups' / 'border.yaml').exists())

    def test_a_file_head_does_not_hold_comes_back_from_the_index(self):
        # An ingestion's commit that never happened (a crash before it, say): HEAD never held the file.
        copy = self.fabric.working_copy()
        git(copy.folder, 'reset', '--quiet', '--soft', 'HEAD~1')
        git(copy.folder, 'reset', '--quiet')
        self.delete_folder()
        self.assertEqual({item.source for item in check_fabric(self.fabric).missing}, {MissingSource.INDEX})
        result = fix(self.fabric)
        self.assertEqual(sorted(c.path for c in result.changes if c.action == 'restore'), sorted(PATHS))
        self.assert_rows_kept()


class ForgetPagesTest(SwitchGroupsMixin, NetBoxTestCase):
    """The Health tab says what applies to each missing file; forgetting has its own confirmation page."""

    def setUp(self):
        super().setUp()
        self.health_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[self.fabric.pk])
        self.forget_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_forget_missing', args=[self.fabric.pk])

    def forget_jobs(self):
        return Job.objects.filter(object_id=self.fabric.pk, name=RepairJob.name)

    def test_health_tab_lists_missing_files_with_restore_and_forget_buttons(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.change_hedgehogfabric')
        self.delete_folder()
        FabricHealthJob.enqueue(instance=self.fabric, immediate=True)  # the tab shows the latest check
        content = self.client.get(self.health_url).content.decode()
        self.assertIn('Missing managed files', content)
        self.assertIn('restorable from the index', content)
        self.assertIn(self.forget_url, content)
        for path in PATHS:
            self.assertIn(path, content)

    def test_the_forget_page_lists_them_and_a_post_needs_the_confirmation(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.change_hedgehogfabric')
        self.delete_folder()
        content = self.client.get(self.forget_url).content.decode()
        self.assertIn('Forget 3 objects', content)
        for path in PATHS:
            self.assertIn(f'name="path" value="{path}"', content)
        self.client.post(self.forget_url, {'path': PATHS})  # no confirm: nothing queued
        self.assertFalse(self.forget_jobs().exists())
        response = self.client.post(self.forget_url, {'path': PATHS[:1], 'confirm': 'true'})
        self.assertRedirects(response, self.health_url, fetch_redirect_response=False)
        job = self.forget_jobs().get()
        self.assertEqual(job.user, self.user)

    def test_the_forget_job_drops_only_the_confirmed_rows(self):
        self.delete_folder()
        job = RepairJob.enqueue(instance=self.fabric, immediate=True, forget=PATHS[:1])
        job.refresh_from_db()
        self.assertEqual(job.status, 'completed')
        self.assertEqual(sorted(self.fabric.resources.values_list('managed_path', flat=True)), sorted(PATHS[1:]))
        log = [entry['message'] for entry in job.log_entries]
        self.assertIn(f'forget: {PATHS[0]} SwitchGroup mclag-1: deletion confirmed', log)

    def test_forgetting_needs_change_permission(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        self.delete_folder()
        self.assertHttpStatus(self.client.get(self.forget_url), 403)
        self.assertHttpStatus(self.client.post(self.forget_url, {'path': PATHS, 'confirm': 'true'}), 403)
        self.assertFalse(self.forget_jobs().exists())

    def test_a_resource_page_whose_file_is_missing_offers_the_matching_action(self):
        self.add_permissions(
            'netbox_hedgehog.view_hedgehogresource',
            'netbox_hedgehog.view_hedgehogfabric',
            'netbox_hedgehog.change_hedgehogfabric',
        )
        self.delete_folder()
        row = HedgehogResource.objects.get(managed_path=PATHS[0])
        content = self.client.get(row.get_absolute_url()).content.decode()
        self.assertIn('is missing from the tree; this row still holds the object', content)
        self.assertIn('Fix writes it back from this row', content)
        self.assertIn(f'{self.forget_url}?path=managed%2Fswitchgroups%2Fmclag-1.yaml', content)


class ForgetApiTest(SwitchGroupsMixin, APITestCase):
    def setUp(self):
        super().setUp()
        self.url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-forget-missing', args=[self.fabric.pk])

    def post(self, data):
        return self.client.post(self.url, data, format='json', **self.header)

    def test_forget_needs_the_paths_and_change_permission(self):
        self.delete_folder()
        self.assertHttpStatus(self.post({'paths': PATHS}), status.HTTP_403_FORBIDDEN)
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        self.assertHttpStatus(self.post({}), status.HTTP_400_BAD_REQUEST)
        self.assertHttpStatus(self.post({'paths': 'managed/switchgroups/border.yaml'}), status.HTTP_400_BAD_REQUEST)
        self.assert_rows_kept()

    def test_dry_run_then_forget(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        self.delete_folder()
        response = self.post({'paths': PATHS[:2], 'dry_run': True})
        self.assertHttpStatus(response, status.HTTP_200_OK)
        forgotten = sorted(c['path'] for c in response.data['changes'] if c['action'] == 'forget')
        self.assertEqual(forgotten, PATHS[:2][::-1])
        self.assert_rows_kept()
        response = self.post({'paths': PATHS[:2]})
        self.assertHttpStatus(response, status.HTTP_200_OK)
        self.assertEqual(list(self.fabric.resources.values_list('managed_path', flat=True)), [PATHS[2]])
        self.assertTrue((self.tree / PATHS[2]).is_file())  # the one not named was written back
        # A path that is not missing (any more) is never forgotten, and the answer says so.
        response = self.post({'paths': [PATHS[2]]})
        self.assertIn('not a missing managed file', response.data['refused'][0])
        self.assertEqual(list(self.fabric.resources.values_list('managed_path', flat=True)), [PATHS[2]])
