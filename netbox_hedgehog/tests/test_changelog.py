"""A resource's Changelog tab: each create, update and delete of its index row, with the run (or re-index) that
made it, though the rows are written in bulk (models/changelog.py)."""

from unittest import mock

from core.choices import ObjectChangeActionChoices
from core.models import ObjectChange, ObjectType
from django.urls import reverse
from extras.models import CachedValue
from rest_framework import status
from utilities.testing import APITestCase, TestCase

from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestionRun
from netbox_hedgehog.models.changelog import ResourceChanges, run_request_id
from netbox_hedgehog.search import HedgehogResourceIndex
from netbox_hedgehog.services import index_store
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.reindex import reindex
from netbox_hedgehog.services.removal import delete_managed_object
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

CREATE, UPDATE, DELETE = (
    ObjectChangeActionChoices.ACTION_CREATE,
    ObjectChangeActionChoices.ACTION_UPDATE,
    ObjectChangeActionChoices.ACTION_DELETE,
)


def resource_changes(**filters):
    return ObjectChange.objects.filter(
        changed_object_type=ObjectType.objects.get_for_model(HedgehogResource), **filters
    ).order_by('pk')


class ChangelogMixin(TemporaryGitopsRootMixin):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')

    def ingest(self, text, name='wiring.yaml', user=None):
        (self.fabric.tree_path / 'raw' / name).write_text(text)
        outcome = ingest(self.fabric, trigger='test', user=user)
        self.assertFalse(outcome.plan.rejected)
        return outcome.run

    def server(self):
        return HedgehogResource.objects.get(fabric=self.fabric, kind='Server', name='server-01')


class RunChangelogTestCase(ChangelogMixin, TestCase):
    # A view-only user: the resources, the fabric and NetBox's change records, nothing to change.
    user_permissions = (
        'netbox_hedgehog.view_hedgehogfabric',
        'netbox_hedgehog.view_hedgehogresource',
        'netbox_hedgehog.view_ingestionrun',
        'core.view_objectchange',
    )

    def test_an_ingestion_records_each_create_with_its_run(self):
        run = self.ingest(samples.WIRING, user=self.user)
        server = self.server()
        changes = resource_changes()
        self.assertEqual(changes.count(), 3)
        for change in changes:
            self.assertEqual(change.action, CREATE)
            self.assertEqual((change.user, change.user_name), (self.user, self.user.username))
            self.assertEqual(change.request_id, run_request_id(run))
            self.assertEqual(change.related_object, run)
            self.assertEqual(change.message, f'ingestion run {run.pk} of fabric dc1 (test)')
        change = changes.get(changed_object_id=server.pk)
        self.assertEqual(change.object_repr, 'Server/server-01')
        self.assertIsNone(change.prechange_data)
        # What NetBox would have recorded for a save of the row.
        self.assertEqual(change.postchange_data, server.serialize_object())

        url = reverse('plugins:netbox_hedgehog:hedgehogresource_changelog', args=[server.pk])
        self.assertEqual(url, f'/plugins/hedgehog/resources/{server.pk}/changelog/')
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, f'ingestion run {run.pk} of fabric dc1 (test)')
        self.assertContains(page, '>Created</span>')
        # The run's Changelog tab lists what it changed.
        page = self.client.get(reverse('plugins:netbox_hedgehog:ingestionrun_changelog', args=[run.pk]))
        for name in ('Server/server-01', 'Switch/leaf-01', 'Connection/server-01--unbundled--leaf-01'):
            self.assertContains(page, name)
        # The change record's own page (NetBox's) shows the data and the run as related object.
        page = self.client.get(change.get_absolute_url())
        self.assertContains(page, 'first server')
        self.assertContains(page, run.get_absolute_url())

    def test_rows_inserted_in_batches_each_get_their_change_record_and_search_entries(self):
        # One row per COPY: each batch is described (change records, search entries) while the next is formatted.
        # The file's name and a description hold what COPY's text format must escape.
        name = 'rack \\ one\t"tab".yaml'
        text = samples.WIRING.replace('description: leaf 1', 'description: "leaf \\\\ 1\\t\\n\\u00e9 \\"x\\""')
        text += '---\n' + samples.NAMESPACES
        with mock.patch.object(index_store, 'BATCH_MIN_ROWS', 1), mock.patch.object(index_store, 'BATCHES', 10):
            run = self.ingest(text, name=name)
        resources = HedgehogResource.objects.filter(fabric=self.fabric)
        self.assertEqual(resources.count(), 5)
        self.assertEqual(
            sorted(
                resource_changes(action=CREATE, related_object_id=run.pk).values_list('changed_object_id', flat=True)
            ),
            sorted(resources.values_list('pk', flat=True)),
        )
        for resource in resources:
            self.assertEqual(resource.source_file, f'raw/{name}')
            cached = CachedValue.objects.filter(object_id=resource.pk, object_type__model='hedgehogresource')
            self.assertEqual(
                set(cached.values_list('field', 'type', 'weight', 'value')),
                set(HedgehogResourceIndex.to_cache(resource)),
            )
        switch = resources.get(kind='Switch')
        self.assertEqual(switch.spec['description'], 'leaf \\ 1\t\n\u00e9 "x"')
        self.assertEqual(switch.reference_keys, ['VLANNamespace/default'])

    def test_reference_keys_reach_the_row_as_they_are_whatever_they_hold(self):
        # Plain keys go into the array literal unquoted (index_store._array); any other element is quoted.
        odd = ['Switch/leaf-01', 'VPC/a,b', 'X/"q"', 'NULL', '', 'Y/back\\slash', 'Z/tab\tand {brace}', 'V/é']
        for keys in (['Switch/leaf-01', 'VLANNamespace/default'], odd, []):
            with self.subTest(keys=keys):
                HedgehogResource.objects.filter(fabric=self.fabric).delete()
                fields = index_store.row_fields(
                    {'apiVersion': 'wiring.githedgehog.com/v1beta1', 'kind': 'Switch', 'metadata': {'name': 's'}},
                    'managed/switches/s.yaml',
                    '0' * 64,
                    keys,
                )
                fields.update(source_file='raw/a.yaml', source_document=0, source_line=1)
                index_store.write_rows(self.fabric, ResourceChanges.of_reindex(self.fabric), [fields], [])
                self.assertEqual(HedgehogResource.objects.get(fabric=self.fabric).reference_keys, keys)

    def test_a_changed_document_records_an_update_with_the_change(self):
        first = self.ingest(samples.WIRING)
        second = self.ingest(samples.WIRING.replace('first server', 'renamed server'), name='fix.yaml', user=self.user)
        server = self.server()
        update = resource_changes(action=UPDATE).get()
        self.assertEqual(update.changed_object_id, server.pk)
        self.assertEqual((update.related_object, update.user), (second, self.user))
        self.assertEqual(update.request_id, run_request_id(second))
        self.assertNotEqual(update.request_id, run_request_id(first))
        self.assertEqual(update.prechange_data['spec'], {'description': 'first server'})
        self.assertEqual(update.postchange_data, server.serialize_object())
        self.assertEqual(update.diff()['post']['spec'], {'description': 'renamed server'})
        page = self.client.get(reverse('plugins:netbox_hedgehog:hedgehogresource_changelog', args=[server.pk]))
        self.assertContains(page, f'ingestion run {first.pk} of')
        self.assertContains(page, f'ingestion run {second.pk} of')

    def test_a_run_that_changes_nothing_records_nothing(self):
        self.ingest(samples.WIRING)
        before = ObjectChange.objects.count()
        again = self.ingest(samples.WIRING)  # the same bytes: settled, a run without a change
        self.assertIsNotNone(again)
        self.assertEqual(ObjectChange.objects.count(), before)
        self.assertEqual(reindex(self.fabric).created, [])
        self.assertEqual(ObjectChange.objects.count(), before)

    def test_deleting_a_managed_object_records_the_delete_with_its_run(self):
        self.ingest(samples.WIRING)
        server = self.server()
        expected = server.serialize_object()
        run = delete_managed_object(server, trigger='test', user=self.user)
        delete = resource_changes(action=DELETE).get()
        self.assertEqual(delete.changed_object_id, server.pk)
        self.assertEqual((delete.user, delete.related_object), (self.user, run))
        self.assertEqual(delete.request_id, run_request_id(run))
        self.assertEqual(delete.prechange_data, expected)
        self.assertIsNone(delete.postchange_data)
        self.assertEqual(
            list(resource_changes(changed_object_id=server.pk).values_list('action', flat=True)), [CREATE, DELETE]
        )

    def test_reindex_records_what_it_changed(self):
        self.ingest(samples.WIRING)
        server = self.server()
        managed = self.fabric.tree_path / server.managed_path
        managed.write_text(managed.read_text().replace('first server', 'edited in git'))
        reindex(self.fabric)
        update = resource_changes(action=UPDATE).get()
        self.assertEqual(update.related_object, self.fabric)
        self.assertEqual(update.message, 're-index of fabric dc1: the index follows managed/')
        self.assertEqual(update.postchange_data['spec'], {'description': 'edited in git'})
        managed.unlink()
        reindex(self.fabric, drop_missing=[server.managed_path])
        delete = resource_changes(action=DELETE).get()
        self.assertEqual((delete.changed_object_id, delete.request_id == update.request_id), (server.pk, False))
        self.assertEqual(delete.prechange_data['spec'], {'description': 'edited in git'})


class ChangelogAPITestCase(ChangelogMixin, APITestCase):
    def test_the_changes_are_listed_by_the_api_and_share_the_request_id(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric', 'netbox_hedgehog.view_hedgehogfabric')
        (self.fabric.tree_path / 'raw' / 'wiring.yaml').write_text(samples.WIRING)
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-ingest', args=[self.fabric.pk])
        response = self.client.post(f'{url}?sync=true', **self.header)
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        run = IngestionRun.objects.get(pk=response.json()['run'])
        server = self.server()

        # A view-only token reads them through NetBox's API.
        changes_url = reverse('core-api:objectchange-list')
        response = self.client.get(f'{changes_url}?changed_object_id={server.pk}', **self.header)
        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)
        self.add_permissions('core.view_objectchange')
        response = self.client.get(
            f'{changes_url}?changed_object_id={server.pk}&changed_object_type=netbox_hedgehog.hedgehogresource',
            **self.header,
        )
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        (change,) = response.json()['results']
        self.assertEqual((change['action']['value'], change['user']['id']), (CREATE, self.user.pk))
        self.assertEqual(change['changed_object']['id'], server.pk)
        self.assertEqual(change['message'], f'ingestion run {run.pk} of fabric dc1 (api)')
        # Within a request, the run's records share its id with NetBox's own record of the run.
        run_created = ObjectChange.objects.get(
            changed_object_type=ObjectType.objects.get_for_model(IngestionRun), changed_object_id=run.pk, action=CREATE
        )
        self.assertEqual(change['request_id'], str(run_created.request_id))
        self.assertEqual(set(resource_changes().values_list('request_id', flat=True)), {run_created.request_id})
