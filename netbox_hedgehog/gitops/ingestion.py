"""Ingestion: raw/ into managed/ and unmanaged/, then NetBox's index, without ever losing a document.

The order is the data-safety contract (ARCHITECTURE.md section 3): plan everything first; write
each managed/unmanaged file atomically (temporary file, rename); one durability barrier; the DB
index in one transaction; only then remove the raw files that were ingested whole; provenance
last. A crash anywhere leaves every document in its raw file or in a durable output file, and a
re-run reaches the state an uninterrupted run would have: outputs whose bytes are already right
are not rewritten, the index is rebuilt from what is on disk.

Every entry point (command, job, API, UI, onboarding) calls `ingest`, `reindex` or `raw_backlog`;
uploads into raw/ are checked with `plan_raw_file`.
"""

import functools
import gc
import hashlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from stat import S_ISREG
from typing import NamedTuple

from core.models import ObjectType
from django.db import connection, transaction
from django.utils import timezone
from extras.models import CachedValue
from netbox.plugins import get_plugin_config
from psycopg.types.json import Jsonb

from netbox_hedgehog import kinds
from netbox_hedgehog.choices import GitOpsStatusChoices, IngestionStatusChoices
from netbox_hedgehog.errors import public_message
from netbox_hedgehog.findings import Finding, Severity
from netbox_hedgehog.gitops import fileops, sync
from netbox_hedgehog.gitops.lock import FabricLocked, fabric_lock
from netbox_hedgehog.gitops.plan import (
    NOT_A_FILE,
    RECORD_FIELDS,
    RECORD_SHA256,
    RECORD_TARGET,
    DocumentAction,
    RawFile,
    make_plan,
    managed_target,
)
from netbox_hedgehog.gitops.repository import PushResult
from netbox_hedgehog.gitops.tree import GITKEEP, is_yaml_name
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestedFile, IngestionRun
from netbox_hedgehog.models.fabric import gitops_root
from netbox_hedgehog.search import HedgehogResourceIndex
from netbox_hedgehog.validation import classify, validate_document
from netbox_hedgehog.yamlio import Document, read_documents

__all__ = (
    'EXIT_NOT_PUSHED',
    'IngestionLocked',
    'IngestionOutcome',
    'ReindexResult',
    'ingest',
    'plan_raw_file',
    'raw_backlog',
    'reindex',
)

IngestionLocked = FabricLocked
PROVENANCE_LOG = 'ingestions.jsonl'
# `hedgehog ingest` exit code: the run's commit stayed in the working copy (also for a failed pull).
EXIT_NOT_PUSHED = 4
REMOVERS = 8
# A record written by this version carries its output's size and modification time after RECORD_FIELDS.
_RECORD_LENGTH = len(RECORD_FIELDS)
_SIZE, _MTIME = _RECORD_LENGTH, _RECORD_LENGTH + 1


@dataclass
class IngestionOutcome:
    fabric: HedgehogFabric
    plan: object
    dry_run: bool
    run: IngestionRun | None = None
    written: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    # Raw files ingested as they were read, then changed before their removal: kept in raw/.
    changed_during_run: list = field(default_factory=list)

    # With a git remote: the run's commit and whether it reached the remote.
    git: PushResult | None = None

    @property
    def exit_code(self):
        """The command's exit code: 0 when every raw file was ingested (and pushed, with a remote), 1 when
        some stay in raw/, 4 when the run's commit could not be pushed (it is kept in the working copy)."""
        if self.git is not None and self.git.error:
            return EXIT_NOT_PUSHED
        return 1 if self.plan.rejected else 0

    def as_dict(self):
        return {
            'fabric': self.fabric.name,
            'dry_run': self.dry_run,
            'run': self.run.pk if self.run else None,
            'written': self.written,
            'removed': self.removed,
            'changed_during_run': self.changed_during_run,
            'git': self.git.as_dict() if self.git else None,
            **self.plan.as_dict(),
        }


def ingest(fabric, *, trigger, user=None, dry_run=False, progress=None, wait=0):
    """Ingest `fabric`'s raw/ folder.

    Raises IngestionLocked when another ingestion holds the fabric (at once, or after `wait`
    seconds), and GitError, before any change, when the fabric's working copy cannot be brought up
    to date with its remote. A dry run neither pulls nor commits.
    """
    with fabric_lock(fabric, wait=wait):
        copy = None if dry_run else fabric.working_copy()
        if copy is not None:
            changed = sync.pull_before_run(fabric, copy)
            if any('/managed/' in f'/{path}' for path in changed):
                # Another worker's run (already indexed) or a person's push (not yet): files are the truth.
                _reindex(fabric)
        outcome = _Ingestion(fabric, trigger, user, progress).run(dry_run)
        if copy is not None:
            message = sync.commit_message(fabric, outcome.run.counts, outcome.run)
            outcome.git = sync.publish(fabric, copy, message, user)
            IngestionRun.objects.filter(pk=outcome.run.pk).update(
                git_commit=outcome.git.commit or '', git_error=outcome.git.error
            )
        return outcome


def plan_raw_file(fabric, path, data):
    """The FilePlan ingestion would make for one raw file on its own (an upload, say): its documents and
    findings against what managed/ holds now. Takes no lock and writes nothing; files waiting beside it
    in raw/ are not considered (a clash with one of them shows at ingestion)."""
    return _Ingestion(fabric, trigger=None, user=None, progress=None).plan([RawFile(path, data)]).files[0]


class _Ingestion:
    def __init__(self, fabric, trigger, user, progress):
        self.fabric = fabric
        self.trigger = trigger
        self.user = user
        self.progress = progress or (lambda step, done, total: None)
        self.layout = fabric.layout()
        self.tree = str(self.layout.path)
        self.operations = fileops.FileOperations()
        self.raw_identities = {}  # raw path -> _identity() when its bytes were read
        # target -> (size, modification time) of each output this run looked at or wrote: its index rows
        # and ingested-file records carry them
        self.output_stats = {}

    def run(self, dry_run):
        with _cyclic_collector_paused():
            return self._run(dry_run)

    def _run(self, dry_run):
        started = timezone.now()
        raw_files, ignored = self._read_raw()
        plan = self.plan(raw_files, ignored)
        outcome = IngestionOutcome(self.fabric, plan, dry_run)
        if dry_run:
            return outcome
        _close_interrupted_runs(self.fabric)
        if _last_run_failed(self.fabric):  # only a run that did not finish leaves temporary files behind
            self.operations.remove_stale_temporaries((self.layout.managed, self.layout.unmanaged))
        outcome.run = IngestionRun.objects.create(
            fabric=self.fabric, started=started, trigger=self.trigger, user=self.user
        )
        try:
            outputs = self._outputs(plan)
            outcome.written = sorted(outputs)
            # Every output gets this modification time, set by the writer, so the index rows are built
            # before the files exist. A later edit gets the kernel's time of that edit, so a same-size
            # edit is still told apart from what this run wrote.
            stamp = time.time_ns()
            self.output_stats.update((target, (len(content), stamp)) for target, content in outputs.items())
            provenance = _provenance(plan)
            with transaction.atomic():
                # The files are written, and made durable by the run's one barrier, while the index is
                # filled in the open transaction: it commits only after the barrier, so the index never
                # names a file that is not durable, and no raw file goes before both.
                with self._writing(outputs, stamp):
                    _update_index(self.fabric, plan, lambda: self.rows, self.output_stats, outcome.run)
                    _record_ingested_files(self.fabric, plan, outcome.run, self.output_stats)
                    _finish_run(outcome, provenance)
            outcome.removed = self._remove_ingested(plan, outcome)
            if provenance:  # a run that ingested nothing leaves the log (and git) alone
                self._append_provenance(outcome.run, provenance)
        except BaseException as exc:
            _record_failure(self.fabric, outcome.run, exc)
            raise
        return outcome

    @functools.cached_property
    def rows(self):
        """The index entries by managed path; read only when a file is not settled by its records alone."""
        return _index_entries(self.fabric)

    def plan(self, raw_files, ignored=()):
        return make_plan(
            raw_files,
            self._current_sha256,
            lambda: _indexed_documents(self.fabric),
            ignored=ignored,
            max_bytes=get_plugin_config('netbox_hedgehog', 'max_file_bytes'),
            known_files=_known_files(self.fabric, raw_files),
            scope=f'raw/ nor managed/ of fabric {self.fabric.name}',
            output_in_place=self._output_in_place,
        )

    def _read_raw(self):
        raw_files, ignored = [], []
        for path in sorted(self.layout.raw.rglob('*')):
            if not path.is_file() or path.name == GITKEEP or path.name.startswith('.'):
                continue
            relative = str(path)[len(self.tree) + 1 :]  # relative to the tree, as the plan names files
            if not is_yaml_name(path.name):
                ignored.append(relative)
                continue
            before = _identity(path)
            data = path.read_bytes()
            if _identity(path) != before:
                continue  # being written right now: it waits for the next run, whole
            self.raw_identities[relative] = before
            raw_files.append(RawFile(relative, data))
        return raw_files, ignored

    def _output_in_place(self, record):
        """Whether a known file's output still holds what its record says: at once when the file's size and
        modification time are those the record saw, else by its hash."""
        target = record[RECORD_TARGET]
        if len(record) > _RECORD_LENGTH:  # records of earlier versions carry no stats
            try:
                stat = os.stat(f'{self.tree}/{target}')
            except FileNotFoundError:
                return False
            if stat.st_mtime_ns == record[_MTIME] and stat.st_size == record[_SIZE] and S_ISREG(stat.st_mode):
                return True
        return self._current_sha256(target) == record[RECORD_SHA256]

    def _current_sha256(self, target):
        """The file's hash: from the index when its size and modification time still match, else read."""
        path = self._path(target)
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return None
        if not S_ISREG(stat.st_mode):
            return NOT_A_FILE
        size, mtime_ns = self.output_stats[target] = stat.st_size, stat.st_mtime_ns
        row = self.rows.get(target)
        if row is not None and row.file_size == size and row.file_mtime_ns == mtime_ns:
            return row.sha256
        with open(path, 'rb') as handle:
            return hashlib.sha256(handle.read()).hexdigest()

    def _outputs(self, plan):
        """{target: content} of every file this run writes."""
        return {
            document.target: document.content
            for file_plan in plan.parsed
            for document in file_plan.documents
            if self._needs_writing(document)
        }

    def _writing(self, outputs, mtime_ns):
        for folder in {os.path.dirname(self._path(target)) for target in outputs}:
            os.makedirs(folder, exist_ok=True)
        files = [(self._path(target), content) for target, content in sorted(outputs.items())]
        return fileops.writing(self.operations, files, mtime_ns, self.progress)

    def _needs_writing(self, document):
        if document.content is None:
            return False  # a document of a settled file: its output is in place
        if document.action in (DocumentAction.CREATE, DocumentAction.UPDATE):
            return True  # the plan found the target missing or holding other bytes
        # A foreign document's file is named by its content, so it may be there already.
        return document.action == DocumentAction.FOREIGN and not _holds(self._path(document.target), document.content)

    def _path(self, target):
        return f'{self.tree}/{target}'

    def _remove_ingested(self, plan, outcome):
        removed = []
        for file_plan in plan.ingested:
            if _identity(self._path(file_plan.path)) != self.raw_identities[file_plan.path]:
                # Changed since it was read (an editor, a copy still arriving): what was read is in
                # managed/ now, the new content stays in raw/ for the next run.
                outcome.changed_during_run.append(file_plan.path)
            else:
                removed.append(file_plan.path)
        # Removing a file can wait for the disk (a file system mounted with `discard` trims the freed
        # blocks there and then): the removals wait together, not one after the other.
        with ThreadPoolExecutor(REMOVERS) as pool:
            list(pool.map(self.operations.unlink, map(self._path, removed)))
        return removed

    def _append_provenance(self, run, provenance):
        record = {
            'run': run.pk,
            'started': run.started.isoformat(),
            'finished': run.finished.isoformat(),
            'trigger': self.trigger,
            'entries': provenance,
        }
        self.operations.append(self.layout.hnp / PROVENANCE_LOG, json.dumps(record, sort_keys=True) + '\n')


@contextmanager
def _cyclic_collector_paused():
    """A run builds millions of small objects without cycles (parsed documents, plan, rows); meanwhile
    CPython's cyclic collector would walk the whole heap, NetBox's included, again and again: a quarter
    of the plan's time. Paused for the run, and resumed as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _identity(path):
    """Which file, of which size, last written when: any change of a raw file changes this."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def _holds(path, content):
    try:
        with open(path, 'rb') as handle:
            return os.fstat(handle.fileno()).st_size == len(content) and handle.read() == content
    except FileNotFoundError:
        return False


class _IndexEntry(NamedTuple):
    pk: int
    sha256: str
    file_size: int | None
    file_mtime_ns: int | None


def _index_entries(fabric):
    """What a run needs of each index row, keyed by managed path: no model instances, no specs.

    Plain SQL: the ORM's per-row conversions would cost more than the query for a large fabric.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT managed_path, id, sha256, file_size, file_mtime_ns '
            f'FROM {HedgehogResource._meta.db_table} WHERE fabric_id = %s',
            [fabric.pk],
        )
        return {path: _IndexEntry(*values) for path, *values in cursor.fetchall()}


def _indexed_documents(fabric):
    """The index as documents, so raw/ references to managed objects resolve without reading files."""
    fields = ('managed_path', 'api_version', 'kind', 'name', 'namespace', 'spec')
    rows = HedgehogResource.objects.filter(fabric=fabric)
    return [
        Document(
            file=path,
            index=0,
            line=1,
            text_line=1,
            text='',
            data={'apiVersion': api, 'kind': kind, 'metadata': {'name': name, 'namespace': namespace}, 'spec': spec},
        )
        for path, api, kind, name, namespace, spec in rows.values_list(*fields)
    ]


def _provenance(plan):
    """Where each document went. A settled file (same bytes as an earlier run, outputs intact) gets one
    entry for the file: its documents' provenance is the earlier run's, recorded then."""
    entries = []
    for file_plan in plan.ingested:
        if file_plan.settled:
            entries.append({'source': file_plan.path, 'sha256': file_plan.sha256, 'action': 'settled'})
            continue
        entries.extend(
            {
                'source': file_plan.path,
                'document': document.index,
                'line': document.line,
                'sha256': document.sha256,
                'destination': document.target,
                'action': document.action.value,
            }
            for document in file_plan.documents
        )
    return entries


def _update_index(fabric, plan, index_rows, output_stats, run):
    """One row per managed object this run wrote; rows of unchanged objects are not touched.

    `index_rows()` gives the index entries by managed path: only asked for when a file was parsed.
    """
    creates, updates = [], []
    for file_plan in plan.parsed:
        for document in file_plan.documents:
            if document.data is None or document.action in (DocumentAction.DUPLICATE, DocumentAction.FOREIGN):
                continue
            row = index_rows().get(document.target)
            if row is not None and row.sha256 == document.sha256 and row.file_size is not None:
                continue
            size, mtime_ns = output_stats[document.target]  # written now, or looked at by the plan
            fields = {
                **_row_fields(document.data, document.target, document.sha256),
                'file_size': size,
                'file_mtime_ns': mtime_ns,
                'source_file': file_plan.path,
                'source_document': document.index,
                'source_line': document.line,
                'last_run_id': run.pk,
            }
            if row is None:
                creates.append(fields)
            else:
                updates.append((row.pk, fields))
    if creates or updates:
        created = _insert_rows(fabric, creates)
        _update_rows(updates)
        _refresh_search([pk for pk, _ in created + updates], stale_ids=[pk for pk, _ in updates])


def _refresh_search(written_ids, stale_ids=()):
    """NetBox's global search cache for rows written in bulk (bulk writes skip the signals that keep it).

    `written_ids` are the rows written; `stale_ids` the rows whose entries are outdated (updated or
    deleted; a row created now has none). The entries are what the search index's `to_cache()` gives,
    made by the database from the rows just written, in one statement: building them in Python
    costs a fifth of a large first ingestion.
    """
    object_type = ObjectType.objects.get_for_model(HedgehogResource)
    if stale_ids:
        CachedValue.objects.filter(object_type=object_type, object_id__in=stale_ids).delete()
    if not written_ids:
        return
    fields, parameters = [], []
    for name, weight in HedgehogResourceIndex.fields:
        fields.append(f'(%s, %s, %s, r.{connection.ops.quote_name(name)})')
        parameters += [name, HedgehogResourceIndex.get_field_type(HedgehogResource, name), weight]
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {CachedValue._meta.db_table} '
            '(id, timestamp, object_type_id, object_id, field, type, weight, value) '
            'SELECT gen_random_uuid(), now(), %s, r.id, f.field, f.type, f.weight, f.value '
            f'FROM {HedgehogResource._meta.db_table} r '
            f'CROSS JOIN LATERAL (VALUES {", ".join(fields)}) AS f(field, type, weight, value) '
            "WHERE r.id = ANY(%s) AND f.value <> ''",  # to_cache() leaves empty values out
            [object_type.pk, *parameters, list(written_ids)],
        )


def _insert_rows(fabric, rows):
    """Insert `rows` (field dicts) with one COPY; returns (pk, fields) per row.

    The primary keys are drawn from the table's sequence first, so nothing has to be read back.
    """
    if not rows:
        return []
    table = HedgehogResource._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [len(rows)]
        )
        created = [(pk, fields) for (pk,), fields in zip(cursor.fetchall(), rows, strict=True)]
    now = timezone.now()
    columns = ('id', 'created', 'last_updated', 'custom_field_data', 'fabric_id', *rows[0])
    _copy(
        table,
        columns,
        (
            # JSON as text: COPY's text format is what the Jsonb adapter would produce, at half the cost.
            (pk, now, now, '{}', fabric.pk, *(json.dumps(v) if k == 'spec' else v for k, v in fields.items()))
            for pk, fields in created
        ),
    )
    return created


def _copy(table, columns, rows):
    """COPY: ten thousand rows in a fraction of a second, where INSERTs built by the ORM take seconds."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY {table} ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)


def _update_rows(updates):
    if not updates:
        return
    names = list(updates[0][1])
    table = HedgehogResource._meta.db_table
    assignments = ', '.join(f'{name} = %s' for name in ['last_updated', *names])
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.executemany(
            f'UPDATE {table} SET {assignments} WHERE id = %s',
            [
                [now, *(Jsonb(value) if name == 'spec' else value for name, value in fields.items()), pk]
                for pk, fields in updates
            ],
        )


def _known_files(fabric, raw_files):
    shas = {raw.sha256 for raw in raw_files}
    recorded = IngestedFile.objects.filter(fabric=fabric, sha256__in=shas).values_list('sha256', 'documents')
    return {sha256: json.loads(documents) for sha256, documents in recorded}


def _record_ingested_files(fabric, plan, run, output_stats):
    """Remember each file ingested from its bytes (settled files are already recorded).

    Each document's record carries its output's size and modification time as this run wrote or saw
    it (`output_stats`), so that a later run settles the file with a stat per output. Byte-identical
    files get one record; a record of the same bytes from an earlier run (whose outputs were edited
    since, so the file was parsed again) is replaced. One DELETE and one COPY.
    """
    records = {}
    for file_plan in plan.parsed:
        records.setdefault(
            file_plan.sha256,
            [document.record() + list(output_stats.get(document.target, ())) for document in file_plan.documents],
        )
    if not records:
        return
    table = IngestedFile._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM {table} WHERE fabric_id = %s AND sha256 = ANY(%s)', [fabric.pk, list(records)])
    _copy(
        table,
        ('fabric_id', 'sha256', 'documents', 'run_id'),
        ((fabric.pk, sha256, json.dumps(documents), run.pk) for sha256, documents in records.items()),
    )


def _row_fields(data, target, sha256):
    metadata = data.get('metadata') or {}
    return {
        'kind': data['kind'],
        'name': metadata['name'],
        'namespace': metadata.get('namespace') or 'default',
        'api_version': data['apiVersion'],
        'spec': data.get('spec'),
        'managed_path': target,
        'sha256': sha256,
    }


def _finish_run(outcome, provenance):
    run, plan, fabric = outcome.run, outcome.plan, outcome.fabric
    run.finished = timezone.now()
    run.status = IngestionStatusChoices.REJECTED if plan.rejected else IngestionStatusChoices.COMPLETED
    run.counts = {**plan.counts(), 'written': len(outcome.written)}
    run.findings = [finding.as_dict() for finding in plan.findings()]
    run.provenance = provenance
    run.save()
    status = GitOpsStatusChoices.DEGRADED if plan.rejected else GitOpsStatusChoices.SYNCED
    HedgehogFabric.objects.filter(pk=fabric.pk).update(last_ingested=run.finished, gitops_status=status)
    fabric.last_ingested, fabric.gitops_status = run.finished, status


def _close_interrupted_runs(fabric):
    """A run still marked running while we hold the lock died with its process."""
    IngestionRun.objects.filter(fabric=fabric, status=IngestionStatusChoices.RUNNING).update(
        status=IngestionStatusChoices.FAILED, finished=timezone.now(), error='interrupted (the process stopped)'
    )


def _last_run_failed(fabric):
    """True when the fabric's latest run failed or was interrupted (once closed, an interrupted run is failed)."""
    return fabric.runs.values_list('status', flat=True).first() == IngestionStatusChoices.FAILED


def _record_failure(fabric, run, exc):
    """Mark the run and fabric failed; a failure here must never hide `exc`."""
    try:
        # The run's error is shown to whoever may view runs: no server path, no exception text (the exception
        # itself goes on to the caller and the log).
        error = public_message(exc, fabric.tree_path, gitops_root())
        IngestionRun.objects.filter(pk=run.pk).update(
            status=IngestionStatusChoices.FAILED, finished=timezone.now(), error=error
        )
        HedgehogFabric.objects.filter(pk=fabric.pk).update(gitops_status=GitOpsStatusChoices.FAILED)
    except Exception as status_error:
        exc.add_note(f'recording the failure also failed: {status_error}')


#
# Re-index: the index rebuilt from managed/
#


@dataclass
class ReindexResult:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    unchanged: int = 0
    findings: list = field(default_factory=list)

    def as_dict(self):
        return {
            'created': self.created,
            'updated': self.updated,
            'deleted': self.deleted,
            'unchanged': self.unchanged,
            'findings': [finding.as_dict() for finding in self.findings],
        }


def reindex(fabric):
    """Make the index match managed/ exactly: rows follow files; files are never touched."""
    with fabric_lock(fabric, 'reindex'):
        return _reindex(fabric)


def _reindex(fabric):
    layout = fabric.layout()
    rows = _index_entries(fabric)
    result = ReindexResult()
    creates, updates, restamped, present = [], [], [], set()
    for kind in kinds.KINDS:
        for path in sorted(layout.managed_dir(kind).glob('*.yaml')):
            target = path.relative_to(layout.path).as_posix()
            data = path.read_bytes()
            sha256 = hashlib.sha256(data).hexdigest()
            stat = path.stat()
            stamp = {'file_size': stat.st_size, 'file_mtime_ns': stat.st_mtime_ns}
            row = rows.get(target)
            if row is not None and row.sha256 == sha256:
                present.add(target)
                result.unchanged += 1
                if (row.file_size, row.file_mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                    restamped.append((row.pk, stamp))
                continue
            fields = _managed_file_fields(kind, target, data, sha256, result.findings)
            if fields is None:
                continue  # not a valid object: no row claims it is (health reports the file)
            present.add(target)
            if row is None:
                creates.append({**fields, **stamp, 'source_file': ''})
                result.created.append(target)
            else:
                updates.append((row.pk, {**fields, **stamp, 'source_file': ''}))
                result.updated.append(target)
    result.deleted = sorted(set(rows) - present)
    with transaction.atomic():
        HedgehogResource.objects.filter(fabric=fabric, managed_path__in=result.deleted).delete()
        created = _insert_rows(fabric, creates)
        _update_rows(updates)
        _refresh_search(
            [pk for pk, _ in created + updates],
            stale_ids=[pk for pk, _ in updates] + [rows[path].pk for path in result.deleted],
        )
        _update_rows(restamped)
    return result


def _managed_file_fields(kind, target, data, sha256, findings):
    """Index fields of a managed file holding exactly one valid object of its directory's kind, else None."""
    read = read_documents(data, target)
    problem = None
    if read.findings or len(read.documents) != 1:
        problem = f'holds {read.total} documents' if not read.findings else read.findings[0].message
    else:
        document = read.documents[0]
        classified = classify(document)
        expected = managed_target(classified.kind, classified.name) if classified.kind else None
        if expected != target:
            problem = f'holds {classified.kind_name or "a foreign document"} {classified.name!r}, not {kind.kind}'
        elif any(f.severity == Severity.ERROR for f in validate_document(document)):
            problem = 'does not validate'
    if problem:
        findings.append(
            Finding(
                Severity.WARNING,
                'INDEX_SKIPPED_FILE',
                f'{target} {problem}: not indexed.',
                file=target,
                hint='Run the health check for details; fix or move the file.',
            )
        )
        return None
    return _row_fields(document.data, target, sha256)


#
# raw/ backlog
#


def raw_backlog(fabric):
    """Files waiting in raw/ now, with the findings the last run recorded for each."""
    layout = fabric.layout()
    runs = fabric.runs.exclude(status=IngestionStatusChoices.RUNNING).defer('provenance')
    last = runs.order_by('-started', '-pk').first()
    findings = {}
    for finding in last.findings if last else ():
        findings.setdefault(finding.get('file'), []).append(finding)
    backlog = []
    raw = layout.raw
    if not raw.is_dir():
        return backlog
    for path in sorted(raw.rglob('*')):
        if not path.is_file() or path.name == GITKEEP:
            continue
        relative = path.relative_to(layout.path).as_posix()
        stat = path.stat()
        backlog.append(
            {
                'file': relative,
                'size': stat.st_size,
                'modified': datetime.fromtimestamp(stat.st_mtime, tz=timezone.get_current_timezone()),
                'findings': findings.get(relative, []),
            }
        )
    return backlog
