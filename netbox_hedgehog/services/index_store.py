"""The index store: HedgehogResource rows, search-cache entries and ingested-file records written in bulk.

Set-based SQL (COPY, one UPDATE per batch), so a 100,000-document run costs a few statements per table;
the ingestion and the re-index both write through here.
"""

import json
import logging
import re
from contextlib import contextmanager

from core.models import ObjectType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from extras.models import CachedValue
from netbox.search import get_indexer
from psycopg.types.json import Jsonb

from netbox_hedgehog.core.plan_model import DocumentAction
from netbox_hedgehog.core.validation import reference_keys
from netbox_hedgehog.core.yaml_reader import Document
from netbox_hedgehog.models import HedgehogResource, IngestedFile
from netbox_hedgehog.models.changelog import ResourceChanges
from netbox_hedgehog.models.deletion import delete_search_entries

logger = logging.getLogger('netbox_hedgehog.index')

# Rows written at once from which the planner's statistics of the index table are refreshed (statistics_refreshed).
ANALYZE_AFTER_ROWS = 1000
# A large insert goes in this many COPY statements (write_rows says why), none of fewer rows than this.
BATCHES = 8
BATCH_MIN_ROWS = 500
ANALYZED_COLUMNS = 'fabric_id, kind, name, namespace, managed_path, last_run_id'


def indexed_documents(fabric):
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


def update_index(fabric, documents, index_rows, output_stats, run, origins, meanwhile=lambda: None):
    """One row per managed object this run wrote; rows of unchanged objects are not touched. Returns what
    `meanwhile()` returns: the caller's work, done while the database writes (write_rows).

    `documents` are (file plan, document) pairs of parsed files; `index_rows()` gives the index entries by
    managed path: only asked for when a file was parsed. A document adopted from unmanaged/ keeps naming the
    raw file it came from (`origins`), where that is known.
    """
    creates, updates = [], []
    for file_plan, document in documents:
        if document.data is None or document.action in (DocumentAction.DUPLICATE, DocumentAction.FOREIGN):
            continue
        row = index_rows().get(document.target)
        if row is not None and row.sha256 == document.sha256 and row.file_size is not None:
            continue
        size, mtime_ns = output_stats[document.target]  # written now, or looked at by the plan
        origin = origins.get(file_plan.path) or {'source': file_plan.path, 'document': document.index}
        fields = {
            **row_fields(document.data, document.target, document.sha256, document.reference_keys),
            'file_size': size,
            'file_mtime_ns': mtime_ns,
            'source_file': origin['source'],
            'source_document': origin['document'],
            'source_line': origin.get('line', document.line),
            'last_run_id': run.pk,
        }
        if row is None:
            creates.append(fields)
        else:
            updates.append((row.pk, fields))
    if not (creates or updates):
        return meanwhile()
    return write_rows(fabric, ResourceChanges.of_run(run), creates, updates, meanwhile)


def write_rows(fabric, changes, creates, updates, meanwhile=lambda: None):
    """Insert `creates` (field dicts) and update `updates` ((pk, fields)), with their change records (`changes`,
    a ResourceChanges) and search-cache entries. Returns what `meanwhile()` returns.

    The change records and search entries are built by the database from the rows (most of a large run's index
    time), in statements sent without waiting for them, so this process works meanwhile on the other core: the
    rows are inserted in batches, and while the database describes one batch, the next one's COPY text is made
    here; while it describes the last one, `meanwhile` (the caller's own work) runs. An error of a statement
    sent so is raised at the end of its batch, as a DatabaseError.
    """
    updated = [pk for pk, _ in updates]
    search = _SearchEntries()  # looked up now: a read among statements sent without waiting would wait for them
    delete_search_entries(HedgehogResource, updated)  # outdated; the new ones are made below
    batches = _batches(creates)
    text = _copy_lines(fabric, batches[0]) if batches else ''
    sequence = _sequence() if batches else None
    last = None
    for number, batch in enumerate(batches, start=1):
        inserted = _insert(fabric, batch[0], text, sequence)
        if number == len(batches):
            last = inserted
            break
        with _sent_without_waiting():
            changes.created(*inserted)
            _execute(*search.of(inserted))
            text = _copy_lines(fabric, batches[number])
    with _sent_without_waiting():
        if last is not None:
            changes.created(*last)
            _execute(*search.of(last))
        with changes.updating(updated):
            update_rows(updates)
        if updated:
            _execute(*search.of(('r.id = ANY(%s)', [updated])))
        return meanwhile()


@contextmanager
def statistics_refreshed(rows_written):
    """After a commit that wrote `rows_written` index rows: the planner's statistics of the index table are
    refreshed while the block runs (the caller's work after its commit), when they were many.

    Autovacuum notices a large COPY only later: until then the planner believes a fabric holds a few rows and
    sorts all of them to show a page of its resources, where the unique index gives the page. Only the columns
    pages filter and sort by: the statistics of the specs took three times as long. After the commit, not in
    it: nothing of the run waits for it, and a failure of it (logged) fails nothing but the refresh.
    """
    if rows_written < ANALYZE_AFTER_ROWS:
        yield
        return
    statement = f'ANALYZE {HedgehogResource._meta.db_table} ({ANALYZED_COLUMNS})'
    if connection.in_atomic_block:
        # Within a caller's transaction (a test's): at once, in a savepoint, so that its failure leaves it usable.
        try:
            with transaction.atomic():
                _execute(statement, [])
        except DatabaseError as exc:
            _not_refreshed(exc)
        yield
        return
    done = False
    try:
        with _sent_without_waiting():
            _execute(statement, [])
            yield
            done = True
    except DatabaseError as exc:
        if not done:  # the block's own error: psycopg raises it, not the statement's
            raise
        _not_refreshed(exc)


def _not_refreshed(exc):
    logger.warning('event=statistics_not_refreshed table=%s error=%s', HedgehogResource._meta.db_table, exc)


@contextmanager
def _sent_without_waiting():
    """Statements executed in the block are sent to the database, which runs them while this process goes on;
    the block's end waits for them, and raises their error as Django's DatabaseError."""
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def _batches(rows):
    """`rows` in BATCHES batches, of BATCH_MIN_ROWS rows at least."""
    size = max(BATCH_MIN_ROWS, -(-len(rows) // BATCHES))
    return [rows[start : start + size] for start in range(0, len(rows), size)]


class _SearchEntries:
    """NetBox's global search cache for rows written in bulk (bulk writes skip the signals that keep it).

    The entries are what the search index's `to_cache()` gives, made by the database from the rows just
    written, in one statement: building them in Python costs a fifth of a large first ingestion.
    """

    def __init__(self):
        self.object_type = ObjectType.objects.get_for_model(HedgehogResource).pk
        self.fields, self.parameters = [], []
        index = get_indexer(HedgehogResource)  # search.py's, as NetBox registered it: no import of the adapter
        for name, weight in index.fields:
            self.fields.append(f'(%s, %s, %s, r.{connection.ops.quote_name(name)})')
            self.parameters += [name, index.get_field_type(HedgehogResource, name), weight]

    def of(self, selection):
        """The statement (SQL, parameters) adding the entries of the rows `selection` (SQL on alias r,
        parameters) selects; rows updated must have had their outdated entries dropped first."""
        where, parameters = selection
        return (
            f'INSERT INTO {CachedValue._meta.db_table} '
            '(id, timestamp, object_type_id, object_id, field, type, weight, value) '
            'SELECT gen_random_uuid(), now(), %s, r.id, f.field, f.type, f.weight, f.value '
            f'FROM {HedgehogResource._meta.db_table} r '
            f'CROSS JOIN LATERAL (VALUES {", ".join(self.fields)}) AS f(field, type, weight, value) '
            f"WHERE ({where}) AND f.value <> ''",  # to_cache() leaves empty values out
            [self.object_type, *self.parameters, *parameters],
        )


def _sequence():
    """The name of the sequence that numbers the index rows."""
    with connection.cursor() as cursor:
        cursor.execute('SELECT pg_get_serial_sequence(%s, %s)', [HedgehogResource._meta.db_table, 'id'])
        return cursor.fetchone()[0]


def _insert(fabric, example, text, sequence):
    """COPY `text` (rows shaped as the field dict `example`); returns the selection (SQL on alias r, parameters)
    of the rows inserted, which `sequence` numbered.

    The database numbers them from the table's sequence: they are the fabric's rows numbered after the
    sequence's last value before the COPY, up to the last number this session drew. Rows of other fabrics may
    be numbered in between; no other row of this fabric (every write of a fabric's rows holds its lock).
    Drawing the numbers first, to name the rows by them, took a tenth of a second per 25,000 rows.
    """
    table = HedgehogResource._meta.db_table
    with connection.cursor() as cursor:
        # Not yet called: the sequence hands out its last value itself next.
        cursor.execute(f'SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}')
        (after,) = cursor.fetchone()
        columns = ('created', 'last_updated', 'custom_field_data', 'fabric_id', *example)
        with cursor.cursor.copy(f'COPY {table} ({", ".join(columns)}) FROM STDIN') as copy:
            copy.write(text)
        cursor.execute('SELECT currval(%s)', [sequence])
        (last,) = cursor.fetchone()
    return 'r.fabric_id = %s AND r.id > %s AND r.id <= %s', [fabric.pk, after, last]


# COPY's text format: a tab between values, a newline after each row, \N for NULL, these escaped.
_COPY_ESCAPES = str.maketrans({'\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r'})
_NEEDS_ESCAPES = re.compile('[\\\\\t\n\r]')


def _copy_lines(fabric, rows):
    """The COPY text of `rows` (field dicts of one shape), created now, for `_insert`: each value converted by
    its field's converter (one call, no test of its name), about a third of what psycopg's adapters cost."""
    now = timezone.now().isoformat()
    start = f'{now}\t{now}\t{{}}\t{fabric.pk}\t'
    converters = [_CONVERTERS.get(name, _text) for name in rows[0]]
    return ''.join(
        [
            start + '\t'.join([convert(value) for convert, value in zip(converters, row.values(), strict=True)]) + '\n'
            for row in rows
        ]
    )


def _text(value):
    if value is None:
        return '\\N'
    value = str(value)
    # Looked for first: translate() looks each character up in a dict, a tenth of a second per 10,000 specs.
    return value.translate(_COPY_ESCAPES) if _NEEDS_ESCAPES.search(value) else value


def _json(value):
    return json.dumps(value).replace('\\', '\\\\')  # JSON text holds no tab, newline or carriage return


# Reference keys as they are ('<kind>/<name>', names RFC 1123): array elements that need no quotes (never empty,
# never NULL: each holds a '/'), tested all at once on the joined text.
_PLAIN_ELEMENTS = re.compile(r'[\w.:-]*/[\w./:-]*(?:,[\w.:-]*/[\w./:-]*)*', re.ASCII)


def _array(values):
    """An array literal: the elements as they are when none needs quoting, else each in double quotes with '"'
    and '\\' escaped by a backslash (the array syntax has no other escape: JSON's \\t would arrive as 't')."""
    plain = ','.join(values)
    if _PLAIN_ELEMENTS.fullmatch(plain) and plain.count(',') == len(values) - 1:
        return '{' + plain + '}'
    return _text(
        '{' + ','.join(['"' + value.replace('\\', '\\\\').replace('"', '\\"') + '"' for value in values]) + '}'
    )


def _number(value):
    return '\\N' if value is None else str(value)


_CONVERTERS = {
    'spec': _json,
    'reference_keys': _array,
    **dict.fromkeys(('file_size', 'file_mtime_ns', 'source_document', 'source_line', 'last_run_id'), _number),
}


def _copy(table, columns, rows):
    """COPY: ten thousand rows in a fraction of a second, where INSERTs built by the ORM take seconds."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY {table} ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)


def _execute(sql, parameters):
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)


def update_rows(updates):
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


def known_files(fabric, raw_files):
    shas = {raw.sha256 for raw in raw_files}
    recorded = IngestedFile.objects.filter(fabric=fabric, sha256__in=shas).values_list('sha256', 'documents')
    return {sha256: json.loads(documents) for sha256, documents in recorded}


def ingested_file_records(plan, output_stats):
    """{SHA-256: records of its documents} of each file the plan parsed, for `record_ingested_files`.

    Each document's record carries its output's size and modification time as this run wrote or saw
    it (`output_stats`), so that a later run settles the file with a stat per output. Byte-identical
    files get one record.
    """
    records = {}
    for file_plan in plan.parsed:
        records.setdefault(
            file_plan.sha256,
            [document.record(output_stats.get(document.target, ())) for document in file_plan.documents],
        )
    return records


def record_ingested_files(fabric, records, run):
    """Remember each file ingested from its bytes (`records`, as ingested_file_records gives them; settled
    files are already recorded). A record of the same bytes from an earlier run (whose outputs were edited
    since, so the file was parsed again) is replaced. One DELETE and one COPY.
    """
    if not records:
        return
    table = IngestedFile._meta.db_table
    _execute(f'DELETE FROM {table} WHERE fabric_id = %s AND sha256 = ANY(%s)', [fabric.pk, list(records)])
    _copy(
        table,
        ('fabric_id', 'sha256', 'documents', 'run_id'),
        ((fabric.pk, sha256, json.dumps(documents), run.pk) for sha256, documents in records.items()),
    )


def row_fields(data, target, sha256, keys=None):
    """A row's fields for the object `data`; `keys` are its reference keys when validation found them already."""
    metadata = data.get('metadata') or {}
    return {
        'kind': data['kind'],
        'name': metadata['name'],
        'namespace': metadata.get('namespace') or 'default',
        'api_version': data['apiVersion'],
        'spec': data.get('spec'),
        'reference_keys': reference_keys(data['kind'], data.get('spec')) if keys is None else keys,
        'managed_path': target,
        'sha256': sha256,
    }
