"""Git around a run: fast-forward a fabric's working copy before it, one commit and a push after it.

Onboarding and ingestion call these with the fabric's lock held (or, for a new fabric, inside its
creating transaction), so one process at a time changes a working copy and the remote's history
orders the runs of different machines.
"""

import logging
import os

from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.services.repository import AUTHOR, PushResult
from netbox_hedgehog.services.treefs import Tree, keep_empty_directories

__all__ = ('commit_message', 'publish', 'pull_before_run')

logger = logging.getLogger('netbox_hedgehog.git')
CHANGE_WORDS = {'create': 'created', 'update': 'updated', 'foreign': 'unmanaged'}


def pull_before_run(fabric, copy):
    """Clone on first use, then fast-forward; GitError (nothing changed) on a diverged history.

    Returns the repository paths under the tree that the pull changed (another worker's run, a
    person's push), so the caller can bring the index up to date before planning.
    """
    copy.ensure()
    result = copy.pull()
    if result.commits:
        logger.info(
            'fabric=%s event=git_pulled commits=%s changed=%s', fabric.name, result.commits, len(result.changed)
        )
    return result.changed


def publish(fabric, copy, message, user=None):
    """Commit the tree as one commit (none when nothing changed) and push what is not on the remote yet.

    Never raises for the remote's answer: a push that fails even after one rebase-and-retry leaves
    the commit in the working copy, and the PushResult says why.
    """
    root = gitops_root()
    # The working copy's own tree (a new fabric's is staged at its creation, not yet at its path).
    with Tree(root, os.path.relpath(copy.tree, root)) as tree:
        keep_empty_directories(tree)
    commit = copy.commit(message, author=_author(user))
    if commit is None and not copy.unpushed():
        return PushResult()
    result = copy.push(commit)
    if result.pushed:
        logger.info('fabric=%s event=git_pushed commit=%s retried=%s', fabric.name, result.commit, result.retried)
    else:
        logger.warning('fabric=%s event=git_push_failed commit=%s reason=%s', fabric.name, result.commit, result.error)
    return result


def commit_message(fabric, counts, run=None):
    """One title line a person reads in `git log` (what changed), then every count of the run."""
    documents, files = counts.get('documents', {}), counts.get('files', {})
    changes = [f'{documents[action]} {word}' for action, word in CHANGE_WORDS.items() if documents.get(action)]
    if files.get('reject'):
        changes.append(f'{files["reject"]} file(s) rejected')
    title = f'hedgehog: ingest {fabric.name}: {", ".join(changes) or "tree changes"}'
    body = [f'documents {action}: {number}' for action, number in documents.items() if number]
    body += [f'files {action}: {number}' for action, number in files.items() if number]
    if run is not None:
        body.append(f'NetBox ingestion run: {run.pk}')
    return '\n\n'.join([title, '\n'.join(body)]) if body else title


def _author(user):
    if user is None or not getattr(user, 'username', None):
        return AUTHOR
    return (user.get_full_name() or user.username, user.email or f'{user.username}@netbox.invalid')
