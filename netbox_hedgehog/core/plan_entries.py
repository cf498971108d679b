"""The documents of a plan's parsed files as entries, and the checks across them that reject a file beyond
validation. Pure.

An entry is a document with its file's plan, its classification, and what it would write: a Hedgehog
document's cleaned data and managed file, or a foreign document's unmanaged/ file. Two checks need every entry
of the run at once: the same object defined differently twice (INGEST_CONFLICT: every file defining it is
rejected), and an output path that holds no file or cannot be read (INGEST_TARGET_NOT_A_FILE,
INGEST_READ_FAILED). plan.py builds the entries once the known files are settled, runs these checks, and
decides each document's action; kept apart from it so that plan.py reads as its three steps.
"""

from dataclasses import dataclass

from netbox_hedgehog.core.findings import Finding, Severity
from netbox_hedgehog.core.foreign import foreign_file
from netbox_hedgehog.core.managed_text import clean_data
from netbox_hedgehog.core.plan_model import (
    CONFLICT,
    NOT_A_FILE,
    READ_FAILED,
    TARGET_NOT_A_FILE,
    FilePlan,
    Unreadable,
    managed_target,
)
from netbox_hedgehog.core.tree import MANAGED, UNMANAGED
from netbox_hedgehog.core.validation import is_file_name_safe

__all__ = ('Entry', 'classify_entries', 'document_target', 'entry_target', 'note_blocked_targets', 'note_conflicts')


@dataclass(slots=True)
class Entry:
    """A document of a parsed file, as the plan sees it."""

    file_plan: FilePlan
    document: object
    classified: object
    cleaned: object = None
    foreign_file: tuple | None = None  # (target, content, SHA-256) of a foreign document's unmanaged/ file


def classify_entries(parsed, classify_once):
    """The entries of `parsed` ((FilePlan, documents) pairs), each classified once (`classify_once`)."""
    entries = []
    for file_plan, documents in parsed:
        for document in documents:
            classified = classify_once(document)
            entry = Entry(file_plan, document, classified)
            if classified.is_foreign:
                entry.foreign_file = foreign_file(document, classified)
            else:
                entry.cleaned = clean_data(document.data)
            entries.append(entry)
    return entries


def document_target(classified):
    """The managed file of a Hedgehog document, or None for a foreign one or one whose name cannot name a
    file (NUL, `/`, a control character, too long...): validation reports that name (NAME_*) as an error,
    and no file system call, finding or index ever gets it from here."""
    if classified.is_foreign or not is_file_name_safe(classified.name):
        return None
    return managed_target(classified.kind, classified.name)


def entry_target(entry):
    """The file an entry's document would be written to: its unmanaged/ file, or its managed file (None for a
    name that cannot name a file)."""
    return entry.foreign_file[0] if entry.classified.is_foreign else document_target(entry.classified)


def note_conflicts(entries):
    """Every definition of an object defined differently twice gets an error naming the others."""
    definitions = {}
    for entry in entries:
        if entry.cleaned is not None and document_target(entry.classified):
            definitions.setdefault((entry.classified.kind.kind, entry.classified.name), []).append(entry)
    for (kind, name), group in definitions.items():
        first = group[0].cleaned
        if all(entry.cleaned == first for entry in group[1:]):
            continue
        places = [f'{entry.file_plan.path}:{entry.document.line}' for entry in group]
        for entry in group:
            others = ', '.join(place for place in places if place != f'{entry.file_plan.path}:{entry.document.line}')
            _reject(
                entry,
                CONFLICT,
                f'{kind} {name} is defined differently in {others}; no file defining it is ingested.',
                'Keep one definition (fix or remove the others), then ingest again.',
            )


def note_blocked_targets(entries, current):
    """A document whose output path holds something other than a file (a folder, say) cannot be written."""
    for entry in entries:
        classified = entry.classified
        if classified.is_foreign:
            target, what, folder = entry.foreign_file[0], 'this foreign document', UNMANAGED
        elif target := document_target(classified):
            what, folder = f'{classified.kind.kind} {classified.name}', MANAGED
        else:
            continue
        state = current.get(target)
        if isinstance(state, Unreadable):
            _reject(
                entry,
                READ_FAILED,
                f'{target} could not be read ({state}): {what} cannot be compared with it or written.',
                f'Make that file in {folder}/ readable (or move it away), then ingest again.',
            )
        elif state == NOT_A_FILE:
            _reject(
                entry,
                TARGET_NOT_A_FILE,
                f'{target} exists and is not a file: {what} cannot be written.',
                f'Move what is at that path out of {folder}/, then ingest again.',
            )


def _reject(entry, code, message, hint):
    """An error at the entry's document (its name: what the output is named by) that rejects its file."""
    entry.file_plan.findings.append(
        Finding(
            Severity.ERROR,
            code,
            message,
            entry.file_plan.path,
            entry.document.line,
            entry.document.index,
            'metadata.name',
            hint,
        )
    )
