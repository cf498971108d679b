"""Editing a managed object from its page: its file in the upload form under a new raw/ name, then the one
validated path (upload, Ingest); managed/ is never written by the edit itself."""

from django.urls import reverse
from utilities.testing import TestCase

from netbox_hedgehog.gitops.ingestion import ingest
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource

from . import ingestion_samples as samples
from .utils import TemporaryGitopsRootMixin


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
