"""The one way into a fabric's tree: every open, read, write, rename, listing and removal goes through here,
and none of them follows a symbolic link. Plain Python (stdlib): no Django.

A tree's content is untrusted (a `git push` can put anything there, links included), so a link anywhere
between `gitops_root` and a file is refused, not followed, and a race cannot change that: folders are
opened one name at a time from `gitops_root` with O_DIRECTORY|O_NOFOLLOW and kept open (one descriptor
per folder, for the life of a `Tree`), and every operation works relative to its folder's descriptor
with one plain name, never following that name either (O_NOFOLLOW, O_EXCL, `follow_symlinks=False`,
rename and unlink, which act on a link itself). A folder swapped for a link after it was opened is not
seen through: the descriptor still names the real folder (or a removed one, where creating fails).

A refused link raises `LinkRefused`, an OSError with errno ELOOP whose filename is the path relative to
the tree (never an absolute server path), so a caller can make a finding of it. Other OSErrors raised
here carry the tree-relative path too.

`gitops_root` itself may be a link: the administrator chose it. This package is separate from
`fileops.py`, which counts a run's operations for the crash tests and forks the output writer: that
layer calls this one, as does everything else that touches a tree (health, upload, repair, onboarding).

The package has two jobs: `access` opens, reads, writes, renames, lists and removes (the `Tree`, built of the
system calls in `calls`), `rules` says what the layout allows in a tree (links that stop a writer, the one raw/
listing, the `.gitkeep` of an empty folder). Callers import both from here.
"""

from netbox_hedgehog.services.treefs.access import *
from netbox_hedgehog.services.treefs.rules import *
