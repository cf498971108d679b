"""netbox_hedgehog.core.errors: what an error tells an untrusted caller (no server path, no exception text)."""

import errno
from types import SimpleNamespace

from netbox_hedgehog.core.errors import GENERIC, HIDDEN_PATH, detail_for, public_message, relative_path, scrub_paths
from netbox_hedgehog.core.tree import ManifestError

ROOT = '/srv/netbox/gitops'
TREE = f'{ROOT}/dc1'


class FakeDatabaseError(Exception):
    """A stand-in with a database's words (the real ones live in django.db, outside this package)."""


def test_an_os_error_in_the_tree_names_the_tree_relative_file_and_the_reason_only():
    exc = OSError(errno.ENOSPC, 'No space left on device', f'{TREE}/managed/vpcs/vpc-1.yaml')
    assert public_message(exc, TREE, ROOT) == 'managed/vpcs/vpc-1.yaml: No space left on device'


def test_an_os_error_elsewhere_names_no_file():
    exc = PermissionError(errno.EACCES, 'Permission denied', '/etc/netbox/secret.key')
    message = public_message(exc, TREE, ROOT)
    assert message == 'a file operation on the server failed: Permission denied'
    assert '/etc' not in message


def test_an_os_error_under_gitops_root_but_outside_the_tree_is_relative_to_gitops_root():
    exc = FileNotFoundError(errno.ENOENT, 'No such file or directory', f'{ROOT}/dc1/.git/index.lock')
    assert public_message(exc, f'{TREE}/fabric', ROOT) == 'dc1/.git/index.lock: No such file or directory'


def test_a_foreign_exception_says_nothing_of_itself():
    exc = FakeDatabaseError('FATAL: sorry, too many clients already\nHINT: at /var/run/postgresql/.s.PGSQL.5432')
    assert public_message(exc, TREE, ROOT) == GENERIC
    assert public_message(KeyError('secret'), TREE, ROOT) == GENERIC


def test_a_plugin_error_keeps_its_words_with_its_paths_made_safe():
    exc = ManifestError(f'cannot write {TREE}/raw/a.yaml (see {ROOT}/other/x and /etc/passwd).')
    assert public_message(exc, TREE, ROOT) == f'cannot write raw/a.yaml (see other/x and {HIDDEN_PATH}).'


def test_scrub_leaves_urls_relative_paths_and_fractions_alone():
    text = 'push to https://git.example.com/org/repo.git failed; raw/a.yaml 1/2 done, /tmp/x.'
    assert scrub_paths(text, TREE, ROOT) == (
        f'push to https://git.example.com/org/repo.git failed; raw/a.yaml 1/2 done, {HIDDEN_PATH}.'
    )


def test_relative_path_does_not_take_a_sibling_with_the_same_prefix():
    assert relative_path(f'{ROOT}/dc10/raw/a.yaml', TREE) is None
    assert relative_path(TREE, TREE) == '.'
    assert relative_path(ROOT, TREE, ROOT) == 'gitops_root'


def test_a_superuser_sees_the_exception_others_the_public_message():
    exc = OSError(errno.EIO, 'Input/output error', f'{TREE}/managed/x.yaml')
    assert detail_for(SimpleNamespace(is_superuser=True), exc, TREE, ROOT) == str(exc)
    assert detail_for(SimpleNamespace(is_superuser=False), exc, TREE, ROOT) == 'managed/x.yaml: Input/output error'
    assert detail_for(None, exc, TREE, ROOT) == 'managed/x.yaml: Input/output error'


def test_an_unreadable_file_finding_names_the_file_once_and_the_reason(tmp_path, monkeypatch):
    from pathlib import Path

    from netbox_hedgehog.core.validation import validate_paths

    target = tmp_path / 'a.yaml'
    target.write_text('kind: VPC\n')

    def refuse(self):
        raise PermissionError(errno.EACCES, 'Permission denied', str(self))

    monkeypatch.setattr(Path, 'read_bytes', refuse)
    (finding,) = validate_paths([target]).findings
    assert finding.code == 'FILE_UNREADABLE'
    assert finding.message.endswith(' Permission denied.')
    assert str(tmp_path) not in finding.message
