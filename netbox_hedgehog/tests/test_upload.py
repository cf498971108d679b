"""Adding YAML to raw/ from NetBox: refused when unsafe (nothing written), checked as ingestion checks, never
written over a file (a new name, or a replacement that keeps the old bytes first)."""

import os

from django.conf import settings
from django.test import TestCase, TransactionTestCase, override_settings

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.lock import FabricLocked
from netbox_hedgehog.services.upload import REPLACED, UploadRefused, add_raw_file
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, hold_lock_elsewhere, snapshot


class UploadMixin(TemporaryGitopsRootMixin):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.tree = self.gitops_root / 'dc1'
        self.raw = self.tree / 'raw'

    def raw_names(self):
        return sorted(path.name for path in self.raw.iterdir())


class RefusedUploadTest(UploadMixin, TestCase):
    def assertRefused(self, name, data, message):
        before = snapshot(self.tree)
        with self.assertRaises(UploadRefused) as refused:
            add_raw_file(self.fabric, name, data)
        self.assertIn(message, str(refused.exception))
        self.assertEqual(snapshot(self.tree), before)

    def test_unsafe_names_write_nothing(self):
        data = samples.WIRING.encode()
        for name, message in (
            ('', 'A file name is required'),
            ('../escape.yaml', 'is a path'),
            ('sub/wiring.yaml', 'is a path'),
            ('/etc/wiring.yaml', 'is a path'),
            ('..\\wiring.yaml', 'is a path'),
            ('..', 'starts with a dot'),
            ('.hidden.yaml', 'starts with a dot'),
            ('wiring\n.yaml', 'control characters'),
            ('wiring.txt', 'does not end in .yaml or .yml'),
            ('wiring.yaml.bak', 'does not end in .yaml or .yml'),
            ('x' * 251 + '.yaml', 'longer than 255 bytes'),
        ):
            with self.subTest(name=name):
                self.assertRefused(name, data, message)

    def test_unusable_content_writes_nothing(self):
        for data, message in (
            (b'', 'empty'),
            (b' \n\n', 'empty'),
            (b'kind: VPC\n\0\n', 'NUL bytes'),
            ('kind: Vpc\nmetadata: {name: caf\xe9}\n'.encode('latin-1'), 'not UTF-8 text (line 2)'),
        ):
            with self.subTest(data=data):
                self.assertRefused('wiring.yaml', data, message)

    def test_too_large_writes_nothing(self):
        config = settings.PLUGINS_CONFIG
        small = {**config, 'netbox_hedgehog': {**config['netbox_hedgehog'], 'max_file_bytes': 100}}
        with override_settings(PLUGINS_CONFIG=small):
            self.assertRefused(
                'wiring.yaml', samples.WIRING.encode(), 'larger than the limit of 100 bytes (max_file_bytes)'
            )

    def test_missing_raw_folder_is_refused(self):
        (self.raw / '.gitkeep').unlink()
        self.raw.rmdir()
        self.assertRefused('wiring.yaml', samples.WIRING.encode(), 'raw/ of fabric dc1 is missing')


class UploadTest(UploadMixin, TestCase):
    def test_a_valid_file_lands_whole_and_ingestion_takes_it(self):
        upload = add_raw_file(self.fabric, 'wiring.yaml', samples.WIRING.encode())
        self.assertEqual((upload.path, upload.written, upload.ingestible), ('raw/wiring.yaml', True, True))
        # The switch's VLANNamespace (Hedgehog's default) is not in this fabric yet: a warning, not a block.
        self.assertEqual([(f.code, f.path) for f in upload.findings], [('REF_DANGLING', 'spec.vlanNamespaces[0]')])
        self.assertEqual([document.action for document in upload.plan.documents], ['create'] * 3)
        self.assertEqual((self.raw / 'wiring.yaml').read_text(), samples.WIRING)
        self.assertEqual(self.raw_names(), ['.gitkeep', 'wiring.yaml'])  # no temporary left behind
        self.assertEqual(ingest(self.fabric, trigger='test').removed, ['raw/wiring.yaml'])

    def test_an_invalid_document_is_written_with_its_findings(self):
        upload = add_raw_file(self.fabric, 'half.yaml', samples.HALF_INVALID.encode())
        self.assertFalse(upload.ingestible)
        errors = [finding for finding in upload.findings if finding.severity == 'error']
        self.assertEqual(
            [(f.file, f.line, f.path) for f in errors], [('raw/half.yaml', 17, 'spec.subnets.default.vlan')]
        )
        self.assertEqual((self.raw / 'half.yaml').read_text(), samples.HALF_INVALID)
        outcome = ingest(self.fabric, trigger='test')
        self.assertEqual([file.path for file in outcome.plan.rejected], ['raw/half.yaml'])

    def test_findings_are_those_of_ingestion_against_managed(self):
        wiring = add_raw_file(self.fabric, 'wiring.yaml', samples.WIRING.encode())
        self.assertEqual([f.code for f in wiring.findings], ['REF_DANGLING'])
        ingest(self.fabric, trigger='test')
        attachment = samples.ATTACHMENT_AND_FOREIGN.encode()
        # The attachment's connection is managed now; only its VPC is missing (a warning, not a block).
        dangling = [(f.code, f.path) for f in add_raw_file(self.fabric, 'att.yaml', attachment).findings]
        self.assertEqual(dangling, [('REF_DANGLING', 'spec.subnet'), ('FOREIGN_DOCUMENT', '')])

    def test_a_taken_name_gives_the_next_free_one_and_never_overwrites(self):
        (self.raw / 'wiring.yaml').write_text('# mine\n')
        (self.raw / 'wiring-2.yaml').write_text('# mine too\n')
        upload = add_raw_file(self.fabric, 'wiring.yaml', samples.WIRING.encode())
        self.assertEqual((upload.requested, upload.path), ('wiring.yaml', 'raw/wiring-3.yaml'))
        self.assertEqual(
            {f.file for f in add_raw_file(self.fabric, 'wiring.yaml', b'kind: [\n').findings}, {'raw/wiring-4.yaml'}
        )
        self.assertEqual((self.raw / 'wiring.yaml').read_text(), '# mine\n')
        self.assertEqual((self.raw / 'wiring-2.yaml').read_text(), '# mine too\n')
        self.assertEqual((self.raw / 'wiring-3.yaml').read_text(), samples.WIRING)

    def test_a_taken_name_of_the_longest_length_gets_a_shortened_numbered_name(self):
        name = 's' * 250 + '.yaml'  # 255 bytes: `-2` more would not fit a file name
        (self.raw / name).write_text('# mine\n')
        upload = add_raw_file(self.fabric, name, samples.WIRING.encode())
        self.assertEqual(upload.path, f'raw/{"s" * 248}-2.yaml')
        self.assertEqual((self.raw / name).read_text(), '# mine\n')

    def test_the_same_bytes_twice_are_written_once(self):
        add_raw_file(self.fabric, 'wiring.yaml', samples.WIRING.encode())
        again = add_raw_file(self.fabric, 'wiring.yaml', samples.WIRING.encode())
        self.assertEqual((again.path, again.written), ('raw/wiring.yaml', False))
        self.assertEqual(self.raw_names(), ['.gitkeep', 'wiring.yaml'])

    def test_replacing_keeps_the_old_bytes_first(self):
        add_raw_file(self.fabric, 'half.yaml', samples.HALF_INVALID.encode())
        fixed = samples.HALF_INVALID.replace('vlan: 5000', 'vlan: 1005').encode()
        upload = add_raw_file(self.fabric, 'half.yaml', fixed, replace=True)
        self.assertEqual((upload.path, upload.ingestible), ('raw/half.yaml', True))
        self.assertTrue(upload.kept_as.startswith(f'{REPLACED}/half.yaml.'))
        self.assertEqual((self.tree / upload.kept_as).read_text(), samples.HALF_INVALID)
        self.assertEqual((self.raw / 'half.yaml').read_bytes(), fixed)
        self.assertEqual(self.raw_names(), ['.gitkeep', 'half.yaml'])
        self.assertEqual(os.listdir(self.tree / REPLACED), [upload.kept_as.rpartition('/')[2]])

    def test_replacing_with_the_same_bytes_or_a_missing_file(self):
        add_raw_file(self.fabric, 'wiring.yaml', samples.WIRING.encode())
        same = add_raw_file(self.fabric, 'wiring.yaml', samples.WIRING.encode(), replace=True)
        self.assertEqual((same.written, same.kept_as), (False, ''))
        new = add_raw_file(self.fabric, 'vpc.yaml', samples.vpc().encode(), replace=True)
        self.assertEqual((new.path, new.written, new.kept_as), ('raw/vpc.yaml', True, ''))
        self.assertFalse((self.tree / REPLACED).exists())

    def test_replacing_a_symbolic_link_is_refused(self):
        outside = self.gitops_root / 'outside.yaml'
        outside.write_text(samples.WIRING)
        (self.raw / 'link.yaml').symlink_to(outside)
        with self.assertRaises(UploadRefused):
            add_raw_file(self.fabric, 'link.yaml', samples.vpc().encode(), replace=True)
        self.assertTrue((self.raw / 'link.yaml').is_symlink())
        self.assertFalse((self.tree / REPLACED).exists())


class UploadDuringIngestionTest(UploadMixin, TransactionTestCase):
    def test_a_new_file_needs_no_lock_but_a_replacement_waits_for_the_ingestion(self):
        (self.raw / 'wiring.yaml').write_text('# mine\n')
        hold_lock_elsewhere(self, self.fabric)
        self.assertEqual(add_raw_file(self.fabric, 'vpc.yaml', samples.vpc().encode()).path, 'raw/vpc.yaml')
        with self.assertRaises(FabricLocked):
            add_raw_file(self.fabric, 'wiring.yaml', samples.WIRING.encode(), replace=True)
        self.assertEqual((self.raw / 'wiring.yaml').read_text(), '# mine\n')
        self.assertFalse((self.tree / REPLACED).exists())
