"""NetBox's change log for index rows written in bulk: what a resource's Changelog tab shows.

Ingestion, re-index, deleting a managed object and deleting a fabric write `HedgehogResource` rows with
set-based SQL (COPY, executemany, DELETE), which NetBox's change-logging signals never see. So the
change records are written the same way: one INSERT ... SELECT per step, the database building each
record's data from the row itself, so no row or record is ever brought into Python and a 100,000-row
run costs a few statements, not one save per object.

Each record is what NetBox would have written for a save of the row (the fields `serialize_object`
gives, tags by name; the changelog's diff leaves `created` and `last_updated` out) and says who and
what made it:

- an ingestion run (and the run that records a managed object's deletion): the run's user, the
  request's id when the run is part of one (NetBox's own records of that request share it), else an id
  derived from the run; the run as related object, so its Changelog tab lists what it changed, and
  named in the message;
- a re-index: the request's user and id when there is one; the fabric as related object;
- a fabric's deletion (only within a request, where NetBox records the fabric's own deletion): the
  request's user and id, the fabric named in the message, so its resources' deletions are found beside
  the fabric's; these records carry no data (see record_fabric_deletion).

The spec is in the data: it is what changed when a resource changed, and only about a sixth of a
record's bytes (docs/admin-guide.md, Sizing, has the figures). A run, not its fabric, is the related object:
the fabric's Changelog tab stays short however large its runs are (a re-index, rarely of many rows: a restore,
a pull that changed much, relates its records to the fabric).
"""

import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from core.choices import ObjectChangeActionChoices
from core.models import ObjectChange
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import DateTimeField
from django.utils import timezone
from extras.models import Tag, TaggedItem
from netbox.context import current_request

# The model module itself, not the package: models/deletion.py imports this module while the package loads.
from netbox_hedgehog.models.resource import NOT_CHANGE_LOGGED, HedgehogResource

__all__ = ('ResourceChanges', 'record_fabric_deletion', 'run_request_id')

# Request ids of runs outside a request (jobs, the command line) are derived from the run's primary key.
RUN_REQUEST_NAMESPACE = uuid.UUID('0f2b7c52-5d1e-4d59-9d2c-8f0a3c7e6b11')
NAME_LENGTH = ObjectChange._meta.get_field('user_name').max_length
MESSAGE_LENGTH = ObjectChange._meta.get_field('message').max_length
REPR_LENGTH = ObjectChange._meta.get_field('object_repr').max_length


def run_request_id(run):
    """The request id of `run`'s change records when it runs outside a request: the same for every step of it."""
    return uuid.uuid5(RUN_REQUEST_NAMESPACE, str(run.pk))


@dataclass(frozen=True)
class ResourceChanges:
    """Who and what changed index rows in bulk; its methods record the rows' changes as NetBox's change log."""

    user_id: int | None
    user_name: str
    request_id: uuid.UUID
    message: str
    related_object: object = None

    @classmethod
    def of_run(cls, run):
        """The changes of an ingestion run, by its user (or its trigger, for a run nobody started)."""
        request = current_request.get()
        return cls(
            user_id=run.user_id,
            user_name=run.user.username if run.user_id else f'hedgehog {run.trigger}',
            request_id=request.id if request is not None else run_request_id(run),
            message=f'{run._meta.verbose_name} {run.pk} of fabric {run.fabric.name} ({run.trigger})',
            related_object=run,
        )

    @classmethod
    def of_reindex(cls, fabric):
        """The changes of a re-index (no run): the request's user and id, if it is part of one."""
        request = current_request.get()
        user = _request_user(request)
        return cls(
            user_id=user.pk if user else None,
            user_name=user.username if user else 'hedgehog reindex',
            request_id=request.id if request is not None else uuid.uuid4(),
            message=f're-index of fabric {fabric.name}: the index follows managed/',
            related_object=fabric,
        )

    def created(self, where, parameters):
        """Record the creation of the rows matching `where` (SQL on alias r, with `parameters`), just inserted."""
        self._insert(ObjectChangeActionChoices.ACTION_CREATE, where, parameters, post=True, tagged=False)

    @contextmanager
    def updating(self, ids):
        """Record the update of the rows `ids` made in the block: their data before it, then after it."""
        ids = list(ids)
        action = ObjectChangeActionChoices.ACTION_UPDATE
        records = self._insert(action, 'r.id = ANY(%s)', [ids], pre=True, returning=True) if ids else []
        yield
        if records:
            table = ObjectChange._meta.db_table
            data, parameters = _serialized('r')
            _execute(
                f'UPDATE {table} c SET postchange_data = {data} FROM {HedgehogResource._meta.db_table} r '
                'WHERE c.id = ANY(%s) AND r.id = c.changed_object_id',
                [*parameters, records],
            )

    def deleting(self, ids):
        """Record the deletion of the rows `ids`, about to be deleted."""
        if ids := list(ids):
            self._insert(ObjectChangeActionChoices.ACTION_DELETE, 'r.id = ANY(%s)', [ids], pre=True)

    def _insert(self, action, where, parameters, pre=False, post=False, returning=False, tagged=True):
        """One record per row matching `where`, built by the database; with `returning`, the records' ids.
        Rows not `tagged` (just inserted) are recorded without looking up their tags."""
        related_type, related_id = None, None
        if self.related_object is not None:
            related_type = ContentType.objects.get_for_model(self.related_object).pk
            related_id = self.related_object.pk
        data, data_parameters = _serialized('r', tagged)
        table = ObjectChange._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO {table} (time, user_id, user_name, request_id, action, changed_object_type_id, '
                'changed_object_id, related_object_type_id, related_object_id, object_repr, message, '
                'prechange_data, postchange_data) '
                f"SELECT %s, %s, %s, %s, %s, %s, r.id, %s, %s, left(r.kind || '/' || r.name, {REPR_LENGTH}), %s, "
                f'{data if pre else "NULL"}, {data if post else "NULL"} '
                f'FROM {HedgehogResource._meta.db_table} r WHERE {where}{" RETURNING id" if returning else ""}',
                [
                    timezone.now(),
                    self.user_id,
                    self.user_name[:NAME_LENGTH],
                    self.request_id,
                    action,
                    ContentType.objects.get_for_model(HedgehogResource).pk,
                    related_type,
                    related_id,
                    self.message[:MESSAGE_LENGTH],
                    *(data_parameters if pre else ()),
                    *(data_parameters if post else ()),
                    *parameters,
                ],
            )
            return [pk for (pk,) in cursor.fetchall()] if returning else None


def record_fabric_deletion(fabric_ids):
    """Record the deletion of every row of the fabrics `fabric_ids`, about to be deleted in bulk, within a request
    (NetBox records the fabrics' own deletion then, with the same user and request id); outside one, as for
    NetBox's own objects, nothing is recorded.

    Without the rows' data: copying it would take more than twice the deletion itself (0.95 s against 0.4-0.8 s
    for 10,352 rows, where the bare records take 0.35-0.4 s), and a fabric of 100,000 must go in 5 s. Each
    resource's last data is in its managed file, which stays, and in its earlier change records."""
    request = current_request.get()
    user = _request_user(request)
    if user is None:
        return
    fabrics = HedgehogResource._meta.get_field('fabric').related_model.objects
    for fabric_id, name in fabrics.filter(pk__in=fabric_ids).values_list('pk', 'name'):
        changes = ResourceChanges(user.pk, user.username, request.id, f'deleted with fabric {name}')
        changes._insert(ObjectChangeActionChoices.ACTION_DELETE, 'r.fabric_id = %s', [fabric_id])


def _request_user(request):
    user = getattr(request, 'user', None)
    return user if user is not None and user.is_authenticated else None


def _serialized(alias, tagged=True):
    """(SQL, parameters) of a row's data as the model's `serialize_object` gives it: every serialized field by
    name but those it leaves out (foreign keys by id, custom fields as `custom_fields`), times as Django's JSON
    encoder writes them, tags by name, sorted (none when the row is not `tagged`: a look-up per row saved)."""
    pairs = []
    for field in HedgehogResource._meta.concrete_fields:
        if not field.serialize or field.name in NOT_CHANGE_LOGGED:  # the primary key, derived fields
            continue
        column = f'{alias}.{connection.ops.quote_name(field.column)}'
        if isinstance(field, DateTimeField):
            column = f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
        key = 'custom_fields' if field.name == 'custom_field_data' else field.name
        pairs.append(f"'{key}', {column}")
    if not tagged:
        return f"jsonb_build_object({', '.join(pairs)}, 'tags', '[]'::jsonb)", []
    tags = (
        f'COALESCE((SELECT jsonb_agg(t.name ORDER BY t.name) FROM {TaggedItem._meta.db_table} i '
        f'JOIN {Tag._meta.db_table} t ON t.id = i.tag_id '
        f"WHERE i.content_type_id = %s AND i.object_id = {alias}.id), '[]'::jsonb)"
    )
    pairs.append(f"'tags', {tags}")
    return f'jsonb_build_object({", ".join(pairs)})', [ContentType.objects.get_for_model(HedgehogResource).pk]


def _execute(sql, parameters):
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
