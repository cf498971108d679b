"""Ingestion runs over REST and GraphQL: read-only."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from utilities.testing import APITestCase, APIViewTestCases

from netbox_hedgehog.choices import IngestionStatusChoices
from netbox_hedgehog.models import IngestionRun
from netbox_hedgehog.tests.utils import NoWriteAPIMixin, bare_fabrics

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

    def run(started, took, status, trigger, **fields):
        """A run of `fabric` that started `started` minutes ago and took `took`."""
        start = now - timedelta(minutes=started)
        finished = start + timedelta(minutes=took)
        return IngestionRun(fabric=fabric, started=start, finished=finished, status=status, trigger=trigger, **fields)

    return [
        run(
            30,
            1,
            IngestionStatusChoices.COMPLETED,
            'cli',
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
        run(
            20,
            1,
            IngestionStatusChoices.REJECTED,
            'ui',
            user=user,
            counts={'files': {'ingest': 0, 'reject': 1}, 'documents': {'create': 0}, 'written': 0},
            findings=[FINDING],
        ),
        run(10, 0, IngestionStatusChoices.FAILED, 'api', error='OSError: disk full'),
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
        (fabric,) = bare_fabrics('fabric-1')
        IngestionRun.objects.bulk_create(runs(fabric))


class IngestionRunAPIReadOnlyTestCase(NoWriteAPIMixin, APITestCase):
    """Runs are recorded by the ingestion service: even a superuser cannot write them through the API."""

    model = IngestionRun

    @classmethod
    def setUpTestData(cls):
        (fabric,) = bare_fabrics('fabric-1')
        IngestionRun.objects.bulk_create(runs(fabric))

    def test_filters_by_status_and_shows_findings(self):
        url = reverse('plugins-api:netbox_hedgehog-api:ingestionrun-list')
        response = self.client.get(f'{url}?status=rejected&fabric=fabric-1', **self.header)
        self.assertEqual(response.status_code, 200)
        (run,) = response.data['results']
        self.assertEqual(run['status']['value'], 'rejected')
        self.assertEqual(run['findings'], [FINDING])
