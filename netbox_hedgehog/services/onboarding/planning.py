"""Onboarding's first phase: inspect the disk, decide every change, refuse what would need overwriting; no change."""

import os
from dataclasses import dataclass, field
from pathlib import Path

from netbox_hedgehog.core.findings import Finding, Severity
from netbox_hedgehog.core.tree import (
    GITKEEP,
    ManifestError,
    TreeLayout,
    UnsafePathError,
    is_yaml_name,
    read_manifest,
    render_manifest,
    resolve_tree,
)
from netbox_hedgehog.services.onboarding.result import (
    AdoptionConflictError,
    ForeignTreeError,
    OnboardingError,
    OnboardingResult,
    os_reason_text,
)
from netbox_hedgehog.services.treefs import Tree, raw_entries

__all__ = ('Plan', 'make_plan')


@dataclass
class Plan:
    """What `initialize` will do, decided before any change."""

    layout: TreeLayout
    result: OnboardingResult
    directories: list[Path] = field(default_factory=list)
    manifest_text: str | None = None
    replaced_manifest: bytes | None = None
    gitkeeps: list[Path] = field(default_factory=list)


def make_plan(root, gitops_path, fabric_name, fabric_id, claimable=None):
    """Inspect the disk and decide every change; raise OnboardingError for what would need overwriting."""
    try:
        tree = resolve_tree(root, gitops_path)
    except UnsafePathError as exc:
        raise OnboardingError(str(exc), exc.path, exc.reason) from exc
    if not root.is_dir():
        reason = 'does not exist' if not os.path.lexists(root) else 'is not a directory'
        raise OnboardingError(
            f'gitops_root {root} {reason}: create it, or set the plugin setting gitops_root to an existing folder',
            root,
            reason,
        )
    _refuse_nesting(root, tree)
    layout = TreeLayout(tree)
    plan = Plan(layout, OnboardingResult(tree=tree))
    for ancestor in reversed(tree.relative_to(root).parents[:-1]):
        _plan_directory(plan, root / ancestor, report_present=False)
    for directory in layout.directories():
        _plan_directory(plan, directory, report_present=True)
    _plan_adoption(plan, root)
    _plan_manifest(plan, fabric_name, fabric_id, root, claimable)
    _plan_gitkeeps(plan)
    plan.result.raw_has_files = bool(plan.result.adopted) or _holds_files(layout.raw)
    return plan


def _refuse_nesting(root, tree):
    """A tree inside another fabric's tree would have its files adopted and ingested by the wrong fabric."""
    for folder in tree.parents:
        if folder == root or not folder.is_relative_to(root):
            return
        manifest = TreeLayout(folder).manifest
        if os.path.lexists(manifest):
            raise ForeignTreeError(
                f'cannot create a tree at {tree}: it lies inside the GitOps tree at {folder} ({manifest})',
                folder,
                'inside another tree',
            )


def _plan_directory(plan, directory, *, report_present):
    if directory.is_symlink():
        reason = 'is a symbolic link; the tree must be real directories'
        raise OnboardingError(f'cannot use {directory}: {reason}', directory, reason)
    if directory.is_dir():
        if report_present:
            plan.result.present.append(directory)
    elif os.path.lexists(directory):
        reason = 'a file is in the way (it exists and is not a directory)'
        raise OnboardingError(f'cannot create directory {directory}: {reason}', directory, reason)
    else:
        plan.directories.append(directory)
        plan.result.created.append(directory)


def _plan_adoption(plan, root):
    """YAML files directly in the tree folder go into raw/. All names are checked before anything moves."""
    layout, result = plan.layout, plan.result
    if not layout.path.is_dir():
        return
    collisions = []
    for entry in sorted(os.scandir(layout.path), key=lambda e: e.name):
        if entry.name in TreeLayout.TOP_LEVEL or entry.name.startswith('.'):
            continue  # the layout's own, or hidden tool files (.gitlab-ci.yml, .yamllint.yml): never adopted
        source = Path(entry.path)
        if entry.is_file(follow_symlinks=False) and is_yaml_name(entry.name):
            target = layout.raw / entry.name
            if os.path.lexists(target):
                collisions.append(entry.name)
            result.adopted.append((source, target))
        else:
            symlinked_yaml = entry.is_symlink() and is_yaml_name(entry.name)
            result.findings.append(
                Finding(
                    Severity.WARNING if symlinked_yaml else Severity.INFO,
                    'tree-entry-not-adopted',
                    f'{entry.name} was left in place: only regular YAML files are moved into raw/',
                    file=str(source.relative_to(root)),
                    hint='copy the file itself into raw/ to have it ingested'
                    if symlinked_yaml
                    else 'nothing to do; copy it into raw/ if it is YAML meant for the fabric',
                )
            )
    if collisions:
        reason = f'raw/ already holds {", ".join(collisions)}'
        raise AdoptionConflictError(
            f'cannot adopt YAML files from {layout.path} into {layout.raw}: {reason}; nothing was moved. '
            'Rename or remove one file of each pair and run onboarding again.',
            layout.raw,
            reason,
        )


def _plan_manifest(plan, fabric_name, fabric_id, root, claimable):
    path = plan.layout.manifest
    if not os.path.lexists(path):
        plan.manifest_text = render_manifest(fabric_name, fabric_id)
        plan.result.created.append(path)
        return
    try:
        if path.is_symlink() or not path.is_file():
            raise ManifestError(f'{path} is not a regular file')
        manifest = read_manifest(path)
    except OSError as exc:
        reason = os_reason_text(exc)
        raise OnboardingError(f'cannot read manifest {path}: {reason}', path, reason) from exc
    except ManifestError as exc:
        raise OnboardingError(f'cannot trust manifest {path}: {exc}; it was left as it is', path, str(exc)) from exc
    if not manifest.belongs_to(fabric_name, fabric_id) and claimable and claimable(manifest):
        plan.manifest_text = render_manifest(fabric_name, fabric_id)
        plan.replaced_manifest = path.read_bytes()
        plan.result.replaced.append((path, plan.replaced_manifest))
        plan.result.findings.append(
            Finding(
                Severity.INFO,
                'tree-claimed',
                f'took over the tree of fabric {manifest.fabric_name!r} (id {manifest.fabric_id}), '
                'which no longer exists',
                file=str(path.relative_to(root)),
                hint="nothing to do: the tree is this fabric's now",
            )
        )
        return
    if not manifest.belongs_to(fabric_name, fabric_id):
        reason = f'it belongs to fabric {manifest.fabric_name!r} (id {manifest.fabric_id})'
        raise ForeignTreeError(
            f'cannot onboard fabric {fabric_name!r} (id {fabric_id}) into {plan.layout.path}: {reason}. '
            'Choose another gitops_path.',
            path,
            reason,
        )
    if not manifest.describes(fabric_name, fabric_id):
        plan.result.findings.append(
            Finding(
                Severity.WARNING,
                'tree-manifest-outdated',
                f'the manifest names fabric {manifest.fabric_name!r} (id {manifest.fabric_id}), '
                f'format {manifest.format_version}; the fabric is now {fabric_name!r} (id {fabric_id})',
                file=str(path.relative_to(root)),
                hint='the manifest is never rewritten automatically',
            )
        )
    plan.result.present.append(path)


def _plan_gitkeeps(plan):
    """An empty directory gets a .gitkeep so git keeps it; "empty" means after this call's own changes."""
    filled = {path.parent for path in plan.result.created} | {target.parent for _, target in plan.result.adopted}
    for directory in plan.layout.directories():
        if directory in filled or (directory.is_dir() and any(directory.iterdir())):
            continue
        plan.gitkeeps.append(directory / GITKEEP)
        plan.result.created.append(directory / GITKEEP)


def _holds_files(raw):
    """raw/ holds anything (by the one raw/ listing rule of treefs) but .gitkeep."""
    tree = raw.parent
    with Tree(tree.parent, tree.name) as files:
        return bool(raw_entries(files))
