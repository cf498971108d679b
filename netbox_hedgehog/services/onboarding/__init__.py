"""Onboarding: give a fabric a complete, writable GitOps tree, or fail with the reason and leave nothing behind.

`initialize` works in two phases. It first inspects the disk and plans every change (the directories
to create, the YAML files to adopt into raw/, the manifest, the `.gitkeep` files), refusing before
any change what would need overwriting: a foreign manifest, an adoption name collision, a file where
a directory belongs. A dry run stops there. Otherwise it carries out the plan, recording each path
the moment it exists, so that on any failure exactly what this call made is removed again, in
reverse order, and nothing that was there before is touched. `undo` does the same for a finished
call, for a caller whose database transaction rolled back after the tree was made.

Plain Python, no Django: every entry point (signal, form, API, command) calls this package. Its modules:
`result` (what a call did, its errors), `planning` (inspect, decide, refuse; no change), `steps` (carry out,
recording every path, and revert).
"""

from pathlib import Path

from netbox_hedgehog.services.onboarding.planning import make_plan
from netbox_hedgehog.services.onboarding.result import (
    AdoptionConflictError,
    ForeignTreeError,
    OnboardingError,
    OnboardingResult,
    os_reason_text,
)
from netbox_hedgehog.services.onboarding.steps import carry_out, revert

__all__ = (
    'AdoptionConflictError',
    'ForeignTreeError',
    'OnboardingError',
    'OnboardingResult',
    'initialize',
    'undo',
)


def initialize(root, gitops_path, *, fabric_name, fabric_id, dry_run=False, claimable=None):
    """Create or repair the tree `<root>/<gitops_path>` of a fabric; idempotent.

    Raises OnboardingError (or a subclass) after undoing its own changes when the tree cannot be
    made complete and writable; `root` (the `gitops_root` setting) must already exist.
    `claimable(manifest)` may say that a tree whose manifest names another fabric is free to take
    over (that fabric no longer exists): its manifest is then rewritten for this fabric.
    """
    try:
        plan = make_plan(Path(root), gitops_path, fabric_name, fabric_id, claimable)
    except OSError as exc:
        reason, path = os_reason_text(exc), exc.filename or root
        raise OnboardingError(f'cannot inspect {path}: {reason}', path, reason) from exc
    if dry_run:
        plan.result.dry_run = True
        return plan.result
    done = OnboardingResult(
        tree=plan.result.tree,
        present=plan.result.present,
        findings=plan.result.findings,
        raw_has_files=plan.result.raw_has_files,
        root=Path(root),
    )
    try:
        carry_out(plan, done)
    except BaseException as exc:
        leftovers = revert(done)
        if isinstance(exc, OnboardingError):
            exc.leftovers = leftovers
        elif leftovers:
            exc.add_note(f'onboarding could not undo: {"; ".join(leftovers)}')
        raise
    return done


def undo(result):
    """Remove what `result`'s call created and move adopted files back; never touch anything else.

    For a caller whose own transaction failed after onboarding succeeded. Does not raise: returns
    what could not be undone (a directory someone has written into since, say), empty when clean.
    """
    if result.dry_run:
        return []
    return revert(result)
