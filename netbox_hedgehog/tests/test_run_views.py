"""Ingestion run pages: list and detail (counts, findings, provenance); never add, edit or delete."""

from django.urls import reverse
from utilities.testing import TestCase, ViewTestCases

from netbox_hedgehog.filtersets import IngestionRunFilterSet
from netbox_hedgehog.models import IngestionRun
from netbox_hedgehog.tests.test_run_api import FINDING, runs
from netbox_hedgehog.tests.utils import NoWriteViewsMixin, bare_fabrics


class IngestionRunViewTestCase(
    NoWriteViewsMixin,
    ViewTestCases.GetObjectViewTestCase,
    ViewTestCases.GetObjectChangelogViewTestCase,
    ViewTestCases.ListObjectsViewTestCase,
):
    model = IngestionRun
    # Runs are the audit trail of a tree: nobody rewrites or erases it from the UI.
    write_views = ('delete', *NoWriteViewsMixin.write_views)

    @classmethod
    def setUpTestData(cls):
        (fabric,) = bare_fabrics('fabric-1')
        IngestionRun.objects.bulk_create(runs(fabric))


class IngestionRunDetailTestCase(TestCase):
    user_permissions = ('netbox_hedgehog.view_ingestionrun',)

    @classmethod
    def setUpTestData(cls):
        (fabric,) = bare_fabrics('fabric-1')
        cls.completed, cls.rejected, cls.failed = IngestionRun.objects.bulk_create(runs(fabric))

    def page(self, run):
        response = self.client.get(run.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_findings_with_severity_location_message_and_hint(self):
        content = self.page(self.rejected)
        self.assertIn('raw/broken.yaml:4', content)
        self.assertIn(FINDING['message'], content)
        self.assertIn(FINDING['hint'], content)
        self.assertIn('text-bg-red', content)  # the error badge
        self.assertIn('Completed with rejections', content)

    def test_counts_and_provenance(self):
        content = self.page(self.completed)
        self.assertIn('documents create', content)
        self.assertIn('managed/vpcs/vpc-1.yaml', content)
        self.assertIn('No findings', content)

    def test_a_comment_kept_in_the_provenance_is_shown_with_its_text(self):
        comment = {'source': 'raw/vpcs.yaml', 'line': 1, 'action': 'comment', 'text': '### VPCs <of rack 1>\n###'}
        IngestionRun.objects.filter(pk=self.completed.pk).update(provenance=[*self.completed.provenance, comment])
        self.assertIn('<pre class="mb-0">### VPCs &lt;of rack 1&gt;\n###</pre>', self.page(self.completed))

    def test_error_of_a_failed_run(self):
        self.assertIn('OSError: disk full', self.page(self.failed))

    def test_list_shows_a_counts_summary(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        response = self.client.get(reverse('plugins:netbox_hedgehog:ingestionrun_list'))
        self.assertContains(response, 'documents create 2 · files ingest 1 · written 2')


class IngestionRunFilterSetTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        fabrics = bare_fabrics('fabric-1', 'fabric-2')
        IngestionRun.objects.bulk_create(runs(fabrics[0]) + runs(fabrics[1])[:1])
        cls.fabrics = fabrics

    def count(self, **params):
        return IngestionRunFilterSet(params, IngestionRun.objects.all()).qs.count()

    def test_fabric(self):
        self.assertEqual(self.count(fabric_id=[self.fabrics[0].pk]), 3)
        self.assertEqual(self.count(fabric=['fabric-2']), 1)

    def test_status(self):
        self.assertEqual(self.count(status=['completed']), 2)
        self.assertEqual(self.count(status=['rejected', 'failed']), 2)
