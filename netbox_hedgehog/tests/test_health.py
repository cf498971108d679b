"""Health against real trees and real PostgreSQL: every finding code from a crafted broken tree, none
from a healthy one; status, score and the `hedgehog health` command's exit codes."""

import json
import re
from pathlib import Path
from unittest import mock

from django.test import TestCase

from netbox_hedgehog.core.findings import Finding, Severity, in_file_order
from netbox_hedgehog.core.health_codes import CODES
from netbox_hedgehog.core.health_status import HealthStatus, score_of, status_of
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services import treefs
from netbox_hedgehog.services.health import check_fabric
from netbox_hedgehog.services.lock import fabric_lock
from netbox_hedgehog.tests.health_fixtures import HealthyFabricMixin
from netbox_hedgehog.tests.utils import run_command

DOCS = Path(__file__).resolve().parents[2] / 'docs' / 'health.md'


class HealthyTreeTest(HealthyFabricMixin, TestCase):
    def test_a_healthy_tree_has_no_finding_at_all(self):
        report = self.report()
        self.assertEqual(report.findings, [])
        self.assertEqual((report.status, report.score, report.exit_code), (HealthStatus.HEALTHY, 100, 0))
        self.assertEqual(report.stats['managed_files'], 7)
        self.assertEqual(report.stats['indexed'], 7)
        self.assertEqual(report.stats['raw_backlog'], 0)
        self.assertGreater(report.duration, 0)

    def test_as_dict_is_json_with_the_finding_shape(self):
        self.break_HEALTH_MANAGED_STRAY()
        data = json.loads(json.dumps(self.report().as_dict()))
        self.assertEqual(data['status'], 'degraded')
        self.assertEqual(data['counts'], {'error': 0, 'warning': 1, 'info': 0})
        (finding,) = data['findings']
        self.assertEqual(Finding.from_dict(finding).code, 'HEALTH_MANAGED_STRAY')
        self.assertEqual(finding['file'], 'managed/README.md')
        self.assertTrue(finding['hint'])

    def test_unchanged_files_are_not_parsed_only_changed_ones(self):
        # A valid file whose bytes match the index is trusted; the same bytes with another row hash (a row that
        # recorded another file: other bytes, another modification time) are parsed.
        self.fabric.resources.filter(name='leaf-01').update(sha256='0' * 64, file_mtime_ns=0)
        codes = self.codes()
        self.assertEqual(codes, {'HEALTH_INDEX_HASH_MISMATCH'})

    def test_files_whose_size_and_time_match_their_row_are_not_even_read(self):
        read = mock.Mock(side_effect=treefs.Tree.read, autospec=True)
        with mock.patch.object(treefs.Tree, 'read', lambda tree, relative: read(tree, relative)):
            self.assertEqual(self.codes(), set())
        self.assertFalse([call for call in read.call_args_list if call.args[1].startswith('managed/')])
        # A file rewritten since (another modification time) is read again, and found changed.
        leaf = self.fabric.layout().managed / 'switches' / 'leaf-01.yaml'
        leaf.write_text(leaf.read_text().replace('leaf 1', 'leaf 9'))
        with mock.patch.object(treefs.Tree, 'read', lambda tree, relative: read(tree, relative)):
            self.assertIn('HEALTH_INDEX_HASH_MISMATCH', self.codes())
        self.assertIn('managed/switches/leaf-01.yaml', [call.args[1] for call in read.call_args_list])


class FindingCodeTest(HealthyFabricMixin, TestCase):
    """One test per code (generated below): the crafted tree produces it with its documented severity."""

    def assert_produces(self, code):
        getattr(self, f'break_{code}')()
        findings = [finding for finding in self.report().findings if finding.code == code]
        self.assertTrue(findings, f'{code} not produced; got {self.codes()}')
        self.assertTrue(all(finding.severity == CODES[code].severity for finding in findings))

    def test_an_ingestion_in_progress_is_noted_and_leaves_the_status_alone(self):
        with fabric_lock(self.fabric):
            report = check_fabric(self.fabric)
        self.assertIn('HEALTH_INGESTION_RUNNING', {finding.code for finding in report.findings})
        self.assertTrue(report.stats['ingestion_running'])
        self.assertNotIn('HEALTH_INGESTION_RUNNING', self.codes())

    def test_the_crafted_findings_point_at_the_file(self):
        self.break_HEALTH_MANAGED_WRONG_DIR()
        (finding,) = self.report().findings
        self.assertEqual(finding.file, 'managed/switches/vpc-3.yaml')
        self.assertIn('managed/vpcs/vpc-3.yaml', finding.message)
        self.assertEqual(finding.line, 1)

    def test_findings_come_by_file_and_line_and_never_repeat_their_file(self):
        self.break_HEALTH_RAW_PENDING()
        self.break_HEALTH_MANAGED_UNPARSABLE()
        self.break_HEALTH_MANAGED_STRAY()
        self.break_HEALTH_INDEX_FILE_UNINDEXED()
        findings = self.report().findings
        self.assertEqual(len(findings), 4)
        self.assertEqual(findings, in_file_order(findings))
        self.assertEqual([f.file for f in findings], sorted(f.file for f in findings))
        self.assertEqual([f for f in findings if f.file and f.file in f.message], [])
        # The reader's YAML error, said once (not "is not valid YAML: The document is not valid YAML. ...").
        (unparsable,) = [f for f in findings if f.code == 'HEALTH_MANAGED_UNPARSABLE']
        self.assertEqual(unparsable.file, 'managed/vpcs/broken.yaml')
        self.assertEqual(unparsable.message.count('not valid YAML'), 1)
        self.assertTrue(unparsable.message.startswith('The document is not valid YAML: '), unparsable.message)

    def test_a_folder_named_like_a_managed_file_is_a_stray(self):
        (self.tree / 'managed' / 'vpcs' / 'vpc-9.yaml').mkdir()
        (finding,) = self.report().findings
        self.assertEqual((finding.code, finding.file), ('HEALTH_MANAGED_STRAY', 'managed/vpcs/vpc-9.yaml'))

    def test_a_dangling_reference_names_the_field(self):
        self.break_HEALTH_REF_DANGLING()
        (finding,) = [f for f in self.report().findings if f.code == 'HEALTH_REF_DANGLING']
        self.assertEqual(finding.file, 'managed/vpcattachments/vpc-9--server-01.yaml')
        self.assertEqual(finding.path, 'spec.subnet')
        self.assertEqual(
            finding.message, "VPCAttachment vpc-9--server-01: VPC 'vpc-9' is not in managed/ of fabric dc1."
        )

    def test_raw_backlog_figures(self):
        self.break_HEALTH_RAW_STALE()
        self.break_HEALTH_RAW_IGNORED()
        stats = self.report().stats
        self.assertEqual(stats['raw_backlog'], 2)
        self.assertGreaterEqual(stats['raw_oldest_age_seconds'], 7200)


BROKEN_ONLY_BY_LOCK = {'HEALTH_INGESTION_RUNNING'}
for _code in sorted(set(CODES) - BROKEN_ONLY_BY_LOCK):
    setattr(
        FindingCodeTest,
        f'test_{_code.lower()}',
        lambda self, code=_code: self.assert_produces(code),
    )


class StatusAndScoreTest(TestCase):
    def finding(self, severity, code='X'):
        return Finding(severity, code, 'm')

    def test_status_follows_the_worst_severity_and_info_never_counts(self):
        self.assertEqual(status_of([self.finding(Severity.INFO)]), HealthStatus.HEALTHY)
        self.assertEqual(status_of([self.finding(Severity.WARNING)]), HealthStatus.DEGRADED)
        self.assertEqual(
            status_of([self.finding(Severity.WARNING), self.finding(Severity.ERROR)]), HealthStatus.UNHEALTHY
        )

    def test_score_stays_in_the_band_of_the_status(self):
        self.assertEqual(score_of([self.finding(Severity.INFO)]), 100)
        self.assertEqual(score_of([self.finding(Severity.WARNING)]), 97)
        self.assertEqual(score_of([self.finding(Severity.WARNING)] * 10_000), 89)  # one code: capped
        self.assertEqual(score_of([self.finding(Severity.ERROR)]), 39)
        many = [self.finding(Severity.ERROR, f'E{n}') for n in range(10)]
        self.assertEqual(score_of(many), 0)

    def test_every_code_is_documented_with_its_severity(self):
        text = DOCS.read_text()
        documented = dict(re.findall(r'^\| `(HEALTH_[A-Z_]+)` \| (\w+) \|', text, re.MULTILINE))
        self.assertEqual(documented, {code: str(known.severity) for code, known in CODES.items()})


class HealthCommandTest(HealthyFabricMixin, TestCase):
    def test_exit_codes_healthy_degraded_unhealthy(self):
        code, out, _ = run_command('hedgehog', 'health', 'dc1')
        self.assertEqual(code, 0)
        self.assertIn('fabric dc1: healthy, score 100', out)
        self.break_HEALTH_MANAGED_STRAY()
        code, out, _ = run_command('hedgehog', 'health', 'dc1')
        self.assertEqual(code, 1)
        self.assertIn('HEALTH_MANAGED_STRAY', out)
        self.break_HEALTH_MANIFEST_MISSING()
        code, out, _ = run_command('hedgehog', 'health', 'dc1')
        self.assertEqual(code, 2)
        # The hint in the words of the command line, for this fabric.
        self.assertIn('hint: Repair it with `netbox hedgehog fix dc1`.', out)
        self.assertNotIn('button', out)

    def test_json_and_all(self):
        self.break_HEALTH_RAW_PENDING()
        code, out, _ = run_command('hedgehog', 'health', 'dc1', '--json')
        self.assertEqual(code, 0)
        self.assertEqual(json.loads(out)['findings'][0]['code'], 'HEALTH_RAW_PENDING')
        HedgehogFabric.objects.create(name='dc2')
        (self.gitops_root / 'dc2' / 'raw' / 'stray.txt').write_text('x')
        code, out, _ = run_command('hedgehog', 'health', '--all', '--json')
        data = json.loads(out)
        self.assertEqual((code, data['status']), (0, 'healthy'))
        self.assertEqual([report['fabric'] for report in data['fabrics']], ['dc1', 'dc2'])
        self.break_HEALTH_MANAGED_STRAY()
        code, out, _ = run_command('hedgehog', 'health', '--all')
        self.assertEqual(code, 1)
        self.assertIn('2 fabric(s): degraded', out)

    def test_bad_usage_exits_2_with_nothing_on_stdout(self):
        for argv in ((), ('dc1', '--all'), ('nope',)):
            code, out, err = run_command('hedgehog', 'health', *argv)
            self.assertEqual((code, out), (2, ''), argv)
            self.assertIn('hedgehog:', err)
        self.assertEqual(run_command('hedgehog', 'health', '--bogus')[0], 2)
