"""Symbolic links in a tree, made by hand or pushed with git: never followed by ingest, upload, fix, re-index,
health, backup or restore. Files outside the tree are hashed before and after; nothing from outside appears
inside the tree."""

import hashlib
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from django.test import TestCase

from netbox_hedgehog.choices import IngestionStatusChoices
from netbox_hedgehog.core.health_status import HealthStatus
from netbox_hedgehog.services.backup import BackupError, RestoreError, backup, restore
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.outputs import Outputs
from netbox_hedgehog.services.raw_backlog import raw_backlog
from netbox_hedgehog.services.reindex import reindex
from netbox_hedgehog.services.repair import fix
from netbox_hedgehog.services.treefs import LINKS_ASIDE
from netbox_hedgehog.services.upload import UploadRefused, add_raw_file
from netbox_hedgehog.tests.git_helpers import git
from netbox_hedgehog.tests.health_fixtures import HealthyFabricMixin, vpc

# Looks like a server secret, and like YAML, so a tree that copied it would ingest it.
SECRET = 'token: hedgehog-server-secret-0123456789\n'


def digest_all(folder):
    """{path: SHA-256 or link target or 'dir'} of everything under `folder` (links as themselves)."""
    found = {}
    for parent, folders, names in os.walk(folder):
        for name in folders + names:
            path = os.path.join(parent, name)
            if os.path.islink(path):
                found[path] = 'link:' + os.readlink(path)
            elif os.path.isdir(path):
                found[path] = 'dir'
            else:
                found[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return found


class LinkMixin(HealthyFabricMixin):
    def setUp(self):
        super().setUp()
        self.outside = Path(tempfile.mkdtemp(prefix='hedgehog-outside-'))
        self.addCleanup(shutil.rmtree, self.outside, ignore_errors=True)
        (self.outside / 'secret.yaml').write_text(SECRET)
        (self.outside / 'log.jsonl').write_text('outside log\n')
        self.outside_before = digest_all(self.outside)

    def assert_outside_unchanged(self):
        self.assertEqual(digest_all(self.outside), self.outside_before)

    def assert_no_secret_inside(self, tree=None):
        for parent, _, names in os.walk(tree or self.tree):
            for name in names:
                path = Path(parent, name)
                if not path.is_symlink():
                    self.assertNotIn(b'hedgehog-server-secret', path.read_bytes(), path)

    def swap_for_link(self, relative, target=None):
        """Replace the tree folder `relative` by a link to `target` (the outside folder); its content goes aside."""
        folder = self.tree / relative
        if folder.exists():
            shutil.rmtree(folder)
        folder.symlink_to(target or self.outside)


class IngestLinkTest(LinkMixin, TestCase):
    def test_a_link_in_raw_is_not_read_and_reported_and_the_rest_of_raw_is_ingested(self):
        (self.tree / 'raw/evil.yaml').symlink_to(self.outside / 'secret.yaml')
        (self.tree / 'raw/folder').symlink_to(self.outside)
        self.drop('good.yaml', vpc('vpc-7', 1070, '10.0.70.0/24'))
        outcome = ingest(self.fabric, trigger='test')
        self.assertIn('managed/vpcs/vpc-7.yaml', outcome.written)
        self.assertEqual(outcome.removed, ['raw/good.yaml'])
        findings = {finding.file: finding for finding in outcome.plan.findings()}
        for name in ('raw/evil.yaml', 'raw/folder'):
            self.assertEqual(findings[name].code, 'INGEST_SYMLINK')
        self.assertTrue((self.tree / 'raw/evil.yaml').is_symlink())  # left alone for a person
        self.assertEqual(outcome.exit_code, 1)
        self.assert_outside_unchanged()
        self.assert_no_secret_inside()
        backlog = {entry['file']: entry for entry in raw_backlog(self.fabric)}
        self.assertEqual(backlog['raw/evil.yaml']['findings'][0]['code'], 'INGEST_SYMLINK')
        self.assertEqual(backlog['raw/evil.yaml']['size'], len(str(self.outside / 'secret.yaml')))  # the link's own

    def test_a_linked_managed_folder_stops_the_run_before_anything_is_written(self):
        self.swap_for_link('managed/servers')
        self.drop('more.yaml', vpc('vpc-8', 1080, '10.0.80.0/24'))
        before = digest_all(self.tree)
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(outcome.written, [])
        self.assertEqual([finding.code for finding in outcome.plan.findings()], ['TREE_SYMLINK'])
        (finding,) = outcome.plan.blocked
        self.assertEqual(finding.file, 'managed/servers')
        self.assertNotIn(str(self.gitops_root), finding.message)
        self.assertEqual(outcome.exit_code, 1)
        self.assertEqual(outcome.run.status, IngestionStatusChoices.FAILED)
        self.assertEqual(digest_all(self.tree), before)
        self.assert_outside_unchanged()

    def test_links_inside_hnp_and_unmanaged_stop_the_run(self):
        for relative, target in (('.hnp/ingestions.jsonl', 'log.jsonl'), ('unmanaged/x.yaml', 'secret.yaml')):
            with self.subTest(relative):
                (self.tree / relative).unlink(missing_ok=True)
                (self.tree / relative).symlink_to(self.outside / target)
                self.drop('more.yaml', vpc('vpc-8', 1080, '10.0.80.0/24'))
                outcome = ingest(self.fabric, trigger='test')
                self.assertEqual([finding.file for finding in outcome.plan.blocked], [relative])
                self.assertTrue((self.tree / 'raw/more.yaml').exists())
                self.assert_outside_unchanged()
                (self.tree / relative).unlink()

    def test_a_folder_swapped_for_a_link_between_the_check_and_the_write_writes_nothing_outside(self):
        """The race, at its exact step: the run checked the tree, then managed/vpcs becomes a link."""
        self.drop('race.yaml', vpc('vpc-9', 1090, '10.0.90.0/24'))
        writing = Outputs.writing

        def swap_then_write(run_outputs, outputs, stamp):
            vpcs = self.tree / 'managed/vpcs'
            vpcs.rename(self.tree / 'managed/.vpcs-swapped')
            vpcs.symlink_to(self.outside)
            return writing(run_outputs, outputs, stamp)

        Outputs.writing = swap_then_write
        try:
            ingest(self.fabric, trigger='test')
        except OSError:
            pass  # refusing is fine; writing outside is not
        finally:
            Outputs.writing = writing
        self.assert_outside_unchanged()
        self.assertEqual(sorted(os.listdir(self.outside)), ['log.jsonl', 'secret.yaml'])


class ReindexAndHealthLinkTest(LinkMixin, TestCase):
    def test_reindex_with_a_link_in_managed_changes_nothing_and_says_why(self):
        index = sorted(self.fabric.resources.values_list('managed_path', 'sha256'))
        (self.tree / 'managed/vpcs/vpc-1.yaml').unlink()
        (self.tree / 'managed/vpcs/vpc-1.yaml').symlink_to(self.outside / 'secret.yaml')
        result = reindex(self.fabric)
        self.assertEqual([(f.code, f.file) for f in result.findings], [('TREE_SYMLINK', 'managed/vpcs/vpc-1.yaml')])
        self.assertEqual(sorted(self.fabric.resources.values_list('managed_path', 'sha256')), index)
        self.assert_outside_unchanged()

    def test_health_reports_each_link_as_an_error_and_reads_nothing_through_it(self):
        self.swap_for_link('.hnp')
        (self.tree / 'unmanaged/x.yaml').symlink_to(self.outside / 'secret.yaml')
        report = self.report()
        links = sorted(f.file for f in report.findings if f.code == 'HEALTH_SYMLINK')
        self.assertEqual(links, ['.hnp', 'unmanaged/x.yaml'])
        self.assertEqual(report.status, HealthStatus.UNHEALTHY)
        self.assertNotIn('HEALTH_MANIFEST_MISSING', {f.code for f in report.findings})  # not looked into
        self.assertEqual(report.stats['unmanaged_files'], 0)  # a link is no foreign document
        self.assert_outside_unchanged()


class FixLinkTest(LinkMixin, TestCase):
    def test_fix_replaces_a_linked_folder_by_a_real_one_and_moves_the_link_aside(self):
        self.swap_for_link('managed/servers')
        (self.tree / 'unmanaged/x.yaml').symlink_to(self.outside / 'secret.yaml')
        result = fix(self.fabric)
        self.assertEqual(result.refused, [])
        self.assertFalse((self.tree / 'managed/servers').is_symlink())
        self.assertTrue((self.tree / 'managed/servers').is_dir())
        aside = sorted(os.listdir(self.tree / LINKS_ASIDE))
        self.assertEqual([name.split('.')[0] for name in aside], ['managed__servers', 'unmanaged__x'])
        self.assertEqual(os.readlink(self.tree / LINKS_ASIDE / aside[0]), str(self.outside))
        self.assertEqual(os.readlink(self.tree / LINKS_ASIDE / aside[1]), str(self.outside / 'secret.yaml'))
        self.assertNotIn('HEALTH_SYMLINK', {f.code for f in result.after.findings})
        self.assert_outside_unchanged()
        self.assert_no_secret_inside()

    def test_fix_moves_a_linked_hnp_aside_and_rebuilds_the_manifest(self):
        self.break_HEALTH_SYMLINK()  # .hnp -> a copy outside the tree
        outside_hnp = os.readlink(self.tree / '.hnp')
        outside_before = digest_all(outside_hnp)
        result = fix(self.fabric)
        self.assertEqual(result.refused, [])
        self.assertTrue((self.tree / '.hnp/manifest.yaml').is_file())
        self.assertFalse((self.tree / '.hnp').is_symlink())
        self.assertEqual(len(os.listdir(self.tree / LINKS_ASIDE)), 1)
        self.assertEqual(digest_all(outside_hnp), outside_before)
        self.assertEqual(result.after.status, HealthStatus.HEALTHY, result.after.findings)

    def test_a_dry_run_moves_nothing(self):
        self.swap_for_link('unmanaged')
        result = fix(self.fabric, dry_run=True)
        self.assertIn(('move-aside', 'unmanaged'), [(change.action, change.path) for change in result.changes])
        self.assertTrue((self.tree / 'unmanaged').is_symlink())


class UploadLinkTest(LinkMixin, TestCase):
    def test_an_upload_with_a_linked_folder_in_the_tree_writes_nothing(self):
        self.swap_for_link('raw')
        with self.assertRaisesMessage(UploadRefused, 'raw is a symbolic link'):
            add_raw_file(self.fabric, 'new.yaml', vpc('vpc-5').encode())
        self.assert_outside_unchanged()

    def test_replacing_with_a_linked_replaced_folder_keeps_nothing_outside(self):
        self.drop('fixme.yaml', vpc('vpc-5'))
        (self.tree / '.hnp/replaced').symlink_to(self.outside)
        with self.assertRaisesMessage(UploadRefused, '.hnp/replaced is a symbolic link'):
            add_raw_file(self.fabric, 'fixme.yaml', vpc('vpc-6').encode(), replace=True)
        self.assertEqual((self.tree / 'raw/fixme.yaml').read_text(), vpc('vpc-5'))
        self.assert_outside_unchanged()

    def test_replacing_a_raw_link_is_refused_and_its_target_untouched(self):
        (self.tree / 'raw/evil.yaml').symlink_to(self.outside / 'secret.yaml')
        with self.assertRaisesMessage(UploadRefused, 'not a regular file'):
            add_raw_file(self.fabric, 'evil.yaml', vpc('vpc-6').encode(), replace=True)
        self.assert_outside_unchanged()
        self.assert_no_secret_inside()


class BackupRestoreLinkTest(LinkMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.backups = Path(tempfile.mkdtemp(prefix='hedgehog-backups-'))
        self.addCleanup(shutil.rmtree, self.backups, ignore_errors=True)

    def test_a_backup_never_contains_a_link_and_never_what_it_points_at(self):
        (self.tree / 'raw/evil.yaml').symlink_to(self.outside / 'secret.yaml')  # raw/: not read, left out
        made = backup(self.fabric, self.backups)
        with tarfile.open(made.archive) as tar:
            members = tar.getmembers()
            self.assertFalse([member.name for member in members if member.issym() or member.islnk()])
            self.assertNotIn('./raw/evil.yaml', [member.name for member in members])
            self.assertIn('./managed/vpcs/vpc-1.yaml', [member.name for member in members])
            for member in members:
                if member.isfile():
                    self.assertNotIn(b'hedgehog-server-secret', tar.extractfile(member).read())

    def test_a_backup_of_a_tree_with_a_linked_folder_is_refused(self):
        self.swap_for_link('managed/vpcs')
        with self.assertRaisesMessage(BackupError, 'managed/vpcs is a symbolic link'):
            backup(self.fabric, self.backups)
        self.assertEqual(list(self.backups.iterdir()), [])
        self.assert_outside_unchanged()

    def test_restore_refuses_an_archive_holding_a_link_and_a_tree_holding_one(self):
        made = backup(self.fabric, self.backups)
        # An archive with a link, made by hand, with a valid checksum: refused all the same.
        crafted = self.backups / 'crafted.tar.gz'
        with tarfile.open(made.archive) as source, tarfile.open(crafted, 'w:gz') as tar:
            for member in source.getmembers():
                tar.addfile(member, source.extractfile(member) if member.isfile() else None)
            link = tarfile.TarInfo('./unmanaged/evil.yaml')
            link.type, link.linkname = tarfile.SYMTYPE, str(self.outside / 'secret.yaml')
            tar.addfile(link)
        digest = hashlib.sha256(crafted.read_bytes()).hexdigest()
        (self.backups / 'crafted.tar.gz.sha256').write_text(f'{digest}  crafted.tar.gz\n')
        before = digest_all(self.tree)
        with self.assertRaisesMessage(RestoreError, 'holds symbolic or hard links'):
            restore(self.fabric, crafted)
        self.assertEqual(digest_all(self.tree), before)
        (self.tree / '.hnp/ingestions.jsonl').unlink()
        (self.tree / '.hnp/ingestions.jsonl').symlink_to(self.outside / 'log.jsonl')
        with self.assertRaisesMessage(RestoreError, '.hnp/ingestions.jsonl is a symbolic link'):
            restore(self.fabric, made.archive)
        self.assert_outside_unchanged()


class GitPushedLinkTest(LinkMixin, TestCase):
    """A person pushes links to the fabric's remote: the working copy checks them out as plain small files."""

    def push_links(self, links):
        for relative, target in links.items():
            path = self.person.folder / self.person.tree / relative
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to(target)
        git(self.person.folder, 'add', '--all')
        git(self.person.folder, 'commit', '--quiet', '-m', 'links')
        git(self.person.folder, 'push', '--quiet', 'origin', 'HEAD:main')

    def test_pushed_links_are_plain_files_for_ingest_health_fix_and_backup(self):
        copy = self.use_git_fabric()
        self.assertEqual(git(copy.folder, 'config', 'core.symlinks').strip(), 'false')
        # A working copy cloned before this setting existed gets it at its next use.
        git(copy.folder, 'config', '--unset', 'core.symlinks')
        git(self.person.folder, 'pull', '--quiet', '--ff-only')
        self.push_links(
            {
                'raw/token.yaml': str(self.outside / 'secret.yaml'),
                'managed/servers': str(self.outside),
                '.hnp/ingestions.jsonl': str(self.outside / 'log.jsonl'),
            }
        )
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(git(copy.folder, 'config', 'core.symlinks').strip(), 'false')
        tree = self.fabric.layout().path
        self.assertFalse((tree / 'raw/token.yaml').is_symlink())
        self.assertFalse((tree / 'managed/servers').is_symlink())
        self.assertTrue((tree / 'managed/servers').is_file())  # a file where a folder belongs, no way out
        self.assertIsNotNone(outcome.run)
        report = self.report()
        self.assertNotIn('HEALTH_SYMLINK', {finding.code for finding in report.findings})
        self.assertIn('HEALTH_DIR_NOT_DIRECTORY', {finding.code for finding in report.findings})
        fix(self.fabric)
        backup(self.fabric, Path(tempfile.mkdtemp(prefix='hedgehog-backups-', dir=self.outside.parent)))
        self.assert_outside_unchanged()
        self.assert_no_secret_inside(copy.folder)
        self.assertNotIn('hedgehog-server-secret', git(self.remote, 'log', '-p', '--all'))

    def test_a_link_made_by_hand_in_a_working_copy_stops_the_run_and_is_never_pushed(self):
        copy = self.use_git_fabric()
        tree = self.fabric.layout().path
        (tree / 'unmanaged/evil.yaml').symlink_to(self.outside / 'secret.yaml')
        self.person.push({'raw/theirs.yaml': vpc('vpc-theirs')})
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual([finding.file for finding in outcome.plan.blocked], ['unmanaged/evil.yaml'])
        self.assertIsNone(outcome.git)  # nothing committed, nothing pushed
        self.assertNotIn('unmanaged/evil.yaml', git(self.remote, 'ls-tree', '-r', '--name-only', 'main'))
        self.assertTrue((copy.tree / 'raw/theirs.yaml').exists())
        self.assert_outside_unchanged()
