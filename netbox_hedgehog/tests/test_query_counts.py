"""The pages of a fabric ask the database the same number of questions whatever the fabric's size.

The fabric page, the resource list filtered by fabric, a resource page, the Health tab and the API's
first resource page (limit 50), each at two fabric sizes: the count at the larger one must equal the
count at the smaller one (benchmarks/bench_scale.py times them on a 100k-document fabric).
"""

import hashlib

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from utilities.testing import TestCase

from netbox_hedgehog.core.validation import reference_keys
from netbox_hedgehog.health_jobs import record
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestionRun
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

SMALL, LARGE = 3, 180


def fabric_of(name, size):
    """A fabric with a run, `size` VPCs, attachments and servers in its index (rows only, with their reference
    keys: every attachment refers to vpc-0000), `size` files waiting in raw/ and its health check stored."""
    fabric = HedgehogFabric.objects.create(name=name)
    for n in range(size):
        (fabric.layout().raw / f'waiting-{n:04d}.yaml').write_text('kind: VPC\n')
    run = IngestionRun.objects.create(
        fabric=fabric,
        started=timezone.now(),
        trigger='test',
        provenance=[{'source': 'raw/a.yaml', 'document': n} for n in range(size)],
    )
    rows = []
    for n in range(size):
        for kind, directory, api, spec in (
            ('VPC', 'vpcs', 'vpc', {'subnets': {'default': {'subnet': f'10.0.{n}.0/24', 'vlan': 1000 + n}}}),
            ('VPCAttachment', 'vpcattachments', 'vpc', {'connection': f'c-{n}', 'subnet': 'vpc-0000/default'}),
            ('Server', 'servers', 'wiring', {'description': f'server {n}'}),
        ):
            name = f'{kind.lower()}-{n:04d}'
            rows.append(
                HedgehogResource(
                    fabric=fabric,
                    kind=kind,
                    name=name if kind != 'VPC' else f'vpc-{n:04d}',
                    api_version=f'{api}.githedgehog.com/v1beta1',
                    managed_path=f'managed/{directory}/{name}.yaml',
                    sha256=hashlib.sha256(name.encode()).hexdigest(),
                    spec=spec,
                    reference_keys=reference_keys(kind, spec),
                    last_run=run,
                )
            )
    HedgehogResource.objects.bulk_create(rows)
    record(fabric)  # no managed file is there: a finding for each row
    return fabric


class PageQueryCountTestCase(TemporaryGitopsRootMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()
        self.small = fabric_of('fabric-small', SMALL)
        self.large = fabric_of('fabric-large', LARGE)

    def assertSameCount(self, url_of):
        self.client.get(url_of(self.small))  # the first request fills NetBox's caches (object types, ...)
        with CaptureQueriesContext(connection) as small:
            self.assertEqual(self.client.get(url_of(self.small)).status_code, 200)
        with self.assertNumQueries(len(small)):
            self.assertEqual(self.client.get(url_of(self.large)).status_code, 200)

    def test_fabric_page(self):
        self.assertSameCount(lambda fabric: fabric.get_absolute_url())

    def test_resource_list_filtered_by_fabric(self):
        list_url = reverse('plugins:netbox_hedgehog:hedgehogresource_list')
        self.assertSameCount(lambda fabric: f'{list_url}?fabric_id={fabric.pk}')

    def test_resource_page(self):
        # vpc-0000 is referred to by every attachment of its fabric.
        self.assertSameCount(lambda fabric: fabric.resources.get(name='vpc-0000').get_absolute_url())

    def test_health_tab(self):
        self.assertSameCount(lambda fabric: reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[fabric.pk]))

    def test_api_first_resource_page(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogresource')
        list_url = reverse('plugins-api:netbox_hedgehog-api:hedgehogresource-list')
        self.assertSameCount(lambda fabric: f'{list_url}?fabric_id={fabric.pk}&limit=50')

    def test_resource_list_reads_a_page_in_index_order_without_run_payloads(self):
        # The page is read in the unique index's order (no sort of the fabric's rows), and the rows' last run
        # comes without its provenance (megabytes for a large run).
        list_url = reverse('plugins:netbox_hedgehog:hedgehogresource_list')
        with CaptureQueriesContext(connection) as queries:
            self.client.get(f'{list_url}?fabric_id={self.large.pk}')
        table = '"netbox_hedgehog_hedgehogresource"'
        pages = [q['sql'] for q in queries if q['sql'].startswith(f'SELECT {table}."id"') and 'ORDER BY' in q['sql']]
        self.assertTrue(pages)
        for page in pages:
            self.assertIn(f'ORDER BY {table}."fabric_id" ASC', page)
            self.assertNotIn('"provenance"', page)

    def test_resource_page_finds_what_refers_to_it_without_reading_specs(self):
        # "Referred to by" looks the object's key up in the rows' stored reference keys (a GIN index): the only
        # spec read is the object's own.
        vpc = self.large.resources.get(name='vpc-0000')
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(vpc.get_absolute_url())
        self.assertContains(response, 'vpcattachment-0179')
        specs = [q['sql'] for q in queries if '"netbox_hedgehog_hedgehogresource"."spec"' in q['sql']]
        self.assertEqual(len(specs), 1, specs)
        self.assertIn(f'"netbox_hedgehog_hedgehogresource"."id" = {vpc.pk}', specs[0])
