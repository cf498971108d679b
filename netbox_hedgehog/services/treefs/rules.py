"""What the layout allows in a tree, read through a `Tree`: the links that stop a writer, the one raw/ listing
rule, and the `.gitkeep` that keeps an empty folder in git."""

import os
from dataclasses import dataclass
from enum import StrEnum

from netbox_hedgehog.core.findings import FIX_ACTION, Finding, Severity
from netbox_hedgehog.core.tree import GITKEEP, is_yaml_name, layout_folders

__all__ = (
    'LINKS_ASIDE',
    'TREE_SYMLINK',
    'RawEntry',
    'RawState',
    'find_links',
    'keep_empty_directories',
    'link_findings',
    'link_message',
    'raw_entries',
)

# Where `fix` moves links it takes out of the tree's layout; links there are kept for a person, never read.
LINKS_ASIDE = '.hnp/links-aside'
# Finding codes: a link that stops a writer (ingestion, re-index, upload, fix, backup, restore), and a link in
# raw/, which is only never read.
TREE_SYMLINK = 'TREE_SYMLINK'


def find_links(tree):
    """Tree-relative paths of the links that stop a writer: a layout folder (raw, managed, managed/<kind>,
    unmanaged, .hnp) that is a link, and any link inside managed/, unmanaged/ and .hnp/ (but `LINKS_ASIDE`,
    where `fix` keeps those it moved). A link in raw/ stops nothing: it is only never read (see
    `raw_entries`). Missing folders are not this function's business; a missing tree has no links."""
    if not tree.exists():
        return []
    found = []
    for folder in layout_folders():
        if not any(folder.startswith(f'{link}/') for link in found) and tree.is_link(folder):
            found.append(folder)
    for top in ('managed', 'unmanaged', '.hnp'):
        if top not in found and tree.is_folder(top):
            walked = tree.walk(top, skip=(LINKS_ASIDE,))
            found += [path for path, entry in walked if entry.is_symlink() and path not in found]
    return sorted(found)


def link_message(path, stopped='nothing was written'):
    """What a link found by `find_links` stops, as a sentence of its own (an error, a run's failure) naming it."""
    return f'{path} is a symbolic link: links in a tree are never followed, so {stopped}.'


def link_findings(paths, stopped='nothing was written'):
    """TREE_SYMLINK errors, one per link of `find_links`, each naming the link (tree-relative)."""
    return [
        Finding(
            Severity.ERROR,
            TREE_SYMLINK,
            link_message(path, stopped),
            file=path,
            hint=f'Move it aside into .hnp/links-aside/ with {FIX_ACTION}, or replace it by hand.',
        )
        for path in paths
    ]


class RawState(StrEnum):
    WAITING = 'waiting'  # a regular YAML file with a plain name: ingestion reads it
    NOT_YAML = 'not_yaml'  # a regular file of another kind: left alone
    HIDDEN = 'hidden'  # a name starting with '.' (an editor's or an upload's temporary): left alone
    LINK = 'link'  # a symbolic link: never read, reported
    SPECIAL = 'special'  # neither file, folder nor link (a FIFO, a socket): left alone


@dataclass(frozen=True, slots=True)
class RawEntry:
    path: str  # relative to the tree: raw/<...>
    state: RawState
    entry: os.DirEntry

    @property
    def name(self):
        return self.entry.name

    def stat(self):
        """The entry's own stat (a link's own), cached by its DirEntry."""
        return self.entry.stat(follow_symlinks=False)


def raw_entries(tree, raw='raw'):
    """Every entry of raw/ (sub-folders included, `.gitkeep` left out), sorted by path, each with its state:
    the one raw/ listing rule that ingestion, the backlog, health, metrics and onboarding all follow.
    A link to a folder is an entry, never entered. An empty list when raw/ is missing."""
    if not tree.is_folder(raw):
        return []
    found = []
    for path, entry in tree.walk(raw):
        name = entry.name
        if entry.is_symlink():
            state = RawState.LINK
        elif entry.is_dir(follow_symlinks=False):
            continue
        elif name == GITKEEP:
            continue
        elif name.startswith('.'):
            state = RawState.HIDDEN
        elif not entry.is_file(follow_symlinks=False):
            state = RawState.SPECIAL
        elif is_yaml_name(name):
            state = RawState.WAITING
        else:
            state = RawState.NOT_YAML
        found.append(RawEntry(path, state, entry))
    found.sort(key=lambda raw_entry: raw_entry.path)
    return found


def keep_empty_directories(tree):
    """Give every empty directory of the tree (a `Tree`) a .gitkeep before a commit: ingestion empties
    raw/, and a clone of a commit without it would lack the directory. Returns the files it made (tree-relative)."""
    made = []
    for folder in ('', *layout_folders()):
        if tree.is_folder(folder) and not tree.scandir(folder):
            gitkeep = f'{folder}/{GITKEEP}' if folder else GITKEEP
            tree.write_new(gitkeep, b'')
            made.append(gitkeep)
    return made
