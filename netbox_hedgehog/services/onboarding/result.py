"""What an onboarding call did (or would do), and how it fails."""

from dataclasses import dataclass, field
from pathlib import Path

from netbox_hedgehog.core.findings import Finding

__all__ = ('AdoptionConflictError', 'ForeignTreeError', 'OnboardingError', 'OnboardingResult')


class OnboardingError(Exception):
    """The tree could not be made complete. `path` is where it failed, `reason` why (for a file system
    failure, the operating system's own words); `leftovers` lists what could not be undone, if anything."""

    def __init__(self, message, path, reason):
        super().__init__(message)
        self.message = message
        self.path = str(path)
        self.reason = reason
        self.leftovers = []

    def __str__(self):
        if not self.leftovers:
            return self.message
        return f'{self.message} (and could not undo: {"; ".join(self.leftovers)})'


class ForeignTreeError(OnboardingError):
    """The folder already holds (or lies inside) the tree of another fabric: it is left alone."""


class AdoptionConflictError(OnboardingError):
    """A YAML file to adopt has the same name as a file already in raw/: nothing was moved."""


@dataclass
class OnboardingResult:
    """What an `initialize` call did (or, for a dry run, would do). Paths are absolute."""

    tree: Path
    dry_run: bool = False
    created: list[Path] = field(default_factory=list)
    adopted: list[tuple[Path, Path]] = field(default_factory=list)
    # Files rewritten in place, with their previous bytes (only a claimed tree's manifest).
    replaced: list[tuple[Path, bytes]] = field(default_factory=list)
    present: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # raw/ holds files besides .gitkeep after the call: the caller requests an ingestion when True.
    raw_has_files: bool = False
    # gitops_root: every change is made through a treefs.Tree of it, so none follows a symbolic link.
    root: Path | None = None

    @property
    def changed(self):
        return bool(self.created or self.adopted or self.replaced)

    def as_dict(self):
        return {
            'tree': str(self.tree),
            'dry_run': self.dry_run,
            'changed': self.changed,
            'created': [str(path) for path in self.created],
            'adopted': [{'from': str(source), 'to': str(target)} for source, target in self.adopted],
            'replaced': [str(path) for path, _ in self.replaced],
            'present': [str(path) for path in self.present],
            'raw_has_files': self.raw_has_files,
            'findings': [finding.as_dict() for finding in self.findings],
        }


def os_reason_text(exc):
    """The OS's own words for a failed file system call (`[Errno 28] No space left on device`)."""
    if exc.errno is not None and exc.strerror:
        return f'[Errno {exc.errno}] {exc.strerror}'
    return str(exc)
