"""The upload form (on the fabric page and its own page) and the API's upload action: findings shown at once,
files corrected in place, nothing written when refused."""

import html

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework import status
from utilities.testing import APITestCase, TestCase

from netbox_hedgehog.models import HedgehogFabric, WaitingFileCheck
from netbox_hedgehog.services.upload import REPLACED
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, hold_lock_elsewhere, snapshot

FIXED = samples.HALF_INVALID.replace('vlan: 5000', 'vlan: 1005')


class UploadViewTestCase(TemporaryGitopsRootMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.tree = self.gitops_root / 'dc1'
        self.raw = self.tree / 'raw'
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_upload', args=[self.fabric.pk])
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.change_hedgehogfabric')

    def post(self, **data):
        response = self.client.post(self.url, data)
        self.assertHttpStatus(response, 200)
        return html.unescape(response.content.decode())

    def test_view_permission_is_not_enough(self):
        self.remove_permissions('netbox_hedgehog.change_hedgehogfabric')
        self.assertHttpStatus(self.client.get(self.url), 403)
        self.assertHttpStatus(self.client.post(self.url, {'name': 'a.yaml', 'text': samples.WIRING}), 403)
        self.assertFalse((self.raw / 'a.yaml').exists())

    def test_change_permission_on_another_fabric_is_not_enough(self):
        other = HedgehogFabric.objects.create(name='dc2')
        self.user.object_permissions.filter(actions__contains=['change']).update(constraints={'pk': other.pk})
        self.assertHttpStatus(self.client.post(self.url, {'name': 'a.yaml', 'text': samples.WIRING}), 404)
        self.assertFalse((self.raw / 'a.yaml').exists())

    def test_a_file_is_added_and_its_findings_shown_at_once(self):
        upload = SimpleUploadedFile('half.yaml', samples.HALF_INVALID.encode(), content_type='application/yaml')
        content = self.post(file=upload)
        self.assertEqual((self.raw / 'half.yaml').read_text(), samples.HALF_INVALID)
        self.assertIn('raw/half.yaml:17', content)
        self.assertIn('vlan 5000 is outside 1..4094', content)
        self.assertIn('rejects it: fix the errors', content)
        # The form is ready to correct the file in place.
        self.assertIn('Correct the file and put it back', content)
        self.assertIn('value="half.yaml"', content)
        self.assertIn('vlan: 5000', content)
        self.assertRegex(content, r'<input type="checkbox" name="replace"[^>]* checked')

    def test_pasted_text_gets_the_lines_as_typed(self):
        text = samples.WIRING + '---\n' + samples.NAMESPACES.split('---\n')[1]  # the switch's VLANNamespace too
        content = self.post(name='wiring.yaml', text=text.replace('\n', '\r\n'))
        self.assertEqual((self.raw / 'wiring.yaml').read_bytes(), text.encode())
        self.assertIn('No findings: the file is ready for ingestion.', content)
        self.assertIn('takes it', content)
        self.assertIn(reverse('plugins:netbox_hedgehog:hedgehogfabric_ingest', args=[self.fabric.pk]), content)
        self.assertIn('create Switch leaf-01 <span class="text-muted">(line 2)</span>', content)

    def test_a_taken_name_is_never_overwritten(self):
        (self.raw / 'wiring.yaml').write_text('# mine\n')
        content = self.post(name='wiring.yaml', text=samples.WIRING)
        self.assertIn('raw/wiring-2.yaml', content)
        self.assertIn('taken: never overwritten', content)
        self.assertEqual((self.raw / 'wiring.yaml').read_text(), '# mine\n')

    def test_an_unsafe_upload_writes_nothing_and_says_why(self):
        before = snapshot(self.tree)
        upload = SimpleUploadedFile('wiring.yaml', b'\xff\xfekind: VPC\n')
        for data, message in (
            ({'name': '../../escape.yaml', 'text': samples.WIRING}, 'is a path'),
            ({'name': '.hidden.yaml', 'text': samples.WIRING}, 'starts with a dot'),
            ({'name': 'notes.txt', 'text': samples.WIRING}, 'does not end in .yaml or .yml'),
            ({'file': upload}, 'not UTF-8 text'),
        ):
            with self.subTest(data=data):
                content = self.post(**data)
                self.assertIn(message, content)
                self.assertNotIn('Added to raw/', content)
        self.assertEqual(snapshot(self.tree), before)

    def test_a_file_or_text_is_needed_and_text_needs_a_name(self):
        self.assertIn('Choose a file or paste YAML.', self.post(name='a.yaml'))
        self.assertIn('Give the pasted YAML a file name', self.post(text=samples.WIRING))
        both = self.post(file=SimpleUploadedFile('a.yaml', b'kind: VPC\n'), text=samples.WIRING)
        self.assertIn('Choose a file or paste YAML, not both.', both)
        self.assertEqual(sorted(path.name for path in self.raw.iterdir()), ['.gitkeep'])

    def test_a_waiting_file_is_corrected_in_place_and_its_old_bytes_kept(self):
        (self.raw / 'half.yaml').write_text(samples.HALF_INVALID)
        form = html.unescape(self.client.get(self.url, {'file': 'raw/half.yaml'}).content.decode())
        self.assertIn('vlan: 5000', form)
        self.assertIn('value="half.yaml"', form)
        content = self.post(name='half.yaml', text=FIXED, replace='on')
        self.assertEqual((self.raw / 'half.yaml').read_text(), FIXED)
        (kept,) = (self.tree / REPLACED).iterdir()
        self.assertEqual(kept.read_text(), samples.HALF_INVALID)
        self.assertIn(f'{REPLACED}/{kept.name}', content)
        self.assertIn('takes it', content)

    def test_editing_a_file_that_is_gone_says_so(self):
        content = html.unescape(self.client.get(self.url, {'file': 'raw/gone.yaml'}, follow=True).content.decode())
        self.assertIn('raw/gone.yaml is not there any more', content)


class FabricPageUploadTestCase(TemporaryGitopsRootMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.upload_url = reverse('plugins:netbox_hedgehog:hedgehogfabric_upload', args=[self.fabric.pk])
        (self.fabric.tree_path / 'raw' / 'half.yaml').write_text(samples.HALF_INVALID)
        (self.fabric.tree_path / 'raw' / 'notes.txt').write_text('not yaml')
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric')

    def page(self):
        return self.client.get(self.fabric.get_absolute_url()).content.decode()

    def test_form_and_edit_links_only_for_those_who_may_change_the_fabric(self):
        content = self.page()
        self.assertNotIn(self.upload_url, content)
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        content = self.page()
        self.assertIn(f'action="{self.upload_url}" method="post" enctype="multipart/form-data"', content)
        self.assertIn(f'href="{self.upload_url}?file=raw%2Fhalf.yaml"', content)
        self.assertNotIn('?file=raw%2Fnotes.txt', content)  # not a file an upload could put back

    def test_an_uploaded_files_findings_are_on_the_fabric_page_before_any_ingestion(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        self.assertIn('None recorded: not checked yet', self.page())  # half.yaml came by a shell
        self.client.post(self.upload_url, {'name': 'half.yaml', 'text': samples.HALF_INVALID, 'replace': 'on'})
        content = html.unescape(self.page())
        self.assertIn('next ingestion rejects it', content)
        self.assertIn('raw/half.yaml:17', content)
        self.assertIn('vlan 5000 is outside 1..4094', content)
        self.assertEqual(content.count('None recorded'), 1)  # notes.txt: not YAML, never planned


class UploadAPITestCase(TemporaryGitopsRootMixin, APITestCase):
    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.raw = self.fabric.tree_path / 'raw'
        self.url = reverse('plugins-api:netbox_hedgehog-api:hedgehogfabric-upload', args=[self.fabric.pk])

    def post(self, data, format='json'):
        return self.client.post(self.url, data, format=format, **self.header)

    def test_view_or_add_permission_is_not_enough(self):
        self.add_permissions('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.add_hedgehogfabric')
        response = self.post({'name': 'wiring.yaml', 'text': samples.WIRING})
        self.assertHttpStatus(response, status.HTTP_403_FORBIDDEN)
        self.assertFalse((self.raw / 'wiring.yaml').exists())

    def test_text_is_added_with_its_findings(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        response = self.post({'name': 'half.yaml', 'text': samples.HALF_INVALID})
        self.assertHttpStatus(response, status.HTTP_201_CREATED)
        self.assertEqual((response.data['path'], response.data['ingestible']), ('raw/half.yaml', False))
        (error,) = [finding for finding in response.data['findings'] if finding['severity'] == 'error']
        self.assertEqual((error['file'], error['line'], error['severity']), ('raw/half.yaml', 17, 'error'))
        self.assertEqual((self.raw / 'half.yaml').read_text(), samples.HALF_INVALID)
        # Recorded for the fabric page, as the form's upload is.
        check = WaitingFileCheck.objects.get(fabric=self.fabric, path='raw/half.yaml')
        self.assertEqual((check.ingestible, check.findings), (False, response.data['findings']))

    def test_a_file_is_added_and_the_same_bytes_again_change_nothing(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        upload = SimpleUploadedFile('wiring.yaml', samples.WIRING.encode())
        response = self.post({'file': upload}, format='multipart')
        self.assertHttpStatus(response, status.HTTP_201_CREATED)
        self.assertEqual([d['action'] for d in response.data['documents']], ['create'] * 3)
        again = self.post({'name': 'wiring.yaml', 'text': samples.WIRING})
        self.assertHttpStatus(again, status.HTTP_200_OK)
        self.assertFalse(again.data['written'])

    def test_refusals_write_nothing(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        before = snapshot(self.fabric.tree_path)
        response = self.post({'name': '../escape.yaml', 'text': samples.WIRING})
        self.assertHttpStatus(response, status.HTTP_400_BAD_REQUEST)
        self.assertIn('is a path', response.data['detail'])
        self.assertHttpStatus(self.post({'name': 'empty.yaml'}), status.HTTP_400_BAD_REQUEST)
        self.assertEqual(snapshot(self.fabric.tree_path), before)

    def test_replacing_during_an_ingestion_answers_409(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        (self.raw / 'wiring.yaml').write_text('# mine\n')
        hold_lock_elsewhere(self, self.fabric)
        response = self.post({'name': 'wiring.yaml', 'text': samples.WIRING, 'replace': True})
        self.assertHttpStatus(response, status.HTTP_409_CONFLICT)
        self.assertEqual((self.raw / 'wiring.yaml').read_text(), '# mine\n')
