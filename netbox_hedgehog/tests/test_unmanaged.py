"""The Unmanaged tab: the foreign documents ingestion kept in unmanaged/, each with the reason it recorded."""

import os

from django.test import override_settings
from django.urls import reverse
from utilities.testing import TestCase

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.unmanaged import NO_REASON, unmanaged_documents
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin

FOREIGN = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data: {}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec: {}
"""


class UnmanagedTestCase(TemporaryGitopsRootMixin, TestCase):
    user_permissions = ('netbox_hedgehog.view_hedgehogfabric',)

    def setUp(self):
        super().setUp()
        self.fabric = HedgehogFabric.objects.create(name='dc1')
        (self.fabric.tree_path / 'raw' / 'k8s.yaml').write_text(FOREIGN)
        ingest(self.fabric, trigger='test')
        self.url = reverse('plugins:netbox_hedgehog:hedgehogfabric_unmanaged', args=[self.fabric.pk])

    def test_each_foreign_document_with_its_reason(self):
        listing = unmanaged_documents(self.fabric)
        self.assertEqual(listing.total, 2)
        reasons = {item['file'].split('/')[1].rsplit('-', 1)[0]: item['reason'] for item in listing.files}
        self.assertEqual(set(reasons), {'configmap-settings', 'deployment-web'})
        self.assertTrue(
            all(reason != NO_REASON and 'ConfigMap' in reasons['configmap-settings'] for reason in reasons.values())
        )

    def test_the_tab_lists_them(self):
        content = self.client.get(self.url).content.decode()
        for item in unmanaged_documents(self.fabric).files:
            self.assertIn(item['file'], content)
            self.assertIn(item['reason'], content)

    def test_a_link_or_a_hand_made_file_is_listed_without_being_followed(self):
        unmanaged = self.fabric.tree_path / 'unmanaged'
        secret = self.gitops_root / 'secret.txt'
        secret.write_text('# Not a Hedgehog fabric object (the secret); kept here, not applied.\n')
        os.symlink(secret, unmanaged / 'linked.yaml')
        (unmanaged / 'by-hand.yaml').write_text('kind: Thing\n')
        reasons = {item['file']: item['reason'] for item in unmanaged_documents(self.fabric).files}
        self.assertEqual(reasons['unmanaged/linked.yaml'], 'not a regular file (a link is never followed)')
        self.assertEqual(reasons['unmanaged/by-hand.yaml'], NO_REASON)

    def test_a_long_listing_is_cut_and_says_how_much_more(self):
        listing = unmanaged_documents(self.fabric, limit=1)
        self.assertEqual((len(listing.files), listing.more), (1, 1))

    @override_settings(LOGIN_REQUIRED=False, EXEMPT_VIEW_PERMISSIONS=['*'])
    def test_never_read_for_an_anonymous_visitor(self):
        self.client.logout()
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn('/login/', response['Location'])
