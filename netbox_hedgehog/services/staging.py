"""A new fabric's folder is built out of sight and put in place by one rename when its creation commits.

A creation that does not commit must leave nothing at the fabric's path (ARCHITECTURE.md 3.8), yet
onboarding's failures (a path taken, a folder not writable, a clone that fails) must reach the form
before the row is saved. So the folder `<gitops_root>/<gitops_path>` (the tree, or with a git remote
the working copy holding it) is built under `<gitops_root>/.<fabric name>.hnp-staging-<xid>-<token>`,
a hidden name no tree and no scan of a tree ever sees, and renamed to its path when the transaction
commits. `<xid>` is the creating PostgreSQL transaction: while it runs, the folder is someone's work in
progress; once it is over, a folder still there is either a committed fabric's tree whose move failed
(finished by `hedgehog onboard` or `fix`) or a leftover of a creation that never committed (removed by
`fix` and by the next creation of that name; health reports both).

Everything in a staging folder was made by the creation (directories, manifest, `.gitkeep`) or cloned
from the remote (which keeps it), so removing a leftover loses nothing a user wrote.
"""

import os
import re
import shutil
import uuid
from pathlib import Path
from typing import NamedTuple

from django.db import DatabaseError, connection, transaction

from netbox_hedgehog.core.tree import ManifestError, TreeLayout, read_manifest

__all__ = (
    'STAGING_MARK',
    'Staged',
    'discard',
    'find',
    'in_progress',
    'manifest_of',
    'move_into_place',
    'named_as_final',
    'staging_name',
    'transaction_id',
)

STAGING_MARK = '.hnp-staging-'
_PATTERN = r'\.(?P<fabric>[a-z0-9]([-a-z0-9]*[a-z0-9])?)' + re.escape(STAGING_MARK) + r'(?P<xid>\d+)-[0-9a-f]{32}'
_NAME = re.compile(f'^{_PATTERN}$')
_NAME_IN_TEXT = re.compile(_PATTERN)


class Staged(NamedTuple):
    """A staging folder found under gitops_root."""

    path: Path
    fabric_name: str
    xid: str

    @property
    def name(self):
        return self.path.name


def staging_name(fabric_name, xid):
    return f'.{fabric_name}{STAGING_MARK}{xid}-{uuid.uuid4().hex}'


def named_as_final(text, final):
    """`text` (a message naming folders relative to gitops_root) with each staging folder named `final`, the
    fabric's path it is built for: that is the folder a person knows, and the hidden one is gone by then."""
    return _NAME_IN_TEXT.sub(lambda match: final, text)


def find(root):
    """Every staging folder directly under `root` (real directories only: a link is never followed)."""
    found = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return found
    for entry in entries:
        match = _NAME.match(entry.name)
        if match and entry.is_dir(follow_symlinks=False):
            found.append(Staged(Path(entry.path), match['fabric'], match['xid']))
    return sorted(found)


def manifest_of(staged, git_path=''):
    """The manifest of the tree in `staged` (inside `git_path` for a working copy), or None."""
    tree = staged.path / git_path if git_path else staged.path
    manifest = TreeLayout(tree).manifest
    if manifest.is_symlink() or not manifest.is_file():
        return None
    try:
        return read_manifest(manifest)
    except (OSError, ManifestError):
        return None


def move_into_place(staging, final):
    """Rename `staging` to `final` (its parents made first); FileExistsError when something is at `final`."""
    if os.path.lexists(final):
        raise FileExistsError(17, 'something is already at the fabric path', str(final))
    Path(final).parent.mkdir(parents=True, exist_ok=True)
    os.rename(staging, final)


def discard(staging):
    """Remove a staging folder (never following a link inside it); already gone is fine."""
    shutil.rmtree(staging, ignore_errors=True)


# --- the creating transaction -------------------------------------------------------------------


def transaction_id():
    """The id of the current PostgreSQL transaction (assigned now if it has none yet)."""
    with connection.cursor() as cursor:
        cursor.execute('SELECT pg_current_xact_id()::text')
        return cursor.fetchone()[0]


def in_progress(xids):
    """Those of `xids` whose transaction still runs; an id too old to be known is over."""
    xids = sorted(set(xids))
    if not xids:
        return set()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                'SELECT x FROM unnest(%s::text[]) AS x WHERE pg_xact_status(x::xid8) = %s', [xids, 'in progress']
            )
            return {row[0] for row in cursor.fetchall()}
    except DatabaseError:
        return set(xids)  # an id PostgreSQL refuses (from another database, say): leave its folder alone
