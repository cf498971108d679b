"""Real disk faults where a run writes, in managed/: an output that cannot be written (an immutable folder or
file, a full disk) rejects only the raw files bound there; a stale temporary file that cannot be removed does not
stop the run; a managed/ that takes no new file (read-only, immutable) fails the run cleanly. The same checks as
test_ingestion_faults.py (its FaultTestMixin): nothing escapes, the record is clean, no output lacks its row,
nothing is lost, and a re-run ends where an uninterrupted run does."""

import errno
import os
from unittest import mock

from django.test import TestCase

from netbox_hedgehog.choices import GitOpsStatusChoices, IngestionStatusChoices
from netbox_hedgehog.models import IngestionRun
from netbox_hedgehog.services import fileops
from netbox_hedgehog.services.fileops import TEMPORARY_SUFFIX
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.run_records import IngestionFailed
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.crash import end_state
from netbox_hedgehog.tests.test_ingestion_faults import (
    BOTH_WRITERS,
    INPUTS,
    NO_SPACE,
    NOT_PERMITTED,
    FaultTestMixin,
    codes,
)


class ManagedFaultTest(FaultTestMixin, TestCase):
    def test_a_stale_temporary_file_that_cannot_be_removed_does_not_stop_the_run(self):
        fabric = self.new_fabric('dc1')
        IngestionRun.objects.create(fabric=fabric, started=fabric.created, trigger='test', status='failed')
        folder = fabric.tree_path / 'managed' / 'switchgroups'
        stale = folder / f'.sg.yaml.0123{TEMPORARY_SUFFIX}'
        stale.write_text('kind: Switch')
        self.immutable(folder)
        outcome = ingest(fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 0)
        self.assertTrue(stale.exists())
        self.mutable(folder)
        stale.unlink()
        self.assertEqual(end_state(fabric, fabric.tree_path), self.expected)

    def test_a_read_only_managed_file_system_fails_the_run_cleanly(self):
        fabric = self.new_fabric('dc1')
        lift = self.read_only(fabric.tree_path / 'managed')
        with self.assertRaises(IngestionFailed) as raised:
            ingest(fabric, trigger='test')
        read_only = os.strerror(errno.EROFS)
        message = f'managed/ cannot be written ({read_only}): the run failed; nothing was lost.'
        self.assertEqual(str(raised.exception), message)
        self.assertEqual(raised.exception.http_status, 503)
        self.assert_clean(fabric, IngestionStatusChoices.FAILED)
        lift()
        self.assert_rerun_ends_as_an_uninterrupted_run(fabric)

    def test_an_immutable_managed_folder_without_the_kinds_folder_fails_the_run_cleanly(self):
        fabric = self.new_fabric('dc1')
        managed = fabric.tree_path / 'managed'
        (managed / 'servers' / '.gitkeep').unlink()
        (managed / 'servers').rmdir()
        self.immutable(managed)
        with self.assertRaises(IngestionFailed) as raised:
            ingest(fabric, trigger='test')
        self.assertEqual(
            str(raised.exception), f'managed/ cannot be written ({NOT_PERMITTED}): the run failed; nothing was lost.'
        )
        outcome = IngestionRun.objects.get(pk=raised.exception.run)
        messages = [f['message'] for f in outcome.findings if f['code'] == 'INGEST_WRITE_FAILED']
        self.assertIn(
            f'managed/servers/server-01.yaml could not be written ({NOT_PERMITTED}): '
            'Server server-01 stays in raw/, in this file.',
            messages,
        )
        self.assert_clean(fabric, IngestionStatusChoices.FAILED)
        self.mutable(managed)
        (managed / 'servers').mkdir()
        (managed / 'servers' / '.gitkeep').touch()
        self.assert_rerun_ends_as_an_uninterrupted_run(fabric)

    def test_an_immutable_managed_kind_folder_rejects_only_the_files_bound_there(self):
        def fault(folder):
            self.immutable(folder)
            return lambda: self.mutable(folder)

        self.kind_folder_fault(fault, NOT_PERMITTED)

    def test_a_full_disk_under_managed_servers_rejects_only_the_files_bound_there(self):
        def fault(folder):
            return self.full_disk(folder).unlink  # freeing the space lifts it

        self.kind_folder_fault(fault, NO_SPACE)

    def kind_folder_fault(self, make_fault, reason):
        for way, threshold in BOTH_WRITERS.items():
            with self.subTest(writer=way), mock.patch.object(fileops, 'FORK_MIN_FILES', threshold):
                fabric = self.new_fabric(f'dc-{threshold}')
                tree = fabric.tree_path
                lift = make_fault(tree / 'managed' / 'servers')
                with mock.patch('os.fork', wraps=os.fork) as fork:
                    outcome = ingest(fabric, trigger='test')
                self.assertEqual(fork.call_count, threshold == 1)
                self.assertEqual(outcome.exit_code, 1)
                self.assertEqual([file.path for file in outcome.plan.rejected], ['raw/legacy.yaml', 'raw/wiring.yaml'])
                self.assertEqual(outcome.removed, ['raw/attach.yaml', 'raw/vpc.yaml'])
                self.assertEqual(
                    sorted(finding.message for finding in codes(outcome, 'INGEST_WRITE_FAILED')),
                    [
                        f'managed/servers/server-01.yaml could not be written ({reason}): '
                        'Server server-01 stays in raw/, in this file.',
                        f'managed/servers/server-09.yaml could not be written ({reason}): '
                        'Server server-09 stays in raw/, in this file.',
                    ],
                )
                # What could be written is durable and indexed (the switch and the connection of wiring.yaml).
                self.assertIn('managed/switches/leaf-01.yaml', outcome.written)
                self.assert_clean(fabric, IngestionStatusChoices.REJECTED)
                self.assertEqual(fabric.gitops_status, GitOpsStatusChoices.DEGRADED)
                lift()
                self.assert_rerun_ends_as_an_uninterrupted_run(fabric)

    def test_an_immutable_target_file_rejects_the_file_that_would_replace_it(self):
        fabric = self.new_fabric('dc1')
        ingest(fabric, trigger='test')
        target = fabric.tree_path / 'managed' / 'vpcs' / 'vpc-1.yaml'
        self.immutable(target)
        (fabric.tree_path / 'raw' / 'vpc.yaml').write_text(samples.vpc(vlan=1002))
        outcome = ingest(fabric, trigger='test')
        (finding,) = codes(outcome, 'INGEST_WRITE_FAILED')
        self.assertIn(f'managed/vpcs/vpc-1.yaml could not be written ({NOT_PERMITTED})', finding.message)
        self.assertEqual(target.read_bytes(), INPUTS['raw/vpc.yaml'])  # the index still describes these bytes
        self.assert_clean(fabric, IngestionStatusChoices.REJECTED)

    def test_a_managed_folder_that_takes_no_file_fails_the_run_cleanly(self):
        for way, threshold in BOTH_WRITERS.items():
            with self.subTest(writer=way), mock.patch.object(fileops, 'FORK_MIN_FILES', threshold):
                fabric = self.new_fabric(f'dc-{threshold}')
                managed = fabric.tree_path / 'managed'
                folders = [managed, *(path for path in managed.iterdir() if path.is_dir())]
                self.immutable(*folders)
                with self.assertRaises(IngestionFailed) as raised:
                    ingest(fabric, trigger='test')
                failure = raised.exception
                self.assertEqual(
                    str(failure), f'managed/ cannot be written ({NOT_PERMITTED}): the run failed; nothing was lost.'
                )
                self.assertEqual(failure.http_status, 503)
                run = self.assert_clean(fabric, IngestionStatusChoices.FAILED)
                self.assertEqual((run.pk, run.error), (failure.run, str(failure)))
                fabric.refresh_from_db()
                self.assertEqual(fabric.gitops_status, GitOpsStatusChoices.FAILED)
                self.assertEqual(
                    sorted(p.relative_to(fabric.tree_path).as_posix() for p in fabric.tree_path.glob('raw/*.yaml')),
                    sorted(INPUTS),
                )
                self.mutable(*folders)
                self.assert_rerun_ends_as_an_uninterrupted_run(fabric)
