"""The GitOps tree of one fabric, specified once: its directories, its manifest and its path rules.

Onboarding creates this tree, ingestion writes into it and health checks it; all three read the
layout from here so that a directory name or a path rule is never spelled twice. Plain Python
(stdlib and PyYAML): no Django, no I/O beyond reading the manifest and checking for symbolic links.

    <gitops_root>/<gitops_path>/
      raw/                   drop zone for any YAML
      managed/<kind dir>/    one object per file; the directory names come from the kinds registry
      unmanaged/             foreign documents
      .hnp/manifest.yaml     which fabric owns the tree, in which format, created with which layout
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from netbox_hedgehog.core.kinds import KINDS, LAYOUT_VERSION, Kind, by_kind, managed_dirs
from netbox_hedgehog.core.limits import YAML_SUFFIXES

__all__ = (
    'FIRST_LAYOUT',
    'GITKEEP',
    'TREE_FORMAT_VERSION',
    'Manifest',
    'ManifestError',
    'TreeLayout',
    'UnsafePathError',
    'check_gitops_path',
    'default_gitops_path',
    'folder_layout',
    'is_utf8_name',
    'is_yaml_name',
    'layout_folders',
    'parse_manifest',
    'paths_overlap',
    'read_manifest',
    'render_manifest',
    'resolve_tree',
    'shown_name',
)

# Bumped whenever the manifest changes shape; a tree in a newer format is refused, not guessed at. A new
# layout (more managed/ folders, kinds.LAYOUT_VERSION) is not a new format: its folders are simply added.
TREE_FORMAT_VERSION = 1
# The layout of a tree whose manifest names none: it was created before the manifest recorded layouts.
FIRST_LAYOUT = 1
# git keeps no empty directories: this empty file makes an empty directory survive a clone.
GITKEEP = '.gitkeep'
# The longest single file name Linux file systems accept, in bytes.
NAME_MAX = 255

RAW = 'raw'
MANAGED = 'managed'
UNMANAGED = 'unmanaged'
HNP = '.hnp'
MANIFEST = 'manifest.yaml'


def is_utf8_name(path):
    """False for a file name (as os.listdir gives it) that is not UTF-8: its other bytes come back as lone
    surrogates (Python's surrogateescape), which PostgreSQL, JSON and a web page refuse."""
    try:
        path.encode('utf-8')
    except UnicodeEncodeError:
        return False
    return True


def shown_name(path):
    """A file name (as os.listdir gives it) as findings and pages may show it: bytes that are not UTF-8
    written as \\xNN."""
    return path.encode('utf-8', 'surrogateescape').decode('utf-8', 'backslashreplace')


def is_yaml_name(name):
    """True for a file name a person would call YAML (`.yaml` or `.yml`, in any case)."""
    return name.lower().endswith(YAML_SUFFIXES)


@dataclass(frozen=True, slots=True)
class TreeLayout:
    """Where everything lives in the tree at `path` (`<gitops_root>/<gitops_path>`). Computes paths only."""

    path: Path

    # The entries directly in the tree that belong to the layout; anything else there is the user's.
    TOP_LEVEL = frozenset({RAW, MANAGED, UNMANAGED, HNP})

    @property
    def raw(self):
        return self.path / RAW

    @property
    def managed(self):
        return self.path / MANAGED

    @property
    def unmanaged(self):
        return self.path / UNMANAGED

    @property
    def hnp(self):
        return self.path / HNP

    @property
    def manifest(self):
        return self.hnp / MANIFEST

    def managed_dir(self, kind):
        """managed/<dir> of a registered kind, given as a `Kind` or its name (`'VPC'`)."""
        registered = kind if isinstance(kind, Kind) else by_kind(kind)
        if registered is None:
            raise ValueError(f'{kind!r} is not a registered Hedgehog kind')
        return self.managed / registered.directory

    def directories(self):
        """Every directory the tree needs, parents before children: the order to create them in."""
        return (
            self.path,
            self.raw,
            self.managed,
            *(self.managed / name for name in managed_dirs()),
            self.unmanaged,
            self.hnp,
        )


def layout_folders(layout=LAYOUT_VERSION):
    """The folders of tree layout `layout` (by default the newest) relative to the tree, parents first: raw,
    managed, managed/<dir>..., unmanaged, .hnp."""
    return (RAW, MANAGED, *(f'{MANAGED}/{name}' for name in managed_dirs(layout)), UNMANAGED, HNP)


def folder_layout(folder):
    """The tree layout that brought `folder` (relative to the tree, like managed/gateways)."""
    kinds_by_folder = {f'{MANAGED}/{kind.directory}': kind.layout for kind in KINDS}
    return kinds_by_folder.get(folder, FIRST_LAYOUT)


# --- the manifest -----------------------------------------------------------------------------


class ManifestError(ValueError):
    """A manifest that cannot be trusted to say who owns the tree: it is reported, never overwritten."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """`layout_version` is the layout the tree was created with. The manifest is never rewritten, so a tree
    that onboarding or fix brought to a newer layout keeps saying its first one; its folders tell the rest."""

    format_version: int
    fabric_name: str
    fabric_id: int | None
    layout_version: int = FIRST_LAYOUT

    def belongs_to(self, fabric_name, fabric_id):
        """Is this tree the fabric's own? The id decides when both sides know one (a renamed fabric
        keeps its tree); otherwise the name does."""
        if self.fabric_id is not None and fabric_id is not None:
            return self.fabric_id == fabric_id
        return self.fabric_name == fabric_name

    def describes(self, fabric_name, fabric_id):
        """Does the manifest say exactly what `render_manifest` would write for this fabric today?"""
        return (self.format_version, self.fabric_name, self.fabric_id) == (
            TREE_FORMAT_VERSION,
            fabric_name,
            fabric_id,
        )


def render_manifest(fabric_name, fabric_id):
    """The manifest text: deterministic (no timestamps), so rewriting it for the same fabric changes nothing."""
    body = yaml.safe_dump(
        {
            'format_version': TREE_FORMAT_VERSION,
            'layout_version': LAYOUT_VERSION,
            'fabric': {'name': fabric_name, 'id': fabric_id},
        },
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
    )
    return '# netbox-hedgehog: the fabric that owns this GitOps tree. Written by NetBox; do not edit.\n' + body


def parse_manifest(text, source='manifest'):
    """The Manifest in `text`, or ManifestError saying what is wrong with it (`source` names it)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ManifestError(f'{source} is not valid YAML: {exc}') from exc
    fabric = data.get('fabric') if isinstance(data, dict) else None
    version = data.get('format_version') if isinstance(data, dict) else None
    if not isinstance(fabric, dict) or not _is_int(version):
        raise ManifestError(f'{source} must be a mapping with format_version and fabric (name, id)')
    if version > TREE_FORMAT_VERSION:
        raise ManifestError(
            f'{source} has tree format {version}, newer than this plugin reads ({TREE_FORMAT_VERSION}): '
            'upgrade the plugin'
        )
    layout = data.get('layout_version', FIRST_LAYOUT)
    if not _is_int(layout) or layout < FIRST_LAYOUT:
        raise ManifestError(f'{source} has layout_version {layout!r}; it must be a whole number from {FIRST_LAYOUT}')
    if layout > LAYOUT_VERSION:
        raise ManifestError(
            f'{source} has tree layout {layout}, newer than this plugin knows ({LAYOUT_VERSION}): upgrade the plugin'
        )
    name, fabric_id = fabric.get('name'), fabric.get('id')
    if not isinstance(name, str) or not name or not (fabric_id is None or _is_int(fabric_id)):
        raise ManifestError(f'{source} must name the fabric (fabric.name: text, fabric.id: integer or null)')
    return Manifest(version, name, fabric_id, layout)


def read_manifest(path):
    """The Manifest stored at `path`. OSError when it cannot be read, ManifestError when it makes no sense."""
    return parse_manifest(Path(path).read_text(encoding='utf-8'), source=str(path))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


# --- path rules -------------------------------------------------------------------------------


class UnsafePathError(ValueError):
    """A gitops_path refused because it could leave gitops_root or is not a plain relative path."""

    def __init__(self, path, reason):
        super().__init__(f'gitops_path {path!r} refused: {reason}')
        self.path = path
        self.reason = reason


_CONTROL_OR_SURROGATE = re.compile('[\x00-\x1f\x7f-\x9f\ud800-\udfff]')


def check_gitops_path(value):
    """Why `value` cannot be a fabric's gitops_path, or None when it can. Pure: touches no file system,
    so a model or form validator can call it.

    One spelling per tree: parts are separated by single slashes with no `.`, `..`, empty or trailing
    part, so two fabrics cannot name the same directory in two ways.
    """
    if not isinstance(value, str):
        return 'must be text'
    if not value:
        return 'must not be empty'
    if '\0' in value:
        return 'must not contain a NUL character'
    if _CONTROL_OR_SURROGATE.search(value):
        # A line break or escape in a folder name confuses every listing; a lone surrogate (an API caller's
        # "\ud800") cannot even be encoded for the file system.
        return 'must not contain control characters or lone surrogates'
    if value.startswith('/'):
        return 'must be relative to gitops_root, not an absolute path'
    for part in value.split('/'):
        if not part:
            return 'must not have an empty part (a doubled, leading or trailing /)'
        if part in ('.', '..'):
            return f"must not have a '{part}' part: the path leads straight down from gitops_root"
        size = len(part.encode('utf-8', 'surrogatepass'))
        if size > NAME_MAX:
            return f'part {part[:24]!r}... is {size} bytes long; a file name holds at most {NAME_MAX}'
    return None


def default_gitops_path(fabric_name):
    """A gitops_path for a new fabric: its name, with anything but letters, digits, `.`, `_` and `-`
    replaced by `-`, so the default always passes `check_gitops_path`."""
    slug = re.sub(r'[^\w.-]+', '-', fabric_name.strip()).strip('-.')
    slug = slug.encode()[:NAME_MAX].decode('utf-8', 'ignore')
    return slug or 'fabric'


def paths_overlap(first, second):
    """True when two gitops_paths are the same tree or one lies inside the other: trees must not nest,
    or one fabric would adopt and ingest another's files."""
    first_parts, second_parts = first.split('/'), second.split('/')
    shorter = min(len(first_parts), len(second_parts))
    return first_parts[:shorter] == second_parts[:shorter]


def resolve_tree(root, gitops_path):
    """The tree directory `<root>/<gitops_path>`, after refusing a path that could leave `root`.

    Raises UnsafePathError for what `check_gitops_path` refuses and for a symbolic link anywhere
    below `root` on the way to the tree: one leading outside would write a fabric's files elsewhere,
    one leading inside would let two fabrics share a tree. `root` itself may be a link (an operator's
    choice). Parts that do not exist yet are fine: onboarding creates them.
    """
    reason = check_gitops_path(gitops_path)
    if reason:
        raise UnsafePathError(gitops_path, reason)
    root = Path(root)
    current = root
    for part in gitops_path.split('/'):
        current = current / part
        if current.is_symlink():
            target = Path(os.path.realpath(current))
            if target.is_relative_to(os.path.realpath(root)):
                reason = f'{current} is a symbolic link to {target}; a fabric tree must be real directories'
            else:
                reason = f'{current} is a symbolic link to {target}, outside gitops_root {root}'
            raise UnsafePathError(gitops_path, reason)
        if not current.exists():
            break
    return root.joinpath(*gitops_path.split('/'))
