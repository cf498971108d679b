"""The administrator's `git_credentials` setting: a malformed entry stops NetBox at start-up, naming it; the
reference a fabric named before the setting existed (migration 0008) is kept for the administrator alone and
reported by health until an entry covers the fabric's remote."""

from core.models import ObjectChange
from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase
from django.urls import reverse
from utilities.testing import TestCase

from netbox_hedgehog import check_settings
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services.health import check_fabric
from netbox_hedgehog.tests.test_git_credentials import CredentialsMixin
from netbox_hedgehog.tests.utils import override_plugin_settings


class UnmigratedReferenceTest(CredentialsMixin, TestCase):
    """What migration 0008 keeps for the administrator is shown to nobody else."""

    def test_the_kept_reference_is_on_no_page_api_graphql_or_change_record(self):
        fabric = self.served_fabric()
        HedgehogFabric.objects.filter(pk=fabric.pk).update(
            git_remote_url='http://127.0.0.1:9/dc1.git', git_credentials_unmigrated='/etc/netbox/former-token'
        )
        fabric.refresh_from_db()
        self.add_permissions('core.view_objectchange')
        # A change through the API is recorded (with its before and after data) in the changelog.
        response = self.client.patch(
            self.api(fabric), {'description': 'touched'}, content_type='application/json', **self.header
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertTrue(ObjectChange.objects.filter(changed_object_id=fabric.pk).exists())
        shown = [
            self.client.get(self.api(fabric), **self.header).content.decode(),
            self.client.get(fabric.get_absolute_url()).content.decode(),
            self.client.get(
                reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[fabric.pk])
            ).content.decode(),
            self.client.get(f'{self.api(fabric)}health/', **self.header).content.decode(),
            self.client.get(
                reverse('plugins:netbox_hedgehog:hedgehogfabric_changelog', args=[fabric.pk])
            ).content.decode(),
            str(
                [
                    (c.prechange_data, c.postchange_data)
                    for c in ObjectChange.objects.filter(changed_object_id=fabric.pk)
                ]
            ),
        ]
        query = '{hedgehog_fabric_list {id name git_credentials_unmigrated}}'
        response = self.client.post('/graphql/', {'query': query}, content_type='application/json', **self.header)
        self.assertIn('git_credentials_unmigrated', str(response.json().get('errors')))
        self.assertEqual([text for text in shown if '/etc/netbox/former-token' in text], [])
        (finding,) = [f for f in check_fabric(fabric).findings if f.code == 'HEALTH_GIT_CREDENTIALS_UNCONFIGURED']
        self.assertIn("url_prefixes ['http://127.0.0.1:9/dc1.git']", finding.message)
        self.assertIn('HEALTH_GIT_CREDENTIALS_UNCONFIGURED', shown[3])

    def test_the_finding_goes_once_the_administrator_covers_the_url(self):
        fabric = self.served_fabric()
        HedgehogFabric.objects.filter(pk=fabric.pk).update(git_credentials_unmigrated='HEDGEHOG_FORMER_TOKEN')
        fabric.refresh_from_db()
        self.assertNotIn('HEALTH_GIT_CREDENTIALS_UNCONFIGURED', {f.code for f in check_fabric(fabric).findings})
        override_plugin_settings(self, git_credentials=[])
        self.assertIn('HEALTH_GIT_CREDENTIALS_UNCONFIGURED', {f.code for f in check_fabric(fabric).findings})


class SettingCheckedAtStartUpTest(SimpleTestCase):
    def test_a_malformed_entry_stops_netbox_naming_it(self):
        for value, why in (
            ([{'url_prefixes': ['https://git.example.com/'], 'token_env': 'A', 'token': 'x'}], 'unknown key'),
            ([{'url_prefixes': ['https://git.example.com/'], 'token_file': 'relative'}], 'absolute path'),
            ('https://git.example.com/', 'list of entries'),
        ):
            with self.subTest(why=why):
                override_plugin_settings(self, git_credentials=value)
                with self.assertRaisesMessage(ImproperlyConfigured, why):
                    check_settings('netbox_hedgehog')
        override_plugin_settings(
            self, git_credentials=[{'url_prefixes': ['https://git.example.com/net'], 'token_env': 'HEDGEHOG_TOKEN'}]
        )
        check_settings('netbox_hedgehog')
