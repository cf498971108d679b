"""Deleting a managed object from NetBox: its file kept in .hnp/deleted/ and removed, a run records it, the
index row goes (change-logged), and with a git remote the deletion is committed and pushed."""

from core.choices import ObjectChangeActionChoices
from core.models import ObjectChange
from django.test import TransactionTestCase
from django.urls import NoReverseMatch, reverse
from utilities.testing import TestCase

from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestionRun
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.lock import FabricLocked
from netbox_hedgehog.services.removal import delete_managed_object
from netbox_hedgehog.services.upload import UploadFailed, UploadRefused
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.faults import FaultsMixin
from netbox_hedgehog.tests.test_git import TREE, GitRemoteMixin
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, hold_lock_elsewhere


def ingested(fabric):
    (fabric.tree_path / 'raw' / 'wiring.yaml').write_text(samples.WIRING)
    ingest(fabric, trigger='test')
    return HedgehogResource.objects.get(fabric=fabric, kind='Server', name='server-01')


class DeleteServiceTestCase(FaultsMixin, TemporaryGitopsRootMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.server = ingested(self.fabric)
        self.managed = self.fabric.tree_path / self.server.managed_path
        self.text = self.managed.read_text()

    def test_file_kept_then_removed_run_recorded_row_gone(self):
        run = delete_managed_object(self.server, trigger='test')
        self.assertFalse(self.managed.exists())
        (entry,) = run.provenance
        self.assertEqual((entry['source'], entry['action']), ('managed/servers/server-01.yaml', 'delete'))
        self.assertRegex(entry['destination'], r'^\.hnp/deleted/managed--servers--server-01\.yaml\.\d+T\d+Z$')
        self.assertEqual((self.fabric.tree_path / entry['destination']).read_text(), self.text)
        self.assertEqual(run.counts['documents'], {'delete': 1})
        self.assertFalse(HedgehogResource.objects.filter(pk=self.server.pk).exists())
        again = ingest(self.fabric, trigger='test')  # nothing brings it back
        self.assertIsNone(again.run)
        self.assertFalse(HedgehogResource.objects.filter(kind='Server').exists())

    def test_a_disk_that_refuses_changes_nothing(self):
        self.immutable(self.managed.parent)
        with self.assertRaises(UploadFailed):
            delete_managed_object(self.server, trigger='test')
        self.assertEqual(self.managed.read_text(), self.text)
        self.assertTrue(HedgehogResource.objects.filter(pk=self.server.pk).exists())
        self.assertFalse(IngestionRun.objects.filter(trigger='test', counts__documents__delete=1).exists())
        self.assertFalse(any((self.fabric.tree_path / '.hnp' / 'deleted').glob('*')))

    def test_a_missing_file_is_health_s_to_handle(self):
        self.managed.unlink()
        with self.assertRaisesRegex(UploadRefused, 'already missing'):
            delete_managed_object(self.server, trigger='test')
        self.assertTrue(HedgehogResource.objects.filter(pk=self.server.pk).exists())


class DeleteLockTestCase(TemporaryGitopsRootMixin, TransactionTestCase):
    def test_not_while_an_ingestion_runs(self):
        fabric = HedgehogFabric.objects.create(name='dc1')
        server = ingested(fabric)
        hold_lock_elsewhere(self, fabric)
        with self.assertRaises(FabricLocked):
            delete_managed_object(server, trigger='test')
        self.assertTrue((fabric.tree_path / server.managed_path).is_file())


class DeleteWithRemoteTestCase(GitRemoteMixin, TestCase):
    def test_the_deletion_is_committed_and_pushed(self):
        fabric = self.create_fabric()
        (fabric.tree_path / 'raw' / 'wiring.yaml').write_text(samples.WIRING)
        ingest(fabric, trigger='test')
        server = HedgehogResource.objects.get(fabric=fabric, kind='Server')
        self.assertIn(f'{TREE}/managed/servers/server-01.yaml', self.remote_files())
        run = delete_managed_object(server, trigger='test')
        self.assertTrue(run.git_commit)
        self.assertEqual(run.git_error, '')
        self.assertEqual(self.remote_log()[0], 'hedgehog: delete Server server-01 (dc1)')
        self.assertNotIn(f'{TREE}/managed/servers/server-01.yaml', self.remote_files())


class DeleteViewTestCase(TemporaryGitopsRootMixin, TestCase):
    user_permissions = ('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.view_hedgehogresource')

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.server = ingested(self.fabric)
        self.url = reverse('plugins:netbox_hedgehog:hedgehogresource_delete', args=[self.server.pk])

    def test_view_only_users_cannot_delete(self):
        self.assertNotIn(self.url, self.client.get(self.server.get_absolute_url()).content.decode())
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.client.post(self.url).status_code, 403)
        self.assertTrue(HedgehogResource.objects.filter(pk=self.server.pk).exists())

    def test_delete_after_confirming_is_change_logged_with_its_run(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        self.assertIn(self.url, self.client.get(self.server.get_absolute_url()).content.decode())
        self.assertContains(self.client.get(self.url), '<code>managed/servers/server-01.yaml</code> leaves managed/')
        response = self.client.post(self.url)
        run = IngestionRun.objects.get(counts__documents__delete=1)
        self.assertRedirects(response, self.fabric.get_absolute_url())
        self.assertEqual((run.trigger, run.user), ('ui', self.user))
        change = ObjectChange.objects.get(
            action=ObjectChangeActionChoices.ACTION_DELETE, changed_object_type__model='hedgehogresource'
        )
        self.assertEqual(change.changed_object_id, self.server.pk)
        self.assertEqual(change.user, self.user)
        self.assertFalse((self.fabric.tree_path / 'managed' / 'servers' / 'server-01.yaml').exists())

    def test_there_is_still_no_generic_edit(self):
        with self.assertRaises(NoReverseMatch):
            reverse('plugins:netbox_hedgehog:hedgehogresource_edit', args=[self.server.pk])
