"""Editing a managed object from its page: its file in the upload form under a new raw/ name, then the one
validated path (upload, Ingest); managed/ is never written by the edit itself."""

from django.urls import reverse
from utilities.testing import TestCase

from netbox_hedgehog.models import HedgehogFabric, HedgehogResource
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.tests import ingestion_samples as samples
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin


class EditManagedObjectTestCase(TemporaryGitopsRootMixin, TestCase):
    user_permissions = ('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.view_hedgehogresource')

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        (self.fabric.tree_path / 'raw' / 'wiring.yaml').write_text(samples.WIRING)
        ingest(self.fabric, trigger='test')
        self.switch = HedgehogResource.objects.get(fabric=self.fabric, kind='Switch', name='leaf-01')
        upload = reverse('plugins:netbox_hedgehog:hedgehogfabric_upload', args=[self.fabric.pk])
        self.edit_url = f'{upload}?resource={self.switch.pk}'

    def test_view_only_users_get_no_edit(self):
        page = self.client.get(self.switch.get_absolute_url()).content.decode()
        self.assertNotIn(self.edit_url, page)
        self.assertEqual(self.client.get(self.edit_url).status_code, 403)

    def test_edit_goes_through_upload_and_ingest(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        page = self.client.get(self.switch.get_absolute_url()).content.decode()
        self.assertIn(self.edit_url.replace('&', '&amp;'), page)
        managed = self.fabric.tree_path / self.switch.managed_path
        text = managed.read_text()
        form = self.client.get(self.edit_url)
        initial = {'name': 'switches-leaf-01.yaml', 'text': text, 'replace': False}
        self.assertEqual(form.context['form'].initial, initial)
        changed = text.replace('description: leaf 1', 'description: leaf one')
        upload = reverse('plugins:netbox_hedgehog:hedgehogfabric_upload', args=[self.fabric.pk])
        result = self.client.post(upload, {'text': changed, 'name': 'switches-leaf-01.yaml'})
        self.assertContains(result, 'update')
        self.assertEqual(managed.read_text(), text)  # nothing changes in managed/ before the ingestion
        ingest(self.fabric, trigger='test')
        self.assertIn('description: leaf one', managed.read_text())
        self.switch.refresh_from_db()
        self.assertEqual(self.switch.spec['description'], 'leaf one')

    def test_only_a_resource_of_this_fabric(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        other = HedgehogFabric.objects.create(name='dc2')
        upload = reverse('plugins:netbox_hedgehog:hedgehogfabric_upload', args=[other.pk])
        self.assertEqual(self.client.get(f'{upload}?resource={self.switch.pk}').status_code, 404)


class EditPageTestCase(TemporaryGitopsRootMixin, TestCase):
    """The Edit page: the text with line numbers, each finding beside its line, checked again on Check (nothing
    written) and on save."""

    user_permissions = ('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.view_hedgehogresource')

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        self.raw = self.fabric.tree_path / 'raw'
        (self.raw / 'half.yaml').write_text(samples.HALF_INVALID)
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_upload', args=[self.fabric.pk])

    def line(self, page, number):
        """The table row of line `number` on the page, as HTML."""
        start = page.index(f'id="line-{number}"')
        return page[start : page.index('</tr>', start)]

    def test_view_only_users_can_neither_open_nor_save_nor_check(self):
        self.assertEqual(self.client.get(f'{self.url}?file=raw/half.yaml').status_code, 403)
        for button in ('_upload', '_check'):
            response = self.client.post(self.url, {'name': 'half.yaml', 'text': 'x: 1\n', 'replace': 'on', button: ''})
            self.assertEqual(response.status_code, 403)
        self.assertEqual((self.raw / 'half.yaml').read_text(), samples.HALF_INVALID)

    def test_a_waiting_file_shows_its_lines_with_the_findings_beside_them(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        page = self.client.get(f'{self.url}?file=raw/half.yaml').content.decode()
        self.assertIn('next ingestion rejects it', page)
        self.assertIn('as it waits in raw/', page)
        flagged = self.line(page, 17)
        self.assertIn('vlan: 5000', flagged)
        self.assertIn('var(--tblr-danger)', flagged)
        self.assertIn('vlan 5000 is outside 1..4094', flagged)
        self.assertNotIn('finding-message', self.line(page, 1))
        self.assertEqual(page.count('class="annotated-number'), len(samples.HALF_INVALID.splitlines()))

    def test_check_writes_nothing_and_save_checks_again(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        fixed = samples.HALF_INVALID.replace('vlan: 5000', 'vlan: 1005')
        form = {'name': 'half.yaml', 'text': fixed, 'replace': 'on'}
        checked = self.client.post(self.url, {**form, '_check': ''}).content.decode()
        self.assertIn('checked, not saved', checked)
        self.assertIn('next ingestion takes it', checked)
        self.assertNotIn('finding-message', self.line(checked, 17))
        self.assertEqual((self.raw / 'half.yaml').read_text(), samples.HALF_INVALID)
        saved = self.client.post(self.url, {**form, '_upload': ''}).content.decode()
        self.assertNotIn('checked, not saved', saved)
        self.assertIn('next ingestion takes it', saved)
        self.assertIn('vlan: 1005', self.line(saved, 17))
        self.assertEqual((self.raw / 'half.yaml').read_text(), fixed)

    def test_text_and_findings_are_escaped(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        hostile = 'kind: <script>alert(1)</script>\nmetadata: {name: "<b>x</b>"}\n'
        page = self.client.post(self.url, {'name': 'x.yaml', 'text': hostile, '_check': ''}).content.decode()
        self.assertNotIn('<script>alert(1)</script>', page)
        self.assertNotIn('<b>x</b>', page)
        self.assertIn('&lt;script&gt;alert(1)&lt;/script&gt;', page)

    def test_editing_a_managed_object_shows_its_lines_and_findings(self):
        self.add_permissions('netbox_hedgehog.change_hedgehogfabric')
        (self.raw / 'half.yaml').unlink()
        (self.raw / 'wiring.yaml').write_text(samples.WIRING)
        ingest(self.fabric, trigger='test')
        switch = HedgehogResource.objects.get(fabric=self.fabric, kind='Switch', name='leaf-01')
        page = self.client.get(f'{self.url}?resource={switch.pk}').content.decode()
        self.assertIn('raw/switches-leaf-01.yaml', page)
        self.assertIn('a new file in raw/, not saved yet', page)
        self.assertIn('REF_DANGLING', page)  # its VLANNamespace is not in this fabric: beside the line naming it
        self.assertEqual(sum('REF_DANGLING' in self.line(page, n) for n in range(1, page.count('id="line-') + 1)), 1)
