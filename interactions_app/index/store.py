"""Writing to the index: typed interactions in, bulk upserts out.

``upsert`` takes a batch (a page of 1,000, or the one interaction the detail page just read),
compares it with what the index holds (one query), and writes only what changed: new rows and
rows whose end, completeness, flag, duration or ``updated`` moved. A row never goes back in
time (an answer older than the stored one is ignored), and a list item that does not say
whether it is complete keeps what the index knew. Interaction rows are upserted (``INSERT ...
ON CONFLICT DO UPDATE``, SQLite and PostgreSQL alike), their agents, queues and attributes
replaced, all in one transaction per batch, so a pass killed anywhere leaves whole rows
behind, and the next pass mends the rest (idempotent).

The rows are plain tuples written with ``executemany`` (psycopg pipelines it): building a
Django model instance per row and compiling a 1,000-row INSERT cost ten times the writing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from ..cxengage.models import Interaction
from ..flags import flag_key
from .keys import customer_key, name_key
from .models import (
    ID_LENGTH,
    NAME_LENGTH,
    IndexedAgent,
    IndexedAttribute,
    IndexedInteraction,
    IndexedName,
    IndexedQueue,
    IndexState,
)

# the interaction row, in this order (the upsert's columns)
ROW = (
    "interaction_id",
    "tenant_id",
    "start",
    "end",
    "channel",
    "direction",
    "customer",
    "customer_key",
    "contact_point",
    "flow_id",
    "flow_name",
    "flow_key",
    "disposition_name",
    "disposition_id",
    "flagged",
    "flag_type",
    "flag_key",
    "data_complete",
    "duration",
    "agent_names",
    "queue_names",
    "updated",
    "read_at",
)
_I = {name: n for n, name in enumerate(ROW)}
# what agent and queue rows repeat of it (models._Filterable), in this order
SHARED = (
    "interaction_id",
    "tenant_id",
    "start",
    "channel",
    "direction",
    "flow_name",
    "flow_key",
    "flagged",
    "flag_key",
    "data_complete",
    "duration",
    "agent_names",
    "queue_names",
)
AGENT = (*SHARED, "agent_id", "name", "key")
QUEUE = (*SHARED, "queue_id", "name", "key", "abandoned")
ATTRIBUTE = ("interaction_id", "tenant_id", "key", "value")
NAME = ("tenant_id", "kind", "key", "name", "last_seen")
# a stored row is rewritten when one of these differs
_COMPARED = (
    "end",
    "data_complete",
    "flagged",
    "flag_key",
    "updated",
    "duration",
    "channel",
    "agent_names",
    "queue_names",
)


def _cut(value: str | None, length: int = NAME_LENGTH) -> str:
    return (value or "")[:length]


@dataclass(frozen=True)
class Written:
    read: int = 0  # interactions offered
    written: int = 0  # new or changed rows written
    skipped: int = 0  # without a start time or a usable id


# --- SQL -------------------------------------------------------------------------------------


def _column(model: type, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


@cache
def _insert_sql(model: type, names: tuple[str, ...], conflict: tuple[str, ...] = ()) -> str:
    q = connection.ops.quote_name
    columns = ", ".join(_column(model, n) for n in names)
    marks = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {q(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the models
    if conflict:
        target = ", ".join(_column(model, n) for n in conflict)
        updates = ", ".join(
            f"{_column(model, n)} = excluded.{_column(model, n)}"
            for n in names
            if n not in conflict and n != "tenant_id"
        )
        sql += f" ON CONFLICT ({target}) DO UPDATE SET {updates}"
    return sql


def _moment(value: datetime | None) -> object:
    """A datetime as the database takes it: PostgreSQL an aware one; SQLite Django's text
    (naive UTC, ``YYYY-MM-DD HH:MM:SS[.ffffff]``)."""
    if value is None or connection.vendor != "sqlite":
        return value
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _write(sql: str, rows: Sequence[tuple]) -> None:
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def _insert(model: type, names: tuple[str, ...], rows: Sequence[tuple]) -> None:
    """Plain inserts: ``COPY`` on PostgreSQL (one round trip, no statement per row),
    ``executemany`` of one prepared statement on SQLite."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        _write(_insert_sql(model, names), rows)
        return
    q = connection.ops.quote_name
    columns = ", ".join(_column(model, n) for n in names)
    with connection.cursor() as cursor:  # noqa: SIM117 - the copy needs the raw psycopg cursor
        with cursor.cursor.copy(f"COPY {q(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


# --- rows ------------------------------------------------------------------------------------


SEPARATOR = "\x1f"


def _names(values: Iterable[str | None]) -> str:
    """Names as shown, once each (matched ignoring case), ``SEPARATOR``-joined."""
    seen: dict[str, str] = {}
    for value in values:
        key = name_key(value)
        if key and key not in seen:
            seen[key] = " ".join((value or "").split())[:NAME_LENGTH]
    return SEPARATOR.join(seen.values())


def _row(tenant_id: str, item: Interaction, read_at: datetime) -> list:
    return [
        item.id,
        tenant_id,
        item.start,
        item.end,
        (item.channel or "").strip().lower()[:32],
        (item.direction or "").strip().lower()[:32],
        _cut(item.customer),
        customer_key(item.customer),
        _cut(item.contact_point),
        _cut(item.flow_id, ID_LENGTH),
        _cut(item.flow_name),
        name_key(item.flow_name),
        _cut(item.disposition_name),
        _cut(item.disposition_id, ID_LENGTH),
        item.flagged,
        _cut(item.flag_type, 64) if item.flagged else "",
        flag_key(item.flag_type)[:64] if item.flagged else "",
        item.data_complete,
        None if item.in_progress else item.duration_seconds,
        _names(a.name or a.agent_id for a in item.agents),
        _names(q.name or q.queue_id for q in item.queues),
        item.updated,
        read_at,
    ]


_SHARED_AT = tuple(_I[name] for name in SHARED)
_DATES = tuple(_I[name] for name in ("start", "end", "updated", "read_at"))


def _stored(row: list) -> tuple:
    """The row as the database takes it."""
    out = list(row)
    for n in _DATES:
        out[n] = _moment(out[n])
    return tuple(out)


def _children(row: tuple, item: Interaction) -> tuple[list[tuple], list[tuple], list[tuple]]:
    shared = tuple(row[n] for n in _SHARED_AT)
    agents: dict[str, tuple] = {}
    for agent in item.agents:
        key = name_key(agent.name) or name_key(agent.agent_id)
        if key and key not in agents:
            name = _cut(agent.name or agent.agent_id)
            agents[key] = (*shared, _cut(agent.agent_id, ID_LENGTH), name, key)
    queues: dict[str, list] = {}
    for queue in item.queues:
        key = name_key(queue.name) or name_key(queue.queue_id)
        if not key:
            continue
        if key in queues:
            queues[key][-1] = queues[key][-1] or queue.abandoned
            continue
        name = _cut(queue.name or queue.queue_id)
        queues[key] = [*shared, _cut(queue.queue_id, ID_LENGTH), name, key, queue.abandoned]
    attributes = [
        (row[0], row[1], _cut(hook.hook_id), _cut(hook.name))
        for hook in item.all_attributes
        if hook.name
    ]
    return list(agents.values()), [tuple(q) for q in queues.values()], attributes


def _is_older(new: list, old: dict) -> bool:
    updated = new[_I["updated"]]
    return bool(updated and old["updated"] and updated < old["updated"])


def _unchanged(new: list, old: dict) -> bool:
    return all(new[_I[name]] == old[name] for name in _COMPARED)


# --- the upsert ------------------------------------------------------------------------------


def upsert(tenant_id: str, items: Iterable[Interaction], *, read_at: datetime) -> Written:
    """Write ``items`` (one tenant's) into the index: new and changed rows only."""
    offered = 0
    latest: dict[str, Interaction] = {}
    for item in items:
        offered += 1
        if item.start is not None and item.id and len(item.id) <= ID_LENGTH:
            latest[item.id] = item
    skipped = offered - len(latest)
    if not latest:
        return Written(read=offered, skipped=skipped)
    ids = sorted(latest)  # one lock order for every writer
    known = {
        row["interaction_id"]: row
        for row in IndexedInteraction.objects.filter(interaction_id__in=ids).values(
            "interaction_id", *_COMPARED
        )
    }
    rows: list[tuple] = []
    replaced: list[str] = []
    touched: list[str] = []
    for interaction_id in ids:
        row = _row(tenant_id, latest[interaction_id], read_at)
        old = known.get(interaction_id)
        if old is not None:
            if row[_I["data_complete"]] is None:
                row[_I["data_complete"]] = old["data_complete"]  # the list did not say
            if _is_older(row, old) or _unchanged(row, old):
                if old["data_complete"] is not True:
                    touched.append(interaction_id)  # read again, nothing new: note when
                continue
            replaced.append(interaction_id)
        rows.append(_stored(row))
    if rows or touched:
        with transaction.atomic():
            if rows:
                _write_rows(tenant_id, rows, replaced, latest, read_at)
            if touched:
                IndexedInteraction.objects.filter(interaction_id__in=touched).update(
                    read_at=read_at
                )
            if rows:  # cached counts and facets of this tenant are stale from now on
                IndexState.objects.filter(tenant_id=tenant_id).update(version=F("version") + 1)
    return Written(read=offered, written=len(rows), skipped=skipped)


def _write_rows(
    tenant_id: str,
    rows: list[tuple],
    replaced: list[str],
    latest: dict[str, Interaction],
    read_at: datetime,
) -> None:
    if replaced:
        _delete_children(replaced)
        again = set(replaced)
        _write(
            _insert_sql(IndexedInteraction, ROW, ("interaction_id",)),
            [row for row in rows if row[0] in again],
        )
    new = [row for row in rows if row[0] not in again] if replaced else rows
    try:
        with transaction.atomic():  # a savepoint: a row another writer added meanwhile
            _insert(IndexedInteraction, ROW, new)
    except IntegrityError:
        _write(_insert_sql(IndexedInteraction, ROW, ("interaction_id",)), new)
        _delete_children([row[0] for row in new])
    agents: list[tuple] = []
    queues: list[tuple] = []
    attributes: list[tuple] = []
    for row in rows:
        a, q, h = _children(row, latest[row[0]])
        agents += a
        queues += q
        attributes += h
    _insert(IndexedAgent, AGENT, agents)
    _insert(IndexedQueue, QUEUE, queues)
    _insert(IndexedAttribute, ATTRIBUTE, attributes)
    _note_names(tenant_id, rows, agents, queues, read_at)


def _note_names(
    tenant_id: str,
    rows: Sequence[tuple],
    agents: Sequence[tuple],
    queues: Sequence[tuple],
    read_at: datetime,
) -> None:
    """Keep the filters' choices (``IndexedName``) up to date with the names just written."""
    names: dict[tuple[str, str], str] = {}
    for kind, children in (("agent", agents), ("queue", queues)):
        for child in children:
            names.setdefault((kind, child[len(SHARED) + 2]), child[len(SHARED) + 1])
    for row in rows:
        if row[_I["flow_key"]]:
            names.setdefault(("flow", row[_I["flow_key"]]), row[_I["flow_name"]])
    seen = _moment(read_at)
    _write(
        _insert_sql(IndexedName, NAME, ("tenant_id", "kind", "key")),
        [(tenant_id, kind, key, name, seen) for (kind, key), name in sorted(names.items())],
    )


def _delete_children(ids: Sequence[str]) -> None:
    for model in (IndexedAgent, IndexedQueue, IndexedAttribute):
        model.objects.filter(interaction_id__in=ids).delete()


def delete_before(tenant_id: str, cutoff: datetime, *, batch: int = 5000) -> int:
    """Drop the tenant's rows that started before ``cutoff`` (retention), a batch at a time so
    no transaction grows with the backlog. Returns how many interactions went."""
    gone = 0
    while True:
        ids = list(
            IndexedInteraction.objects.filter(tenant_id=tenant_id, start__lt=cutoff)
            .order_by()
            .values_list("interaction_id", flat=True)[:batch]
        )
        if not ids:
            return gone
        with transaction.atomic():
            _delete_children(ids)
            IndexedInteraction.objects.filter(interaction_id__in=ids).delete()
        gone += len(ids)
