"""The scheduled health check (a NetBox system job) and the Prometheus metrics, against PostgreSQL."""

import os
from unittest import mock

from django.test import TestCase
from netbox.registry import registry
from prometheus_client import CollectorRegistry, generate_latest

from netbox_hedgehog import metrics
from netbox_hedgehog.choices import GitOpsStatusChoices
from netbox_hedgehog.health_jobs import HealthCheckJob, latest_summaries, register
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services.lock import fabric_lock
from netbox_hedgehog.services.repair import fix
from netbox_hedgehog.tests.health_fixtures import HealthyFabricMixin


class HealthCheckJobTest(HealthyFabricMixin, TestCase):
    def test_records_each_fabric_updates_its_status_and_logs_key_value(self):
        HedgehogFabric.objects.create(name='dc2')
        self.break_HEALTH_MANAGED_STRAY()
        job, lines = self.run_job()
        self.assertEqual(job.status, 'completed')
        recorded = job.data['fabrics']
        self.assertEqual((recorded['dc1']['status'], recorded['dc1']['score']), ('degraded', 97))
        self.assertEqual(recorded['dc2']['status'], 'healthy')
        self.assertNotIn('findings', recorded['dc1'])
        self.assertEqual(self.fabric.gitops_status, GitOpsStatusChoices.DEGRADED)
        self.assertEqual(HedgehogFabric.objects.get(name='dc2').gitops_status, GitOpsStatusChoices.INITIALIZED)
        (line,) = [line for line in lines if 'fabric=dc1 ' in line]
        self.assertIn('event=health status=degraded score=97 errors=0 warnings=1', line)
        self.assertIn('codes=HEALTH_MANAGED_STRAY:1', line)
        self.assertEqual(latest_summaries()['dc1']['status'], 'degraded')

    def test_status_follows_health(self):
        self.break_HEALTH_MANIFEST_MISSING()
        self.run_job()
        self.assertEqual(self.fabric.gitops_status, GitOpsStatusChoices.FAILED)
        fix(self.fabric)
        self.run_job()
        self.assertEqual(self.fabric.gitops_status, GitOpsStatusChoices.SYNCED)

    def test_the_status_is_left_to_a_running_ingestion(self):
        self.break_HEALTH_MANIFEST_MISSING()
        with fabric_lock(self.fabric):
            _, lines = self.run_job()
        self.assertEqual(self.fabric.gitops_status, GitOpsStatusChoices.SYNCED)
        self.assertIn('status_changed=no', lines[0])

    def test_register_schedules_the_system_job_at_the_configured_interval(self):
        self.plugin_settings(health_interval_minutes=7)
        self.addCleanup(registry['system_jobs'].pop, HealthCheckJob, None)
        register()
        self.assertEqual(registry['system_jobs'][HealthCheckJob], {'interval': 7})
        registry['system_jobs'].pop(HealthCheckJob)
        self.plugin_settings(health_interval_minutes=0)
        register()
        self.assertNotIn(HealthCheckJob, registry['system_jobs'])


class MetricsTest(HealthyFabricMixin, TestCase):
    def scrape(self):
        target = CollectorRegistry()
        metrics.register(target)
        metrics.register(target)  # idempotent
        return generate_latest(target).decode()

    def test_columns_before_any_health_check_and_no_folder_is_listed(self):
        self.drop('new.yaml', 'a: 1\n')
        # NetBox serves /metrics to anyone: a scrape reads stored state only, never a tree.
        with (
            mock.patch.object(os, 'scandir', side_effect=AssertionError('a folder was listed')),
            mock.patch.object(os, 'walk', side_effect=AssertionError('a tree was walked')),
        ):
            text = self.scrape()
        self.assertIn('hedgehog_fabric_gitops_status{fabric="dc1",status="synced"} 1.0', text)
        self.assertIn('hedgehog_fabric_last_ingestion_age_seconds{fabric="dc1"}', text)
        self.assertNotIn('hedgehog_fabric_health{', text)
        self.assertNotIn('hedgehog_fabric_raw_backlog_files{', text)

    def test_the_raw_backlog_as_the_last_check_found_it(self):
        self.drop('new.yaml', 'a: 1\n')
        HealthCheckJob.enqueue(immediate=True)
        self.drop('newer.yaml', 'a: 2\n')
        self.assertIn('hedgehog_fabric_raw_backlog_files{fabric="dc1"} 1.0', self.scrape())

    def test_health_figures_from_the_last_check(self):
        self.break_HEALTH_MANIFEST_MISSING()
        HealthCheckJob.enqueue(immediate=True)
        text = self.scrape()
        self.assertIn('hedgehog_fabric_health{fabric="dc1"} 2.0', text)
        self.assertIn('hedgehog_fabric_health_score{fabric="dc1"} 39.0', text)
        self.assertIn('hedgehog_fabric_health_findings{fabric="dc1",severity="error"} 1.0', text)
        self.assertIn('hedgehog_fabric_health_checked_timestamp_seconds{fabric="dc1"}', text)
