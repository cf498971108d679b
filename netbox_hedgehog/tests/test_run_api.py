"""Ingestion runs over REST and GraphQL: read-only."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from utilities.testing import APITestCase, APIViewTestCases

from netbox_hedgehog.choices import IngestionStatusChoices
from netbox_hedgehog.models import HedgehogFabric, IngestionRun

FINDING = {
    'severity': 'error',
    'code': 'YAML_SYNTAX',
    'message': 'mapping values are not allowed here',
    'file': 'raw/broken.yaml',
    'line': 4,
    'document': 1,
    'path': '',
    'hint': 'Check the indentation.',
}


def runs(fabric, user=None):
    """Three finished runs of `fabric`, oldest first: completed, rejected (one finding), failed."""
    now = timezone.now()
    return [
        IngestionRun(
            fabric=fabric,
            started=now - timedelta(minutes=30),
            finished=now - timedelta(minutes=29),
            status=IngestionStatusChoices.COMPLETED,
            trigger='cli',
            counts={'files': {'ingest': 1, 'reject': 0}, 'documents': {'create': 2}, 'written': 2},
            provenance=[
                {
                    'source': 'raw/vpcs.yaml',
                    'document': 0,
                    'line': 1,
                    'sha256': 'a' * 64,
                    'destination': 'managed/vpcs/vpc-1.yaml',
                    'action': 'create',
                }
            ],
        ),
        IngestionRun(
            fabric=fabric,
            started=now - timedelta(minutes=20),
            finished=now - timedelta(minutes=19),
            status=IngestionStatusChoices.REJECTED,
            trigger='ui',
            user=user,
            counts={'files': {'ingest': 0, 'reject': 1}, 'documents': {'create': 0}, 'written': 0},
            findings=[FINDING],
        ),
        IngestionRun(
            fabric=fabric,
            started=now - timedelta(minutes=10),
            finished=now - timedelta(minutes=10),
            status=IngestionStatusChoices.FAILED,
            trigger='api',
            error='OSError: disk full',
        ),
    ]


class IngestionRunAPITestCase(
    APIViewTestCases.GetObjectViewTestCase,
    APIViewTestCases.ListObjectsViewTestCase,
    APIViewTestCases.GraphQLTestCase,
):
    model = IngestionRun
    view_namespace = 'plugins-api:netbox_hedgehog'
    brief_fields = ['display', 'id', 'started', 'status', 'url']
    graphql_base_name = 'hedgehog_ingestion_run'
    # GraphQL hides related objects the user may not view; a run's fabric is not nullable.
    user_permissions = ('netbox_hedgehog.view_hedgehogfabric',)

    @classmethod
    def setUpTestData(cls):
        (fabric,) = HedgehogFabric.objects.bulk_create((HedgehogFabric(name='fabric-1', gitops_path='fabric-1'),))
        IngestionRun.objects.bulk_create(runs(fabric))


class IngestionRunAPIReadOnlyTestCase(APITestCase):
    @classmethod
    def setUpTestData(cls):
        (fabric,) = HedgehogFabric.objects.bulk_create((HedgehogFabric(name='fabric-1', gitops_path='fabric-1'),))
        cls.runs = IngestionRun.objects.bulk_create(runs(fabric))

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()

    def test_writes_are_not_allowed(self):
        list_url = reverse('plugins-api:netbox_hedgehog-api:ingestionrun-list')
        detail_url = reverse('plugins-api:netbox_hedgehog-api:ingestionrun-detail', args=[self.runs[0].pk])
        self.assertEqual(self.client.post(list_url, {}, format='json', **self.header).status_code, 405)
        self.assertEqual(self.client.patch(detail_url, {}, format='json', **self.header).status_code, 405)
        self.assertEqual(self.client.delete(detail_url, **self.header).status_code, 405)
        self.assertEqual(
            self.client.delete(list_url, [{'id': self.runs[0].pk}], format='json', **self.header).status_code, 405
        )
        self.assertEqual(IngestionRun.objects.count(), 3)

    def test_filters_by_status_and_shows_findings(self):
        url = reverse('plugins-api:netbox_hedgehog-api:ingestionrun-list')
        response = self.client.get(f'{url}?status=rejected&fabric=fabric-1', **self.header)
        self.assertEqual(response.status_code, 200)
        (run,) = response.data['results']
        self.assertEqual(run['status']['value'], 'rejected')
        self.assertEqual(run['findings'], [FINDING])
