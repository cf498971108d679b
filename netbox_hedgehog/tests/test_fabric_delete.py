"""Deleting a fabric: its index rows, search-cache entries, runs and records go in bulk; its files stay.

Every way in (the delete page, bulk delete, the API, `fabric.delete()` and a queryset's delete in a
shell) ends in the same service (models/deletion.py), so the number of queries does not grow with the
fabric, and NetBox's change log holds the fabric's entry, saying what went with it, and its resources' deletions,
recorded in bulk.
"""

from core.choices import ObjectChangeActionChoices
from core.models import ObjectChange, ObjectType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from extras.models import CachedValue, JournalEntry, Tag
from rest_framework import status
from utilities.testing import APITestCase, TestCase

from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestedFile, IngestionRun
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.reindex import reindex
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

MANY = 2000


def servers_yaml(count):
    return ''.join(
        f'---\napiVersion: wiring.githedgehog.com/v1beta1\nkind: Server\nmetadata:\n  name: server-{n:05d}\n'
        f'spec:\n  description: server {n}\n'
        for n in range(count)
    ).encode()


def ingested_fabric(name, servers):
    """A fabric whose index holds `servers` Server rows, ingested from raw/ as a person would drop them."""
    fabric = HedgehogFabric.objects.create(name=name)
    (fabric.layout().raw / 'servers.yaml').write_bytes(servers_yaml(servers))
    outcome = ingest(fabric, trigger='test')
    assert not outcome.plan.rejected
    return fabric


class FabricRecordsMixin(TemporaryGitopsRootMixin):
    def setUp(self):
        super().setUp()
        self.fabric = ingested_fabric('fabric-big', MANY)
        self.resource_type = ObjectType.objects.get_for_model(HedgehogResource)
        self.tagged = resource = HedgehogResource.objects.filter(fabric=self.fabric).first()
        # What NetBox attaches to a row by content type goes with it, as the collector would take it.
        resource.tags.add(Tag.objects.create(name='Alpha', slug='alpha'))
        JournalEntry.objects.create(assigned_object=resource, comments='note')
        self.resource_ids = list(HedgehogResource.objects.filter(fabric=self.fabric).values_list('pk', flat=True))
        self.managed = sorted(self.fabric.layout().managed.rglob('*.yaml'))

    def assertFabricGone(self, fabric_id):
        self.assertFalse(HedgehogFabric.objects.filter(pk=fabric_id).exists())
        self.assertFalse(HedgehogResource.objects.filter(fabric_id=fabric_id).exists())
        self.assertFalse(IngestionRun.objects.filter(fabric_id=fabric_id).exists())
        self.assertFalse(IngestedFile.objects.filter(fabric_id=fabric_id).exists())
        self.assertFalse(
            CachedValue.objects.filter(object_type=self.resource_type, object_id__in=self.resource_ids).exists()
        )
        self.assertFalse(JournalEntry.objects.filter(assigned_object_type=self.resource_type).exists())
        self.assertFalse(Tag.objects.get(slug='alpha').extras_taggeditem_items.exists())
        # The files stay: managed/ is the truth, and a fabric's deletion never deletes what a person wrote.
        self.assertEqual(len(self.managed), MANY)
        self.assertTrue(all(path.is_file() for path in self.managed))

    def assertFabricDeletionLogged(self, fabric_id):
        changes = ObjectChange.objects.filter(action=ObjectChangeActionChoices.ACTION_DELETE)
        fabric_change = changes.get(changed_object_type=ObjectType.objects.get_for_model(HedgehogFabric))
        self.assertEqual(fabric_change.changed_object_id, fabric_id)
        self.assertIn(f'{MANY} resources', fabric_change.message)
        self.assertIn('ingestion runs', fabric_change.message)
        # The rows deleted in bulk are recorded in bulk beside the fabric's entry (without their data: the files stay).
        resource_changes = changes.filter(changed_object_type=self.resource_type)
        self.assertEqual(
            sorted(resource_changes.values_list('changed_object_id', flat=True)), sorted(self.resource_ids)
        )
        self.assertEqual(
            set(resource_changes.values_list('request_id', 'user', 'message')),
            {(fabric_change.request_id, fabric_change.user_id, 'deleted with fabric fabric-big')},
        )
        change = resource_changes.get(changed_object_id=self.tagged.pk)
        self.assertEqual((change.object_repr, change.prechange_data), ('Server/server-00000', None))


class FabricDeleteViewTestCase(FabricRecordsMixin, TestCase):
    user_permissions = ('netbox_hedgehog.delete_hedgehogfabric', 'netbox_hedgehog.view_hedgehogfabric')

    def test_delete_page_removes_every_record_and_logs_the_fabric(self):
        self.assertTrue(CachedValue.objects.filter(object_type=self.resource_type).exists())
        url = reverse('plugins:netbox_hedgehog:hedgehogfabric_delete', args=[self.fabric.pk])
        response = self.client.post(url, {'confirm': True})
        self.assertEqual(response.status_code, 302)
        self.assertFabricGone(self.fabric.pk)
        self.assertFabricDeletionLogged(self.fabric.pk)

    def test_confirmation_counts_the_dependents_without_loading_them(self):
        url = reverse('plugins:netbox_hedgehog:hedgehogfabric_delete', args=[self.fabric.pk])
        response = self.client.get(url, headers={'HX-Request': 'true'})
        self.assertEqual(response.status_code, 200)
        dependents = {model: len(count) for model, count in response.context['dependent_objects'].items()}
        self.assertEqual(dependents[HedgehogResource], MANY)
        self.assertEqual(dependents[IngestionRun], 1)
        self.assertContains(response, f'{MANY}')

    def test_bulk_delete_removes_every_record(self):
        other = ingested_fabric('fabric-small', 3)
        self.add_permissions('netbox_hedgehog.delete_hedgehogfabric')
        url = reverse('plugins:netbox_hedgehog:hedgehogfabric_bulk_delete')
        response = self.client.post(url, {'pk': [self.fabric.pk, other.pk], 'confirm': True, '_confirm': True})
        self.assertEqual(response.status_code, 302)
        self.assertFabricGone(self.fabric.pk)
        self.assertFalse(HedgehogResource.objects.exists())


class FabricDeleteAPITestCase(FabricRecordsMixin, APITestCase):
    def test_api_delete_removes_every_record_and_logs_the_fabric(self):
        self.add_permissions('netbox_hedgehog.delete_hedgehogfabric', 'netbox_hedgehog.view_hedgehogfabric')
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-detail', args=[self.fabric.pk])
        response = self.client.delete(url, **self.header)
        self.assertEqual(response.status_code, status.HTTP_204_NO_CONTENT)
        self.assertFabricGone(self.fabric.pk)
        self.assertFabricDeletionLogged(self.fabric.pk)


class FabricDeleteShellTestCase(FabricRecordsMixin, TestCase):
    def test_model_delete_removes_every_record_and_reports_them(self):
        deleted, by_label = self.fabric.delete()
        self.assertEqual(by_label['netbox_hedgehog.HedgehogResource'], MANY)
        self.assertEqual(by_label['netbox_hedgehog.IngestionRun'], 1)
        self.assertEqual(by_label['netbox_hedgehog.IngestedFile'], 1)
        self.assertFabricGone(self.fabric.pk)

    def test_queryset_delete_removes_every_record(self):
        HedgehogFabric.objects.filter(pk=self.fabric.pk).delete()
        self.assertFabricGone(self.fabric.pk)

    def test_queries_do_not_grow_with_the_fabric(self):
        small = ingested_fabric('fabric-small', 3)
        counts = []
        for fabric in (small, self.fabric):
            with CaptureQueriesContext(connection) as queries:
                fabric.delete()
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])


class ReindexDeleteTestCase(FabricRecordsMixin, TestCase):
    def test_reindex_drops_the_rows_of_removed_files_in_bulk(self):
        removed = self.managed[: MANY // 2]
        for path in removed:
            path.unlink()
        with CaptureQueriesContext(connection) as queries:
            result = reindex(self.fabric, drop_missing=True)  # the deletions are intended (a commit, a person)
        self.assertEqual(len(result.deleted), len(removed))
        self.assertLess(len(queries), 50)
        remaining = HedgehogResource.objects.filter(fabric=self.fabric)
        self.assertEqual(remaining.count(), MANY - len(removed))
        self.assertEqual(
            CachedValue.objects.filter(object_type=self.resource_type).values('object_id').distinct().count(),
            MANY - len(removed),
        )
