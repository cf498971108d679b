"""What an error may tell the person who met it: no server path, no exception text.

An exception's own text is written for the log. An OSError names the absolute file it failed on,
a database error quotes the server's words, a bug prints whatever it holds. Untrusted callers
(anonymous or not superuser) get `public_message(exc, tree=..., root=...)` instead:

- an OSError: the operating system's reason (its `strerror`, no path in it) and the file relative
  to the fabric's tree (or to gitops_root); a file elsewhere on the server is not named;
- an error of this plugin (a message we wrote): its text, with every absolute path made relative to
  the tree or hidden (`scrub_paths`);
- anything else (database errors, bugs): one fixed sentence. The caller logs the details.

Plain Python, so services, views, the API, jobs and the middleware share it.
"""

import os
import re

__all__ = ('GENERIC', 'HIDDEN_PATH', 'detail_for', 'public_message', 'relative_path', 'scrub_paths', 'sees_details')

GENERIC = 'An internal error occurred; the details are in the server log.'
HIDDEN_PATH = '<server path>'
PLUGIN_PACKAGE = 'netbox_hedgehog'

# An absolute path inside a text: a '/' that starts a word (not one inside a URL or a relative path)
# followed by path characters, up to white space, a quote or closing punctuation.
ABSOLUTE_PATH = re.compile(r"""(?<![\w:/.~-])/[^\s'"(),;\]]+""")


def relative_path(path, tree=None, root=None):
    """`path` relative to `tree` (the fabric's tree), else to `root` (gitops_root); None when under neither.

    The tree itself is '.', gitops_root itself 'gitops_root' (its name in the plugin's settings).
    """
    if path is None:
        return None
    path = os.path.normpath(os.fsdecode(path))
    for base, itself in ((tree, '.'), (root, 'gitops_root')):
        if base is None:
            continue
        base = os.path.normpath(os.fspath(base))
        if path == base:
            return itself
        if path.startswith(base.rstrip(os.sep) + os.sep):
            return path[len(base.rstrip(os.sep)) + 1 :]
    return None


def scrub_paths(text, tree=None, root=None):
    """`text` with each absolute path made relative to the tree (or gitops_root), or replaced by HIDDEN_PATH."""

    def replace(match):
        found = match.group(0)
        # A path at the end of a sentence keeps its full stop.
        stop = '.' if found.endswith('.') and len(found) > 1 else ''
        found = found[: len(found) - len(stop)]
        return (relative_path(found, tree, root) or HIDDEN_PATH) + stop

    return ABSOLUTE_PATH.sub(replace, str(text))


def public_message(exc, tree=None, root=None):
    """What `exc` may tell anyone: see the module docstring."""
    if isinstance(exc, OSError):
        reason = exc.strerror or 'input/output error'
        for name in (exc.filename, exc.filename2):
            shown = relative_path(name, tree, root)
            if shown:
                return f'{shown}: {reason}'
        return f'a file operation on the server failed: {reason}'
    if type(exc).__module__.partition('.')[0] == PLUGIN_PACKAGE:
        return scrub_paths(str(exc), tree, root)
    return GENERIC


def sees_details(user):
    """Superusers (and Django staff, where a user model has them) see what NetBox shows them: the exception."""
    return bool(getattr(user, 'is_superuser', False) or getattr(user, 'is_staff', False))


def detail_for(user, exc, tree=None, root=None):
    """The message about `exc` for `user`: the exception's own text for a superuser, else the public one."""
    return str(exc) if sees_details(user) else public_message(exc, tree, root)
