"""Self-healing by the scheduled health check: nothing when off, only fix's safe repairs when on, nothing
while the fabric is locked; each repair in the job's log, one change record, the metrics and the Health tab."""

from core.models import ObjectChange
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import TestCase, override_settings
from django.urls import reverse
from prometheus_client import CollectorRegistry, generate_latest
from utilities.testing import APITestCase
from utilities.testing import TestCase as NetBoxTestCase

from netbox_hedgehog import check_settings, metrics
from netbox_hedgehog.filtersets import HedgehogFabricFilterSet
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services.selfheal import REPAIRED_BY
from netbox_hedgehog.tests.health_fixtures import HealthyFabricMixin
from netbox_hedgehog.tests.utils import hold_lock_elsewhere, snapshot


def repair_records(fabric):
    return ObjectChange.objects.filter(changed_object_id=fabric.pk, message__startswith=REPAIRED_BY)


class SelfHealingTest(HealthyFabricMixin, TestCase):
    def break_safe_and_unsafe(self):
        """Three things fix repairs safely, and one (a stray file in managed/) only a person may settle."""
        self.break_HEALTH_DIR_MISSING()
        self.break_HEALTH_MANAGED_WRONG_DIR()
        self.break_HEALTH_MANAGED_MISSING()
        self.break_HEALTH_MANAGED_STRAY()
        self.rows = sorted(self.fabric.resources.values_list('managed_path', flat=True))

    def turn_on(self):
        HedgehogFabric.objects.filter(pk=self.fabric.pk).update(self_healing=True)
        self.fabric.refresh_from_db()

    def test_off_nothing_changes(self):
        self.assertFalse(self.fabric.self_healing)
        self.break_safe_and_unsafe()
        before = snapshot(self.tree)
        job, lines = self.run_job()
        self.assertEqual(snapshot(self.tree), before)
        self.assertEqual(sorted(self.fabric.resources.values_list('managed_path', flat=True)), self.rows)
        self.assertFalse(repair_records(self.fabric).exists())
        self.assertEqual(job.data['fabrics']['dc1']['status'], 'unhealthy')
        self.assertIn('self_repairs=0', lines[-1])
        self.assertFalse([line for line in lines if 'event=self_repair' in line])

    def test_on_only_the_safe_repairs_each_logged_and_one_change_record(self):
        self.turn_on()
        self.break_safe_and_unsafe()
        job, lines = self.run_job()
        # Repaired: the folders, the misplaced file, the missing file (written back, its row kept).
        self.assertTrue((self.tree / 'managed' / 'externals').is_dir())
        self.assertTrue((self.tree / 'unmanaged').is_dir())
        self.assertTrue((self.tree / 'managed' / 'vpcs' / 'vpc-3.yaml').is_file())
        self.assertFalse((self.tree / 'managed' / 'switches' / 'vpc-3.yaml').exists())
        self.assertTrue((self.tree / 'managed' / 'servers' / 'server-01.yaml').is_file())
        self.assertIn('managed/servers/server-01.yaml', self.fabric.resources.values_list('managed_path', flat=True))
        # Left for a person: the stray file.
        self.assertEqual((self.tree / 'managed' / 'README.md').read_text(), '# notes of the team\n')
        recorded = job.data['fabrics']['dc1']
        self.assertEqual((recorded['status'], recorded['counts']['warning']), ('degraded', 1))
        self.assertEqual(self.fabric.gitops_status, 'degraded')
        repairs = [line for line in lines if 'event=self_repair ' in line]
        self.assertIn('fabric=dc1 event=self_repair action=create managed/externals', '\n'.join(repairs))
        self.assertIn('action=move managed/vpcs/vpc-3.yaml from managed/switches/vpc-3.yaml', '\n'.join(repairs))
        self.assertIn('action=restore managed/servers/server-01.yaml from the index', '\n'.join(repairs))
        self.assertIn(f'self_repairs={len(repairs)}', lines[-1])
        # The same lines on the job's Log tab.
        logged = [entry['message'] for entry in job.log_entries if 'event=self_repair ' in entry['message']]
        self.assertEqual(len(logged), len(repairs))
        (record,) = repair_records(self.fabric)
        self.assertEqual(record.changed_object, self.fabric)
        self.assertEqual(
            (record.action, record.user_name, record.request_id), ('update', 'scheduled health check', job.job_id)
        )
        self.assertTrue(record.message.startswith('repaired by the scheduled health check: create managed/externals'))
        self.assertRegex(record.message, r' \(\+\d more\)$')  # the rest in the job's log
        self.assertLessEqual(len(record.message), 200)
        self.assertEqual(record.prechange_data['gitops_status'], 'synced')
        self.assertEqual(record.postchange_data['gitops_status'], 'degraded')
        # A second run finds nothing more to repair: no second record.
        self.run_job()
        self.assertEqual(repair_records(self.fabric).count(), 1)

    def test_never_forgets_a_missing_object(self):
        self.turn_on()
        self.break_HEALTH_MANAGED_MISSING()
        rows = self.fabric.resources.count()
        self.run_job()
        self.assertEqual(self.fabric.resources.count(), rows)
        self.assertTrue((self.tree / 'managed' / 'servers' / 'server-01.yaml').is_file())

    def test_nothing_while_the_fabric_is_locked(self):
        self.turn_on()
        self.break_safe_and_unsafe()
        before = snapshot(self.tree)
        hold_lock_elsewhere(self, self.fabric)
        _, lines = self.run_job()
        self.assertEqual(snapshot(self.tree), before)
        self.assertFalse(repair_records(self.fabric).exists())
        self.assertIn('fabric=dc1 event=self_healing_skipped reason=locked holder="database session', '\n'.join(lines))

    def test_nothing_to_repair_nothing_recorded(self):
        self.turn_on()
        self.break_HEALTH_MANAGED_STRAY()  # only a person can settle it
        before = snapshot(self.tree)
        self.run_job()
        self.assertEqual(snapshot(self.tree), before)
        self.assertFalse(repair_records(self.fabric).exists())

    def test_the_metrics_count_the_automatic_repairs(self):
        self.turn_on()
        self.break_HEALTH_DIR_MISSING()
        self.run_job()
        target = CollectorRegistry()
        metrics.register(target)
        text = generate_latest(target).decode()
        self.assertIn('hedgehog_fabric_self_repairs_total{fabric="dc1"} 1.0', text)


class SelfHealingSettingTest(HealthyFabricMixin, TestCase):
    def test_new_fabrics_follow_the_plugin_setting(self):
        self.assertFalse(HedgehogFabric.objects.create(name='dc2').self_healing)
        self.plugin_settings(self_healing_default=True)
        self.assertTrue(HedgehogFabric.objects.create(name='dc3').self_healing)

    def test_settings_are_checked_at_start_up(self):
        for name, value in (
            ('self_healing_default', 'yes'),
            ('pattern_rejected_runs', -1),
            ('pattern_disk_days_left', 1.5),
        ):
            config = {**settings.PLUGINS_CONFIG['netbox_hedgehog'], name: value}
            with self.subTest(name=name), override_settings(PLUGINS_CONFIG={'netbox_hedgehog': config}):
                with self.assertRaisesMessage(ImproperlyConfigured, f"['{name}']"):
                    check_settings('netbox_hedgehog')


class SelfHealingFilterTest(HealthyFabricMixin, TestCase):
    def test_filters_by_self_healing(self):
        HedgehogFabric.objects.create(name='dc2', self_healing=True)
        fabrics = HedgehogFabric.objects.all()
        for value, names in ((True, ['dc2']), (False, ['dc1'])):
            filtered = HedgehogFabricFilterSet({'self_healing': value}, fabrics).qs
            self.assertEqual([fabric.name for fabric in filtered], names)


class SelfHealingGraphQLTest(HealthyFabricMixin, APITestCase):
    def test_the_field_and_its_filter(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        HedgehogFabric.objects.create(name='dc2', self_healing=True)
        query = '{hedgehog_fabric_list(filters: {self_healing: {exact: true}}) {name self_healing}}'
        response = self.client.post('/graphql/', {'query': query}, content_type='application/json', **self.header)
        self.assertEqual(response.json(), {'data': {'hedgehog_fabric_list': [{'name': 'dc2', 'self_healing': True}]}})


class SelfHealingPanelTest(HealthyFabricMixin, NetBoxTestCase):
    def test_the_health_tab_lists_the_last_automatic_repairs_and_offers_the_report(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'core.view_job')
        HedgehogFabric.objects.filter(pk=self.fabric.pk).update(self_healing=True)
        self.break_HEALTH_DIR_MISSING()
        job, _ = self.run_job()
        content = self.client.get(reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[self.fabric.pk]))
        content = content.content.decode()
        self.assertIn('id="last-automatic-repairs"', content)
        self.assertIn('create managed/externals', content)
        self.assertIn(reverse('core:job', args=[job.pk]), content)
        self.assertIn(reverse('plugins:netbox_hedgehog:hedgehogfabric_health_report', args=[self.fabric.pk]), content)
