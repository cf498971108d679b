"""Foreign documents' files in unmanaged/: their name, their reason header, and adopting them later.

Plain Python. A document that is no Hedgehog object is kept, not applied: ingestion files it in unmanaged/
under a name made of its kind, name and content hash, with one comment line above it giving the reason. A
document of a kind this plugin has come to manage since (the gateway kinds) is offered for adoption.
"""

import hashlib
import re

from netbox_hedgehog.core.findings import Finding, Severity, action
from netbox_hedgehog.core.tree import UNMANAGED
from netbox_hedgehog.core.validation import classify
from netbox_hedgehog.core.yaml_reader import read_documents

__all__ = ('ADOPTABLE', 'FOREIGN_HEADER', 'adoptable_document', 'adoption_offer', 'as_file', 'foreign_file')

# A document in unmanaged/ of a kind managed now: the run offers to move it (adopt_unmanaged).
ADOPTABLE = 'INGEST_ADOPTABLE'
ADOPT_ACTION = action(
    'the Move to managed/ button of the Unmanaged tab', '`netbox hedgehog ingest <fabric> --adopt-unmanaged --dry-run`'
)
# The first line of every unmanaged/ file: why its document is kept there (gitops.unmanaged reads it back).
FOREIGN_HEADER = '# Not a Hedgehog fabric object ({reason}); kept here, not applied.'
_FOREIGN_HEADER_START = FOREIGN_HEADER.partition('{reason}')[0].encode()
_UNSAFE = re.compile(r'[^A-Za-z0-9_.-]+')


def adoptable_document(data, path):
    """(document bytes, its Classified) of the unmanaged/ file `path` holding `data`, without the reason header
    ingestion wrote above the document, when that document is of a kind this plugin manages now (it was
    foreign when it was filed); else None."""
    header, newline, document = data.partition(b'\n')
    if not header.startswith(_FOREIGN_HEADER_START) or not newline:
        return None
    result = read_documents(document, path)
    if len(result.documents) != 1 or result.findings:
        return None
    classified = classify(result.documents[0])
    return None if classified.is_foreign else (document, classified)


def adoption_offer(path, kind, name):
    """The INGEST_ADOPTABLE finding offering to move the unmanaged/ file `path` ({kind} {name}) to managed/."""
    return Finding(
        Severity.INFO,
        ADOPTABLE,
        f'{path} holds {kind} {name}, a kind this plugin manages now: ingesting with adopt_unmanaged moves it '
        'to managed/.',
        path,
        hint=f'See the plan first: {ADOPT_ACTION}.',
    )


def foreign_file(document, classified):
    """(target, content, SHA-256) of a foreign document's file in unmanaged/."""
    # The reason travels with the file, for whoever browses unmanaged/; the author's text follows as is.
    # One comment line: a reason quoting a kind with a line break in it must not add lines to the YAML.
    reason = classified.reason if classified.reason.isprintable() else repr(classified.reason)
    header = FOREIGN_HEADER.format(reason=reason) + '\n'
    content = as_file(header + document.text)
    sha256 = hashlib.sha256(content).hexdigest()
    label = _UNSAFE.sub('-', f'{classified.kind_name or "document"}-{classified.name or "unnamed"}').strip('-.')
    # The content hash makes the name unique and stable: re-ingesting the same document writes the
    # same file, and two different documents never overwrite each other.
    return f'{UNMANAGED}/{label[:100].lower()}-{sha256[:12]}.yaml', content, sha256


def as_file(text):
    return (text if text.endswith('\n') else text + '\n').encode()
