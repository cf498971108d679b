"""Helpers shared by the plugin's Django tests."""

import contextlib
import io
import shutil
import tempfile
import threading
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.db import connections
from django.test import TestCase, override_settings
from django.urls import NoReverseMatch, reverse

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.services import fabrics
from netbox_hedgehog.services.lock import fabric_lock


class TemporaryGitopsRootMixin:
    """Each test gets an empty gitops_root of its own, removed afterwards.

    A django.test.TestCase never commits (each test is a savepoint rolled back at its end), so the
    on-commit move of a new fabric's tree into place (fabrics.when_committed) runs at once there, as it
    runs in production when the creation commits. Tests of what commit and rollback do are
    TransactionTestCases, which commit for real and get the real hook.
    """

    def setUp(self):
        super().setUp()
        self.gitops_root = Path(tempfile.mkdtemp(prefix='hedgehog-gitops-'))
        self.addCleanup(shutil.rmtree, self.gitops_root, ignore_errors=True)
        if isinstance(self, TestCase):
            patcher = mock.patch.object(fabrics, 'when_committed', lambda on_commit, on_rollback: on_commit())
            patcher.start()
            self.addCleanup(patcher.stop)
        plugins_config = {
            **settings.PLUGINS_CONFIG,
            'netbox_hedgehog': {**settings.PLUGINS_CONFIG['netbox_hedgehog'], 'gitops_root': str(self.gitops_root)},
        }
        override = override_settings(PLUGINS_CONFIG=plugins_config)
        override.enable()
        self.addCleanup(override.disable)


def override_plugin_settings(test, **values):
    """The plugin's settings with `values` on top, for the rest of `test` (git_credentials, say)."""
    config = {**settings.PLUGINS_CONFIG['netbox_hedgehog'], **values}
    override = override_settings(PLUGINS_CONFIG={**settings.PLUGINS_CONFIG, 'netbox_hedgehog': config})
    override.enable()
    test.addCleanup(override.disable)


def snapshot(root):
    """Everything under `root`: directories and the bytes of every file, for before/after comparisons."""
    return {
        str(path.relative_to(root)): 'dir' if path.is_dir() else path.read_bytes() for path in sorted(root.rglob('*'))
    }


def run_command(name, *argv):
    """Run `netbox <name> <argv>` in-process as a shell would: returns (exit code, stdout, stderr).

    Like BaseCommand.run_from_argv (argparse errors exit 2, sub-commands exit with their code),
    minus its closing of every DB connection, which would end the test's transaction.
    """
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            command = load_command_class(get_commands()[name], name)
            command._called_from_command_line = True
            options = vars(command.create_parser('netbox', name).parse_args(argv))
            args = options.pop('args', ())
            command.execute(*args, **options)
        except SystemExit as exc:
            code = exc.code or 0
    return code, out.getvalue(), err.getvalue()


def hold_lock_elsewhere(test, fabric):
    """Hold the fabric's lock from another database session (as another process would) until the test ends.

    For TransactionTestCase tests: the holder's session must see the committed fabric.
    """
    held, release = threading.Event(), threading.Event()

    def holder():
        try:
            with fabric_lock(fabric):
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    test.addCleanup(thread.join)
    test.addCleanup(release.set)
    test.assertTrue(held.wait(10))


def bare_fabrics(*names):
    """Fabrics saved in one query, without save(): no tree is made, for tests of index rows, runs and pages that
    read none. Each one's gitops_path is its name."""
    return HedgehogFabric.objects.bulk_create(HedgehogFabric(name=name, gitops_path=name) for name in names)


class NoWriteViewsMixin:
    """For the ViewTestCases of a model the plugin writes itself (index rows, runs): its pages list and show it,
    and none of `write_views` exists (NetBox's would let a person write what only the plugin may)."""

    write_views = ('edit', 'add', 'bulk_import', 'bulk_edit', 'bulk_delete')

    def _get_base_url(self):
        return f'plugins:netbox_hedgehog:{self.model._meta.model_name}_{{}}'

    def test_no_views_that_write(self):
        row = self.model.objects.first()
        for action in self.write_views:
            with self.subTest(action=action), self.assertRaises(NoReverseMatch):
                self._get_url(action, row if action in ('edit', 'delete') else None)


class NoWriteAPIMixin:
    """For an APITestCase of a model the plugin writes itself: even a superuser (the test's user, made one here)
    writes nothing through the API. setUpTestData creates at least one row of `model`."""

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()

    def test_writes_are_not_allowed(self):
        name, row, rows = self.model._meta.model_name, self.model.objects.first(), self.model.objects.count()
        list_url = reverse(f'plugins-api:netbox_hedgehog-api:{name}-list')
        detail_url = reverse(f'plugins-api:netbox_hedgehog-api:{name}-detail', args=[row.pk])
        for method, url, data in (
            (self.client.post, list_url, {}),
            (self.client.patch, detail_url, {'name': 'x'}),
            (self.client.delete, detail_url, None),
            (self.client.delete, list_url, [{'id': row.pk}]),
        ):
            with self.subTest(method=method.__name__, url=url):
                self.assertEqual(method(url, data, format='json', **self.header).status_code, 405)
        self.assertEqual(self.model.objects.count(), rows)
