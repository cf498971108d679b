"""Real disk faults during ingestion: one file's fault is that file's failure (a finding naming it, the rest of
the run goes on); a tree that takes no file, or a database gone, fails the run cleanly. Each case checks that
nothing escapes, the run record is clean, no managed file lacks its index row, nothing is lost, and a re-run
once the fault is lifted ends exactly where an uninterrupted run does."""

import errno
import json
import os
from unittest import mock

from django.db import connection
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext

from netbox_hedgehog.choices import IngestionStatusChoices
from netbox_hedgehog.core.kinds import KINDS
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestionRun
from netbox_hedgehog.services import fileops, index_store, treefs
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.raw_backlog import raw_backlog
from netbox_hedgehog.services.reindex import reindex
from netbox_hedgehog.services.run_records import IngestionFailed
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.crash import end_state, lost_documents
from netbox_hedgehog.tests.faults import FaultsMixin, leftovers, orphan_outputs
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

INPUTS = {
    'raw/attach.yaml': samples.ATTACHMENT_AND_FOREIGN.encode(),  # a VPCAttachment and a foreign VPCInfo
    'raw/legacy.yaml': samples.LEGACY_WITH_SERVER_FIELDS.encode(),  # Server server-09
    'raw/vpc.yaml': samples.vpc().encode(),
    'raw/wiring.yaml': samples.WIRING.encode(),  # Switch leaf-01, Server server-01, a Connection
}
BOTH_WRITERS = {'in place': 10**6, 'forked': 1}  # fileops.FORK_MIN_FILES for each way of writing
NOT_PERMITTED = os.strerror(errno.EPERM)
NO_SPACE = os.strerror(errno.ENOSPC)


def codes(outcome, code):
    return [finding for finding in outcome.all_findings() if finding.code == code]


def input_output_error_at(method, relative):
    """treefs.Tree.`method` fails with EIO for the tree-relative path `relative` (a disk that cannot read it;
    a link would not do: links in a tree stop the run before anything is read)."""
    real = getattr(treefs.Tree, method)

    def failing(tree, path, *args, **kwargs):
        if path == relative:
            raise OSError(errno.EIO, os.strerror(errno.EIO), path)
        return real(tree, path, *args, **kwargs)

    return mock.patch.object(treefs.Tree, method, failing)


class FaultTestMixin(FaultsMixin, TemporaryGitopsRootMixin):
    def setUp(self):
        super().setUp()
        reference = self.new_fabric('reference')
        ingest(reference, trigger='test')
        self.expected = end_state(reference, reference.tree_path)

    def new_fabric(self, name):
        fabric = HedgehogFabric.objects.create(name=name)
        for path, data in INPUTS.items():
            (fabric.tree_path / path).write_bytes(data)
        return fabric

    def assert_clean(self, fabric, status, inputs=INPUTS):
        """The run is recorded, with no server path; every managed file is indexed; nothing is lost or left."""
        tree = fabric.tree_path
        run = IngestionRun.objects.filter(fabric=fabric).order_by('-pk').first()
        self.assertEqual(run.status, status)
        self.assertIsNotNone(run.finished)
        self.assertNotIn(str(self.gitops_root), json.dumps([run.error, run.findings]))
        self.assertEqual(orphan_outputs(fabric, tree), [])
        self.assertEqual(leftovers(tree), [])
        self.assertEqual(lost_documents(tree, inputs), [])
        return run

    def assert_rerun_ends_as_an_uninterrupted_run(self, fabric):
        outcome = ingest(fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 0, outcome.as_dict())
        self.assertEqual(end_state(fabric, fabric.tree_path), self.expected)
        self.assert_clean(fabric, IngestionStatusChoices.COMPLETED)


class RawFaultTest(FaultTestMixin, TestCase):
    def test_an_immutable_raw_file_is_ingested_reported_and_settled_without_blocking_later_runs(self):
        fabric = self.new_fabric('dc1')
        raw = fabric.tree_path / 'raw'
        vpc = (raw / 'vpc.yaml').read_bytes()
        (raw / 'vpc.yaml').unlink()  # it arrives for the second run
        self.immutable(raw / 'legacy.yaml')
        outcome = ingest(fabric, trigger='test')
        self.assertEqual((outcome.exit_code, outcome.not_removed), (1, ['raw/legacy.yaml']))
        self.assertEqual(outcome.removed, ['raw/attach.yaml', 'raw/wiring.yaml'])
        (finding,) = codes(outcome, 'INGEST_REMOVE_FAILED')
        self.assertEqual((finding.file, str(finding.severity)), ('raw/legacy.yaml', 'warning'))
        self.assertIn(f'It could not be removed ({NOT_PERMITTED})', finding.message)
        self.assertTrue((fabric.tree_path / 'managed' / 'servers' / 'server-09.yaml').is_file())
        arrived = {path: data for path, data in INPUTS.items() if path != 'raw/vpc.yaml'}
        self.assert_clean(fabric, IngestionStatusChoices.REJECTED, arrived)
        (waiting,) = raw_backlog(fabric)
        self.assertIn('INGEST_REMOVE_FAILED', [f['code'] for f in waiting['findings']])

        # The next run settles it (nothing parsed or written again), says so again, and ingests the rest.
        (raw / 'vpc.yaml').write_bytes(vpc)
        outcome = ingest(fabric, trigger='test')
        self.assertEqual((outcome.written, outcome.removed), (['managed/vpcs/vpc-1.yaml'], ['raw/vpc.yaml']))
        self.assertEqual([file.settled for file in outcome.plan.files if file.path == 'raw/legacy.yaml'], [True])
        self.assertEqual(len(codes(outcome, 'INGEST_REMOVE_FAILED')), 1)

        self.mutable(raw / 'legacy.yaml')
        self.assert_rerun_ends_as_an_uninterrupted_run(fabric)

    def test_an_immutable_raw_folder_leaves_every_ingested_file_in_place_with_a_finding(self):
        fabric = self.new_fabric('dc1')
        raw = fabric.tree_path / 'raw'
        self.immutable(raw)
        outcome = ingest(fabric, trigger='test')
        self.assertEqual((outcome.removed, outcome.not_removed), ([], sorted(INPUTS)))
        self.assertEqual([f.file for f in codes(outcome, 'INGEST_REMOVE_FAILED')], sorted(INPUTS))
        self.assertEqual(end_state(fabric, fabric.tree_path)[1], self.expected[1])  # every object is indexed
        self.assert_clean(fabric, IngestionStatusChoices.REJECTED)
        again = ingest(fabric, trigger='test')
        self.assertEqual((again.written, again.not_removed), ([], sorted(INPUTS)))
        self.mutable(raw)
        self.assert_rerun_ends_as_an_uninterrupted_run(fabric)

    def test_a_raw_file_replaced_vanished_or_locked_between_plan_and_removal_is_its_own_finding(self):
        # Each fault strikes raw/vpc.yaml while the outputs are written: after it was read and planned, before the
        # run removes the files it ingested. The other files go on; the VPC read is in managed/ in every case.
        new_vpc = samples.vpc(vlan=1002).encode()

        def replaced(path):
            temporary = path.with_name('.vpc.yaml.new')
            temporary.write_bytes(new_vpc)
            temporary.rename(path)  # as an editor saves: a new file under the name

        def locked(path):
            self.immutable(path)

        faults = {
            'replaced': (replaced, 'INGEST_RAW_CHANGED', 'It changed during the run'),
            'vanished': (os.unlink, 'INGEST_RAW_CHANGED', 'It was removed or moved away during the run'),
            'made immutable': (locked, 'INGEST_REMOVE_FAILED', f'It could not be removed ({NOT_PERMITTED})'),
        }
        for fault, (strike, code, message) in faults.items():
            with self.subTest(fault=fault):
                fabric = self.new_fabric(fault.replace(' ', '-'))
                raw = fabric.tree_path / 'raw' / 'vpc.yaml'
                struck = []

                def once(*progress, raw=raw, strike=strike, struck=struck):
                    if not struck:
                        struck.append(strike(raw))

                outcome = ingest(fabric, trigger='test', progress=once)
                self.assertEqual(outcome.removed, ['raw/attach.yaml', 'raw/legacy.yaml', 'raw/wiring.yaml'])
                (finding,) = codes(outcome, code)
                self.assertEqual((finding.file, str(finding.severity)), ('raw/vpc.yaml', 'warning'))
                self.assertIn(message, finding.message)
                self.assertEqual(end_state(fabric, fabric.tree_path)[1], self.expected[1])  # every object is indexed
                status = (
                    IngestionStatusChoices.REJECTED if fault == 'made immutable' else IngestionStatusChoices.COMPLETED
                )
                run = self.assert_clean(fabric, status)
                self.assertIn(code, [f['code'] for f in run.findings])
                if fault == 'replaced':
                    self.assertEqual((outcome.changed_during_run, raw.read_bytes()), (['raw/vpc.yaml'], new_vpc))
                    ingest(fabric, trigger='test')
                    self.assertIn(b'vlan: 1002', (fabric.tree_path / 'managed' / 'vpcs' / 'vpc-1.yaml').read_bytes())
                    continue
                if fault == 'made immutable':
                    self.mutable(raw)
                self.assert_rerun_ends_as_an_uninterrupted_run(fabric)

    def test_a_raw_file_whose_state_cannot_be_looked_at_before_removal_stays_with_the_reason(self):
        fabric = self.new_fabric('dc1')
        with input_output_error_at('lstat', 'raw/vpc.yaml'):  # only the removal step looks raw files up so
            outcome = ingest(fabric, trigger='test')
        self.assertEqual((outcome.not_removed, len(outcome.removed)), (['raw/vpc.yaml'], 3))
        (finding,) = codes(outcome, 'INGEST_REMOVE_FAILED')
        self.assertIn('It could not be removed (Input/output error)', finding.message)
        self.assert_clean(fabric, IngestionStatusChoices.REJECTED)
        self.assert_rerun_ends_as_an_uninterrupted_run(fabric)

    def test_a_raw_file_that_cannot_be_read_is_rejected_with_the_reason_and_the_others_ingested(self):
        fabric = self.new_fabric('dc1')
        with input_output_error_at('read_with_stat', 'raw/vpc.yaml'):
            outcome = ingest(fabric, trigger='test')
        self.assertEqual([file.path for file in outcome.plan.rejected], ['raw/vpc.yaml'])
        (finding,) = codes(outcome, 'INGEST_READ_FAILED')
        self.assertEqual(finding.message, 'It could not be read (Input/output error): it stays in raw/.')
        self.assert_clean(fabric, IngestionStatusChoices.REJECTED)
        self.assert_rerun_ends_as_an_uninterrupted_run(fabric)

    def test_an_output_that_cannot_be_read_rejects_the_file_bound_there(self):
        fabric = self.new_fabric('dc1')
        with input_output_error_at('lstat', 'managed/vpcs/vpc-1.yaml'):
            outcome = ingest(fabric, trigger='test')
        self.assertEqual([file.path for file in outcome.plan.rejected], ['raw/vpc.yaml'])
        (finding,) = codes(outcome, 'INGEST_READ_FAILED')
        self.assertIn('managed/vpcs/vpc-1.yaml could not be read (Input/output error)', finding.message)
        self.assertFalse((fabric.tree_path / 'managed' / 'vpcs' / 'vpc-1.yaml').exists())
        self.assert_rerun_ends_as_an_uninterrupted_run(fabric)

    def test_a_known_file_whose_output_cannot_be_looked_at_is_rejected_not_settled(self):
        fabric = self.new_fabric('dc1')
        ingest(fabric, trigger='test')
        (fabric.tree_path / 'raw' / 'wiring.yaml').write_bytes(INPUTS['raw/wiring.yaml'])  # known bytes
        with input_output_error_at('lstat', 'managed/servers/server-01.yaml'):
            outcome = ingest(fabric, trigger='test')
        self.assertEqual([file.path for file in outcome.plan.rejected], ['raw/wiring.yaml'])
        (finding,) = codes(outcome, 'INGEST_READ_FAILED')
        self.assertIn('managed/servers/server-01.yaml could not be read', finding.message)
        self.assert_rerun_ends_as_an_uninterrupted_run(fabric)

    def test_an_unreadable_managed_file_keeps_its_row_at_re_index(self):
        fabric = self.new_fabric('dc1')
        ingest(fabric, trigger='test')
        with input_output_error_at('read_with_stat', 'managed/vpcs/vpc-1.yaml'):
            result = reindex(fabric)
        self.assertEqual((result.deleted, result.created), ([], []))
        (finding,) = result.findings
        self.assertEqual((finding.code, finding.file), ('INDEX_SKIPPED_FILE', 'managed/vpcs/vpc-1.yaml'))
        self.assertIn('It could not be read (Input/output error)', finding.message)
        self.assertTrue(HedgehogResource.objects.filter(fabric=fabric, managed_path='managed/vpcs/vpc-1.yaml').exists())


class ProvenanceLogFaultTest(FaultTestMixin, TestCase):
    def test_an_immutable_provenance_log_is_a_warning_and_the_run_completes(self):
        fabric = self.new_fabric('dc1')
        log = fabric.tree_path / '.hnp' / 'ingestions.jsonl'
        log.touch()
        self.immutable(log)
        outcome = ingest(fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 0)
        (finding,) = outcome.findings
        self.assertEqual((finding.code, str(finding.severity)), ('INGEST_LOG_FAILED', 'warning'))
        self.assertEqual(
            finding.message,
            f'It could not be appended ({NOT_PERMITTED}): the provenance of run '
            f'{outcome.run.pk} is in its record in NetBox only.',
        )
        run = self.assert_clean(fabric, IngestionStatusChoices.COMPLETED)
        self.assertIn('INGEST_LOG_FAILED', [f['code'] for f in run.findings])
        self.assertEqual(len(run.provenance), 7)  # every document's provenance is in the record
        self.assertEqual(log.read_bytes(), b'')
        self.assertEqual(end_state(fabric, fabric.tree_path), self.expected)


class StatisticsTest(FaultTestMixin, TestCase):
    """The index table's statistics after a run that wrote many rows (index_store.statistics_refreshed), here
    within the test's transaction: at once, in a savepoint."""

    def analyzed(self, threshold, columns=index_store.ANALYZED_COLUMNS):
        fabric = self.new_fabric(f'dc{threshold}')
        with (
            mock.patch.object(index_store, 'ANALYZE_AFTER_ROWS', threshold),
            mock.patch.object(index_store, 'ANALYZED_COLUMNS', columns),
            CaptureQueriesContext(connection) as queries,
        ):
            outcome = ingest(fabric, trigger='test')
        self.assertEqual(outcome.run.status, IngestionStatusChoices.COMPLETED)
        return [query['sql'] for query in queries if query['sql'].startswith('ANALYZE')]

    def test_a_run_that_wrote_as_many_rows_as_the_threshold_refreshes_them(self):
        self.assertEqual(
            self.analyzed(6), [f'ANALYZE netbox_hedgehog_hedgehogresource ({index_store.ANALYZED_COLUMNS})']
        )
        self.assertEqual(self.analyzed(7), [])  # the inputs hold six objects

    def test_a_refresh_that_fails_leaves_the_callers_transaction_usable(self):
        with self.assertLogs('netbox_hedgehog.index', 'WARNING') as logs:
            self.assertEqual(len(self.analyzed(1, 'no_such_column')), 1)
        self.assertIn('no_such_column', logs.output[0])
        self.assertTrue(HedgehogResource.objects.exists())  # the transaction still answers


class DatabaseFaultTest(FaultTestMixin, TransactionTestCase):
    def test_the_database_gone_mid_run_fails_it_cleanly_and_takes_back_the_files_it_created(self):
        def database_gone(*args):
            with connection.cursor() as cursor:
                cursor.execute('SELECT pg_terminate_backend(pg_backend_pid())')

        for way, threshold in BOTH_WRITERS.items():
            with self.subTest(writer=way), mock.patch.object(fileops, 'FORK_MIN_FILES', threshold):
                fabric = self.new_fabric(f'dc-{threshold}')
                tree = fabric.tree_path
                with (
                    mock.patch('netbox_hedgehog.services.ingestion.record_ingested_files', database_gone),
                    self.assertRaises(IngestionFailed) as raised,
                ):
                    ingest(fabric, trigger='test')
                connection.close()  # what follows gets a new session
                self.assertIn('the database failed (OperationalError)', str(raised.exception))
                self.assertEqual(raised.exception.http_status, 503)
                self.assertEqual(orphan_outputs(fabric, tree), [])
                self.assertEqual(
                    sorted(p.name for p in (tree / 'managed').rglob('*') if p.is_file()), ['.gitkeep'] * len(KINDS)
                )
                self.assertEqual(list((tree / 'unmanaged').glob('*.yaml')), [])
                self.assertEqual(lost_documents(tree, INPUTS), [])
                self.assertEqual(leftovers(tree), [])
                # The session was gone, the database was not: the failure is recorded on a new session. (With the
                # database gone for good, the run stays "running" until the next run closes it as interrupted.)
                run = IngestionRun.objects.get(fabric=fabric)
                self.assertEqual((run.status, run.error), (IngestionStatusChoices.FAILED, str(raised.exception)))
                self.assertEqual(raised.exception.run, run.pk)
                self.assert_rerun_ends_as_an_uninterrupted_run(fabric)

    def test_a_statement_the_database_refuses_while_the_run_goes_on_fails_it_cleanly(self):
        # The search-cache entries are written by a statement sent without waiting for it (index_store.write_rows):
        # its error comes back at the end of the batch, and must still fail the run as the database's.
        fabric = self.new_fabric('dc1')
        tree = fabric.tree_path
        with connection.cursor() as cursor:
            cursor.execute(
                'CREATE FUNCTION hedgehog_test_refuse() RETURNS trigger LANGUAGE plpgsql AS '
                "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
            )
            cursor.execute(
                'CREATE TRIGGER hedgehog_test_refuse BEFORE INSERT ON extras_cachedvalue '
                'FOR EACH ROW EXECUTE FUNCTION hedgehog_test_refuse()'
            )
        self.addCleanup(self._drop_refusal)
        with self.assertRaises(IngestionFailed) as raised:
            ingest(fabric, trigger='test')
        self.assertIn('the database failed (ProgrammingError)', str(raised.exception))
        self.assertEqual(orphan_outputs(fabric, tree), [])
        self.assertEqual(lost_documents(tree, INPUTS), [])
        self.assertFalse(HedgehogResource.objects.filter(fabric=fabric).exists())
        run = IngestionRun.objects.get(fabric=fabric)
        self.assertEqual((run.status, run.error), (IngestionStatusChoices.FAILED, str(raised.exception)))
        self._drop_refusal()
        self.assert_rerun_ends_as_an_uninterrupted_run(fabric)

    def test_statistics_that_cannot_be_refreshed_after_the_commit_fail_nothing(self):
        # The ANALYZE is sent after the commit, while the raw files are removed: its failure is only logged.
        fabric = self.new_fabric('dc1')
        tree = fabric.tree_path
        with (
            mock.patch.object(index_store, 'ANALYZE_AFTER_ROWS', 1),
            mock.patch.object(index_store, 'ANALYZED_COLUMNS', 'no_such_column'),
            self.assertLogs('netbox_hedgehog.index', 'WARNING') as logs,
        ):
            outcome = ingest(fabric, trigger='test')
        self.assertIn('event=statistics_not_refreshed', logs.output[0])
        self.assertEqual(outcome.run.status, IngestionStatusChoices.COMPLETED)
        self.assertEqual(IngestionRun.objects.get(pk=outcome.run.pk).status, IngestionStatusChoices.COMPLETED)
        self.assertEqual(list((tree / 'raw').glob('*.yaml')), [])
        managed = [target for target in outcome.written if target.startswith('managed/')]
        self.assertEqual(HedgehogResource.objects.filter(fabric=fabric).count(), len(managed))
        self.assertEqual(lost_documents(tree, INPUTS), [])

    def _drop_refusal(self):
        with connection.cursor() as cursor:
            cursor.execute('DROP TRIGGER IF EXISTS hedgehog_test_refuse ON extras_cachedvalue')
            cursor.execute('DROP FUNCTION IF EXISTS hedgehog_test_refuse()')
