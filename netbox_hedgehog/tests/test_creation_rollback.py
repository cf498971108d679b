"""Issue 15, problem 5: a fabric creation that does not commit leaves nothing at the fabric's path.

TransactionTestCases: the transactions here commit and roll back for real, so the tree is built out of
sight (gitops/staging.py) and moved into place by the real on-commit hook, and a rollback's cleanup is
the real one. A CSV import whose second row is bad, and a script's `transaction.atomic()` block that
raises after the save, leave no folder, no manifest and no staging folder; a normal creation (shell,
form, API, with or without a git remote) has its tree right after the commit; a move into place that
fails at commit leaves a fabric that says so and that `hedgehog onboard` or `fix` finishes; the folder
a crashed creation leaves is reported by health and removed by fix.
"""

import shutil
from unittest import mock

from django.db import transaction
from django.test import TransactionTestCase
from django.urls import reverse
from users.models import User

from netbox_hedgehog.choices import GitOpsStatusChoices
from netbox_hedgehog.core.tree import TreeLayout, read_manifest
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services import fabrics, staging
from netbox_hedgehog.services.health import check_fabric
from netbox_hedgehog.services.repair import fix
from netbox_hedgehog.tests.git_helpers import make_bare_repository
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, run_command

IMPORT_URL = 'plugins:netbox_hedgehog:hedgehogfabric_bulk_import'


class Aborted(Exception):
    """A script's own error after the save."""


class CreationTestMixin(TemporaryGitopsRootMixin):
    def entries(self):
        """Everything directly under gitops_root, hidden staging folders included."""
        return sorted(path.name for path in self.gitops_root.iterdir())

    def assert_tree_in_place(self, fabric, gitops_path=None):
        fabric.refresh_from_db()
        layout = fabric.layout()
        for directory in layout.directories():
            self.assertTrue(directory.is_dir(), f'{directory} missing')
        manifest = read_manifest(layout.manifest)
        self.assertEqual((manifest.fabric_name, manifest.fabric_id), (fabric.name, fabric.pk))
        self.assertEqual(fabric.gitops_status, GitOpsStatusChoices.INITIALIZED)
        self.assertEqual(staging.find(self.gitops_root), [])

    def login(self):
        user = User.objects.create_superuser('admin', 'admin@example.com', 'secret')
        self.client.force_login(user)


class RolledBackCreationTest(CreationTestMixin, TransactionTestCase):
    # Each TransactionTestCase test flushes NetBox's whole database (seconds): several cases per test.

    def test_csv_import_whose_second_row_is_bad_leaves_no_folder(self):
        self.login()
        response = self.client.post(
            reverse(IMPORT_URL),
            {'data': 'name,gitops_path\ndc1,\nBad Name,eu/bad\n', 'format': 'csv', 'csv_delimiter': 'auto'},
        )
        self.assertEqual(response.status_code, 200)  # the form again, with the row's error
        self.assertFalse(HedgehogFabric.objects.exists())
        self.assertEqual(self.entries(), [])

    def test_scripts_whose_atomic_block_raises_after_the_save_leave_no_folder_and_no_manifest(self):
        seen = {}
        with self.assertRaises(Aborted), transaction.atomic():
            fabric = HedgehogFabric.objects.create(name='dc1')
            # Out of sight until the commit: nothing at the fabric's path, the tree in a hidden folder.
            seen['final'] = (self.gitops_root / 'dc1').exists()
            seen['staged'] = [staged.name for staged in staging.find(self.gitops_root)]
            raise Aborted(fabric.pk)
        self.assertFalse(seen['final'])
        self.assertEqual(len(seen['staged']), 1)
        self.assertTrue(seen['staged'][0].startswith('.dc1.hnp-staging-'))
        self.assertFalse(HedgehogFabric.objects.exists())
        self.assertEqual(self.entries(), [])
        self.assertEqual(list(self.gitops_root.rglob('manifest.yaml')), [])

        # With a git remote: no working copy stays (the remote keeps the initial commit, which the next
        # creation at that path takes over: its manifest names a fabric that does not exist).
        remote = make_bare_repository(self.gitops_root.parent / f'{self.gitops_root.name}-remote.git')
        self.addCleanup(shutil.rmtree, remote, ignore_errors=True)
        with self.assertRaises(Aborted), transaction.atomic():
            HedgehogFabric.objects.create(name='dc1', git_remote_url=str(remote))
            self.assertFalse((self.gitops_root / 'dc1').exists())
            raise Aborted
        self.assertEqual(self.entries(), [])

        # A rolled-back savepoint takes its fabric's folder; the outer creation keeps its own.
        with transaction.atomic():
            kept = HedgehogFabric.objects.create(name='dc2')
            with self.assertRaises(Aborted), transaction.atomic():
                HedgehogFabric.objects.create(name='dc3')
                raise Aborted
        self.assertEqual(list(HedgehogFabric.objects.values_list('name', flat=True)), ['dc2'])
        self.assertEqual(self.entries(), ['dc2'])
        self.assert_tree_in_place(kept)

    def test_a_rolled_back_creation_in_a_folder_already_there_undoes_only_what_it_made(self):
        folder = self.gitops_root / 'dc1'
        folder.mkdir()
        (folder / 'wiring.yaml').write_text('kind: Switch\n')
        (folder / 'notes.txt').write_text('mine\n')
        with self.assertRaises(Aborted), transaction.atomic():
            HedgehogFabric.objects.create(name='dc1')
            self.assertTrue((folder / 'raw' / 'wiring.yaml').exists())  # adopted in place
            raise Aborted
        self.assertEqual(sorted(path.name for path in folder.iterdir()), ['notes.txt', 'wiring.yaml'])
        self.assertEqual((folder / 'wiring.yaml').read_text(), 'kind: Switch\n')

        # Errors known before the commit still reach the caller, and nothing is staged.
        (folder / 'managed').write_text('a file where a directory belongs\n')
        with self.assertRaises(fabrics.FabricTreeError):
            HedgehogFabric.objects.create(name='dc1')
        self.assertFalse(HedgehogFabric.objects.exists())
        self.assertEqual(self.entries(), ['dc1'])


class CommittedCreationTest(CreationTestMixin, TransactionTestCase):
    def test_shell_form_and_api_creations_have_their_tree_right_after_the_commit(self):
        fabric = HedgehogFabric.objects.create(name='dc1', gitops_path='eu/dc1')
        self.assert_tree_in_place(fabric)
        self.login()
        response = self.client.post(reverse('plugins:netbox_hedgehog:hedgehogfabric_add'), {'name': 'dc2'})
        self.assertEqual(response.status_code, 302)
        self.assert_tree_in_place(HedgehogFabric.objects.get(name='dc2'))
        response = self.client.post(
            reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-list'),
            {'name': 'dc3'},
            content_type='application/json',
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assert_tree_in_place(HedgehogFabric.objects.get(name='dc3'))
        self.assertEqual(self.entries(), ['dc2', 'dc3', 'eu'])

    def test_a_creation_with_a_git_remote_has_its_working_copy_in_place(self):
        remote = make_bare_repository(self.gitops_root.parent / f'{self.gitops_root.name}-remote.git')
        self.addCleanup(shutil.rmtree, remote, ignore_errors=True)
        fabric = HedgehogFabric.objects.create(name='dc1', git_remote_url=str(remote))
        self.assert_tree_in_place(fabric)
        self.assertTrue(fabric.working_copy().exists)
        report = check_fabric(fabric)
        self.assertEqual(report.status, 'healthy', report.findings)


class FailedMoveTest(CreationTestMixin, TransactionTestCase):
    """The move into place fails at commit: the row is committed, so the fabric says so and is finished later."""

    def create_with_a_failing_move(self, name):
        with mock.patch.object(staging, 'move_into_place', side_effect=OSError(28, 'No space left on device')):
            fabric = HedgehogFabric.objects.create(name=name)
        fabric.refresh_from_db()
        return fabric

    def test_the_fabric_shows_it_and_onboard_or_fix_finish_the_move(self):
        fabric = self.create_with_a_failing_move('dc1')
        self.assertEqual(fabric.gitops_status, GitOpsStatusChoices.FAILED)
        self.assertFalse((self.gitops_root / 'dc1').exists())
        codes = {finding.code: finding for finding in check_fabric(fabric).findings}
        self.assertIn('HEALTH_TREE_STAGED', codes)
        self.assertTrue(codes['HEALTH_TREE_STAGED'].file.startswith('.dc1.hnp-staging-'))
        self.assertNotIn('HEALTH_STAGING_LEFTOVER', codes)  # a committed fabric's tree is never swept
        code, out, _ = run_command('hedgehog', 'onboard', 'dc1')
        self.assertEqual(code, 0, out)
        self.assert_tree_in_place(fabric)

        other = self.create_with_a_failing_move('dc2')
        plan = fix(other, dry_run=True)
        self.assertIn('finish', [change.action for change in plan.changes])
        self.assertFalse((self.gitops_root / 'dc2').exists())
        result = fix(other)
        self.assertEqual(result.exit_code, 0, result.refused)
        self.assert_tree_in_place(other)
        self.assertEqual(result.after.status, 'healthy', result.after.findings)


class CrashLeftoverTest(CreationTestMixin, TransactionTestCase):
    """A process that dies inside the creating transaction runs no hook: its staging folder stays."""

    def leave_a_staging_folder(self, name):
        with mock.patch.object(fabrics, 'when_committed'), self.assertRaises(Aborted), transaction.atomic():
            HedgehogFabric.objects.create(name=name)
            raise Aborted
        (leftover,) = [staged for staged in staging.find(self.gitops_root) if staged.fabric_name == name]
        return leftover

    def test_health_reports_it_fix_and_the_next_creation_remove_it_a_running_one_is_left_alone(self):
        leftover = self.leave_a_staging_folder('gone')
        fabric = HedgehogFabric.objects.create(name='dc1')
        report = check_fabric(fabric)
        findings = [f for f in report.findings if f.code == 'HEALTH_STAGING_LEFTOVER']
        self.assertEqual([f.file for f in findings], [leftover.name])
        self.assertEqual(report.status, 'healthy')  # info: the fabric itself is fine
        plan = fix(fabric, dry_run=True)
        self.assertEqual([(c.action, c.path) for c in plan.changes], [('sweep', leftover.name)])
        self.assertTrue(leftover.path.exists())
        fix(fabric)
        self.assertFalse(leftover.path.exists())
        self.assertEqual(self.entries(), ['dc1'])

        leftover = self.leave_a_staging_folder('dc2')
        again = HedgehogFabric.objects.create(name='dc2')
        self.assertFalse(leftover.path.exists())
        self.assert_tree_in_place(again)

        with transaction.atomic():
            HedgehogFabric.objects.create(name='busy')
            (running,) = [staged for staged in staging.find(self.gitops_root) if staged.fabric_name == 'busy']
            self.assertEqual(fabrics.staging_leftovers(self.gitops_root), [])
        self.assertFalse(running.path.exists())  # moved into place at the commit
        self.assertTrue(TreeLayout(self.gitops_root / 'busy').manifest.is_file())
