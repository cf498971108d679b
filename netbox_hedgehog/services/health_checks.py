"""Health of a tree apart from managed/: the layout, links, the manifest, what waits in raw/, unmanaged/,
free disk space.

Plain functions over a layout, a tree (a treefs.Tree, so no link is followed), paths and times; the health
service (gitops/health.py) gathers the settings and hands them over.
"""

import os
import shutil

from netbox_hedgehog.core.errors import public_message
from netbox_hedgehog.core.health_codes import health_finding
from netbox_hedgehog.core.health_patterns import age_words
from netbox_hedgehog.core.tree import (
    FIRST_LAYOUT,
    HNP,
    MANIFEST,
    UNMANAGED,
    ManifestError,
    folder_layout,
    is_yaml_name,
    parse_manifest,
)
from netbox_hedgehog.services import treefs
from netbox_hedgehog.services.treefs import LinkRefused, raw_entries

__all__ = (
    'check_disk',
    'check_links',
    'check_manifest',
    'check_raw',
    'check_tree',
    'check_unmanaged',
    'raw_files',
)


def check_links(links):
    """HEALTH_SYMLINK for each link `treefs.find_links` found: errors, since every writer stops on them."""
    return [
        health_finding('HEALTH_SYMLINK', f'{path} is a symbolic link; links in a tree are never followed.', file=path)
        for path in links
    ]


def check_tree(layout, linked=frozenset()):
    """Every directory of the layout exists, is a real directory and is writable. `linked`: layout folders
    that are links (HEALTH_SYMLINK reports them), and nothing below them is looked at."""
    if not os.path.lexists(layout.path):
        return [health_finding('HEALTH_TREE_MISSING', f'The tree {layout.path} does not exist.')]
    findings = []
    for directory in layout.directories():
        relative = directory.relative_to(layout.path).as_posix()
        shown = relative + '/'
        if any(relative == link or relative.startswith(f'{link}/') for link in linked):
            continue
        if directory.is_symlink() or (os.path.lexists(directory) and not directory.is_dir()):
            findings.append(health_finding('HEALTH_DIR_NOT_DIRECTORY', f'{shown} is not a directory.', file=shown))
        elif not directory.exists():
            message = f'The directory {shown} is missing'
            if (layout_version := folder_layout(relative)) > FIRST_LAYOUT:
                message += f' (tree layout {layout_version} added it for new kinds)'
            findings.append(health_finding('HEALTH_DIR_MISSING', f'{message}.', file=shown))
        elif not os.access(directory, os.W_OK | os.X_OK):
            findings.append(health_finding('HEALTH_DIR_NOT_WRITABLE', f'NetBox cannot write in {shown}.', file=shown))
    return findings


def check_manifest(layout, fabric_name, fabric_id, tree, root):
    """The manifest exists, parses, names this fabric, and says what onboarding would write today. `root` is
    gitops_root: findings are shown to anyone who may view the fabric, so server paths in them become relative."""
    shown = f'{HNP}/{MANIFEST}'
    if not tree.exists():
        return []  # HEALTH_TREE_MISSING says it all
    if tree.lstat_or_none(shown) is None:
        return [health_finding('HEALTH_MANIFEST_MISSING', 'The tree has no manifest.', file=shown)]
    try:
        manifest = parse_manifest(tree.read(shown).decode('utf-8'), source=shown)
    except LinkRefused:
        return []  # HEALTH_SYMLINK names it
    except treefs.NotRegularFile:
        return [health_finding('HEALTH_MANIFEST_INVALID', f'{shown} is not a regular file', file=shown)]
    except (OSError, UnicodeDecodeError, ManifestError) as exc:
        return [health_finding('HEALTH_MANIFEST_INVALID', public_message(exc, layout.path, root), file=shown)]
    if not manifest.belongs_to(fabric_name, fabric_id):
        message = f'The manifest names fabric {manifest.fabric_name!r} (id {manifest.fabric_id}), not {fabric_name!r}.'
        return [health_finding('HEALTH_MANIFEST_FOREIGN', message, file=shown)]
    if not manifest.describes(fabric_name, fabric_id):
        message = (
            f'The manifest names {manifest.fabric_name!r} (id {manifest.fabric_id}, format '
            f'{manifest.format_version}); the fabric is {fabric_name!r} (id {fabric_id}).'
        )
        return [health_finding('HEALTH_MANIFEST_OUTDATED', message, file=shown)]
    return []


def raw_files(tree):
    """(tree-relative path, modification time) of every entry of raw/ by the one raw/ listing rule, sorted.
    A link is listed (with its own time) and never followed: ingestion rejects it, or it counts as ignored."""
    return [(entry.path, entry.stat().st_mtime) for entry in raw_entries(tree)]


def check_raw(files, rejected, now, stale_after, stats):
    """raw/ `files` (path, mtime): how much waits and since when; `rejected` maps the files the last run
    rejected to their error findings. Times are POSIX timestamps, `stale_after` seconds."""
    findings, waiting, ignored = [], [], []
    for path, modified in files:
        name = path.rpartition('/')[2]
        if errors := rejected.get(path):
            message = (
                f'{path} was rejected by the last ingestion: {len(errors)} error(s); first: {errors[0]["message"]}'
            )
            findings.append(health_finding('HEALTH_RAW_REJECTED', message, file=path, line=errors[0].get('line')))
        elif name.startswith('.') or not is_yaml_name(name):
            ignored.append(path)
        else:
            waiting.append(now - modified)
    stats.update(
        raw_backlog=len(files),
        raw_rejected=len(files) - len(waiting) - len(ignored),
        raw_oldest_age_seconds=round(max(now - modified for _, modified in files)) if files else None,
    )
    if waiting:
        code = 'HEALTH_RAW_STALE' if max(waiting) > stale_after else 'HEALTH_RAW_PENDING'
        message = f'{len(waiting)} YAML file(s) wait for ingestion; the oldest for {age_words(max(waiting))}.'
        findings.append(health_finding(code, message, file='raw/'))
    if ignored:
        message = f'{len(ignored)} file(s) here are never ingested: {", ".join(ignored[:5])}.'
        findings.append(health_finding('HEALTH_RAW_IGNORED', message, file='raw/'))
    return findings


def check_unmanaged(tree, stats):
    count = sum(
        1
        for path, entry in tree.walk(UNMANAGED)
        if not entry.is_dir(follow_symlinks=False) and not entry.is_symlink() and '/.' not in path
    )
    stats['unmanaged_files'] = count
    if not count:
        return []
    return [
        health_finding('HEALTH_UNMANAGED_DOCUMENTS', f'{count} foreign document(s) kept, one file each.', 'unmanaged/')
    ]


def check_disk(path, minimum, stats):
    free = shutil.disk_usage(path).free
    stats['free_bytes'] = free
    if free >= minimum:
        return []
    message = f'{free // 2**20} MiB free under the tree; the minimum is {minimum // 2**20} MiB.'
    return [health_finding('HEALTH_DISK_LOW', message)]
