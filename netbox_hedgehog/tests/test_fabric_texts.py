"""What a fabric editor reads on the fabric pages: help texts that survive HTML, notes that tell what stays
on disk, and never the server's own folders (gitops_root is the administrator's)."""

from django.urls import reverse
from utilities.testing import TestCase

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin


class FabricTextsTestCase(TemporaryGitopsRootMixin, TestCase):
    user_permissions = (
        'netbox_hedgehog.add_hedgehogfabric',
        'netbox_hedgehog.view_hedgehogfabric',
        'netbox_hedgehog.delete_hedgehogfabric',
    )

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1', gitops_path='sites/dc1')
        self.other = HedgehogFabric.objects.create(name='dc2')

    def get(self, url):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        content = response.content.decode()
        self.assertNotIn(str(self.gitops_root), content)
        return content

    def test_help_texts_are_readable_on_the_form(self):
        content = self.get(reverse('plugins:netbox_hedgehog:hedgehogfabric_add'))
        # A placeholder in angle brackets was eaten as an HTML tag ("fabrics//gitops").
        self.assertIn('fabrics/NAME/gitops', content)
        self.assertNotIn('fabrics//gitops', content)
        # The naming rule is said before the first error, not only after it.
        self.assertIn('an RFC 1123 label', content)

    def test_fabric_page_shows_the_tree_folder_relative_to_gitops_root(self):
        content = self.get(self.fabric.get_absolute_url())
        self.assertIn('sites/dc1', content)

    def test_bulk_delete_page_says_the_trees_stay(self):
        url = reverse('plugins:netbox_hedgehog:hedgehogfabric_bulk_delete')
        response = self.client.post(url, {'pk': [self.fabric.pk, self.other.pk]})
        self.assertEqual(response.status_code, 200)
        content = response.content.decode()
        self.assertIn('The GitOps trees of these fabrics, and every file in them, stay on disk.', content)
        self.assertNotIn(str(self.gitops_root), content)
        self.assertEqual(HedgehogFabric.objects.count(), 2)
