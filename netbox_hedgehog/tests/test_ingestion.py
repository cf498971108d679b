"""Ingestion against a real tree, real PostgreSQL: raw/ into managed/, unmanaged/ and the index.

A second run over the same bytes is in test_ingestion_settling.py; re-index, the lock, the commands and the job
in test_ingestion_callers.py (both use IngestionTestMixin from here)."""

import errno
import json
from unittest import mock

from django.test import TestCase
from extras.models import CachedValue

from netbox_hedgehog.choices import GitOpsStatusChoices, IngestionStatusChoices
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestedFile, IngestionRun
from netbox_hedgehog.search import HedgehogResourceIndex
from netbox_hedgehog.services import fileops, planner
from netbox_hedgehog.services.fileops import TEMPORARY_SUFFIX
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.raw_backlog import raw_backlog
from netbox_hedgehog.services.reindex import reindex
from netbox_hedgehog.services.run_records import PROVENANCE_LOG
from netbox_hedgehog.services.treefs import Tree
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, snapshot


class IngestionTestMixin(TemporaryGitopsRootMixin):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.tree = self.gitops_root / 'dc1'

    def drop(self, name, text):
        path = self.tree / 'raw' / name
        path.write_text(text)
        return path

    def managed(self, directory, name):
        return self.tree / 'managed' / directory / f'{name}.yaml'

    def index(self):
        return {
            (row.kind, row.name): (row.managed_path, row.sha256)
            for row in HedgehogResource.objects.filter(fabric=self.fabric)
        }


class IngestTest(IngestionTestMixin, TestCase):
    def test_documents_go_one_per_file_with_the_authors_text_and_raw_is_emptied(self):
        raw = self.drop('wiring.yaml', samples.WIRING)
        outcome = ingest(self.fabric, trigger='test')

        self.assertEqual(outcome.exit_code, 0)
        self.assertFalse(raw.exists())
        switch = self.managed('switches', 'leaf-01').read_text()
        self.assertTrue(switch.startswith('# Leaf switches of rack 1\napiVersion: wiring.githedgehog.com/v1beta1'))
        self.assertIn('profile: dell-s5248f-on   # the switch model', switch)
        self.assertTrue(self.managed('servers', 'server-01').is_file())
        self.assertTrue(self.managed('connections', 'server-01--unbundled--leaf-01').is_file())
        self.assertEqual(
            set(self.index()),
            {('Switch', 'leaf-01'), ('Server', 'server-01'), ('Connection', 'server-01--unbundled--leaf-01')},
        )
        row = HedgehogResource.objects.get(kind='Switch', name='leaf-01')
        self.assertEqual(row.spec['role'], 'server-leaf')
        self.assertEqual((row.source_file, row.source_document, row.source_line), ('raw/wiring.yaml', 0, 2))
        self.assertEqual(row.last_run, outcome.run)

        run = outcome.run
        self.assertEqual(run.status, IngestionStatusChoices.COMPLETED)
        self.assertEqual(run.counts['documents']['create'], 3)
        self.assertEqual(run.counts['files']['ingest'], 1)
        self.fabric.refresh_from_db()
        self.assertEqual(self.fabric.gitops_status, GitOpsStatusChoices.SYNCED)
        self.assertEqual(self.fabric.last_ingested, run.finished)

    def test_a_port_taken_by_a_managed_connection_rejects_the_newcomer_naming_port_and_connection(self):
        self.drop('wiring.yaml', samples.WIRING)
        ingest(self.fabric, trigger='test')
        newcomer = self.drop(
            'acl-test.yaml',
            'apiVersion: wiring.githedgehog.com/v1beta1\nkind: Connection\nmetadata:\n  name: leaf-01--external--acl\n'
            'spec:\n  external:\n    link:\n      switch:\n        port: leaf-01/E1/1\n',
        )
        outcome = ingest(self.fabric, trigger='test')
        self.assertTrue(newcomer.exists())
        (finding,) = [f for f in outcome.run.findings if f['code'] == 'CONN_PORT_IN_USE']
        self.assertEqual((finding['file'], finding['line']), ('raw/acl-test.yaml', 9))
        self.assertEqual(
            finding['message'], 'Port leaf-01/E1/1 is already used by Connection server-01--unbundled--leaf-01.'
        )
        self.assertNotIn(('Connection', 'leaf-01--external--acl'), self.index())

    def test_a_dangling_reference_says_which_set_it_was_looked_for_in(self):
        self.drop('attach.yaml', samples.WIRING.replace('leaf-01/E1/1', 'leaf-09/E1/1'))
        outcome = ingest(self.fabric, trigger='test')
        (finding,) = [f for f in outcome.run.findings if f['code'] == 'REF_DANGLING' and 'leaf-09' in f['message']]
        self.assertEqual(finding['message'], "Switch 'leaf-09' is not in raw/ nor managed/ of fabric dc1.")

    def test_a_runs_findings_come_by_file_and_line(self):
        self.drop('b.yaml', samples.HALF_INVALID)
        self.drop('a.yaml', samples.WIRING.replace('leaf-01/E1/1', 'leaf-09/E1/1') + '---\n' + samples.vpc(vlan=5000))
        outcome = ingest(self.fabric, trigger='test')
        found = [(f['file'], f['line'], f['code']) for f in outcome.run.findings]
        self.assertEqual(found, sorted(found, key=lambda f: (f[0], f[1] or 0)))
        self.assertEqual({file for file, _, _ in found}, {'raw/a.yaml', 'raw/b.yaml'})
        # One finding per mistake: VLAN 5000 is invalid, and not also a namespace conflict.
        self.assertEqual(
            [code for file, _, code in found if file == 'raw/a.yaml' and code != 'REF_DANGLING'], ['VPC_VLAN_INVALID']
        )

    def test_ingested_and_reindexed_resources_are_in_netbox_search(self):
        self.drop('wiring.yaml', samples.WIRING)
        ingest(self.fabric, trigger='test')
        for resource in HedgehogResource.objects.filter(fabric=self.fabric):  # what NetBox itself would cache
            self.assertEqual(
                set(
                    CachedValue.objects.filter(
                        object_id=resource.pk, object_type__model='hedgehogresource'
                    ).values_list('field', 'type', 'weight', 'value')
                ),
                set(HedgehogResourceIndex.to_cache(resource)),
            )
        row = HedgehogResource.objects.get(kind='Switch', name='leaf-01')
        cached = CachedValue.objects.filter(object_id=row.pk, object_type__model='hedgehogresource')
        self.assertEqual(list(cached.values_list('field', 'value')), [('name', 'leaf-01')])
        self.managed('switches', 'leaf-01').unlink()
        reindex(self.fabric)
        self.assertTrue(cached.exists())  # the row is kept (it holds the last copy), and so is its search entry
        reindex(self.fabric, drop_missing={row.managed_path})  # a deletion known to be intended
        self.assertFalse(cached.exists())

    def test_provenance_is_appended_to_the_tree_and_kept_on_the_run(self):
        self.drop('wiring.yaml', samples.WIRING)
        run = ingest(self.fabric, trigger='test').run
        (line,) = (self.tree / '.hnp' / PROVENANCE_LOG).read_text().splitlines()
        record = json.loads(line)
        self.assertEqual(record['run'], run.pk)
        entry = record['entries'][2]
        self.assertEqual(
            {k: entry[k] for k in ('source', 'document', 'line', 'destination', 'action')},
            {
                'source': 'raw/wiring.yaml',
                'document': 2,
                'line': 18,
                'destination': 'managed/connections/server-01--unbundled--leaf-01.yaml',
                'action': 'create',
            },
        )
        self.assertEqual(len(entry['sha256']), 64)
        self.assertEqual(run.provenance, record['entries'])
        self.assertNotIn('run', self.managed('switches', 'leaf-01').read_text())

    def test_foreign_documents_go_to_unmanaged_with_their_reason(self):
        self.drop('wiring.yaml', samples.WIRING)
        self.drop('vpcs.yaml', samples.vpc() + '---\n' + samples.ATTACHMENT_AND_FOREIGN)
        outcome = ingest(self.fabric, trigger='test')
        (unmanaged,) = (self.tree / 'unmanaged').glob('vpcinfo-gw-1-*.yaml')
        text = unmanaged.read_text()
        self.assertTrue(text.startswith('# Not a Hedgehog fabric object ('))
        self.assertIn('kind: VPCInfo\nmetadata:\n  name: gw-1\n', text)
        self.assertEqual(outcome.plan.counts()['documents']['foreign'], 1)
        self.assertFalse(any((self.tree / 'raw').glob('*.yaml')))

    def test_a_file_with_one_invalid_document_stays_in_raw_whole_with_its_findings(self):
        raw = self.drop('mixed.yaml', samples.HALF_INVALID)
        outcome = ingest(self.fabric, trigger='test')

        self.assertEqual(outcome.exit_code, 1)
        self.assertEqual(raw.read_text(), samples.HALF_INVALID)
        self.assertFalse(self.managed('switches', 'leaf-02').exists())
        self.assertEqual(self.index(), {})
        run = outcome.run
        self.assertEqual(run.status, IngestionStatusChoices.REJECTED)
        errors = [f for f in run.findings if f['severity'] == 'error']
        self.assertTrue(errors)
        self.assertTrue(all(f['file'] == 'raw/mixed.yaml' for f in errors))
        self.assertTrue(any(f['line'] and f['line'] >= 9 and 'vlan' in f['path'] for f in errors), errors)
        (waiting,) = raw_backlog(self.fabric)
        self.assertEqual(waiting['file'], 'raw/mixed.yaml')
        self.assertEqual(waiting['findings'], run.findings)
        self.fabric.refresh_from_db()
        self.assertEqual(self.fabric.gitops_status, GitOpsStatusChoices.DEGRADED)

    def test_a_changed_object_is_an_update(self):
        self.drop('vpc.yaml', samples.vpc(1001))
        ingest(self.fabric, trigger='test')
        old_sha = self.index()[('VPC', 'vpc-1')][1]
        self.drop('vpc.yaml', samples.vpc(1002))
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(outcome.plan.counts()['documents']['update'], 1)
        self.assertIn('vlan: 1002', self.managed('vpcs', 'vpc-1').read_text())
        row = HedgehogResource.objects.get(kind='VPC', name='vpc-1')
        self.assertNotEqual(row.sha256, old_sha)
        self.assertEqual(row.spec['subnets']['default']['vlan'], 1002)

    def test_same_object_with_different_content_rejects_both_files_naming_both(self):
        first, second = self.drop('a.yaml', samples.vpc(1001)), self.drop('b.yaml', samples.vpc(1002))
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(len(outcome.plan.rejected), 2)
        self.assertTrue(first.exists() and second.exists())
        self.assertFalse(self.managed('vpcs', 'vpc-1').exists())
        conflicts = [f for f in outcome.run.findings if f['code'] == 'INGEST_CONFLICT']
        self.assertEqual({f['file'] for f in conflicts}, {'raw/a.yaml', 'raw/b.yaml'})
        for finding in conflicts:
            self.assertIn('raw/a.yaml' if finding['file'] == 'raw/b.yaml' else 'raw/b.yaml', finding['message'])

    def test_identical_copies_are_written_once_and_both_files_leave_raw(self):
        self.drop('a.yaml', samples.vpc())
        self.drop('b.yaml', '# a copy\n' + samples.vpc())
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 0)
        counts = outcome.plan.counts()['documents']
        self.assertEqual((counts['create'], counts['duplicate']), (1, 1))
        self.assertEqual(self.managed('vpcs', 'vpc-1').read_text(), samples.vpc())
        self.assertEqual(list((self.tree / 'raw').glob('*.yaml')), [])

    def test_a_copy_whose_twin_is_in_a_rejected_file_is_still_written(self):
        self.drop('a.yaml', samples.HALF_INVALID.replace('leaf-02', 'leaf-01') + '---\n' + samples.vpc())
        self.drop('b.yaml', samples.vpc())
        ingest(self.fabric, trigger='test')
        self.assertTrue(self.managed('vpcs', 'vpc-1').is_file())
        self.assertTrue((self.tree / 'raw' / 'a.yaml').exists())

    def test_non_yaml_files_are_left_alone_and_listed(self):
        readme = self.drop('README.md', 'notes\n')
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(readme.read_text(), 'notes\n')
        (listed,) = outcome.plan.files
        self.assertEqual((listed.path, str(listed.action)), ('raw/README.md', 'ignore'))
        self.assertEqual(listed.findings[0].severity, 'info')
        self.assertEqual(outcome.exit_code, 0)

    def test_legacy_version_is_written_as_served_without_server_side_fields(self):
        self.drop('legacy.yaml', samples.LEGACY_WITH_SERVER_FIELDS)
        outcome = ingest(self.fabric, trigger='test')
        text = self.managed('servers', 'server-09').read_text()
        self.assertIn('apiVersion: wiring.githedgehog.com/v1beta1', text)
        for field in ('uid', 'resourceVersion', 'creationTimestamp', 'status'):
            self.assertNotIn(field, text)
        self.assertIn('# keep this comment', text)
        self.assertTrue(any(f['code'].startswith('LEGACY') for f in outcome.run.findings), outcome.run.findings)

    def test_references_resolve_against_objects_already_managed(self):
        self.drop('wiring.yaml', samples.WIRING)
        self.drop('vpc.yaml', samples.vpc())
        ingest(self.fabric, trigger='test')
        self.drop('attach.yaml', samples.ATTACHMENT_AND_FOREIGN)
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 0)
        dangling = [f for f in outcome.run.findings if 'DANGLING' in f['code']]
        self.assertEqual(dangling, [])

    def test_dry_run_changes_nothing(self):
        self.drop('wiring.yaml', samples.WIRING)
        before = snapshot(self.tree)
        outcome = ingest(self.fabric, trigger='test', dry_run=True)
        self.assertEqual(outcome.plan.counts()['documents']['create'], 3)
        self.assertIsNone(outcome.run)
        self.assertEqual(snapshot(self.tree), before)
        self.assertFalse(IngestionRun.objects.exists())

    def test_a_raw_file_changed_during_the_run_is_kept_with_its_new_content(self):
        raw = self.drop('vpc.yaml', samples.vpc(1001))

        def edit_while_writing(step, done, total):
            raw.write_text(samples.vpc(1002))  # a person saves the file again mid-run

        outcome = ingest(self.fabric, trigger='test', progress=edit_while_writing)
        self.assertEqual(outcome.changed_during_run, ['raw/vpc.yaml'])
        self.assertEqual(raw.read_text(), samples.vpc(1002))  # nothing the person wrote is lost
        self.assertIn('vlan: 1001', self.managed('vpcs', 'vpc-1').read_text())  # what was read is managed
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual((outcome.changed_during_run, outcome.removed), ([], ['raw/vpc.yaml']))
        self.assertIn('vlan: 1002', self.managed('vpcs', 'vpc-1').read_text())

    def test_an_object_named_near_the_longest_file_name_is_ingested(self):
        name = f'server-{"a" * 240}'  # managed file name: 252 bytes, a file name holds at most 255
        self.drop('server.yaml', samples.WIRING.split('---\n')[1].replace('server-01', name))
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 0)
        self.assertTrue(self.managed('servers', name).is_file())

    def test_a_folder_where_a_managed_file_must_go_rejects_that_file_with_a_finding(self):
        self.drop('wiring.yaml', samples.WIRING)
        vpc = self.drop('vpc.yaml', samples.vpc())
        self.managed('vpcs', 'vpc-1').mkdir(parents=True)
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual((outcome.exit_code, outcome.removed), (1, ['raw/wiring.yaml']))
        self.assertEqual(vpc.read_text(), samples.vpc())
        (finding,) = [finding for finding in outcome.plan.findings() if finding.severity == 'error']
        self.assertEqual((finding.code, finding.file, finding.line), ('INGEST_TARGET_NOT_A_FILE', 'raw/vpc.yaml', 1))
        self.assertIn('managed/vpcs/vpc-1.yaml exists and is not a file', finding.message)

    def test_a_folder_where_a_foreign_documents_file_must_go_rejects_that_file_with_a_finding(self):
        gateway = samples.ATTACHMENT_AND_FOREIGN.split('---\n')[1]
        self.drop('gateway.yaml', gateway)
        ingest(self.fabric, trigger='test')
        (kept,) = (self.tree / 'unmanaged').glob('vpcinfo-gw-1-*.yaml')
        kept.unlink()
        kept.mkdir()
        raw = self.drop('gateway.yaml', gateway)
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual((outcome.exit_code, outcome.removed), (1, []))
        self.assertEqual(raw.read_text(), gateway)
        (finding,) = [finding for finding in outcome.plan.findings() if finding.code == 'INGEST_TARGET_NOT_A_FILE']
        self.assertEqual(finding.file, 'raw/gateway.yaml')
        self.assertIn(f'unmanaged/{kept.name} exists and is not a file', finding.message)

    def test_writes_that_fail_reject_their_raw_file_and_leave_raw_and_the_index_alone(self):
        for forked in (False, True):
            with self.subTest(forked=forked), mock.patch.object(fileops, 'FORK_MIN_FILES', 1 if forked else 10**6):
                self.write_fails_on_a_full_disk()

    def write_fails_on_a_full_disk(self):
        IngestionRun.objects.all().delete()
        raw = self.drop('wiring.yaml', samples.WIRING)
        full = OSError(errno.ENOSPC, 'No space left on device', '/server/path')
        # Where a written file gets its name: a link (a new file), a rename (over a file, or without nameless files).
        with mock.patch('os.link', side_effect=full), mock.patch('os.replace', side_effect=full):
            outcome = ingest(self.fabric, trigger='test')
        self.assertEqual((outcome.exit_code, outcome.written, outcome.removed), (1, [], []))
        self.assertEqual([path.name for path in (self.tree / 'managed' / 'switches').iterdir()], ['.gitkeep'])
        self.assertEqual(raw.read_text(), samples.WIRING)
        self.assertEqual(self.index(), {})  # the index filled meanwhile was rolled back
        self.assertFalse(IngestedFile.objects.exists())
        run = IngestionRun.objects.get()
        self.assertEqual(run.status, IngestionStatusChoices.REJECTED)
        codes = {(f['code'], f['file']) for f in run.findings if f['severity'] == 'error'}
        self.assertEqual(codes, {('INGEST_WRITE_FAILED', 'raw/wiring.yaml')})
        messages = ' '.join(f['message'] for f in run.findings)
        self.assertIn('managed/switches/leaf-01.yaml could not be written (No space left on device)', messages)
        self.assertNotIn('/server/path', messages)
        self.assertNotIn(str(self.tree), messages)

    def test_an_interrupted_run_is_closed_by_the_next_one_which_removes_its_temporary_files(self):
        stale = IngestionRun.objects.create(fabric=self.fabric, started=self.fabric.created, trigger='test')
        temporary = self.tree / 'managed' / 'switches' / f'.leaf-01.yaml.0123abcd{TEMPORARY_SUFFIX}'
        temporary.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text('kind: Swi')
        ingest(self.fabric, trigger='test')
        stale.refresh_from_db()
        self.assertEqual(stale.status, IngestionStatusChoices.FAILED)
        self.assertIn('interrupted', stale.error)
        self.assertFalse(temporary.exists())


class ListedFolderTest(IngestionTestMixin, TestCase):
    """A folder that many targets go to is listed once instead of looking at each target (planner.LIST_FOLDER_FROM):
    here every folder is, and the plan tells a missing, a changed, an unchanged and a blocked target apart as
    looking at each does."""

    def setUp(self):
        super().setUp()
        listed = mock.patch.object(planner, 'LIST_FOLDER_FROM', 1)
        listed.start()
        self.addCleanup(listed.stop)

    def plan_of_a_second_run(self):
        self.drop('wiring.yaml', samples.WIRING)
        ingest(self.fabric, trigger='test')
        self.drop('wiring.yaml', samples.WIRING.replace('first server', 'renamed server'))
        self.drop('vpc.yaml', samples.vpc())
        self.drop('more.yaml', samples.NAMESPACES)
        self.managed('vpcs', 'vpc-1').mkdir(parents=True)
        outcome = ingest(self.fabric, trigger='test')
        actions = {(d.kind, d.name): d.action for f in outcome.plan.files for d in f.documents}
        errors = [(f.code, f.file) for f in outcome.plan.findings() if f.severity == 'error']
        return actions, errors

    def test_each_target_is_told_apart_in_a_listed_folder(self):
        actions, errors = self.plan_of_a_second_run()
        self.assertEqual(actions[('Server', 'server-01')], 'update')
        self.assertEqual(actions[('Switch', 'leaf-01')], 'unchanged')
        self.assertEqual(actions[('IPv4Namespace', 'default')], 'create')
        self.assertEqual(errors, [('INGEST_TARGET_NOT_A_FILE', 'raw/vpc.yaml')])
        self.assertIn('renamed server', self.managed('servers', 'server-01').read_text())

    def test_a_folder_that_cannot_be_listed_has_its_targets_looked_at_one_by_one(self):
        with mock.patch.object(Tree, 'names', side_effect=PermissionError(errno.EACCES, 'Permission denied')):
            actions, errors = self.plan_of_a_second_run()
        self.assertEqual(actions[('Server', 'server-01')], 'update')
        self.assertEqual(actions[('Switch', 'leaf-01')], 'unchanged')
        self.assertEqual(errors, [('INGEST_TARGET_NOT_A_FILE', 'raw/vpc.yaml')])
