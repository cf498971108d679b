"""A new fabric gets its complete GitOps tree from every entry point, or fails leaving nothing behind."""

import json
import os
from unittest import mock

from core.models import Job
from dcim.models import Site
from django.conf import settings
from django.db.models.signals import post_save
from django.test import TestCase, override_settings
from django.urls import reverse
from rest_framework import status
from users.models import User
from utilities.testing import APITestCase
from utilities.testing import TestCase as NetBoxTestCase

from netbox_hedgehog import signals
from netbox_hedgehog.choices import GitOpsStatusChoices
from netbox_hedgehog.core.tree import TreeLayout, read_manifest
from netbox_hedgehog.jobs import IngestionJob
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services.fabrics import FabricTreeError
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, run_command, snapshot

ADD_URL = 'plugins:netbox_hedgehog:hedgehogfabric_add'
API_LIST_URL = 'plugins-api:netbox_hedgehog-api:hedgehogfabric-list'


class TreeAssertionsMixin(TemporaryGitopsRootMixin):
    def assertCompleteTree(self, fabric):
        layout = TreeLayout(self.gitops_root / fabric.gitops_path)
        for directory in layout.directories():
            self.assertTrue(directory.is_dir(), f'{directory} missing')
        manifest = read_manifest(layout.manifest)
        self.assertEqual((manifest.fabric_name, manifest.fabric_id), (fabric.name, fabric.pk))
        fabric.refresh_from_db()
        self.assertEqual(fabric.gitops_status, GitOpsStatusChoices.INITIALIZED)
        self.assertIsNotNone(fabric.last_initialized)

    def block_directory(self, gitops_path, relative='managed'):
        """A file where onboarding must create a directory: fails after other directories were made."""
        blocker = self.gitops_root / gitops_path / relative
        blocker.parent.mkdir(parents=True, exist_ok=True)
        blocker.write_text('user data\n')
        return blocker


class OrmOnboardingTest(TreeAssertionsMixin, TestCase):
    def test_created_fabric_gets_the_complete_tree(self):
        fabric = HedgehogFabric.objects.create(name='dc1')
        self.assertCompleteTree(fabric)

    def test_failure_leaves_no_row_no_new_directory_and_user_files_intact(self):
        (self.gitops_root / 'keep.txt').write_text('mine\n')
        self.block_directory('dc1', 'managed/vpcs')
        before = snapshot(self.gitops_root)
        with self.assertRaises(FabricTreeError) as caught:
            HedgehogFabric.objects.create(name='dc1')
        self.assertFalse(HedgehogFabric.objects.exists())
        self.assertEqual(snapshot(self.gitops_root), before)
        message = caught.exception.message
        # Shown to whoever saves the fabric: the path relative to gitops_root, no server path.
        self.assertIn('dc1/managed/vpcs', message)
        self.assertNotIn(str(self.gitops_root), message)
        self.assertIn('not a directory', message)

    def test_failure_of_the_exact_call_is_rolled_back(self):
        real_mkdir = os.mkdir
        calls = []

        def mkdir_failing_at_5(path, *args, **kwargs):
            calls.append(path)
            if len(calls) == 5:
                raise OSError(28, 'No space left on device', str(path))
            return real_mkdir(path, *args, **kwargs)

        with mock.patch('os.mkdir', mkdir_failing_at_5), self.assertRaises(FabricTreeError) as caught:
            HedgehogFabric.objects.create(name='dc1', gitops_path='site/dc1')
        self.assertFalse(HedgehogFabric.objects.exists())
        self.assertEqual(list(self.gitops_root.iterdir()), [])
        self.assertIn('No space left on device', caught.exception.message)
        # The folder that failed, named by the fabric's path relative to gitops_root: neither by its server path
        # nor by the staging folder the tree was built in out of sight until the commit.
        self.assertIn(f'cannot create directory site/dc1/managed/{calls[4]}: ', caught.exception.message)
        self.assertNotIn(str(self.gitops_root), caught.exception.message)
        self.assertNotIn('hnp-staging', caught.exception.message)

    def test_path_too_long_for_the_file_system_is_refused_cleanly(self):
        # A gitops_root this deep leaves no room for the tree's own paths under PATH_MAX (4096).
        deep_root = self.gitops_root.joinpath(*['d' * 250] * 16)
        deep_root.mkdir(parents=True)
        before = snapshot(self.gitops_root)
        plugins_config = {
            'netbox_hedgehog': {**settings.PLUGINS_CONFIG['netbox_hedgehog'], 'gitops_root': str(deep_root)}
        }
        with override_settings(PLUGINS_CONFIG=plugins_config), self.assertRaises(FabricTreeError) as caught:
            HedgehogFabric.objects.create(name='dc1', gitops_path=f'site/{"x" * 200}')
        self.assertFalse(HedgehogFabric.objects.exists())
        self.assertEqual(snapshot(self.gitops_root), before)
        self.assertIn('File name too long', caught.exception.message)

    def test_yaml_already_in_the_folder_is_adopted_and_ingestion_requested(self):
        folder = self.gitops_root / 'dc1'
        folder.mkdir()
        (folder / 'wiring.yaml').write_text('kind: Switch\n')
        with mock.patch('netbox_hedgehog.services.fabrics.request_ingestion') as request_ingestion:
            fabric = HedgehogFabric.objects.create(name='dc1')
        self.assertEqual((folder / 'raw' / 'wiring.yaml').read_text(), 'kind: Switch\n')
        self.assertFalse((folder / 'wiring.yaml').exists())
        request_ingestion.assert_called_once_with(fabric)

    def test_onboarding_with_files_in_raw_queues_one_ingestion_job(self):
        (self.gitops_root / 'dc1').mkdir()
        (self.gitops_root / 'dc1' / 'wiring.yaml').write_text('kind: Switch\n')
        fabric = HedgehogFabric.objects.create(name='dc1')
        self.assertEqual(Job.objects.filter(object_id=fabric.pk, name=IngestionJob.name).count(), 1)

    def test_empty_raw_requests_no_ingestion(self):
        with mock.patch('netbox_hedgehog.services.fabrics.request_ingestion') as request_ingestion:
            HedgehogFabric.objects.create(name='dc1')
        request_ingestion.assert_not_called()

    def test_adoption_collision_is_refused_and_nothing_moves(self):
        folder = self.gitops_root / 'dc1'
        (folder / 'raw').mkdir(parents=True)
        (folder / 'raw' / 'wiring.yaml').write_text('old\n')
        (folder / 'wiring.yaml').write_text('new\n')
        before = snapshot(self.gitops_root)
        with self.assertRaises(FabricTreeError) as caught:
            HedgehogFabric.objects.create(name='dc1')
        self.assertIn('wiring.yaml', caught.exception.message)
        self.assertEqual(snapshot(self.gitops_root), before)

    def test_deleting_a_fabric_keeps_its_files_and_a_new_fabric_can_take_them_over(self):
        fabric = HedgehogFabric.objects.create(name='dc1')
        raw_file = self.gitops_root / 'dc1' / 'raw' / 'wiring.yaml'
        raw_file.write_text('kind: Switch\n')
        fabric.delete()
        self.assertEqual(raw_file.read_text(), 'kind: Switch\n')
        again = HedgehogFabric.objects.create(name='dc1')
        self.assertCompleteTree(again)
        self.assertEqual(raw_file.read_text(), 'kind: Switch\n')

    def test_tree_of_a_living_fabric_is_never_taken_over(self):
        HedgehogFabric.objects.create(name='dc1', gitops_path='shared')
        manifest = TreeLayout(self.gitops_root / 'shared').manifest.read_bytes()
        HedgehogFabric.objects.filter(name='dc1').update(gitops_path='moved')  # a tree now claimed by nobody's path
        with self.assertRaises(FabricTreeError) as caught:
            HedgehogFabric.objects.create(name='dc2', gitops_path='shared')
        self.assertIn("belongs to fabric 'dc1'", caught.exception.message)
        self.assertEqual(TreeLayout(self.gitops_root / 'shared').manifest.read_bytes(), manifest)

    def test_updates_do_not_onboard_again(self):
        fabric = HedgehogFabric.objects.create(name='dc1')
        with mock.patch('netbox_hedgehog.signals.onboard_new_fabric') as onboard:
            fabric.description = 'changed'
            fabric.save()
        onboard.assert_not_called()


class SenderFilterTest(TemporaryGitopsRootMixin, TestCase):
    def test_only_fabric_saves_reach_the_receiver(self):
        with mock.patch('netbox_hedgehog.signals.onboard_new_fabric') as onboard:
            Site.objects.create(name='Site 1', slug='site-1')
            User.objects.create(username='someone')
            onboard.assert_not_called()
            fabric = HedgehogFabric.objects.create(name='dc1')
        onboard.assert_called_once_with(fabric)

    def test_receiver_is_registered_for_the_fabric_sender_only(self):
        self.assertIn(signals.initialize_tree, _receivers(HedgehogFabric))
        self.assertNotIn(signals.initialize_tree, _receivers(Site))


def _receivers(sender):
    sync_receivers, async_receivers = post_save._live_receivers(sender)
    return list(sync_receivers) + list(async_receivers)


class FormOnboardingTest(TreeAssertionsMixin, NetBoxTestCase):
    user_permissions = ('netbox_hedgehog.add_hedgehogfabric', 'netbox_hedgehog.view_hedgehogfabric')

    def test_ui_created_fabric_gets_the_complete_tree(self):
        response = self.client.post(reverse(ADD_URL), {'name': 'dc1', 'gitops_path': 'eu/dc1'})
        self.assertEqual(response.status_code, 302)
        self.assertCompleteTree(HedgehogFabric.objects.get(name='dc1'))

    def test_ui_shows_an_onboarding_failure_as_a_form_error(self):
        blocker = self.block_directory('dc1')
        before = snapshot(self.gitops_root)
        response = self.client.post(reverse(ADD_URL), {'name': 'dc1'})
        self.assertEqual(response.status_code, 200)
        content = response.content.decode()
        self.assertIn('GitOps tree not created', content)
        self.assertIn(str(blocker.relative_to(self.gitops_root)), content)
        self.assertNotIn(str(self.gitops_root), content)
        self.assertFalse(HedgehogFabric.objects.exists())
        self.assertEqual(snapshot(self.gitops_root), before)

    def test_ui_reports_a_missing_root_as_a_form_error_before_saving(self):
        self.gitops_root.rmdir()
        response = self.client.post(reverse(ADD_URL), {'name': 'dc1'})
        self.assertEqual(response.status_code, 200)
        self.assertIn('gitops_root', response.content.decode())
        self.assertFalse(HedgehogFabric.objects.exists())

    def test_ui_refuses_a_path_used_by_another_fabric_as_a_field_error(self):
        HedgehogFabric.objects.create(name='dc1')
        response = self.client.post(reverse(ADD_URL), {'name': 'dc2', 'gitops_path': 'dc1'})
        self.assertEqual(response.status_code, 200)
        self.assertIn('overlaps the tree of fabric', response.content.decode())

    def test_bulk_import_gives_each_fabric_its_tree(self):
        self.add_permissions('netbox_hedgehog.add_hedgehogfabric')
        csv = 'name,gitops_path\ndc1,\ndc2,eu/dc2\n'
        response = self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_bulk_import'),
            {'data': csv, 'format': 'csv', 'csv_delimiter': 'auto'},
        )
        self.assertEqual(response.status_code, 302)
        for name in ('dc1', 'dc2'):
            self.assertCompleteTree(HedgehogFabric.objects.get(name=name))

    def test_changing_the_path_of_a_fabric_with_a_tree_is_refused(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        fabric = HedgehogFabric.objects.create(name='dc1')
        response = self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_edit', args=[fabric.pk]),
            {'name': 'dc1', 'gitops_path': 'elsewhere'},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn('moving a tree is not supported', response.content.decode())
        fabric.refresh_from_db()
        self.assertEqual(fabric.gitops_path, 'dc1')

    def test_delete_page_says_the_files_stay(self):
        self.add_permissions('netbox_hedgehog.delete_hedgehogfabric')
        fabric = HedgehogFabric.objects.create(name='dc1')
        response = self.client.get(reverse('plugins:netbox_hedgehog:hedgehogfabric_delete', args=[fabric.pk]))
        self.assertIn('<code>dc1</code> under the plugin', response.content.decode())
        self.assertIn('stay on disk', response.content.decode())
        self.assertNotIn(str(self.gitops_root), response.content.decode())


class ApiOnboardingTest(TreeAssertionsMixin, APITestCase):
    def setUp(self):
        super().setUp()
        self.add_permissions('netbox_hedgehog.add_hedgehogfabric', 'netbox_hedgehog.view_hedgehogfabric')

    def test_api_created_fabric_gets_the_complete_tree(self):
        response = self.client.post(reverse(API_LIST_URL), {'name': 'dc1'}, format='json', **self.header)
        self.assertEqual(response.status_code, status.HTTP_201_CREATED)
        self.assertCompleteTree(HedgehogFabric.objects.get(pk=response.data['id']))

    def test_api_answers_400_with_path_and_reason_on_failure(self):
        blocker = self.block_directory('dc1')
        response = self.client.post(reverse(API_LIST_URL), {'name': 'dc1'}, format='json', **self.header)
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn(str(blocker.relative_to(self.gitops_root)), response.data['detail'])
        self.assertNotIn(str(self.gitops_root), response.data['detail'])
        self.assertIn('not a directory', response.data['detail'])
        self.assertFalse(HedgehogFabric.objects.exists())

    def test_api_refuses_a_path_escaping_the_root_through_a_symlink(self):
        outside = self.gitops_root.parent / f'{self.gitops_root.name}-outside'
        outside.mkdir()
        self.addCleanup(outside.rmdir)
        (self.gitops_root / 'escape').symlink_to(outside)
        response = self.client.post(
            reverse(API_LIST_URL), {'name': 'dc1', 'gitops_path': 'escape/dc1'}, format='json', **self.header
        )
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn('outside gitops_root', ' '.join(response.data['gitops_path']))
        self.assertNotIn(str(outside), ' '.join(response.data['gitops_path']))
        self.assertEqual(list(outside.iterdir()), [])


class OnboardCommandTest(TreeAssertionsMixin, TestCase):
    def test_onboard_repairs_and_is_idempotent(self):
        fabric = HedgehogFabric.objects.create(name='dc1')
        (self.gitops_root / 'dc1' / 'managed' / 'vpcs' / '.gitkeep').unlink()
        (self.gitops_root / 'dc1' / 'managed' / 'vpcs').rmdir()

        code, out, _ = run_command('hedgehog', 'onboard', 'dc1', '--dry-run')
        self.assertEqual(code, 0)
        self.assertIn('would create', out)
        self.assertFalse((self.gitops_root / 'dc1' / 'managed' / 'vpcs').exists())

        code, out, _ = run_command('hedgehog', 'onboard', 'dc1')
        self.assertEqual(code, 0)
        self.assertIn('create  ' + str(self.gitops_root / 'dc1' / 'managed' / 'vpcs'), out)
        self.assertCompleteTree(fabric)

        code, out, _ = run_command('hedgehog', 'onboard', 'dc1', '--json')
        self.assertEqual(code, 0)
        result = json.loads(out)
        self.assertEqual((result['ok'], result['changed'], result['created']), (True, False, []))

    def test_failure_exits_1_and_marks_the_fabric_failed(self):
        fabric = HedgehogFabric.objects.create(name='dc1')
        vpcs = self.gitops_root / 'dc1' / 'managed' / 'vpcs'
        (vpcs / '.gitkeep').unlink()
        vpcs.rmdir()
        vpcs.write_text('in the way\n')
        code, out, _ = run_command('hedgehog', 'onboard', 'dc1', '--json')
        self.assertEqual(code, 1)
        self.assertIn('not a directory', json.loads(out)['error'])
        fabric.refresh_from_db()
        self.assertEqual(fabric.gitops_status, GitOpsStatusChoices.FAILED)

    def test_failed_status_write_never_hides_the_onboarding_error(self):
        HedgehogFabric.objects.create(name='dc1')
        (self.gitops_root / 'dc1' / 'raw' / '.gitkeep').unlink()
        (self.gitops_root / 'dc1' / 'raw').rmdir()
        (self.gitops_root / 'dc1' / 'raw').write_text('in the way\n')
        with (
            mock.patch('django.db.models.query.QuerySet.update', side_effect=RuntimeError('db down')) as update,
            self.assertLogs('netbox_hedgehog.services.fabrics', 'ERROR'),
        ):
            code, out, _ = run_command('hedgehog', 'onboard', 'dc1')
        update.assert_called_once_with(gitops_status=GitOpsStatusChoices.FAILED)
        self.assertEqual(code, 1)
        self.assertIn('not a directory', out)

    def test_unknown_fabric_and_bad_option_exit_2(self):
        code, _, err = run_command('hedgehog', 'onboard', 'nope')
        self.assertEqual(code, 2)
        self.assertIn("no fabric named 'nope'", err)
        code, _, _ = run_command('hedgehog', 'onboard', 'dc1', '--bogus')
        self.assertEqual(code, 2)
