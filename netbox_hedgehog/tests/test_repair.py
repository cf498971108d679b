"""`fix` against real trees and PostgreSQL: each fixable code repaired, user files byte-identical,
refusals instead of overwriting, a dry run that changes nothing, and the command's exit codes."""

import json

from django.test import TestCase, TransactionTestCase

from netbox_hedgehog.choices import GitOpsStatusChoices
from netbox_hedgehog.core.health_codes import CODES
from netbox_hedgehog.core.health_status import HealthStatus
from netbox_hedgehog.core.kinds import LAYOUT_VERSION
from netbox_hedgehog.core.tree import GITKEEP
from netbox_hedgehog.services.lock import FabricLocked
from netbox_hedgehog.services.repair import (
    INDEX_CODES,
    LINK_CODES,
    MISPLACED_CODES,
    MISSING_CODES,
    STAGING_CODES,
    STRUCTURE_CODES,
    fix,
)
from netbox_hedgehog.tests.health_fixtures import HealthyFabricMixin, files, vpc
from netbox_hedgehog.tests.utils import hold_lock_elsewhere, run_command, snapshot

FIXABLE = sorted(code for code, known in CODES.items() if known.fixable)


class FixTest(HealthyFabricMixin, TestCase):
    def assert_user_files_kept(self, before, result):
        """Every file's bytes are still there: at the same path, or where fix reported moving it."""
        after = files(self.tree)
        moved = {
            change.detail.removeprefix('from '): change.path for change in result.changes if change.action == 'move'
        }
        for path, data in before.items():
            self.assertEqual(after.get(moved.get(path, path)), data, path)

    def assert_fixed(self, code):
        getattr(self, f'break_{code}')()
        self.assertIn(code, self.codes())
        before = files(self.tree)
        result = fix(self.fabric)
        self.assertEqual(result.exit_code, 0, result.refused)
        self.assertTrue(result.changes)
        self.assertNotIn(code, {finding.code for finding in result.after.findings})
        self.assertEqual(result.after.status, HealthStatus.HEALTHY, result.after.findings)
        self.assert_user_files_kept(before, result)
        self.assertEqual(fix(self.fabric).changes, [])  # a second run finds nothing to do

    def test_the_fixable_codes_are_exactly_those_fix_handles(self):
        self.assertEqual(
            set(FIXABLE), LINK_CODES | STRUCTURE_CODES | MISPLACED_CODES | INDEX_CODES | MISSING_CODES | STAGING_CODES
        )

    def test_a_healthy_tree_needs_nothing(self):
        before = snapshot(self.tree)
        result = fix(self.fabric)
        self.assertEqual((result.changes, result.refused, result.exit_code), ([], [], 0))
        self.assertEqual(snapshot(self.tree), before)

    def test_a_tree_of_layout_1_gets_the_gateway_folders_and_nothing_else_changes(self):
        # As a tree made before the gateway kinds: no gateway folders, a manifest without layout_version.
        for folder in ('gateways', 'gatewaygroups', 'gatewaypeerings'):
            (self.tree / 'managed' / folder / GITKEEP).unlink()
            (self.tree / 'managed' / folder).rmdir()
        manifest = self.tree / '.hnp' / 'manifest.yaml'
        manifest.write_text(manifest.read_text().replace(f'layout_version: {LAYOUT_VERSION}\n', ''))
        missing = [f.file for f in self.report().findings if f.code == 'HEALTH_DIR_MISSING']
        # Findings come by file and line (findings.in_file_order).
        self.assertEqual(missing, ['managed/gatewaygroups/', 'managed/gatewaypeerings/', 'managed/gateways/'])
        before = snapshot(self.tree)

        result = fix(self.fabric)

        self.assertEqual(result.exit_code, 0, result.refused)
        self.assertEqual(result.after.status, HealthStatus.HEALTHY, result.after.findings)
        after = snapshot(self.tree)
        added = {
            f'managed/{folder}{end}'
            for folder in ('gateways', 'gatewaygroups', 'gatewaypeerings')
            for end in ('', f'/{GITKEEP}')
        }
        self.assertEqual(set(after) - set(before), added)
        self.assertEqual({path: after[path] for path in before}, before)  # the manifest too, byte for byte

    def test_a_wrong_directory_file_is_moved_byte_identical_and_indexed(self):
        self.break_HEALTH_MANAGED_WRONG_DIR()
        data = (self.tree / 'managed/switches/vpc-3.yaml').read_bytes()
        result = fix(self.fabric)
        self.assertIn('move', [change.action for change in result.changes])
        self.assertFalse((self.tree / 'managed/switches/vpc-3.yaml').exists())
        self.assertEqual((self.tree / 'managed/vpcs/vpc-3.yaml').read_bytes(), data)
        self.assertTrue(self.fabric.resources.filter(kind='VPC', name='vpc-3').exists())

    def test_a_move_onto_an_existing_file_is_refused_and_nothing_changes(self):
        self.write('managed/switches/vpc-1.yaml', vpc('vpc-1', 1011))  # vpc-1 is already in managed/vpcs/
        before = snapshot(self.tree)
        result = fix(self.fabric)
        self.assertEqual(result.exit_code, 1)
        self.assertIn('already exists', result.refused[0])
        self.assertEqual(snapshot(self.tree), before)

    def test_two_files_wanting_one_place_are_both_left(self):
        self.write('managed/switches/vpc-3.yaml', vpc('vpc-3', 1030, '10.0.30.0/24'))
        self.write('managed/servers/vpc-3.yaml', vpc('vpc-3', 1031, '10.0.31.0/24'))
        before = snapshot(self.tree)
        result = fix(self.fabric)
        self.assertEqual(result.exit_code, 1)
        self.assertIn('keep one', result.refused[0])
        self.assertEqual(snapshot(self.tree), before)

    def test_unfixable_findings_are_left_alone(self):
        for code in (
            'HEALTH_MANAGED_INVALID',
            'HEALTH_MANAGED_UNPARSABLE',
            'HEALTH_MANAGED_STRAY',
            'HEALTH_RAW_PENDING',
        ):
            getattr(self, f'break_{code}')()
        before = snapshot(self.tree)
        result = fix(self.fabric)
        self.assertEqual((result.changes, result.exit_code), ([], 0))
        self.assertEqual(snapshot(self.tree), before)
        self.assertEqual(result.after.status, HealthStatus.UNHEALTHY)

    def test_dry_run_shows_the_plan_and_changes_nothing(self):
        for code in (
            'HEALTH_DIR_MISSING',
            'HEALTH_MANIFEST_MISSING',
            'HEALTH_MANAGED_WRONG_DIR',
            'HEALTH_MANAGED_MISSING',
        ):
            getattr(self, f'break_{code}')()
        before, index = snapshot(self.tree), list(self.fabric.resources.values_list('managed_path', 'sha256'))
        result = fix(self.fabric, dry_run=True)
        actions = {change.action for change in result.changes}
        self.assertEqual(actions, {'create', 'move', 'restore', 'reindex'})
        self.assertIn('managed/vpcs/vpc-3.yaml', [change.path for change in result.changes])
        self.assertEqual(snapshot(self.tree), before)
        self.assertEqual(list(self.fabric.resources.values_list('managed_path', 'sha256')), index)
        self.assertIsNone(result.after)

    def test_fix_stores_the_fabric_status(self):
        self.break_HEALTH_MANIFEST_MISSING()
        fix(self.fabric)
        self.fabric.refresh_from_db()
        self.assertEqual(self.fabric.gitops_status, GitOpsStatusChoices.SYNCED)

    def test_command(self):
        self.break_HEALTH_INDEX_HASH_MISMATCH()
        code, out, _ = run_command('hedgehog', 'fix', 'dc1', '--dry-run')
        self.assertEqual(code, 0)
        self.assertIn('would reindex', out)
        self.assertIn('HEALTH_INDEX_HASH_MISMATCH', self.codes())
        code, out, _ = run_command('hedgehog', 'fix', 'dc1', '--json')
        self.assertEqual(code, 0)
        data = json.loads(out)
        self.assertEqual(
            data['changes'], [{'action': 'reindex', 'path': 'managed/switches/leaf-01.yaml', 'detail': 'row updated'}]
        )
        self.assertEqual(data['after']['status'], 'healthy')
        self.write('managed/switches/vpc-1.yaml', vpc('vpc-1', 1011))
        code, out, _ = run_command('hedgehog', 'fix', 'dc1')
        self.assertEqual(code, 1)
        self.assertIn('refused', out)
        self.assertEqual(run_command('hedgehog', 'fix', 'nope')[0], 2)


for _code in FIXABLE:
    setattr(FixTest, f'test_fixes_{_code.lower()}', lambda self, code=_code: self.assert_fixed(code))


class FixLockTest(HealthyFabricMixin, TransactionTestCase):
    def test_refused_while_an_ingestion_holds_the_fabric(self):
        hold_lock_elsewhere(self, self.fabric)
        self.break_HEALTH_MANIFEST_MISSING()
        before = snapshot(self.tree)
        with self.assertRaises(FabricLocked):
            fix(self.fabric)
        code, _, err = run_command('hedgehog', 'fix', 'dc1')
        self.assertEqual(code, 3)
        self.assertIn('already running', err)
        self.assertEqual(snapshot(self.tree), before)
