"""The fabric page: per-kind counts from the index, the last run, the raw/ backlog and the Ingest button."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from utilities.testing import TestCase

from netbox_hedgehog.choices import GitOpsStatusChoices
from netbox_hedgehog.core.kinds import KINDS
from netbox_hedgehog.models import FabricHealth, HedgehogFabric, HedgehogResource, IngestionRun
from netbox_hedgehog.tests.test_resource_views import resource
from netbox_hedgehog.tests.test_run_api import FINDING, runs
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin
from netbox_hedgehog.ui.panels import BACKLOG_SHOWN

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
        self.assertIn(
            'None recorded: not checked yet (the next health check does), or nothing wrong', content
        )  # new.yaml
        self.assertNotIn('.gitkeep', content)

    def test_a_large_backlog_lists_the_first_files_and_counts_the_rest(self):
        waiting = BACKLOG_SHOWN + 25
        for n in range(waiting):
            (self.raw / f'file-{n:04d}.yaml').write_text('kind: VPC\n')
        IngestionRun.objects.create(
            fabric=self.fabric,
            started=timezone.now(),
            status='rejected',
            trigger='test',
            # A finding for every file: only those of the files shown leave the database.
            findings=[{**FINDING, 'file': f'raw/file-{n:04d}.yaml'} for n in range(waiting)],
        )
        with CaptureQueriesContext(connection) as queries:
            content = self.page()
        self.assertIn('raw/file-0000.yaml', content)
        self.assertIn(f'raw/file-{BACKLOG_SHOWN - 1:04d}.yaml', content)
        self.assertNotIn(f'raw/file-{BACKLOG_SHOWN:04d}.yaml', content)
        self.assertIn('And 25 more files wait in raw/.', content)
        self.assertEqual(content.count(FINDING['message']), BACKLOG_SHOWN)
        whole = [q['sql'] for q in queries.captured_queries if '"netbox_hedgehog_ingestionrun"."findings"' in q['sql']]
        self.assertEqual(whole, [], "a whole run's findings were loaded")

    def test_health_beside_the_gitops_status_and_never_a_plain_green_synced(self):
        self.assertIn('health not checked yet', self.page())
        HedgehogFabric.objects.filter(pk=self.fabric.pk).update(gitops_status=GitOpsStatusChoices.SYNCED)
        FabricHealth.objects.create(
            fabric=self.fabric, checked=timezone.now(), report={'status': 'degraded', 'score': 89, 'findings': []}
        )
        content = self.page()
        status = re.search(r'<span class="badge text-bg-(\w+)">\s*Synced\s*</span>', content)
        self.assertEqual(status.group(1), 'orange')
        self.assertRegex(content, r'health:\s*<span class="badge text-bg-orange">\s*degraded\s*</span>\s*89/100')
        FabricHealth.objects.filter(fabric=self.fabric).update(report={'status': 'healthy', 'score': 100})
        status = re.search(r'<span class="badge text-bg-(\w+)">\s*Synced\s*</span>', self.page())
        self.assertEqual(status.group(1), 'green')

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


class FabricListHealthTestCase(TemporaryGitopsRootMixin, TestCase):
    """The fabric list: health status, score, resources and waiting files of each fabric, sortable and filterable."""

    user_permissions = ('netbox_hedgehog.view_hedgehogfabric',)

    def setUp(self):
        super().setUp()
        self.dc1, self.dc2, self.dc3 = (HedgehogFabric.objects.create(name=name) for name in ('dc1', 'dc2', 'dc3'))
        HedgehogResource.objects.bulk_create(
            (resource(self.dc1, 'VPC', 'vpc-1', 'vpcs'), resource(self.dc1, 'Switch', 'leaf-1', 'switches'))
        )
        for fabric, status, score, waiting in ((self.dc1, 'degraded', 89, 2), (self.dc2, 'healthy', 100, 0)):
            report = {'status': status, 'score': score, 'findings': [], 'stats': {'raw_backlog': waiting}}
            FabricHealth.objects.create(fabric=fabric, checked=timezone.now(), report=report)
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_list')

    def rows(self, query=''):
        response = self.client.get(f'{self.url}?{query}')
        self.assertEqual(response.status_code, 200)
        table = response.context['table']
        return [
            (
                row.record.name,
                row.record.health_status,
                row.record.health_score,
                row.record.resource_count,
                row.record.waiting_files,
            )
            for row in table.rows
        ]

    def test_columns(self):
        self.assertEqual(
            self.rows('sort=name'),
            [('dc1', 'degraded', 89, 2, 2), ('dc2', 'healthy', 100, 0, 0), ('dc3', None, None, 0, None)],
        )
        content = self.client.get(self.url).content.decode()
        self.assertIn('<span class="badge text-bg-orange">degraded</span>', ' '.join(content.split()))

    def test_sortable_and_filterable(self):
        self.assertEqual([row[0] for row in self.rows('sort=health_score')], ['dc1', 'dc2', 'dc3'])  # unchecked last
        self.assertEqual([row[0] for row in self.rows('sort=-resource_count')][0], 'dc1')
        self.assertEqual([row[0] for row in self.rows('health_status=degraded')], ['dc1'])
        self.assertEqual([row[0] for row in self.rows('health_score__lte=90')], ['dc1'])
        self.assertEqual([row[0] for row in self.rows('health_score__gte=90')], ['dc2'])
