"""Real faults of the disk for the tests: immutable files and folders (`chattr +i`, which stops root too) and
a full file system (a 64 KiB tmpfs mounted over a folder). Each is lifted when the test ends, whatever happens."""

import hashlib
import os
import shutil
import subprocess
import unittest
from contextlib import suppress

from netbox_hedgehog.models import HedgehogResource
from netbox_hedgehog.services.fileops import TEMPORARY_SUFFIX

__all__ = ('FaultsMixin', 'leftovers', 'orphan_outputs')


class FaultsMixin:
    """`immutable(path)` and `full_disk(folder)` for a test case; both are undone by the test's cleanups."""

    def immutable(self, *paths):
        for path in paths:
            subprocess.run(['chattr', '+i', str(path)], check=True)
            self.addCleanup(subprocess.run, ['chattr', '-i', str(path)], check=False)

    def mutable(self, *paths):
        for path in paths:
            subprocess.run(['chattr', '-i', str(path)], check=True)

    def read_only(self, folder):
        """Mount an empty read-only tmpfs over `folder`; returns what lifts it. Skips where mounting is refused."""
        self._mount(folder, 'ro,size=64k')
        return lambda: subprocess.run(['umount', str(folder)], check=True)

    def _mount(self, folder, options):
        mounted = subprocess.run(['mount', '-t', 'tmpfs', '-o', options, 'tmpfs', str(folder)], capture_output=True)
        if mounted.returncode != 0:
            raise unittest.SkipTest(f'mounting a tmpfs is not permitted here: {mounted.stderr.decode().strip()}')
        self.addCleanup(subprocess.run, ['umount', '-l', str(folder)], check=False, capture_output=True)

    def full_disk(self, folder):
        """Mount a 64 KiB tmpfs over `folder` (its files are copied in) and fill it; returns the filler file,
        whose removal frees the space. Skips the test where mounting is not permitted."""
        saved = {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}
        self._mount(folder, 'size=64k')
        for name, data in saved.items():
            (folder / name).write_bytes(data)
        filler = folder / '.filler'
        descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            with suppress(OSError):
                while True:
                    os.write(descriptor, b'\0' * 1024)
        finally:
            os.close(descriptor)
        return filler


def orphan_outputs(fabric, tree):
    """managed/ files without an index row holding their bytes (there must be none)."""
    rows = dict(HedgehogResource.objects.filter(fabric=fabric).values_list('managed_path', 'sha256'))
    orphans = []
    for path in sorted((tree / 'managed').rglob('*.yaml')):
        relative = path.relative_to(tree).as_posix()
        if rows.get(relative) != hashlib.sha256(path.read_bytes()).hexdigest():
            orphans.append(relative)
    return orphans


def leftovers(tree):
    """Temporary files of runs or uploads left in the tree (there must be none)."""
    return sorted(
        os.path.relpath(os.path.join(parent, name), tree)
        for parent, _, names in os.walk(tree)
        for name in names
        if name.endswith(TEMPORARY_SUFFIX)
    )


def copy_tree(source, target):
    shutil.copytree(source, target, dirs_exist_ok=True)
