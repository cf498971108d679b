"""What a fabric keeps in unmanaged/: the foreign documents ingestion set aside, each with why.

Ingestion writes each foreign document to `unmanaged/<kind>-<name>-<hash>.yaml` under a first line
saying why it is not a fabric object (plan._foreign_file). The list reads that first line only, through
the tree's descriptors (no link followed), and at most `limit` files, so a page stays quick however much
unmanaged/ holds.
"""

import os
import re

from netbox_hedgehog.core.foreign import FOREIGN_HEADER
from netbox_hedgehog.core.tree import UNMANAGED
from netbox_hedgehog.services.faults import os_reason
from netbox_hedgehog.services.treefs import LinkRefused, NotRegularFile

__all__ = ('UnmanagedListing', 'unmanaged_documents')

# The first line ingestion writes; anything longer than a line of it is not read.
_FIRST_LINE_BYTES = 4096
_REASON = re.compile(re.escape(FOREIGN_HEADER).replace(r'\{reason\}', '(?P<reason>.*)'))
NO_REASON = 'no reason recorded: not written by an ingestion'


class UnmanagedListing:
    def __init__(self, files, total):
        self.files = files  # [{'file', 'size', 'reason'}], sorted by name
        self.total = total  # files in unmanaged/, listed or not

    @property
    def more(self):
        return self.total - len(self.files)


def unmanaged_documents(fabric, limit=500):
    """The files in unmanaged/ (the first `limit` by name) with the reason ingestion recorded for each."""
    with fabric.files() as tree:
        if not tree.is_folder(UNMANAGED):
            return UnmanagedListing([], 0)
        names = sorted(
            entry.name
            for entry in tree.scandir(UNMANAGED)
            if not entry.name.startswith('.') and not entry.is_dir(follow_symlinks=False)
        )
        files = [_described(tree, f'{UNMANAGED}/{name}') for name in names[:limit]]
    return UnmanagedListing(files, len(names))


def _described(tree, path):
    try:
        descriptor, found = tree.open_file(path)
    except (LinkRefused, NotRegularFile):
        return {'file': path, 'size': None, 'reason': 'not a regular file (a link is never followed)'}
    except OSError as exc:
        return {'file': path, 'size': None, 'reason': f'cannot be read ({os_reason(exc)})'}
    try:
        first = os.read(descriptor, _FIRST_LINE_BYTES).split(b'\n', 1)[0].decode('utf-8', 'replace')
    except OSError as exc:
        return {'file': path, 'size': found.st_size, 'reason': f'cannot be read ({os_reason(exc)})'}
    finally:
        os.close(descriptor)
    matched = _REASON.fullmatch(first)
    return {'file': path, 'size': found.st_size, 'reason': matched['reason'] if matched else NO_REASON}
