"""Every health code: its severity, its meaning, its hint and whether `hedgehog fix` repairs it.

The table of health as `validation/codes.py` is validation's: docs/health.md documents each code, and every
finding of a health check is made by `health_finding`, so its severity and hint come from here.
"""

from typing import NamedTuple

from netbox_hedgehog.core.findings import FIX_ACTION, INGEST_ACTION, Finding, Severity, action
from netbox_hedgehog.core.health_patterns import PATTERN_CODES

__all__ = ('CODES', 'HealthCode', 'health_finding')

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


class HealthCode(NamedTuple):
    severity: Severity
    meaning: str
    hint: str
    # `hedgehog fix` repairs findings of this code (see gitops/repair.py).
    fixable: bool = False


FIX = f'Repair it with {FIX_ACTION}.'
CODES = {
    # The tree against its spec (gitops/tree.py)
    'HEALTH_TREE_UNSAFE': HealthCode(E, 'The fabric gitops_path is refused by the path rules.', 'Correct gitops_path.'),
    'HEALTH_TREE_MISSING': HealthCode(E, 'The fabric tree folder does not exist.', FIX, True),
    'HEALTH_DIR_MISSING': HealthCode(E, 'A directory of the tree layout is missing.', FIX, True),
    'HEALTH_TREE_STAGED': HealthCode(
        E,
        "The fabric's tree was built at its creation but not moved into place when the creation committed.",
        'Finish it with '
        + action('the Fix button', '`netbox hedgehog fix <fabric>` (or `netbox hedgehog onboard <fabric>`)')
        + '.',
        True,
    ),
    'HEALTH_STAGING_LEFTOVER': HealthCode(
        INFO,
        'A staging folder under gitops_root of a fabric creation that did not commit (a crash, say).',
        FIX + ' It only holds what the creation made or cloned.',
        True,
    ),
    'HEALTH_DIR_NOT_DIRECTORY': HealthCode(
        E,
        'A file (or another non-folder) is where a tree directory belongs (a link there is HEALTH_SYMLINK).',
        f'Move it away, then repair the tree with {FIX_ACTION}.',
    ),
    'HEALTH_SYMLINK': HealthCode(
        E,
        'A symbolic link where the tree needs a real folder or file (a layout folder, or an entry inside managed/, '
        'unmanaged/ or .hnp/): links are never followed, so ingestion, fix, upload, backup and restore stop.',
        FIX + ' It moves the link aside into .hnp/links-aside/ (and puts a real empty folder in its place).',
        True,
    ),
    'HEALTH_DIR_NOT_WRITABLE': HealthCode(
        E, 'NetBox cannot write in a tree directory.', 'Give the NetBox user write access (owner, mode, mount).'
    ),
    'HEALTH_MANIFEST_MISSING': HealthCode(E, 'The manifest .hnp/manifest.yaml is missing.', FIX, True),
    'HEALTH_MANIFEST_INVALID': HealthCode(
        E, 'The manifest cannot be read or makes no sense.', 'Restore it from a backup or git; it is never overwritten.'
    ),
    'HEALTH_MANIFEST_FOREIGN': HealthCode(
        E, "The manifest names another fabric: this tree is not this fabric's.", 'Point gitops_path at its own tree.'
    ),
    'HEALTH_MANIFEST_OUTDATED': HealthCode(
        W, 'The manifest names the fabric by an old name or format.', 'Harmless; the manifest is never rewritten.'
    ),
    # managed/: one valid object per file, at the path of its kind and name
    'HEALTH_MANAGED_UNPARSABLE': HealthCode(
        E, 'A managed file cannot be read or is not valid YAML.', 'Fix the file, or restore it from git.'
    ),
    'HEALTH_MANAGED_DOCUMENT_COUNT': HealthCode(
        E, 'A managed file does not hold exactly one document.', 'Move the file into raw/ and ingest it.'
    ),
    'HEALTH_MANAGED_FOREIGN': HealthCode(
        E, 'A managed file holds no Hedgehog object (another kind, or no kind).', 'Move it into raw/ and ingest it.'
    ),
    'HEALTH_MANAGED_INVALID': HealthCode(
        E, 'A managed file holds an object that does not validate.', 'Fix the object, or ingest a valid one.'
    ),
    'HEALTH_MANAGED_WRONG_DIR': HealthCode(
        W, 'A managed file is in the directory of another kind.', FIX + ' It is moved when its place is free.', True
    ),
    'HEALTH_MANAGED_NAME_MISMATCH': HealthCode(
        W, 'A managed file name is not <metadata.name>.yaml.', FIX + ' It is renamed when the name is free.', True
    ),
    'HEALTH_MANAGED_STRAY': HealthCode(
        W,
        'An entry in managed/ that is no YAML file (other file, special file, folder with a YAML name).',
        'Move it out of managed/.',
    ),
    # The index (HedgehogResource rows) against managed/
    'HEALTH_MANAGED_MISSING': HealthCode(
        W,
        'A managed file is missing while its index row holds the object: fix writes it back (from git HEAD, or from '
        'the index).',
        FIX
        + ' If the deletion was intended: '
        + action('Forget missing objects', '`netbox hedgehog fix <fabric> --forget-missing`')
        + '.',
        True,
    ),
    'HEALTH_INDEX_ROW_ORPHANED': HealthCode(
        W, 'An index row whose managed file was deleted by a git commit: the deletion is intended.', FIX, True
    ),
    'HEALTH_INDEX_FILE_UNINDEXED': HealthCode(W, 'A valid managed file has no index row.', FIX, True),
    'HEALTH_INDEX_HASH_MISMATCH': HealthCode(W, 'A managed file changed since it was indexed.', FIX, True),
    'HEALTH_REF_DANGLING': HealthCode(
        W, 'A managed object references an object that managed/ does not hold.', 'Ingest the referenced object.'
    ),
    # Is it moving? raw/, unmanaged/, the last ingestion
    'HEALTH_RAW_PENDING': HealthCode(
        INFO, 'Files wait in raw/ for the next ingestion.', f'Nothing to do; or ingest them now with {INGEST_ACTION}.'
    ),
    'HEALTH_RAW_STALE': HealthCode(
        W,
        'YAML files have waited in raw/ longer than raw_stale_minutes.',
        f'Ingest with {INGEST_ACTION}; check that the RQ workers run.',
    ),
    'HEALTH_RAW_REJECTED': HealthCode(
        W,
        'A raw/ file was rejected by the last ingestion and awaits a person.',
        f'Correct the file, then ingest again with {INGEST_ACTION}.',
    ),
    'HEALTH_RAW_IGNORED': HealthCode(
        INFO, 'Files in raw/ that ingestion leaves alone (not YAML, or hidden).', 'Remove them from raw/.'
    ),
    'HEALTH_UNMANAGED_DOCUMENTS': HealthCode(
        INFO,
        'Foreign documents kept in unmanaged/.',
        'Nothing to do; each file there says why it is not a Hedgehog object. Delete those you do not need.',
    ),
    'HEALTH_INGESTION_FAILED': HealthCode(
        W,
        'The last ingestion failed; nothing was lost.',
        f'Read the run error, then ingest again with {INGEST_ACTION}.',
    ),
    'HEALTH_INGESTION_RUNNING': HealthCode(
        INFO, 'An ingestion is running; some findings may be transient.', 'Check again once it has finished.'
    ),
    # The git working copy (fabrics with a remote)
    'HEALTH_GIT_NOT_CLONED': HealthCode(
        W, 'The fabric has a git remote but no working copy on this server yet.', 'The next ingestion clones it.'
    ),
    'HEALTH_GIT_CREDENTIALS': HealthCode(
        E,
        'The git credentials configured for the remote cannot be read, or the remote refuses them (or wants some).',
        "An administrator checks the git_credentials entry covering the remote's URL in PLUGINS_CONFIG.",
    ),
    'HEALTH_GIT_CREDENTIALS_UNCONFIGURED': HealthCode(
        E,
        'The fabric named git credentials before they moved to PLUGINS_CONFIG, and no configured entry covers '
        'its remote URL.',
        "An administrator adds an entry with the URL prefix the finding gives to PLUGINS_CONFIG['netbox_hedgehog']"
        "['git_credentials'] (the former reference is in the log of migration 0008), then restarts NetBox.",
    ),
    'HEALTH_GIT_UNREACHABLE': HealthCode(
        W, 'The git remote cannot be reached; commits wait in the working copy.', 'Check the URL and the network.'
    ),
    'HEALTH_GIT_DIRTY': HealthCode(
        W, 'Files under the tree changed without a commit (raw/ aside).', 'The next ingestion commits them.'
    ),
    'HEALTH_GIT_AHEAD': HealthCode(
        W,
        'Commits of the working copy are not on the remote yet.',
        f'Ingest again with {INGEST_ACTION} to push, or check the remote.',
    ),
    'HEALTH_GIT_BEHIND': HealthCode(
        INFO,
        'The remote has commits the working copy has not pulled yet.',
        'Nothing to do: the next ingestion pulls them.',
    ),
    'HEALTH_GIT_DIVERGED': HealthCode(
        E,
        'The working copy and the remote have diverged: ingestion refuses to run.',
        'Reconcile them by hand in the working copy (rebase or merge), then push.',
    ),
    # The machine
    'HEALTH_DISK_LOW': HealthCode(
        E, 'Free disk space under the tree is below min_free_disk_bytes.', 'Free disk space or grow the volume.'
    ),
    # Failure patterns across runs and checks (gitops/patterns.py): the hint is the remedy
    **{code: HealthCode(known.severity, known.meaning, known.remedy) for code, known in PATTERN_CODES.items()},
}


def health_finding(code, message, file='', line=None, path='', hint=None, document=None):
    """A finding of health code `code`, with the code's severity and (unless `hint` says otherwise) its hint."""
    known = CODES[code]
    return Finding(known.severity, code, message, file, line, document, path, known.hint if hint is None else hint)
