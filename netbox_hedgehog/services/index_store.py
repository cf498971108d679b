"""The index store: HedgehogResource rows, search-cache entries and ingested-file records written in bulk.

Set-based SQL (COPY, one UPDATE per batch), so a 100,000-document run costs a few statements per table;
the ingestion and the re-index both write through here.
"""

import json

from core.models import ObjectType
from django.db import connection
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

# Rows inserted at once from which the planner's statistics of the index table are refreshed at once.
ANALYZE_AFTER_ROWS = 1000
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

    The change records and search entries are built by the database from the rows (most of a large run's
    index time), in statements sent without waiting for them: `meanwhile`, the caller's own work, runs here on
    the other core meanwhile, and any error of those statements is raised at the end (a DatabaseError).
    """
    inserted = insert_rows(fabric, creates)
    updated = [pk for pk, _ in updates]
    written = [selection for selection in (inserted, _with_ids(updated)) if selection is not None]
    # Both look up NetBox's object type first, which would wait for the statements sent before: done before them.
    search = _search_statement(written)
    delete_search_entries(HedgehogResource, updated)  # outdated; the statement below adds the new ones
    with connection.wrap_database_errors, connection.connection.pipeline():
        if inserted is not None:
            changes.created(*inserted)
        with changes.updating(updated):
            update_rows(updates)
        _execute(*search)
        if len(creates) >= ANALYZE_AFTER_ROWS:
            # Autovacuum notices a large COPY only later: until then the planner believes a fabric holds a few
            # rows and sorts all of them to show a page of its resources, where the unique index gives the page.
            # Only the columns pages filter and sort by: the statistics of the specs took three times as long.
            _execute(f'ANALYZE {HedgehogResource._meta.db_table} ({ANALYZED_COLUMNS})', [])
        return meanwhile()


def _with_ids(ids):
    """The rows `ids`, as a selection (SQL on alias r, parameters), or None for no row."""
    return ('r.id = ANY(%s)', [ids]) if ids else None


def _search_statement(written):
    """NetBox's global search cache for rows written in bulk (bulk writes skip the signals that keep it): the
    statement (SQL, parameters) that adds the entries of the rows `written` selects (selections: SQL on alias
    r, parameters; a row updated must have had its outdated entries dropped first).

    The entries are what the search index's `to_cache()` gives, made by the database from the rows just
    written, in one statement: building them in Python costs a fifth of a large first ingestion.
    """
    object_type = ObjectType.objects.get_for_model(HedgehogResource)
    fields, parameters = [], []
    index = get_indexer(HedgehogResource)  # search.py's, as NetBox registered it: no import of the adapter
    for name, weight in index.fields:
        fields.append(f'(%s, %s, %s, r.{connection.ops.quote_name(name)})')
        parameters += [name, index.get_field_type(HedgehogResource, name), weight]
    where = ' OR '.join(f'({condition})' for condition, _ in written) or 'false'
    return (
        f'INSERT INTO {CachedValue._meta.db_table} '
        '(id, timestamp, object_type_id, object_id, field, type, weight, value) '
        'SELECT gen_random_uuid(), now(), %s, r.id, f.field, f.type, f.weight, f.value '
        f'FROM {HedgehogResource._meta.db_table} r '
        f'CROSS JOIN LATERAL (VALUES {", ".join(fields)}) AS f(field, type, weight, value) '
        f"WHERE ({where}) AND f.value <> ''",  # to_cache() leaves empty values out
        [object_type.pk, *parameters, *(value for _, values in written for value in values)],
    )


def insert_rows(fabric, rows):
    """Insert `rows` (field dicts) with one COPY; returns the selection (SQL on alias r, parameters) of the rows
    inserted, or None when there were none.

    The rows are told apart by the fabric and their creation time, this statement's (to the microsecond): every
    write of a fabric's rows holds its lock, so no other statement gives one of them that time. Drawing their
    keys from the sequence first, to name them by key, took a tenth of a second per 25,000 rows.
    """
    if not rows:
        return None
    table = HedgehogResource._meta.db_table
    now = timezone.now()
    columns = ('created', 'last_updated', 'custom_field_data', 'fabric_id', *rows[0])
    _copy(
        table,
        columns,
        ((now, now, '{}', fabric.pk, *(_copy_text(name, value) for name, value in fields.items())) for fields in rows),
    )
    selection = 'r.fabric_id = %s AND r.created = %s'
    if run_id := rows[0].get('last_run_id'):  # an ingestion's: its run's rows are found by their index
        return f'{selection} AND r.last_run_id = %s', [fabric.pk, now, run_id]
    return selection, [fabric.pk, now]


def _copy_text(name, value):
    """JSON and arrays as COPY's text: what psycopg's adapters would produce, at a fraction of their cost."""
    if name == 'spec':
        return json.dumps(value)
    if name == 'reference_keys':  # an array literal; each element quoted, '"' and '\\' escaped as JSON does
        return '{' + ','.join(json.dumps(key, ensure_ascii=False) for key in value) + '}'
    return value


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
