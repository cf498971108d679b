"""Ingestion: raw/ into managed/ and unmanaged/, then NetBox's index, without ever losing a document.

The order is the data-safety contract (ARCHITECTURE.md section 3): plan everything first; write
each managed/unmanaged file atomically (temporary file, rename); one durability barrier; the DB
index in one transaction; only then remove the raw files that were ingested whole; provenance
last. A crash anywhere leaves every document in its raw file or in a durable output file, and a
re-run reaches the state an uninterrupted run would have: outputs whose bytes are already right
are not rewritten, the index is rebuilt from what is on disk.

Every entry point (command, job, API, UI, onboarding) calls `ingest`, `reindex` or `raw_backlog`.
"""

import hashlib
import json
import os
import signal
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from netbox.plugins import get_plugin_config

from netbox_hedgehog import kinds
from netbox_hedgehog.choices import GitOpsStatusChoices, IngestionStatusChoices
from netbox_hedgehog.findings import Finding, Severity
from netbox_hedgehog.gitops.lock import FabricLocked, fabric_lock
from netbox_hedgehog.gitops.plan import DocumentAction, RawFile, make_plan, managed_target
from netbox_hedgehog.gitops.tree import GITKEEP, is_yaml_name
from netbox_hedgehog.models import HedgehogFabric, HedgehogResource, IngestionRun
from netbox_hedgehog.validation import classify, validate_document
from netbox_hedgehog.yamlio import Document, read_documents

__all__ = ('IngestionLocked', 'IngestionOutcome', 'ReindexResult', 'ingest', 'raw_backlog', 'reindex')

IngestionLocked = FabricLocked
PROVENANCE_LOG = 'ingestions.jsonl'
WRITTEN = (DocumentAction.CREATE, DocumentAction.UPDATE, DocumentAction.UNCHANGED, DocumentAction.FOREIGN)
# Crash-safety tests only: kill this process (SIGKILL) after that many file system operations.
CRASH_AFTER_ENV = 'HEDGEHOG_TEST_CRASH_AFTER_FS_OPS'
TEMPORARY_SUFFIX = '.hnp-tmp'


@dataclass
class IngestionOutcome:
    fabric: HedgehogFabric
    plan: object
    dry_run: bool
    run: IngestionRun | None = None
    written: list = field(default_factory=list)
    removed: list = field(default_factory=list)

    @property
    def exit_code(self):
        """0 when every raw file was ingested, 1 when some stay in raw/ (the command's exit code)."""
        return 1 if self.plan.rejected else 0

    def as_dict(self):
        return {
            'fabric': self.fabric.name,
            'dry_run': self.dry_run,
            'run': self.run.pk if self.run else None,
            'written': self.written,
            'removed': self.removed,
            **self.plan.as_dict(),
        }


def ingest(fabric, *, trigger, user=None, dry_run=False, progress=None):
    """Ingest `fabric`'s raw/ folder; raises IngestionLocked when another ingestion holds the fabric."""
    with fabric_lock(fabric):
        return _Ingestion(fabric, trigger, user, progress).run(dry_run)


class _Ingestion:
    def __init__(self, fabric, trigger, user, progress):
        self.fabric = fabric
        self.trigger = trigger
        self.user = user
        self.progress = progress or (lambda step, done, total: None)
        self.layout = fabric.layout()
        self.operations = _FileOperations()

    def run(self, dry_run):
        started = timezone.now()
        rows = {row.managed_path: row for row in HedgehogResource.objects.filter(fabric=self.fabric)}
        raw_files, ignored = self._read_raw()
        plan = make_plan(
            raw_files,
            self._current_sha256,
            [_indexed_document(row) for row in rows.values()],
            ignored=ignored,
            max_bytes=get_plugin_config('netbox_hedgehog', 'max_file_bytes'),
        )
        outcome = IngestionOutcome(self.fabric, plan, dry_run)
        if dry_run:
            return outcome
        _close_interrupted_runs(self.fabric)
        self.operations.remove_stale_temporaries(self.layout)
        outcome.run = IngestionRun.objects.create(
            fabric=self.fabric, started=started, trigger=self.trigger, user=self.user
        )
        try:
            outcome.written = self._write_outputs(plan)
            # One barrier for the whole run: every output is durable before any raw file goes.
            os.sync()
            provenance = _provenance(plan)
            with transaction.atomic():
                _update_index(self.fabric, plan, rows, outcome.run)
                _finish_run(outcome, provenance)
            outcome.removed = self._remove_ingested(plan)
            self._append_provenance(outcome.run, provenance)
        except BaseException as exc:
            _record_failure(self.fabric, outcome.run, exc)
            raise
        return outcome

    def _read_raw(self):
        raw_files, ignored = [], []
        for path in sorted(self.layout.raw.rglob('*')):
            if not path.is_file() or path.name == GITKEEP or path.name.startswith('.'):
                continue
            relative = path.relative_to(self.layout.path).as_posix()
            if is_yaml_name(path.name):
                raw_files.append(RawFile(relative, path.read_bytes()))
            else:
                ignored.append(relative)
        return raw_files, ignored

    def _current_sha256(self, target):
        try:
            return hashlib.sha256((self.layout.path / target).read_bytes()).hexdigest()
        except FileNotFoundError:
            return None

    def _write_outputs(self, plan):
        outputs = {}
        for file_plan in plan.ingested:
            for document in file_plan.documents:
                if document.action in WRITTEN and document.action != DocumentAction.UNCHANGED:
                    outputs[document.target] = document.content
        written = []
        for number, (target, content) in enumerate(sorted(outputs.items()), start=1):
            path = self.layout.path / target
            if not _holds(path, content):
                self.operations.write_atomically(path, content)
                written.append(target)
            self.progress('write', number, len(outputs))
        return written

    def _remove_ingested(self, plan):
        removed = []
        for file_plan in plan.ingested:
            self.operations.unlink(self.layout.path / file_plan.path)
            removed.append(file_plan.path)
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


class _FileOperations:
    """Every change ingestion makes to the disk, counted so crash tests can stop the process between any two."""

    def __init__(self):
        crash_after = os.environ.get(CRASH_AFTER_ENV)
        self.crash_after = int(crash_after) if crash_after else None
        self.count = 0

    def _done(self):
        self.count += 1
        if self.crash_after is not None and self.count >= self.crash_after:
            os.kill(os.getpid(), signal.SIGKILL)

    def write_atomically(self, path, content):
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f'.{path.name}.{uuid.uuid4().hex}{TEMPORARY_SUFFIX}')
        try:
            with open(temporary, 'xb') as handle:
                handle.write(content)
            self._done()
            os.replace(temporary, path)
        finally:
            if temporary.exists():
                temporary.unlink()
        self._done()

    def remove_stale_temporaries(self, layout):
        """Temporary files of a run that was killed before renaming them: ours, never a user's, so removed."""
        for folder in (layout.managed, layout.unmanaged):
            for path in folder.rglob(f'.*{TEMPORARY_SUFFIX}'):
                self.unlink(path)

    def unlink(self, path):
        path.unlink(missing_ok=True)
        self._done()

    def append(self, path, text):
        with open(path, 'a', encoding='utf-8') as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        self._done()


def _holds(path, content):
    try:
        return path.stat().st_size == len(content) and path.read_bytes() == content
    except FileNotFoundError:
        return False


def _indexed_document(row):
    """An index row as a document, so raw/ references to managed objects resolve without reading files."""
    data = {
        'apiVersion': row.api_version,
        'kind': row.kind,
        'metadata': {'name': row.name, 'namespace': row.namespace},
        'spec': row.spec,
    }
    return Document(file=row.managed_path, index=0, line=1, text_line=1, text='', data=data)


def _provenance(plan):
    return [
        {
            'source': file_plan.path,
            'document': document.index,
            'line': document.line,
            'sha256': document.sha256,
            'destination': document.target,
            'action': str(document.action),
        }
        for file_plan in plan.ingested
        for document in file_plan.documents
    ]


def _update_index(fabric, plan, rows, run):
    """Upsert one row per managed object this run wrote or confirmed; nothing else changes."""
    creates, updates = [], []
    for file_plan in plan.ingested:
        for document in file_plan.documents:
            if document.action in (DocumentAction.DUPLICATE, DocumentAction.FOREIGN):
                continue
            fields = _row_fields(document.data, document.target, document.sha256)
            fields.update(source_file=file_plan.path, source_document=document.index, source_line=document.line)
            row = rows.get(document.target)
            if row is None:
                creates.append(HedgehogResource(fabric=fabric, last_run=run, **fields))
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
                row.last_run = run
                updates.append(row)
    HedgehogResource.objects.bulk_create(creates, batch_size=1000)
    HedgehogResource.objects.bulk_update(updates, [*_ROW_FIELDS, 'last_run'], batch_size=1000)


_INDEXED_FIELDS = ('kind', 'name', 'namespace', 'api_version', 'spec', 'managed_path', 'sha256')
_ROW_FIELDS = (*_INDEXED_FIELDS, 'source_file', 'source_document', 'source_line')


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


def _record_failure(fabric, run, exc):
    """Mark the run and fabric failed; a failure here must never hide `exc`."""
    try:
        IngestionRun.objects.filter(pk=run.pk).update(
            status=IngestionStatusChoices.FAILED, finished=timezone.now(), error=f'{type(exc).__name__}: {exc}'
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
    rows = {row.managed_path: row for row in HedgehogResource.objects.filter(fabric=fabric)}
    result = ReindexResult()
    found = {}
    for kind in kinds.KINDS:
        for path in sorted(layout.managed_dir(kind).glob('*.yaml')):
            target = path.relative_to(layout.path).as_posix()
            data = path.read_bytes()
            sha256 = hashlib.sha256(data).hexdigest()
            row = rows.get(target)
            if row is not None and row.sha256 == sha256:
                found[target] = row
                result.unchanged += 1
                continue
            fields = _managed_file_fields(kind, target, data, sha256, result.findings)
            if fields is None:
                continue  # not a valid object: no row claims it is (health reports the file)
            if row is None:
                row = HedgehogResource(fabric=fabric, **fields)
                result.created.append(target)
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
                result.updated.append(target)
            found[target] = row
    result.deleted = sorted(set(rows) - set(found))
    with transaction.atomic():
        HedgehogResource.objects.filter(fabric=fabric, managed_path__in=result.deleted).delete()
        HedgehogResource.objects.bulk_create([found[target] for target in result.created], batch_size=1000)
        HedgehogResource.objects.bulk_update(
            [found[target] for target in result.updated], _INDEXED_FIELDS, batch_size=1000
        )
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
    last = fabric.runs.exclude(status=IngestionStatusChoices.RUNNING).order_by('-started', '-pk').first()
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
