"""Issue 14, hole 1: no server secret leaves for a host a fabric editor chooses.

An editor who may view, add and change fabrics (not a superuser) tries every way in: a file path and
an environment variable named as credentials, on create, PATCH, PUT, the edit form, CSV import and
bulk edit, and the fabric's connection test, ingestion and health once a fabric points at their host
(a listener on 127.0.0.1 that answers 401 Basic and records every Authorization header). The listener
never receives an Authorization header at all, while the administrator's prefix-bound token does
reach its own remote (git's http-backend behind a password).
"""

import os
import shutil
import tempfile
from pathlib import Path

from django.urls import reverse
from users.constants import TOKEN_PREFIX
from users.models import Token
from utilities.testing import TestCase

from netbox_hedgehog.health_jobs import FabricHealthJob
from netbox_hedgehog.jobs import IngestionJob
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.models.fabric import REMOTE_PERMISSION
from netbox_hedgehog.services.health import check_fabric
from netbox_hedgehog.tests.git_helpers import GitHttpServer, Listener, make_bare_repository
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, override_plugin_settings

ADMIN_TOKEN = 'hh-admin-token-4b7e0c2d19'  # the administrator's, bound to the served repositories
FILE_SECRET = 'hh-file-secret-a81f3e6c07'  # a server file an attacker names
ENV_SECRET = 'hh-env-secret-5d2c9b4e13'  # a server variable an attacker names
ADMIN_VARIABLE = 'HEDGEHOG_TEST_ADMIN_GIT_TOKEN'
ATTACKER_VARIABLE = 'HEDGEHOG_TEST_SERVER_SECRET'
EDITOR = (
    'netbox_hedgehog.view_hedgehogfabric',
    'netbox_hedgehog.add_hedgehogfabric',
    'netbox_hedgehog.change_hedgehogfabric',
)


class CredentialsMixin(TemporaryGitopsRootMixin):
    """A served repository with the administrator's token, an attacker's listener, the editor's API token."""

    user_permissions = EDITOR

    def setUp(self):
        super().setUp()
        scratch = Path(tempfile.mkdtemp(prefix='hedgehog-creds-'))
        self.addCleanup(shutil.rmtree, scratch, ignore_errors=True)
        self.scratch = scratch
        make_bare_repository(scratch / 'served' / 'fabrics.git')
        self.server = GitHttpServer(scratch / 'served', 'git', ADMIN_TOKEN).__enter__()
        self.addCleanup(self.server.__exit__)
        self.listener = Listener().__enter__()
        self.addCleanup(self.listener.__exit__)
        self.secret_file = scratch / 'server-secret'
        self.secret_file.write_text(FILE_SECRET + '\n')
        for name, value in ((ADMIN_VARIABLE, ADMIN_TOKEN), (ATTACKER_VARIABLE, ENV_SECRET)):
            os.environ[name] = value
            self.addCleanup(os.environ.pop, name, None)
        entry = {'name': 'served', 'url_prefixes': [self.server.url('')], 'token_env': ADMIN_VARIABLE}
        override_plugin_settings(self, git_credentials=[entry])
        token = Token.objects.create(user=self.user)
        self.header = {'HTTP_AUTHORIZATION': f'Bearer {TOKEN_PREFIX}{token.key}.{token.token}'}
        self.references = (str(self.secret_file), ATTACKER_VARIABLE)

    def evil_url(self, name='loot.git'):
        return self.listener.url(name)

    def api(self, fabric=None):
        return f'/api/plugins/hedgehog/fabrics/{fabric.pk}/' if fabric else '/api/plugins/hedgehog/fabrics/'

    def assert_listener_got_no_secret(self):
        for secret in (ADMIN_TOKEN, FILE_SECRET, ENV_SECRET):
            self.assertFalse(self.listener.received(secret), secret)
        self.assertEqual([header for header in self.listener.authorizations if header], [])

    def served_fabric(self, name='dc1'):
        """A fabric on the served repository, made by the administrator (no request: no permission check)."""
        return HedgehogFabric.objects.create(name=name, git_remote_url=self.server.url('fabrics.git'))


class ExfiltrationTest(CredentialsMixin, TestCase):
    def test_naming_a_file_or_variable_as_credentials_is_refused_everywhere(self):
        fabric = self.served_fabric()
        self.assertIn(self.server.expected, self.server.authorizations)  # the token reached its own remote
        before = HedgehogFabric.objects.values().get(pk=fabric.pk)
        for reference in self.references:
            with self.subTest(reference=reference):
                self.try_every_surface(fabric, reference)
        self.assertFalse(HedgehogFabric.objects.filter(name='evil').exists())
        after = HedgehogFabric.objects.values().get(pk=fabric.pk)
        self.assertEqual(
            {key: after[key] for key in ('git_remote_url', 'git_branch', 'git_path', 'git_credentials_unmigrated')},
            {key: before[key] for key in ('git_remote_url', 'git_branch', 'git_path', 'git_credentials_unmigrated')},
        )
        # The served fabric's connection test, ingestion and health still go to the served remote only.
        self.assertTrue(self.client.post(f'{self.api(fabric)}test-connection/', **self.header).json()['ok'])
        self.assertEqual(self.client.post(f'{self.api(fabric)}ingest/?sync=true', **self.header).status_code, 200)
        self.assertEqual(self.client.get(f'{self.api(fabric)}health/', **self.header).json()['status'], 'healthy')
        self.assertEqual(self.listener.requests, [])
        self.assert_listener_got_no_secret()

    def try_every_surface(self, fabric, reference):
        """Name `reference` as the credentials through every surface that takes a fabric's fields."""
        # REST API: create, PATCH, PUT; a removed field is an error, not silently ignored.
        response = self.client.post(
            self.api(),
            {'name': 'evil', 'git_remote_url': self.evil_url(), 'git_credentials': reference},
            format='json',
            **self.header,
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn('git_credentials', response.json())
        for method in ('patch', 'put'):
            response = getattr(self.client, method)(
                self.api(fabric),
                {'name': 'dc1', 'git_remote_url': self.evil_url(), 'git_credentials': reference},
                content_type='application/json',
                **self.header,
            )
            self.assertEqual(response.status_code, 400, response.content)
            response = getattr(self.client, method)(
                self.api(fabric),
                {'name': 'dc1', 'git_credentials': reference},
                content_type='application/json',
                **self.header,
            )
            self.assertEqual(response.status_code, 400, response.content)
        # CSV import: the column does not exist.
        response = self.import_csv(f'name,git_remote_url,git_credentials\nevil,{self.evil_url()},{reference}')
        self.assertIn('Unrecognized header: git_credentials', response.content.decode())
        response = self.import_csv(f'id,git_credentials\n{fabric.pk},{reference}')
        self.assertIn('Unrecognized header: git_credentials', response.content.decode())
        # The edit form has no such field: it is ignored, and the remote URL needs its permission.
        self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_add'),
            {'name': 'evil', 'git_remote_url': self.evil_url(), 'git_credentials': reference},
        )
        self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_edit', args=[fabric.pk]),
            {'name': 'dc1', 'git_remote_url': self.evil_url(), 'git_credentials': reference},
        )
        # Bulk edit has no git fields at all.
        self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_bulk_edit'),
            {'pk': [fabric.pk], '_apply': True, 'git_remote_url': self.evil_url(), 'description': 'x'},
        )

    def import_csv(self, text):
        return self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_bulk_import'),
            {'data': text, 'format': 'csv', 'csv_delimiter': ','},
        )

    def test_an_editor_cannot_point_a_fabric_at_another_host(self):
        fabric = self.served_fabric()
        response = self.client.patch(
            self.api(fabric), {'git_remote_url': self.evil_url()}, content_type='application/json', **self.header
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn(REMOTE_PERMISSION, response.json()['git_remote_url'][0])
        response = self.client.post(
            self.api(),
            {'name': 'evil', 'git_remote_url': self.evil_url()},
            content_type='application/json',
            **self.header,
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn(REMOTE_PERMISSION, response.json()['git_remote_url'][0])
        response = self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_edit', args=[fabric.pk]),
            {'name': 'dc1', 'git_remote_url': self.evil_url(), 'git_branch': 'main', 'git_path': fabric.git_path},
        )
        self.assertIn(REMOTE_PERMISSION, response.content.decode())
        response = self.import_csv(f'id,git_remote_url\n{fabric.pk},{self.evil_url()}')
        self.assertIn(REMOTE_PERMISSION, response.content.decode())
        response = self.import_csv(f'name,git_remote_url\nevil,{self.evil_url()}')
        self.assertIn(REMOTE_PERMISSION, response.content.decode())
        fabric.refresh_from_db()
        self.assertEqual(fabric.git_remote_url, self.server.url('fabrics.git'))
        self.assertFalse(HedgehogFabric.objects.filter(name='evil').exists())
        self.assertEqual(self.listener.requests, [])  # refused before anything was sent anywhere

    def test_a_fabric_pointed_at_another_host_carries_no_token_there(self):
        # Someone who may change remotes points the served fabric elsewhere: the token stays behind,
        # because it is bound to the served URLs, not to the fabric.
        self.add_permissions(REMOTE_PERMISSION)
        fabric = self.served_fabric()
        response = self.client.patch(
            self.api(fabric), {'git_remote_url': self.evil_url()}, content_type='application/json', **self.header
        )
        self.assertEqual(response.status_code, 200, response.content)
        fabric.refresh_from_db()
        self.assertEqual(fabric.credentials_name, '')
        # Every way git is started for the fabric: connection test (API and page), ingestion (API, job), health
        # (the check, the API, the Health tab's Check now job).
        response = self.client.post(f'{self.api(fabric)}test-connection/', **self.header)
        self.assertFalse(response.json()['ok'])
        self.client.post(reverse('plugins:netbox_hedgehog:hedgehogfabric_test_connection', args=[fabric.pk]))
        self.assertEqual(self.client.post(f'{self.api(fabric)}ingest/?sync=true', **self.header).status_code, 502)
        IngestionJob.enqueue(instance=fabric, immediate=True, trigger='test')
        self.assertIn('HEALTH_GIT_CREDENTIALS', {finding.code for finding in check_fabric(fabric).findings})
        self.client.get(f'{self.api(fabric)}health/', **self.header)
        FabricHealthJob.enqueue(instance=fabric, immediate=True)
        self.assertGreaterEqual(len(self.listener.requests), 6)  # git did knock each time
        self.assert_listener_got_no_secret()

    def test_a_refused_create_sent_nothing(self):
        # With the permission, a new fabric on the listener: onboarding's clone gets 401 and the create
        # is refused (400), having sent no credentials.
        self.add_permissions(REMOTE_PERMISSION)
        response = self.client.post(
            self.api(),
            {'name': 'evil', 'git_remote_url': self.evil_url()},
            content_type='application/json',
            **self.header,
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertTrue(self.listener.requests)
        self.assert_listener_got_no_secret()
        self.assertFalse(HedgehogFabric.objects.filter(name='evil').exists())

    def test_credentials_that_cannot_be_read_refuse_the_create_before_anything_is_sent(self):
        self.add_permissions(REMOTE_PERMISSION)
        os.environ.pop(ADMIN_VARIABLE)
        seen = len(self.server.authorizations)
        response = self.client.post(
            self.api(),
            {'name': 'dc1', 'git_remote_url': self.server.url('fabrics.git')},
            content_type='application/json',
            **self.header,
        )
        self.assertEqual(response.status_code, 400)
        message = response.json()['git_remote_url'][0]
        self.assertIn("credentials 'served'", message)
        self.assertNotIn(ADMIN_VARIABLE, message)
        self.assertEqual(len(self.server.authorizations), seen)  # the remote was not contacted


class RemotePermissionTest(CredentialsMixin, TestCase):
    """netbox_hedgehog.change_remote_hedgehogfabric: needed to set a remote on create and to change URL,
    branch or path; object permission constraints apply to the fabric as stored."""

    def test_with_the_permission_the_remote_can_be_set_and_changed(self):
        self.add_permissions(REMOTE_PERMISSION)
        response = self.client.post(
            self.api(),
            {'name': 'dc1', 'git_remote_url': self.server.url('fabrics.git')},
            content_type='application/json',
            **self.header,
        )
        self.assertEqual(response.status_code, 201, response.content)
        fabric = HedgehogFabric.objects.get(name='dc1')
        self.assertEqual(fabric.credentials_name, 'served')
        moved = self.scratch / 'served' / 'moved.git'
        shutil.copytree(self.scratch / 'served' / 'fabrics.git', moved)
        response = self.client.patch(
            self.api(fabric),
            {'git_remote_url': self.server.url('moved.git')},
            content_type='application/json',
            **self.header,
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_branch_and_path_need_it_too_and_other_fields_do_not(self):
        fabric = self.served_fabric()
        for field, value in (('git_branch', 'production'), ('git_path', 'fabrics/other/gitops')):
            response = self.client.patch(
                self.api(fabric), {field: value}, content_type='application/json', **self.header
            )
            self.assertEqual(response.status_code, 400)
            self.assertIn(REMOTE_PERMISSION, response.json()[field][0])
        response = self.client.patch(
            self.api(fabric),
            {'description': 'edited', 'git_remote_url': fabric.git_remote_url},
            content_type='application/json',
            **self.header,
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            self.client.patch(
                self.api(fabric), {'description': 'x'}, content_type='application/json', **self.header
            ).status_code,
            200,
        )

    def test_a_fabric_without_a_remote_needs_no_permission(self):
        response = self.client.post(self.api(), {'name': 'dc1'}, content_type='application/json', **self.header)
        self.assertEqual(response.status_code, 201, response.content)
        response = self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_add'), {'name': 'dc2', 'git_branch': 'main'}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(HedgehogFabric.objects.filter(name='dc2').exists())

    def test_the_edit_form_and_csv_import_accept_it_with_the_permission(self):
        self.add_permissions(REMOTE_PERMISSION)
        response = self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_bulk_import'),
            {
                'data': f'name,git_remote_url\ndc1,{self.server.url("fabrics.git")}',
                'format': 'csv',
                'csv_delimiter': ',',
            },
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[-2000:])
        fabric = HedgehogFabric.objects.get(name='dc1')
        moved = self.scratch / 'served' / 'moved.git'
        shutil.copytree(self.scratch / 'served' / 'fabrics.git', moved)
        response = self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_edit', args=[fabric.pk]),
            {
                'name': 'dc1',
                'git_remote_url': self.server.url('moved.git'),
                'git_branch': 'main',
                'git_path': fabric.git_path,
            },
        )
        self.assertEqual(response.status_code, 302)
        fabric.refresh_from_db()
        self.assertEqual(fabric.git_remote_url, self.server.url('moved.git'))

    def test_object_permission_constraints_apply_to_the_stored_fabric(self):
        from core.models import ObjectType
        from users.models import ObjectPermission

        permission = ObjectPermission.objects.create(
            name='dc1 remote', actions=['change_remote'], constraints={'name': 'dc1'}
        )
        permission.users.add(self.user)
        permission.object_types.add(ObjectType.objects.get_for_model(HedgehogFabric))
        dc1, dc2 = self.served_fabric('dc1'), None
        HedgehogFabric.objects.filter(pk=dc1.pk).update(git_path='fabrics/dc1/gitops')
        make_bare_repository(self.scratch / 'served' / 'second.git')
        dc2 = HedgehogFabric.objects.create(name='dc2', git_remote_url=self.server.url('second.git'))
        moved = self.scratch / 'served' / 'moved.git'
        shutil.copytree(self.scratch / 'served' / 'fabrics.git', moved)
        response = self.client.patch(
            self.api(dc1),
            {'git_remote_url': self.server.url('moved.git')},
            content_type='application/json',
            **self.header,
        )
        self.assertEqual(response.status_code, 200, response.content)
        response = self.client.patch(
            self.api(dc2),
            {'git_remote_url': self.server.url('moved.git')},
            content_type='application/json',
            **self.header,
        )
        self.assertEqual(response.status_code, 400, response.content)
