"""A known git token, used for real against an HTTP remote with a password, appears nowhere people or
logs can see it: log records, job data and logs, exceptions, command output, API responses, pages,
change records. The token comes from the administrator's git_credentials entry (an environment
variable, or a file), and where it lives (the variable's name, the file's path) is not shown to people
either: only the log, which administrators read, names it."""

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from core.models import Job
from django.core.exceptions import ValidationError
from django.urls import reverse
from users.constants import TOKEN_PREFIX
from users.models import Token
from utilities.testing import TestCase

from netbox_hedgehog.jobs import IngestionJob
from netbox_hedgehog.models import HedgehogFabric, IngestionRun
from netbox_hedgehog.services.health import check_fabric
from netbox_hedgehog.services.ingestion import ingest
from netbox_hedgehog.services.repository import GitError
from netbox_hedgehog.tests.git_helpers import GitHttpServer, Person, make_bare_repository
from netbox_hedgehog.tests.ingestion_samples import WIRING
from netbox_hedgehog.tests.test_git import TREE
from netbox_hedgehog.tests.utils import TemporaryGitopsRootMixin, override_plugin_settings, run_command

TOKEN = 'hh-secret-token-0d9f3b7c41'
VARIABLE = 'HEDGEHOG_TEST_SECRET_TOKEN'


class RecordEverything(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.texts = []

    def emit(self, record):
        self.texts.append(self.format(record))
        if record.exc_info:
            self.texts.append(logging.Formatter().formatException(record.exc_info))


class SecretNeverShownTest(TemporaryGitopsRootMixin, TestCase):
    user_permissions = ('netbox_hedgehog.view_hedgehogfabric', 'netbox_hedgehog.change_hedgehogfabric')

    def setUp(self):
        super().setUp()
        scratch = Path(tempfile.mkdtemp(prefix='hedgehog-secret-'))
        self.addCleanup(shutil.rmtree, scratch, ignore_errors=True)
        make_bare_repository(scratch / 'served' / 'fabrics.git')
        self.server = GitHttpServer(scratch / 'served', 'git', TOKEN).__enter__()
        self.addCleanup(self.server.__exit__)
        os.environ[VARIABLE] = TOKEN
        self.addCleanup(os.environ.pop, VARIABLE, None)
        self.token_file = scratch / 'secrets' / 'git-token'
        self.token_file.parent.mkdir()
        self.token_file.write_text(TOKEN + '\n')
        self.scratch = scratch
        self.seen = []  # every text a person or a log could see
        self.logs = RecordEverything()
        root = logging.getLogger()
        previous_level = root.level
        root.addHandler(self.logs)
        root.setLevel(logging.DEBUG)
        self.addCleanup(root.setLevel, previous_level)
        self.addCleanup(root.removeHandler, self.logs)

    def see(self, *texts):
        self.seen.extend(str(text) for text in texts)

    def configure(self, **secret):
        """The administrator's entry for the served repositories: `token_env` or `token_file`."""
        prefix = self.server.url('')
        override_plugin_settings(self, git_credentials=[{'name': 'served', 'url_prefixes': [prefix], **secret}])
        (self.reference,) = secret.values()

    def break_the_token(self, how):
        if 'token_env' in how:
            os.environ[VARIABLE] = 'a-wrong-token'
        else:
            self.token_file.write_text('a-wrong-token\n')

    def remove_the_token(self, how):
        if 'token_env' in how:
            os.environ.pop(VARIABLE, None)
        else:
            self.token_file.unlink()

    def see_page(self, url):
        response = self.client.get(url, follow=True)
        self.assertEqual(response.status_code, 200, url)
        self.see(response.content.decode())

    def test_a_token_from_a_variable_is_used_and_never_shown(self):
        self.exercise(token_env=VARIABLE)

    def test_a_token_from_a_file_is_used_and_never_shown(self):
        self.exercise(token_file=str(self.token_file))

    def exercise(self, **secret):
        """The token (`secret` says where it lives) through every surface: it works, then breaks, then is gone.

        One story on purpose, not one test per surface: each surface is looked at in the state the step before
        left (pushed over HTTP, then refused, then unconfigured), and the closing leak check covers everything
        every step showed.
        """
        self.configure(**secret)
        self.user.is_superuser = True
        self.user.save()
        url = self.server.url('fabrics.git')
        # A person's clone: its URL carries the token, which is this test's business, not the plugin's.
        person = Person(url.replace('http://', f'http://git:{TOKEN}@'), self.scratch / 'pat', TREE)

        # Created through the UI: onboarding clones and pushes over HTTP with the token.
        response = self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_add'),
            {'name': 'dc1', 'git_remote_url': url},
            follow=True,
        )
        self.see(response.content.decode())
        fabric = HedgehogFabric.objects.get(name='dc1')
        self.assertIn(self.server.expected, self.server.authorizations)  # the token really went to the server

        # A run through the job: pull, ingest, commit, push.
        person.push({'raw/wiring.yaml': WIRING})
        job = IngestionJob.enqueue(instance=fabric, immediate=True, trigger='test')
        job.refresh_from_db()
        self.assertEqual(job.status, 'completed')
        self.assertTrue(job.data['git']['pushed'])
        self.see(json.dumps(job.data, default=str), json.dumps(job.log_entries, default=str), job.error)

        # The token goes wrong: every surface reports the failure.
        self.break_the_token(secret)
        with self.assertRaises(GitError) as raised:
            ingest(fabric, trigger='test')
        self.assertEqual(raised.exception.code, 'credentials')
        self.see(raised.exception, repr(raised.exception), raised.exception.__cause__, raised.exception.__context__)
        code, out, err = run_command('hedgehog', 'ingest', 'dc1', '--json')
        self.assertEqual(code, 4)
        self.see(out, err)
        failed = IngestionJob.enqueue(instance=fabric, immediate=True, trigger='test')
        failed.refresh_from_db()
        self.assertEqual(failed.status, 'failed')
        self.see(failed.error, json.dumps(failed.log_entries, default=str), json.dumps(failed.data, default=str))
        self.see(json.dumps(check_fabric(fabric).as_dict(), default=str))
        code, out, err = run_command('hedgehog', 'health', 'dc1', '--json')
        self.see(out, err)

        # The API: the fabric, ingest, test connection, health.
        api = f'/api/plugins/hedgehog/fabrics/{fabric.pk}/'
        token = Token.objects.create(user=self.user)
        header = {'HTTP_AUTHORIZATION': f'Bearer {TOKEN_PREFIX}{token.key}.{token.token}'}
        for method, path in (
            ('get', api),
            ('post', f'{api}ingest/?sync=true'),
            ('post', f'{api}test-connection/'),
            ('get', f'{api}health/'),
            ('get', '/api/plugins/hedgehog/runs/'),
        ):
            response = getattr(self.client, method)(path, **header)
            self.see(response.content.decode())

        # The pages: fabric (and its Test connection message), health tab, runs, the jobs.
        self.see_page(fabric.get_absolute_url())
        response = self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_test_connection', args=[fabric.pk]), follow=True
        )
        self.see(response.content.decode())
        self.assertIn('Authentication failed', response.content.decode())
        self.see_page(reverse('plugins:netbox_hedgehog:hedgehogfabric_health', args=[fabric.pk]))
        self.see_page(reverse('plugins:netbox_hedgehog:hedgehogfabric_changelog', args=[fabric.pk]))
        # The secret gone from the server: the failure names the entry, not where the secret was.
        self.remove_the_token(secret)
        response = self.client.post(
            reverse('plugins:netbox_hedgehog:hedgehogfabric_test_connection', args=[fabric.pk]), follow=True
        )
        self.assertIn('credentials &#x27;served&#x27;', response.content.decode())
        self.see(response.content.decode())
        self.see(self.client.get(f'{api}health/', **header).content.decode())
        for run in IngestionRun.objects.filter(fabric=fabric):
            self.see_page(run.get_absolute_url())
        for each in Job.objects.filter(object_id=fabric.pk):
            self.see_page(each.get_absolute_url())

        # Where the secret lives is for the administrator's log only.
        self.assertEqual([text for text in self.seen if self.reference in text], [], 'the reference was shown')
        self.assertTrue(any(self.reference in text for text in self.logs.texts))
        self.see(*self.logs.texts)
        self.assertGreater(len(self.logs.texts), 10)
        leaks = [text for text in self.seen if TOKEN in text]
        self.assertEqual(leaks, [], 'the token was shown')
        # And it is stored nowhere in the working copy either (the credential helper reads the environment).
        for path in (self.gitops_root / 'dc1').rglob('*'):
            if path.is_file():
                self.assertNotIn(TOKEN.encode(), path.read_bytes(), path)
        self.assertTrue((fabric.tree_path / 'managed' / 'switches' / 'leaf-01.yaml').is_file())
        self.assertEqual(fabric.git_path, TREE)

    def test_a_url_with_a_password_is_never_stored_even_by_a_script(self):
        with self.assertRaises(ValidationError):
            HedgehogFabric.objects.create(name='dc1', git_remote_url=f'https://bot:{TOKEN}@git.example.com/f.git')
        self.assertFalse(HedgehogFabric.objects.exists())
