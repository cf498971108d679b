"""The Markdown health report (`hedgehog health --report`, the Health tab's download) and the failure patterns
from real runs and stored checks, each just below its threshold too."""

from core.models import Job
from django.test import TestCase, override_settings
from django.urls import reverse
from utilities.testing import TestCase as NetBoxTestCase

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.tests.health_fixtures import HealthyFabricMixin
from netbox_hedgehog.tests.utils import run_command

SECTIONS = ('# Health of fabric dc1', '## Status', '## Findings', '## Patterns', '## Last runs', '## Last repairs')


class PatternHistoryTest(HealthyFabricMixin, TestCase):
    """The patterns as check_fabric finds them in the database: at the threshold, and one short of it."""

    def pattern_codes(self):
        return [finding.code for finding in self.report().findings if finding.code.startswith('HEALTH_PATTERN_')]

    def test_a_file_rejected_by_three_runs_in_a_row(self):
        self.break_HEALTH_PATTERN_REJECTED_REPEATEDLY(runs=2)
        self.assertEqual(self.pattern_codes(), [])
        self.break_HEALTH_PATTERN_REJECTED_REPEATEDLY(runs=1)
        (finding,) = [f for f in self.report().findings if f.code == 'HEALTH_PATTERN_REJECTED_REPEATEDLY']
        self.assertEqual(finding.file, 'raw/mixed.yaml')
        # The file is shown beside the message, which does not repeat it (findings.Finding).
        self.assertIn('It was rejected by 3 ingestion runs in a row with the same', finding.message)
        self.assertIn('Likely cause: nobody corrected the file', finding.message)

    def test_three_failed_pushes(self):
        self.break_HEALTH_PATTERN_PUSH_FAILING(runs=2)
        self.assertEqual(self.pattern_codes(), [])
        self.break_HEALTH_PATTERN_PUSH_FAILING(runs=1)
        self.assertEqual(self.pattern_codes(), ['HEALTH_PATTERN_PUSH_FAILING'])

    def test_a_push_error_names_no_server_path(self):
        self.record_run(0, git_error=f'cannot push {self.tree}/.git: refused')
        self.break_HEALTH_PATTERN_PUSH_FAILING(runs=2)
        (finding,) = [f for f in self.report().findings if f.code == 'HEALTH_PATTERN_PUSH_FAILING']
        self.assertNotIn(str(self.gitops_root), finding.message)

    def test_a_stale_health_job(self):
        self.break_HEALTH_PATTERN_HEALTH_JOB_STALE(29)
        self.assertEqual(self.pattern_codes(), [])
        Job.objects.all().delete()
        self.break_HEALTH_PATTERN_HEALTH_JOB_STALE(31)
        self.assertEqual(self.pattern_codes(), ['HEALTH_PATTERN_HEALTH_JOB_STALE'])
        self.record_check(5)  # only the latest result counts
        self.assertEqual(self.pattern_codes(), [])

    def test_the_scheduled_check_does_not_find_itself_stale(self):
        self.break_HEALTH_PATTERN_HEALTH_JOB_STALE(300)
        self.assertEqual(self.pattern_codes(), ['HEALTH_PATTERN_HEALTH_JOB_STALE'])
        job, _ = self.run_job()
        self.assertEqual(job.data['fabrics']['dc1']['status'], 'healthy')
        self.assertEqual(self.pattern_codes(), [])

    def test_the_lock_held_by_the_same_holder(self):
        self.break_HEALTH_PATTERN_LOCK_HELD(minutes_ago=1)  # within lock_wait_seconds (120)
        self.assertEqual(self.pattern_codes(), [])
        self.record_check(10, lock_holder=self.report().stats['lock_holder'])
        self.record_check(1, lock_holder=self.report().stats['lock_holder'])
        self.assertEqual(self.pattern_codes(), ['HEALTH_PATTERN_LOCK_HELD'])

    def test_raw_growing_and_disk_filling(self):
        self.break_HEALTH_PATTERN_RAW_GROWING(checks=2)
        self.assertEqual(self.pattern_codes(), [])
        self.break_HEALTH_PATTERN_DISK_FILLING()
        self.assertEqual(self.pattern_codes(), ['HEALTH_PATTERN_DISK_FILLING'])

    def test_the_thresholds_are_plugin_settings(self):
        self.break_HEALTH_PATTERN_PUSH_FAILING(runs=2)
        self.plugin_settings(pattern_push_failures=2)
        self.assertEqual(self.pattern_codes(), ['HEALTH_PATTERN_PUSH_FAILING'])
        self.plugin_settings(pattern_push_failures=0)
        self.assertEqual(self.pattern_codes(), [])


class ReportCommandTest(HealthyFabricMixin, TestCase):
    def test_the_report_has_every_section(self):
        code, out, err = run_command('hedgehog', 'health', '--report', 'dc1')
        self.assertEqual((code, err), (0, ''))
        positions = [out.index(section) for section in SECTIONS]
        self.assertEqual(positions, sorted(positions))
        self.assertIn('| healthy | 100 / 100 | 0 | 0 | 0 |', out)
        self.assertIn('No findings', out)
        self.assertIn('No failure pattern', out)
        self.assertIn('| completed | test |', out)
        self.assertIn('No automatic repair: self-healing is off.', out)

    def test_findings_patterns_and_repairs_in_the_report(self):
        HedgehogFabric.objects.filter(pk=self.fabric.pk).update(self_healing=True)
        self.break_HEALTH_DIR_MISSING()
        self.run_job()  # repairs the folders
        self.break_HEALTH_PATTERN_PUSH_FAILING()
        self.break_HEALTH_MANAGED_STRAY()
        code, out, _ = run_command('hedgehog', 'health', '--report', 'dc1')
        self.assertEqual(code, 1)
        findings = out[out.index('## Findings') : out.index('## Patterns')]
        self.assertIn('| warning | `HEALTH_MANAGED_STRAY` | managed/README.md |', findings)
        patterns = out[out.index('## Patterns') : out.index('## Last runs')]
        self.assertIn('### `HEALTH_PATTERN_PUSH_FAILING`', patterns)
        self.assertIn('- **Evidence:** 3 runs, first seen ', patterns)
        self.assertIn('- **Likely cause:** the git server keeps refusing the push', patterns)
        self.assertIn('- **Remedy:** Press Test connection', patterns)
        self.assertIn('push failed: git push: ! [remote rejected] main -> main (protected branch)', out)
        repairs = out[out.index('## Last repairs') :]
        self.assertIn('create managed/externals', repairs)

    def test_all_fabrics_and_usage(self):
        HedgehogFabric.objects.create(name='dc2')
        code, out, _ = run_command('hedgehog', 'health', '--report', '--all')
        self.assertEqual(code, 0)
        self.assertIn('# Health of fabric dc1', out)
        self.assertIn('# Health of fabric dc2', out)
        code, out, _ = run_command('hedgehog', 'health', '--report', '--json', 'dc1')
        self.assertEqual((code, out), (2, ''))

    def test_a_pipe_in_a_message_keeps_the_table(self):
        self.record_run(0, git_error='a | b\nc')
        _, out, _ = run_command('hedgehog', 'health', '--report', 'dc1')
        self.assertIn('push failed: a \\| b c |', out)


class ReportDownloadTest(HealthyFabricMixin, NetBoxTestCase):
    def setUp(self):
        super().setUp()
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_health_report', args=[self.fabric.pk])

    def test_whoever_may_view_the_fabric_downloads_the_same_report(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        response = self.client.get(self.url)
        self.assertHttpStatus(response, 200)
        self.assertEqual(response['Content-Type'], 'text/markdown; charset=utf-8')
        self.assertRegex(response['Content-Disposition'], r'^attachment; filename="dc1-health-\d{8}T\d{6}Z\.md"$')
        text = response.content.decode()
        for section in SECTIONS:
            self.assertIn(section, text)

    @override_settings(EXEMPT_VIEW_PERMISSIONS=[])
    def test_no_view_permission_no_report_and_anonymous_signs_in(self):
        self.assertHttpStatus(self.client.get(self.url), 403)
        self.client.logout()
        self.assertHttpStatus(self.client.get(self.url), 302)

    @override_settings(EXEMPT_VIEW_PERMISSIONS=['*'])
    def test_anonymous_never_runs_a_check(self):
        self.client.logout()
        self.assertHttpStatus(self.client.get(self.url), 302)
