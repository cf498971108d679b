"""The Ingest button and the API's ingest/reindex actions: thin adapters over the ingestion service."""

import threading
from unittest import mock

from core.models import Job
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from rest_framework import status
from utilities.testing import APITestCase, TestCase

from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestionRun
from netbox_hedgehog.services.lock import fabric_lock
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

VPC_YAML = """\
apiVersion: vpc.githedgehog.com/v1beta1
kind: VPC
metadata:
  name: vpc-test
spec:
  subnets:
    default:
      subnet: 10.10.200.0/24
      vlan: 1200
"""


class HeldLock:
    """Hold the fabric's lock from another database session, as a second NetBox process would."""

    def __init__(self, fabric):
        self.fabric = fabric
        self.acquired = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            with fabric_lock(self.fabric):
                self.acquired.set()
                self.release.wait(timeout=30)
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self):
        self.thread.start()
        assert self.acquired.wait(timeout=10), 'the lock was not taken'
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=10)


def ingestion_jobs(fabric):
    return Job.objects.filter(object_id=fabric.pk, name='Hedgehog ingestion')


class IngestButtonTestCase(TemporaryGitopsRootMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='fabric-1')
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_ingest', args=[self.fabric.pk])

    @override_settings(LOGIN_REQUIRED=True)
    def test_anonymous_is_sent_to_login(self):
        self.client.logout()
        response = self.client.post(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn('/login/', response.url)
        self.assertFalse(ingestion_jobs(self.fabric).exists())

    def test_view_permission_is_not_enough(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        self.assertEqual(self.client.post(self.url).status_code, 403)
        self.assertFalse(ingestion_jobs(self.fabric).exists())

    def test_change_permission_on_another_fabric_is_not_enough(self):
        other = HedgehogFabric.objects.create(name='fabric-2')
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        self.user.object_permissions.update(constraints={'pk': other.pk})
        self.assertEqual(self.client.post(self.url).status_code, 404)
        self.assertFalse(ingestion_jobs(self.fabric).exists())

    def test_enqueues_a_job_and_shows_its_log(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric', 'core.view_job')
        response = self.client.post(self.url)
        job = ingestion_jobs(self.fabric).get()
        self.assertRedirects(response, reverse('core:job_log', args=[job.pk]), fetch_redirect_response=False)
        self.assertEqual(job.user, self.user)

    def test_without_job_permission_goes_back_to_the_fabric(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        response = self.client.post(self.url)
        self.assertRedirects(response, self.fabric.get_absolute_url(), fetch_redirect_response=False)
        self.assertTrue(ingestion_jobs(self.fabric).exists())

    def test_get_changes_nothing(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        response = self.client.get(self.url)
        self.assertRedirects(response, self.fabric.get_absolute_url(), fetch_redirect_response=False)
        self.assertFalse(ingestion_jobs(self.fabric).exists())


class IngestAPITestCase(TemporaryGitopsRootMixin, APITestCase):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='fabric-1')
        self.ingest_url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-ingest', args=[self.fabric.pk])
        self.reindex_url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-reindex', args=[self.fabric.pk])
        self.tree = self.fabric.tree_path

    def post(self, url, **params):
        query = '?' + '&'.join(f'{key}={value}' for key, value in params.items()) if params else ''
        return self.client.post(url + query, format='json', **self.header)

    @override_settings(LOGIN_REQUIRED=True)
    def test_anonymous_is_refused(self):
        for url in (self.ingest_url, self.reindex_url):
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url).status_code, status.HTTP_403_FORBIDDEN)
        self.assertFalse(ingestion_jobs(self.fabric).exists())

    def test_view_or_add_permission_is_not_enough(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.add_hedgehogfabric')
        for url in (self.ingest_url, self.reindex_url):
            with self.subTest(url=url):
                self.assertEqual(self.post(url).status_code, status.HTTP_403_FORBIDDEN)
        self.assertEqual(self.post(self.ingest_url, sync='true').status_code, status.HTTP_403_FORBIDDEN)
        self.assertFalse(ingestion_jobs(self.fabric).exists())
        self.assertFalse(IngestionRun.objects.exists())

    def test_change_permission_on_another_fabric_is_not_enough(self):
        other = HedgehogFabric.objects.create(name='fabric-2')
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        self.user.object_permissions.update(constraints={'pk': other.pk})
        self.assertEqual(self.post(self.ingest_url).status_code, status.HTTP_404_NOT_FOUND)

    def test_enqueues_a_job_by_default(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        response = self.post(self.ingest_url)
        self.assertEqual(response.status_code, status.HTTP_202_ACCEPTED)
        job = ingestion_jobs(self.fabric).get()
        self.assertEqual(response.data['id'], job.pk)
        self.assertEqual(response.data['status']['value'], 'pending')
        self.assertTrue(response.data['url'].endswith(f'/api/core/jobs/{job.pk}/'))
        self.assertFalse(IngestionRun.objects.exists())  # nothing ran inline

    def test_sync_runs_inline_and_answers_with_the_outcome(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        (self.tree / 'raw' / 'vpcs.yaml').write_text(VPC_YAML)
        response = self.post(self.ingest_url, sync='true')
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.data)
        run = IngestionRun.objects.get(fabric=self.fabric)
        self.assertEqual(response.data['run'], run.pk)
        self.assertEqual((run.trigger, run.user), ('api', self.user))
        self.assertEqual(response.data['counts']['documents']['create'], 1)
        self.assertTrue((self.tree / 'managed' / 'vpcs' / 'vpc-test.yaml').is_file())
        self.assertFalse((self.tree / 'raw' / 'vpcs.yaml').exists())
        self.assertFalse(ingestion_jobs(self.fabric).exists())

    def test_sync_answers_409_while_another_ingestion_holds_the_fabric(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        (self.tree / 'raw' / 'vpcs.yaml').write_text(VPC_YAML)
        with HeldLock(self.fabric):
            response = self.post(self.ingest_url, sync='true')
        self.assertEqual(response.status_code, status.HTTP_409_CONFLICT)
        self.assertIn('already running', response.data['detail'])
        self.assertTrue((self.tree / 'raw' / 'vpcs.yaml').exists())

    def test_reindex_rebuilds_rows_from_managed_files(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        (self.tree / 'managed' / 'vpcs' / 'vpc-test.yaml').write_text(VPC_YAML)
        response = self.post(self.reindex_url)
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.data)
        self.assertEqual(response.data['created'], ['managed/vpcs/vpc-test.yaml'])
        self.assertEqual(HedgehogResource.objects.get(fabric=self.fabric).name, 'vpc-test')

    def test_reindex_answers_409_when_locked(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        with HeldLock(self.fabric):
            response = self.post(self.reindex_url)
        self.assertEqual(response.status_code, status.HTTP_409_CONFLICT)
        self.assertIn('already running', response.data['detail'])

    def test_the_service_is_called_as_documented(self):
        # The adapter passes the request's user and trigger through, and adds nothing of its own.
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        outcome = mock.Mock(**{'as_dict.return_value': {'ok': True}})
        with mock.patch('netbox_hedgehog.api.views.ingest', return_value=outcome) as ingest:
            response = self.post(self.ingest_url, sync='1')
        self.assertEqual(response.data, {'ok': True})
        ingest.assert_called_once_with(self.fabric, trigger='api', user=self.user, dry_run=False, adopt_unmanaged=False)

    def test_the_dry_run_and_the_adoption_of_unmanaged_documents_are_asked_by_query(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        outcome = mock.Mock(**{'as_dict.return_value': {'ok': True}})
        with mock.patch('netbox_hedgehog.api.views.ingest', return_value=outcome) as ingest:
            self.post(self.ingest_url, sync='1', dry_run='true', adopt_unmanaged='true')
        ingest.assert_called_once_with(self.fabric, trigger='api', user=self.user, dry_run=True, adopt_unmanaged=True)
