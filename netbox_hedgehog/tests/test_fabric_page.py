"""The fabric page: per-kind counts from the index, the last run, the raw/ backlog and the Ingest button."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from utilities.testing import TestCase

from netbox_hedgehog.kinds import KINDS
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestionRun

from .test_resource_views import resource
from .test_run_api import FINDING, runs
from .utils import TemporaryGitopsRootMixin

VIEW_PAGE = (
    'netbox_hedgehog.view_hedgehogfabric',
    'netbox_hedgehog.view_hedgehogresource',
    'netbox_hedgehog.view_ingestionrun',
)


class FabricPageTestCase(TemporaryGitopsRootMixin, TestCase):
    user_permissions = VIEW_PAGE

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='fabric-1')
        HedgehogResource.objects.bulk_create(
            (
                resource(self.fabric, 'VPC', 'vpc-1', 'vpcs'),
                resource(self.fabric, 'VPC', 'vpc-2', 'vpcs'),
                resource(self.fabric, 'Switch', 'leaf-1', 'switches'),
            )
        )
        self.raw = self.fabric.tree_path / 'raw'

    def page(self):
        response = self.client.get(self.fabric.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def kind_count(self, content, kind):
        url = f'{reverse("plugins:netbox_hedgehog:hedgehogresource_list")}?fabric_id={self.fabric.pk}&amp;kind={kind}'
        match = re.search(rf'href="{re.escape(url)}"[^>]*>\s*{kind}\s*<span[^>]*>(\d+)</span>', content)
        self.assertIsNotNone(match, f'no count linked for {kind}')
        return int(match.group(1))

    def test_every_kind_is_counted_and_linked_zero_included(self):
        content = self.page()
        counts = {kind.kind: self.kind_count(content, kind.kind) for kind in KINDS}
        self.assertEqual(counts, {kind.kind: {'VPC': 2, 'Switch': 1}.get(kind.kind, 0) for kind in KINDS})

    def test_counts_take_one_query(self):
        with CaptureQueriesContext(connection) as queries:
            self.page()
        index_queries = [q['sql'] for q in queries.captured_queries if 'hedgehogresource' in q['sql']]
        self.assertEqual(len(index_queries), 1, index_queries)
        self.assertIn('COUNT(', index_queries[0])

    def test_counts_only_this_fabric(self):
        other = HedgehogFabric.objects.create(name='fabric-2')
        HedgehogResource.objects.bulk_create((resource(other, 'VPC', 'vpc-9', 'vpcs'),))
        self.assertEqual(self.kind_count(self.page(), 'VPC'), 2)

    def test_backlog_lists_waiting_files_with_their_findings(self):
        (self.raw / 'broken.yaml').write_text('kind: VPC\nmetadata: [\n')
        (self.raw / 'new.yaml').write_text('kind: VPC\n')
        IngestionRun.objects.bulk_create(runs(self.fabric)[:2])  # the rejected one recorded FINDING
        content = self.page()
        self.assertIn('raw/broken.yaml', content)
        self.assertIn('raw/new.yaml', content)
        # The findings table every surface shares: code, location, message and hint each in their cell.
        finding = re.search(
            r'<td class="finding-location[^"]*">(.*?)</td>.*?<div class="finding-code">(.*?)</div>'
            r'\s*<div class="finding-message">(.*?)</div>\s*<div class="finding-hint[^"]*">(.*?)</div>',
            content,
            re.S,
        )
        self.assertIsNotNone(finding)
        cells = [' '.join(re.sub('<[^>]+>', ' ', cell).split()) for cell in finding.groups()]
        self.assertEqual(cells, ['raw/broken.yaml:4', f'error {FINDING["code"]}', FINDING['message'], FINDING['hint']])
        self.assertIn('None recorded: not ingested yet, or nothing wrong', content)  # new.yaml
        self.assertNotIn('.gitkeep', content)

    def test_empty_backlog_says_so(self):
        self.assertIn('Nothing is waiting in raw/.', self.page())

    def test_last_run_with_link_status_and_counts(self):
        completed, rejected = IngestionRun.objects.bulk_create(runs(self.fabric)[:2])
        content = self.page()
        self.assertIn(rejected.get_absolute_url(), content)
        self.assertNotIn(completed.get_absolute_url(), content)
        self.assertIn('Completed with rejections', content)
        self.assertIn('files reject 1', content)

    def test_no_run_yet(self):
        self.assertIn('This fabric has not been ingested yet.', self.page())

    def test_ingest_button_only_with_change_permission(self):
        ingest_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_ingest', args=[self.fabric.pk])
        self.assertNotIn(ingest_url, self.page())
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        self.assertIn(f'action="{ingest_url}" method="post"', self.page())

    def test_page_without_index_permissions_hides_those_panels(self):
        self.remove_permissions('netbox_hedgehog.view_hedgehogresource', 'netbox_hedgehog.view_ingestionrun')
        content = self.page()
        self.assertNotIn('This fabric has not been ingested yet.', content)
        self.assertNotIn(reverse('plugins:netbox_hedgehog:hedgehogresource_list'), content)
