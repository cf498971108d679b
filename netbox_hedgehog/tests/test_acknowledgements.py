"""Acknowledging an expected health finding: it stays listed, marked with the reason, and stops lowering the
status and score; only warnings and infos; only for those who may change the fabric; change-logged."""

from core.choices import ObjectChangeActionChoices
from core.models import ObjectChange
from django.urls import reverse
from utilities.testing import TestCase

from netbox_hedgehog.core.findings import Finding, Severity
from netbox_hedgehog.core.health_report import HealthReport, acknowledgement_key
from netbox_hedgehog.core.health_status import HealthStatus
from netbox_hedgehog.health_jobs import store_report
from netbox_hedgehog.models import FabricHealth, FindingAcknowledgement, HedgehogFabric
from netbox_hedgehog.services.health import check_fabric
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin


def test_acknowledged_warnings_stay_listed_and_do_not_count_errors_always_do():
    warning = Finding(Severity.WARNING, 'HEALTH_REF_DANGLING', 'x', file='managed/vpcs/vpc-1.yaml', path='spec.a')
    error = Finding(Severity.ERROR, 'HEALTH_DIR_MISSING', 'y', file='managed/switchgroups/')
    acknowledged = {acknowledgement_key(warning): 'lives elsewhere', acknowledgement_key(error): 'no'}
    report = HealthReport('dc1', [warning], 0, None, acknowledged=acknowledged)
    assert (report.status, report.score) == (HealthStatus.HEALTHY, 100)
    assert report.reason_for(warning) == 'lives elsewhere'
    report = HealthReport('dc1', [warning, error], 0, None, acknowledged=acknowledged)
    assert report.status == HealthStatus.UNHEALTHY
    assert report.reason_for(error) is None


class AcknowledgementTestCase(TemporaryGitopsRootMixin, TestCase):
    user_permissions = ('netbox_hedgehog.view_hedgehogfabric',)

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        # The VPC names the default namespaces, which live nowhere in this fabric: dangling-reference warnings.
        (self.fabric.tree_path / 'raw' / 'wiring.yaml').write_text(samples.WIRING + '---\n' + samples.vpc())
        ingest(self.fabric, trigger='test')
        report = check_fabric(self.fabric)
        store_report(self.fabric, report)
        self.dangling = [f for f in report.findings if f.code == 'HEALTH_REF_DANGLING']
        self.assertEqual(report.status, HealthStatus.DEGRADED)
        self.assertTrue(self.dangling)
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_acknowledge', args=[self.fabric.pk])
        self.tab = reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[self.fabric.pk])

    def acknowledge_all(self, reason='the namespaces live in the shared fabric'):
        for finding in self.dangling:
            key = {'code': finding.code, 'file': finding.file, 'path': finding.path}
            self.assertEqual(self.client.post(self.url, {**key, 'reason': reason}).status_code, 302)

    def test_view_only_users_cannot_acknowledge(self):
        self.assertNotIn('Acknowledge as expected', self.client.get(self.tab).content.decode())
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.client.post(self.url, {'code': 'X', 'reason': 'r'}).status_code, 403)
        self.assertFalse(FindingAcknowledgement.objects.exists())

    def test_acknowledge_then_withdraw(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        self.assertIn('Acknowledge as expected', self.client.get(self.tab).content.decode())
        self.acknowledge_all()
        stored = FabricHealth.objects.get(fabric=self.fabric).report
        self.assertEqual((stored['status'], stored['score']), ('healthy', 100))  # at once, without a new check
        page = self.client.get(self.tab).content.decode()
        self.assertEqual(page.count('the namespaces live in the shared fabric'), len(self.dangling))
        self.assertEqual(check_fabric(self.fabric).status, HealthStatus.HEALTHY)  # and in every later check
        created = ObjectChange.objects.filter(
            action=ObjectChangeActionChoices.ACTION_CREATE, changed_object_type__model='findingacknowledgement'
        )
        self.assertEqual((created.count(), created.first().user), (len(self.dangling), self.user))

        finding = self.dangling[0]
        key = {'code': finding.code, 'file': finding.file, 'path': finding.path}
        self.client.post(self.url, {**key, 'withdraw': '1'})
        self.assertEqual(FabricHealth.objects.get(fabric=self.fabric).report['status'], 'degraded')
        self.assertTrue(
            ObjectChange.objects.filter(
                action=ObjectChangeActionChoices.ACTION_DELETE, changed_object_type__model='findingacknowledgement'
            ).exists()
        )

    def test_a_reason_is_required(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        finding = self.dangling[0]
        response = self.client.post(self.url, {'code': finding.code, 'file': finding.file, 'reason': ' '}, follow=True)
        self.assertContains(response, 'a reason is required')
        self.assertFalse(FindingAcknowledgement.objects.exists())

    def test_a_key_longer_than_any_finding_has_is_refused_not_a_server_error(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        response = self.client.post(self.url, {'code': 'X' * 65, 'reason': 'r'}, follow=True)
        self.assertContains(response, 'nothing was acknowledged')
        self.assertFalse(FindingAcknowledgement.objects.exists())
