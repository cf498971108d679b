"""Exporting a fabric: its managed objects as one wiring YAML, in hhfab's order, that ingests back identically.

Every way out (the command, the fabric page's button, the API) gives the same bytes; a managed file that is
not one object of its folder's kind (a link, two documents, another kind) is left out with a finding.
"""

import os
import shutil

import yaml
from django.test import override_settings
from django.urls import reverse
from utilities.testing import APITestCase, TestCase

from netbox_hedgehog.core.kinds import KINDS, Kind
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
from netbox_hedgehog.services.export import HHFAB_ORDER, export_fabric, export_order
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.test_ingestion_corpus import CORPUS
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, run_command, snapshot

LAB_WIRING = CORPUS / 'labci_env-ci-1_wiring_eslag-externals-static_2026-06.yaml'
SOURCE = '---\n'.join((samples.NAMESPACES, samples.WIRING, samples.vpc(), samples.ATTACHMENT_AND_FOREIGN))


def ingested(name, text):
    fabric = HedgehogFabric.objects.create(name=name)
    (fabric.layout().raw / 'wiring.yaml').write_text(text)
    outcome = ingest(fabric, trigger='test')
    assert not outcome.plan.rejected, outcome.plan.findings()
    return fabric


def index(fabric):
    return sorted(
        HedgehogResource.objects.filter(fabric=fabric).values_list('kind', 'name', 'managed_path', 'sha256', 'spec')
    )


class ExportTestCase(TemporaryGitopsRootMixin, TestCase):
    def assertRoundTrip(self, text):
        source = ingested('dc1', text)
        export = export_fabric(source)
        self.assertEqual(export.findings, [])
        self.assertEqual(export.objects, HedgehogResource.objects.filter(fabric=source).count())
        exported = self.gitops_root / 'export.yaml'
        exported.write_text(export.text)
        code, out, err = run_command('hedgehog', 'validate', str(exported))
        self.assertEqual(code, 0, out + err)
        copy = ingested('dc2', export.text)
        self.assertEqual(snapshot(copy.layout().managed), snapshot(source.layout().managed))
        self.assertEqual(index(copy), index(source))
        return export

    def test_round_trip_into_an_empty_fabric_is_identical(self):
        export = self.assertRoundTrip(SOURCE)
        self.assertIn('# the switch model', export.text)  # the author's text, comments included

    def test_round_trip_of_real_lab_wiring(self):
        if not LAB_WIRING.is_file():
            self.skipTest(f'the shared corpus is not at {CORPUS}')
        self.assertRoundTrip(LAB_WIRING.read_text())

    def test_objects_come_in_hhfab_order(self):
        export = export_fabric(ingested('dc1', SOURCE))
        kinds = [document['kind'] for document in yaml.safe_load_all(export.text)]
        rank = {name: position for position, name in enumerate(HHFAB_ORDER)}
        self.assertEqual(kinds, sorted(kinds, key=lambda kind: rank.get(kind, len(rank))))
        self.assertEqual(kinds[:2], ['VLANNamespace', 'IPv4Namespace'])
        self.assertLess(kinds.index('Connection'), kinds.index('VPC'))

    def test_kinds_hhfab_does_not_name_follow_in_registry_order(self):
        extra = (Kind('Zeta', 'z.example.com', 'zetas'), Kind('Alpha', 'a.example.com', 'alphas'))
        ordered = [kind.kind for kind in export_order((*extra, *KINDS))]
        self.assertEqual(ordered[: len(HHFAB_ORDER)], list(HHFAB_ORDER))
        self.assertEqual(ordered[len(HHFAB_ORDER) :], ['Zeta', 'Alpha'])

    def test_files_that_are_not_one_object_of_their_folder_are_left_out(self):
        fabric = ingested('dc1', SOURCE)
        managed = fabric.layout().managed
        secret = self.gitops_root / 'secret.txt'
        secret.write_text('kind: Server\nmetadata: {name: stolen}\n# the secret\n')
        os.symlink(secret, managed / 'servers' / 'linked.yaml')
        shutil.copy(managed / 'servers' / 'server-01.yaml', managed / 'switches' / 'not-a-switch.yaml')
        (managed / 'servers' / 'two.yaml').write_text(samples.WIRING)
        export = export_fabric(fabric)
        why = {finding.file: finding.message.removeprefix('Left out of the export: ') for finding in export.findings}
        self.assertEqual(
            why,
            {
                'managed/servers/linked.yaml': 'it is a symbolic link, which is never followed.',
                'managed/switches/not-a-switch.yaml': 'it holds Server, not a Switch.',
                'managed/servers/two.yaml': 'it is not one valid YAML document.',
            },
        )
        self.assertNotIn('the secret', export.text)
        self.assertEqual(export.objects, HedgehogResource.objects.filter(fabric=fabric).count())


class ExportCommandTestCase(TemporaryGitopsRootMixin, TestCase):
    def test_stdout_file_and_exit_codes(self):
        fabric = ingested('dc1', SOURCE)
        expected = export_fabric(fabric).text
        code, out, err = run_command('hedgehog', 'export', 'dc1')
        self.assertEqual((code, out), (0, expected))
        self.assertIn('object(s) exported', err)
        target = self.gitops_root / 'out.yaml'
        code, out, _ = run_command('hedgehog', 'export', 'dc1', '-o', str(target))
        self.assertEqual((code, out, target.read_text()), (0, '', expected))
        (fabric.layout().managed / 'servers' / 'two.yaml').write_text(samples.WIRING)
        code, out, err = run_command('hedgehog', 'export', 'dc1')
        self.assertEqual((code, out), (1, expected))  # left out, said on stderr, the rest exported
        self.assertIn('EXPORT_SKIPPED', err)
        self.assertEqual(run_command('hedgehog', 'export', 'nope')[0], 2)


class ExportViewTestCase(TemporaryGitopsRootMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.fabric = ingested('dc1', SOURCE)
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_export', args=[self.fabric.pk])

    def test_download_for_who_may_view_the_fabric_and_its_resources(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.add_permissions('netbox_hedgehog.view_hedgehogresource')
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response['Content-Disposition'], 'attachment; filename="dc1-wiring.yaml"')
        self.assertEqual(response.content.decode(), export_fabric(self.fabric).text)
        page = self.client.get(self.fabric.get_absolute_url()).content.decode()
        self.assertIn(f'href="{self.url}"', page)

    @override_settings(LOGIN_REQUIRED=False, EXEMPT_VIEW_PERMISSIONS=['*'])
    def test_never_for_an_anonymous_caller(self):
        self.client.logout()
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn('/login/', response['Location'])


class ExportAPITestCase(TemporaryGitopsRootMixin, APITestCase):
    def test_export_action(self):
        fabric = ingested('dc1', SOURCE)
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-export', args=[fabric.pk])
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        self.assertEqual(self.client.get(url, **self.header).status_code, 403)
        self.add_permissions('netbox_hedgehog.view_hedgehogresource')
        response = self.client.get(url, **self.header)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content.decode(), export_fabric(fabric).text)
        self.assertEqual(response['X-Hedgehog-Skipped'], '0')
        self.assertEqual(response['Content-Type'], 'application/yaml; charset=utf-8')
