"""A fabric ingested before the gateway kinds were managed: its gateway documents wait in unmanaged/.

A re-run of ingestion offers to move them (INGEST_ADOPTABLE); the dry run shows the plan; the run with
adopt_unmanaged moves them to managed/, indexes them with the raw file they first came from, and removes
their unmanaged/ files only once they are in managed/.
"""

import json
import unittest
from pathlib import Path
from unittest import mock

import django_rq
from core.models import Job
from django.test import TestCase
from django.urls import reverse
from rq.job import Job as RQJob
from utilities.testing import TestCase as UtilitiesTestCase

from netbox_hedgehog.core import kinds
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.run_records import PROVENANCE_LOG
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, run_command, snapshot

OVERLAY = (Path(__file__).resolve().parents[2].parent / 'shared' / 'corpus').joinpath(
    'labci_env-ci-1_wiring-gateway_overlay.yaml'
)
GATEWAY_KINDS = {'Gateway', 'GatewayGroup', 'GatewayPeering'}
ADOPTED = {
    'managed/gatewaygroups/default.yaml': ('GatewayGroup', 'default', 4),
    'managed/gateways/gateway-1.yaml': ('Gateway', 'gateway-1', 11),
    'managed/gateways/gateway-2.yaml': ('Gateway', 'gateway-2', 21),
}


def before_the_gateway_kinds(api_version, kind):
    """kinds.resolve as it answered before the gateway kinds joined the registry."""
    return (None, False) if kind in GATEWAY_KINDS else RESOLVE(api_version, kind)


RESOLVE = kinds.resolve


class FiledBeforeTheGatewayKindsMixin(TemporaryGitopsRootMixin):
    """A fabric that ingested the lab's gateway overlay before the gateway kinds were managed."""

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.tree = self.fabric.layout().path
        (self.tree / 'raw' / 'wiring-gateway.yaml').write_bytes(OVERLAY.read_bytes())
        with mock.patch.object(kinds, 'resolve', before_the_gateway_kinds):
            self.first = ingest(self.fabric, trigger='test')


@unittest.skipUnless(OVERLAY.is_file(), f'shared corpus file not found at {OVERLAY}')
class GatewayAdoptionTest(FiledBeforeTheGatewayKindsMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.unmanaged = sorted(
            path.relative_to(self.tree).as_posix() for path in (self.tree / 'unmanaged').glob('*.yaml')
        )

    def managed_files(self):
        return {path.relative_to(self.tree).as_posix() for path in (self.tree / 'managed').rglob('*.yaml')}

    def test_the_old_run_filed_the_gateway_documents_in_unmanaged(self):
        self.assertEqual(self.first.exit_code, 0)
        self.assertEqual(
            [name.split('-')[0] for name in self.unmanaged],
            ['unmanaged/gateway', 'unmanaged/gateway', 'unmanaged/gatewaygroup'],
        )
        self.assertEqual(
            self.managed_files(),
            {
                'managed/connections/ds4000-01--gateway--gateway-1.yaml',
                'managed/connections/ds4000-02--gateway--gateway-2.yaml',
            },
        )

    def test_a_re_run_offers_the_move_and_changes_nothing(self):
        before = snapshot(self.tree)
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual(outcome.exit_code, 0)
        self.assertEqual(
            [(finding.code, str(finding.severity), finding.file) for finding in outcome.plan.offers],
            [('INGEST_ADOPTABLE', 'info', path) for path in self.unmanaged],
        )
        self.assertIn('--adopt-unmanaged --dry-run', outcome.plan.offers[0].hint)
        self.assertEqual(snapshot(self.tree), before)

    def test_the_dry_run_shows_each_move_and_changes_nothing(self):
        before = snapshot(self.tree)
        outcome = ingest(self.fabric, trigger='test', dry_run=True, adopt_unmanaged=True)
        self.assertEqual(outcome.plan.offers, [])
        moves = {(f.path, d.action.value, d.target) for f in outcome.plan.ingested for d in f.documents}
        self.assertEqual({target for _, _, target in moves}, set(ADOPTED))
        self.assertEqual({path for path, _, _ in moves}, set(self.unmanaged))
        self.assertEqual({action for _, action, _ in moves}, {'create'})
        self.assertEqual(snapshot(self.tree), before)
        self.assertEqual(HedgehogResource.objects.filter(fabric=self.fabric, kind__in=GATEWAY_KINDS).count(), 0)

    def test_the_move_writes_the_authors_text_indexes_the_origin_and_empties_unmanaged(self):
        text = OVERLAY.read_text()
        outcome = ingest(self.fabric, trigger='test', adopt_unmanaged=True)

        self.assertEqual(outcome.exit_code, 0)
        self.assertEqual(sorted(outcome.removed), self.unmanaged)
        self.assertEqual(list((self.tree / 'unmanaged').glob('*.yaml')), [])
        self.assertEqual(self.managed_files() - {p for p in self.managed_files() if 'connections' in p}, set(ADOPTED))
        for path, (kind, name, line) in ADOPTED.items():
            content = (self.tree / path).read_text()
            self.assertNotIn('Not a Hedgehog fabric object', content)
            self.assertIn(content.strip(), text)  # the author's document, as it was written
            row = HedgehogResource.objects.get(fabric=self.fabric, kind=kind, name=name)
            self.assertEqual(row.managed_path, path)
            # Provenance kept: the row names the raw file the document first came from, not unmanaged/.
            self.assertEqual((row.source_file, row.source_line), ('raw/wiring-gateway.yaml', line))
            self.assertEqual(row.last_run, outcome.run)
        entries = [entry for entry in outcome.run.provenance if entry['destination'] in ADOPTED]
        self.assertEqual(len(entries), 3)
        for entry in entries:
            self.assertEqual(entry['adopted_from']['run'], self.first.run.pk)
            self.assertEqual(entry['adopted_from']['source'], 'raw/wiring-gateway.yaml')
            self.assertTrue(entry['source'].startswith('unmanaged/'))
        log = (self.tree / '.hnp' / PROVENANCE_LOG).read_text().splitlines()
        self.assertEqual(json.loads(log[-1])['entries'], outcome.run.provenance)

        again = ingest(self.fabric, trigger='test', adopt_unmanaged=True)
        self.assertEqual((again.plan.files, again.plan.offers, again.written), ([], [], []))

    def test_a_document_that_fails_validation_stays_in_unmanaged(self):
        path = self.tree / self.unmanaged[0]
        broken = path.read_text().replace('workers: 16', 'workers: 99')
        path.write_text(broken)
        outcome = ingest(self.fabric, trigger='test', adopt_unmanaged=True)
        self.assertEqual(outcome.exit_code, 1)
        self.assertEqual(path.read_text(), broken)
        (rejected,) = outcome.plan.rejected
        self.assertEqual(rejected.path, self.unmanaged[0])
        self.assertEqual([f.code for f in rejected.findings if str(f.severity) == 'error'], ['GATEWAY_WORKERS'])

    def test_the_command_offers_and_moves(self):
        code, out, _ = run_command('hedgehog', 'ingest', 'dc1', '--dry-run', '--adopt-unmanaged')
        self.assertEqual(code, 0)
        self.assertIn('plan (dry run)', out)
        self.assertIn(f'{self.unmanaged[0]}', out)
        self.assertIn('-> managed/gateways/gateway-1.yaml', out)
        self.assertEqual(len(list((self.tree / 'unmanaged').glob('*.yaml'))), 3)
        code, out, _ = run_command('hedgehog', 'ingest', 'dc1', '--adopt-unmanaged')
        self.assertEqual(code, 0)
        self.assertEqual(list((self.tree / 'unmanaged').glob('*.yaml')), [])


@unittest.skipUnless(OVERLAY.is_file(), f'shared corpus file not found at {OVERLAY}')
class GatewayAdoptionPageTest(FiledBeforeTheGatewayKindsMixin, UtilitiesTestCase):
    """The same from the Unmanaged tab: its Move to managed/ button, the dry run page, then the ingestion job."""

    user_permissions = ('netbox_hedgehog.view_hedgehogfabric',)

    def setUp(self):
        super().setUp()
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_adopt', args=[self.fabric.pk])
        self.tab = reverse('plugins:netbox_hedgehog:hedgehogfabric_unmanaged', args=[self.fabric.pk])

    def test_view_only_users_cannot_move(self):
        self.assertNotIn(self.url, self.client.get(self.tab).content.decode())
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.client.post(self.url).status_code, 403)

    def test_the_dry_run_page_then_the_job(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        self.assertIn(self.url, self.client.get(self.tab).content.decode())
        before = snapshot(self.tree)
        page = self.client.get(self.url).content.decode()
        for target, (kind, name, _) in ADOPTED.items():
            self.assertIn(f'create {kind} {name} &rarr; <code>{target}</code>', page)
        self.assertEqual(snapshot(self.tree), before)  # the dry run changed nothing
        with self.captureOnCommitCallbacks(execute=True):  # NetBox puts the job in the queue on commit
            response = self.client.post(self.url)
        self.assertEqual(response.status_code, 302)
        job = Job.objects.get(name='Hedgehog ingestion', object_id=self.fabric.pk)
        queued = RQJob.fetch(str(job.job_id), connection=django_rq.get_connection(job.queue_name))
        self.addCleanup(queued.delete)
        self.assertEqual((queued.kwargs['adopt_unmanaged'], queued.kwargs['trigger']), (True, 'ui'))
