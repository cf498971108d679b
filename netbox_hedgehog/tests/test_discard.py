"""Discarding a file waiting in raw/: it leaves raw/, its bytes kept in .hnp/discarded/ first, listed on the page.

From the fabric page (a Discard button per waiting file, a confirmation) and the API; only for those who may
change the fabric; never while an ingestion may be reading the file; a disk that refuses leaves it waiting.
"""

import os

from django.test import TransactionTestCase
from django.urls import reverse
from utilities.testing import APITestCase, TestCase

from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.lock import FabricLocked
from netbox_hedgehog.services.upload import UploadFailed, UploadRefused, discard_raw_file, discarded_files
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.faults import FaultsMixin
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, hold_lock_elsewhere
from netbox_hedgehog.ui.panels import DISCARDED_SHOWN


class DiscardServiceTestCase(FaultsMixin, TemporaryGitopsRootMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.tree = self.fabric.tree_path
        self.raw = self.tree / 'raw'
        (self.raw / 'bad.yaml').write_text(samples.HALF_INVALID)

    def test_the_file_leaves_raw_and_its_bytes_are_kept(self):
        kept = discard_raw_file(self.fabric, 'bad.yaml')
        self.assertFalse((self.raw / 'bad.yaml').exists())
        self.assertRegex(kept, r'^\.hnp/discarded/bad\.yaml\.\d{8}T\d{6}\d+Z$')  # no .yaml: never ingested
        self.assertEqual((self.tree / kept).read_text(), samples.HALF_INVALID)
        self.assertEqual([item['file'] for item in discarded_files(self.fabric)], [kept])
        ingest(self.fabric, trigger='test')  # nothing of it comes back
        self.assertFalse(HedgehogResource.objects.exists())
        self.assertTrue((self.tree / kept).is_file())

    def test_what_is_not_a_waiting_file_is_refused(self):
        os.symlink(self.raw / 'bad.yaml', self.raw / 'link.yaml')
        for name, why in (
            ('gone.yaml', 'is not there any more'),
            ('link.yaml', 'is not a regular file'),
            ('../managed/x.yaml', 'is a path'),
            ('notes.txt', 'does not end in .yaml'),
        ):
            with self.subTest(name=name), self.assertRaisesRegex(UploadRefused, why):
                discard_raw_file(self.fabric, name)
        self.assertTrue((self.raw / 'link.yaml').is_symlink())
        self.assertEqual(discarded_files(self.fabric), [])

    def test_a_disk_that_refuses_leaves_the_file_waiting_and_no_copy(self):
        self.immutable(self.raw)
        with self.assertRaises(UploadFailed) as raised:
            discard_raw_file(self.fabric, 'bad.yaml')
        self.assertEqual(
            str(raised.exception),
            'raw/bad.yaml could not be removed: Operation not permitted. raw/bad.yaml is still waiting.',
        )
        self.assertEqual((self.raw / 'bad.yaml').read_text(), samples.HALF_INVALID)
        self.assertEqual(discarded_files(self.fabric), [])


class DiscardLockTestCase(TemporaryGitopsRootMixin, TransactionTestCase):
    def test_not_while_an_ingestion_runs(self):
        fabric = HedgehogFabric.objects.create(name='dc1')
        (fabric.tree_path / 'raw' / 'bad.yaml').write_text(samples.HALF_INVALID)
        hold_lock_elsewhere(self, fabric)
        with self.assertRaises(FabricLocked):
            discard_raw_file(fabric, 'bad.yaml')
        self.assertTrue((fabric.tree_path / 'raw' / 'bad.yaml').is_file())


class DiscardViewTestCase(TemporaryGitopsRootMixin, TestCase):
    user_permissions = ('netbox_hedgehog.view_hedgehogfabric',)

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.raw = self.fabric.tree_path / 'raw'
        (self.raw / 'bad.yaml').write_text(samples.HALF_INVALID)
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_discard', args=[self.fabric.pk])

    def test_view_only_users_cannot_discard(self):
        self.assertNotIn('Discard', self.client.get(self.fabric.get_absolute_url()).content.decode())
        self.assertEqual(self.client.get(f'{self.url}?file=raw/bad.yaml').status_code, 403)
        self.assertEqual(self.client.post(self.url, {'file': 'raw/bad.yaml'}).status_code, 403)
        self.assertTrue((self.raw / 'bad.yaml').is_file())

    def test_discard_from_the_fabric_page_after_confirming(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        page = self.client.get(self.fabric.get_absolute_url()).content.decode()
        self.assertIn(f'href="{self.url}?file=raw%2Fbad.yaml"', page)
        confirm = self.client.get(f'{self.url}?file=raw/bad.yaml')
        self.assertContains(confirm, '<code>raw/bad.yaml</code> leaves raw/')
        self.assertTrue((self.raw / 'bad.yaml').is_file())  # asking is not doing
        response = self.client.post(self.url, {'file': 'raw/bad.yaml'}, follow=True)
        self.assertFalse((self.raw / 'bad.yaml').exists())
        (kept,) = discarded_files(self.fabric)
        self.assertContains(response, f'raw/bad.yaml discarded; its bytes are kept in {kept["file"]}.')
        self.assertContains(response, 'Discarded (kept in .hnp/discarded/)')
        self.assertContains(response, kept['file'])

    def test_the_panel_lists_the_newest_copies_and_counts_the_rest(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        for number in range(DISCARDED_SHOWN + 2):
            (self.raw / f'old-{number:02d}.yaml').write_text('kind: VPC\n')
            discard_raw_file(self.fabric, f'old-{number:02d}.yaml')
        page = self.client.get(self.fabric.get_absolute_url()).content.decode()
        self.assertEqual(page.count('.hnp/discarded/old-'), DISCARDED_SHOWN)
        self.assertIn('And 2 older copies.', ' '.join(page.split()))

    def test_a_refusal_is_a_message(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        response = self.client.post(self.url, {'file': 'raw/gone.yaml'}, follow=True)
        self.assertContains(response, 'raw/gone.yaml is not there any more')
        self.assertNotContains(response, str(self.gitops_root))


class DiscardAPITestCase(TemporaryGitopsRootMixin, APITestCase):
    def test_discard_action(self):
        fabric = HedgehogFabric.objects.create(name='dc1')
        raw = fabric.tree_path / 'raw'
        (raw / 'bad.yaml').write_text(samples.HALF_INVALID)
        url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-discard', args=[fabric.pk])
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')
        self.assertEqual(self.client.post(url, {'file': 'raw/bad.yaml'}, format='json', **self.header).status_code, 403)
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        response = self.client.post(url, {'file': 'raw/bad.yaml'}, format='json', **self.header)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.data['file'], 'raw/bad.yaml')
        self.assertTrue((fabric.tree_path / response.data['kept_as']).is_file())
        self.assertFalse((raw / 'bad.yaml').exists())
        response = self.client.post(url, {'file': 'raw/bad.yaml'}, format='json', **self.header)
        self.assertEqual(response.status_code, 400)
