"""Backup and restore on real trees and PostgreSQL: a byte-identical round trip, checksum and owner
checks that change nothing, refusal while an ingestion holds the fabric, and the commands."""

import hashlib
import json
import shutil
import tarfile
import tempfile
from pathlib import Path

from django.test import TestCase, TransactionTestCase

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services.backup import BackupError, RestoreError, backup, restore
from netbox_hedgehog.services.lock import FabricLocked
from netbox_hedgehog.tests.health_fixtures import HealthyFabricMixin, vpc
from netbox_hedgehog.tests.utils import hold_lock_elsewhere, run_command, snapshot


class BackupMixin(HealthyFabricMixin):
    def setUp(self):
        super().setUp()
        self.backups = Path(tempfile.mkdtemp(prefix='hedgehog-backups-'))
        self.addCleanup(shutil.rmtree, self.backups, ignore_errors=True)
        self.plugin_settings(backup_root=str(self.backups))
        self.drop('waiting.yaml', vpc('vpc-2', 1020, '10.0.20.0/24'))  # raw/ content is backed up too

    def index(self):
        return sorted(self.fabric.resources.values_list('managed_path', 'sha256'))

    def unchanged(self, before, index):
        self.assertEqual(snapshot(self.tree), before)
        self.assertEqual(self.index(), index)
        self.assertEqual(sorted(p.name for p in self.gitops_root.iterdir()), ['dc1'])  # no staging left


class BackupRestoreTest(BackupMixin, TestCase):
    def test_round_trip_is_byte_identical_and_the_previous_tree_is_kept_in_a_backup(self):
        original, index = snapshot(self.tree), self.index()
        made = backup(self.fabric)
        self.assertEqual(made.archive.parent, self.backups / 'dc1')
        self.assertRegex(made.archive.name, r'^dc1-\d{8}T\d{6}Z\.tar\.gz$')
        self.assertEqual(hashlib.sha256(made.archive.read_bytes()).hexdigest(), made.sha256)
        self.assertEqual(
            Path(f'{made.archive}.sha256').read_text(), f'{made.sha256}  {made.archive.name}\n'
        )  # sha256sum -c format
        self.assertEqual(snapshot(self.tree), original)  # a backup changes nothing

        # Lose a managed file, change another, add a stray one: then restore.
        (self.tree / 'managed/servers/server-01.yaml').unlink()
        leaf = self.tree / 'managed/switches/leaf-01.yaml'
        leaf.write_text(leaf.read_text() + '# edited\n')
        self.write('managed/README.md', 'stray')
        changed = snapshot(self.tree)
        self.fabric.resources.filter(name='vpc-1').delete()

        result = restore(self.fabric, made.archive)
        self.assertEqual(snapshot(self.tree), original)
        self.assertEqual(self.index(), index)  # the index follows the restored files
        self.assertEqual(result.reindexed.created, ['managed/vpcs/vpc-1.yaml'])
        self.assertEqual(self.report().findings[0].code, 'HEALTH_RAW_PENDING')

        # The tree that was replaced is in the previous backup, whole.
        with tarfile.open(result.previous.archive) as tar:
            names = {name.removeprefix('./') for name in tar.getnames()}
            self.assertEqual(tar.extractfile('./managed/README.md').read(), b'stray')
        self.assertEqual(names - {'.'}, set(changed))
        self.assertEqual(sorted(p.name for p in self.gitops_root.iterdir()), ['dc1'])

    def test_a_restore_into_a_missing_tree(self):
        original = snapshot(self.tree)
        made = backup(self.fabric)
        shutil.rmtree(self.tree)
        result = restore(self.fabric, made.archive)
        self.assertIsNone(result.previous)
        self.assertEqual(snapshot(self.tree), original)

    def test_a_bad_checksum_changes_nothing(self):
        made = backup(self.fabric)
        (self.tree / 'managed/servers/server-01.yaml').unlink()
        before, index = snapshot(self.tree), self.index()
        checksum = Path(f'{made.archive}.sha256')
        checksum.write_text('0' * 64 + f'  {made.archive.name}\n')
        with self.assertRaisesMessage(RestoreError, 'nothing was changed'):
            restore(self.fabric, made.archive)
        self.unchanged(before, index)

        checksum.write_text(f'{made.sha256}  {made.archive.name}\n')
        data = bytearray(made.archive.read_bytes())
        data[len(data) // 2] ^= 0xFF
        made.archive.write_bytes(bytes(data))  # the archive itself damaged
        with self.assertRaisesMessage(RestoreError, 'SHA-256'):
            restore(self.fabric, made.archive)
        checksum.unlink()
        with self.assertRaisesMessage(RestoreError, 'checksum file'):
            restore(self.fabric, made.archive)
        self.unchanged(before, index)
        self.assertEqual(list((self.backups / 'dc1').glob('*.tar.gz')), [made.archive])  # no backup of "previous"

    def test_another_fabrics_archive_is_refused(self):
        other = HedgehogFabric.objects.create(name='dc2')
        made = backup(other)
        before, index = snapshot(self.tree), self.index()
        with self.assertRaisesMessage(RestoreError, "the tree of fabric 'dc2'"):
            restore(self.fabric, made.archive)
        self.assertEqual(snapshot(self.tree), before)
        self.assertEqual(self.index(), index)
        self.assertEqual(sorted(p.name for p in self.gitops_root.iterdir()), ['dc1', 'dc2'])

    def test_no_backup_folder_is_an_error_not_a_guess(self):
        self.plugin_settings(backup_root=None)
        with self.assertRaisesMessage(BackupError, 'backup_root'):
            backup(self.fabric)
        code, _, err = run_command('hedgehog', 'backup', 'dc1')
        self.assertEqual(code, 1)
        self.assertIn('backup_root', err)

    def test_two_backups_in_one_second_do_not_collide(self):
        first, second = backup(self.fabric), backup(self.fabric)
        self.assertNotEqual(first.archive, second.archive)
        self.assertTrue(Path(f'{second.archive}.sha256').is_file())

    def test_commands(self):
        code, out, _ = run_command('hedgehog', 'backup', 'dc1', '--json')
        self.assertEqual(code, 0)
        archive = json.loads(out)['archive']
        target = Path(tempfile.mkdtemp(prefix='hedgehog-to-'))
        self.addCleanup(shutil.rmtree, target)
        code, out, _ = run_command('hedgehog', 'backup', 'dc1', '--to', str(target))
        self.assertEqual(code, 0)
        self.assertIn(str(target / 'dc1'), out)
        original = snapshot(self.tree)
        (self.tree / 'raw/waiting.yaml').unlink()
        code, out, _ = run_command('hedgehog', 'restore', 'dc1', archive)
        self.assertEqual(code, 0, out)
        self.assertIn('previous tree backed up to', out)
        self.assertEqual(snapshot(self.tree), original)
        Path(f'{archive}.sha256').write_text('garbage\n')
        code, _, err = run_command('hedgehog', 'restore', 'dc1', archive)
        self.assertEqual(code, 1)
        self.assertIn('refused', err)
        self.assertEqual(run_command('hedgehog', 'restore', 'nope', archive)[0], 2)
        self.assertEqual(run_command('hedgehog', 'restore', 'dc1')[0], 2)


class RestoreLockTest(BackupMixin, TransactionTestCase):
    def test_backup_and_restore_are_refused_while_an_ingestion_holds_the_fabric(self):
        made = backup(self.fabric)
        (self.tree / 'managed/servers/server-01.yaml').unlink()
        before, index = snapshot(self.tree), self.index()
        hold_lock_elsewhere(self, self.fabric)
        with self.assertRaises(FabricLocked):
            restore(self.fabric, made.archive)
        with self.assertRaises(FabricLocked):
            backup(self.fabric)
        self.assertEqual(run_command('hedgehog', 'restore', 'dc1', str(made.archive))[0], 3)
        self.assertEqual(run_command('hedgehog', 'backup', 'dc1')[0], 3)
        self.unchanged(before, index)
        self.assertEqual(list((self.backups / 'dc1').glob('*.tar.gz')), [made.archive])
