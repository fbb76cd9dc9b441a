"""Writing to the index: typed interactions in, bulk upserts out.

``upsert`` takes a batch (a page of 1,000, or the one interaction the detail page just read),
compares it with what the index holds (one query), and writes only what changed: new rows and
rows whose end, completeness, flag or ``updated`` moved. A row never goes back in time (an
answer older than the stored one is ignored), and a list item that does not say whether it is
complete keeps what the index knew. Interaction rows are upserted (``INSERT ... ON CONFLICT DO
UPDATE``), their agents, queues and attributes replaced, all in one transaction per batch, so a
pass killed anywhere leaves whole rows behind, and the next pass mends the rest (idempotent).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

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
)

_UPDATE_FIELDS = [
    f.name
    for f in IndexedInteraction._meta.concrete_fields
    if not f.primary_key and f.name != "tenant_id"
]
_COMPARED = ("end", "data_complete", "flagged", "flag_key", "updated", "duration", "channel")


def _cut(value: str | None, length: int = NAME_LENGTH) -> str:
    return (value or "")[:length]


@dataclass(frozen=True)
class Written:
    read: int = 0  # interactions offered
    written: int = 0  # new or changed rows written
    skipped: int = 0  # without a start time (they cannot be placed in time)


def _row(tenant_id: str, item: Interaction, read_at: datetime) -> IndexedInteraction:
    return IndexedInteraction(
        interaction_id=item.id,
        tenant_id=tenant_id,
        start=item.start,
        end=item.end,
        channel=(item.channel or "").strip().lower()[:32],
        direction=(item.direction or "").strip().lower()[:32],
        customer=_cut(item.customer),
        customer_key=customer_key(item.customer),
        contact_point=_cut(item.contact_point),
        flow_id=_cut(item.flow_id, ID_LENGTH),
        flow_name=_cut(item.flow_name),
        flow_key=name_key(item.flow_name),
        disposition_name=_cut(item.disposition_name),
        disposition_id=_cut(item.disposition_id, ID_LENGTH),
        flagged=item.flagged,
        flag_type=_cut(item.flag_type, 64) if item.flagged else "",
        flag_key=flag_key(item.flag_type)[:64] if item.flagged else "",
        data_complete=item.data_complete,
        duration=None if item.in_progress else item.duration_seconds,
        updated=item.updated,
        read_at=read_at,
    )


def _shared(row: IndexedInteraction) -> dict[str, object]:
    return {
        "interaction_id": row.interaction_id,
        "tenant_id": row.tenant_id,
        "start": row.start,
        "channel": row.channel,
        "direction": row.direction,
        "flow_name": row.flow_name,
        "flow_key": row.flow_key,
        "flagged": row.flagged,
        "flag_key": row.flag_key,
        "data_complete": row.data_complete,
        "duration": row.duration,
    }


def _children(
    row: IndexedInteraction, item: Interaction
) -> tuple[list[IndexedAgent], list[IndexedQueue], list[IndexedAttribute]]:
    shared = _shared(row)
    agents: dict[str, IndexedAgent] = {}
    for agent in item.agents:
        key = name_key(agent.name) or name_key(agent.agent_id)
        if key and key not in agents:
            agents[key] = IndexedAgent(
                **shared,
                agent_id=_cut(agent.agent_id, ID_LENGTH),
                name=_cut(agent.name or agent.agent_id),
                key=key,
            )
    queues: dict[str, IndexedQueue] = {}
    for queue in item.queues:
        key = name_key(queue.name) or name_key(queue.queue_id)
        if not key:
            continue
        if key in queues:
            queues[key].abandoned = queues[key].abandoned or queue.abandoned
            continue
        queues[key] = IndexedQueue(
            **shared,
            queue_id=_cut(queue.queue_id, ID_LENGTH),
            name=_cut(queue.name or queue.queue_id),
            key=key,
            abandoned=queue.abandoned,
        )
    attributes = [
        IndexedAttribute(
            interaction_id=row.interaction_id,
            tenant_id=row.tenant_id,
            key=_cut(hook.hook_id),
            value=_cut(hook.name),
        )
        for hook in item.all_attributes
        if hook.name
    ]
    return list(agents.values()), list(queues.values()), attributes


def _is_older(new: IndexedInteraction, old: dict) -> bool:
    return bool(new.updated and old["updated"] and new.updated < old["updated"])


def _unchanged(new: IndexedInteraction, old: dict) -> bool:
    return all(getattr(new, name) == old[name] for name in _COMPARED)


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
    rows: list[IndexedInteraction] = []
    replaced: list[str] = []
    touched: list[str] = []
    for interaction_id in ids:
        item = latest[interaction_id]
        row = _row(tenant_id, item, read_at)
        old = known.get(interaction_id)
        if old is not None:
            if row.data_complete is None:
                row.data_complete = old["data_complete"]  # the list did not say; keep it
            if _is_older(row, old) or _unchanged(row, old):
                if old["data_complete"] is not True:
                    touched.append(interaction_id)  # read again, nothing new: note when
                continue
            replaced.append(interaction_id)
        rows.append(row)
    if not rows and not touched:
        return Written(read=offered, skipped=skipped)
    with transaction.atomic():
        if rows:
            IndexedInteraction.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["interaction_id"],
                update_fields=_UPDATE_FIELDS,
            )
            if replaced:
                _delete_children(replaced)
            agents: list[IndexedAgent] = []
            queues: list[IndexedQueue] = []
            attributes: list[IndexedAttribute] = []
            for row in rows:
                a, q, h = _children(row, latest[row.interaction_id])
                agents += a
                queues += q
                attributes += h
            IndexedAgent.objects.bulk_create(agents)
            IndexedQueue.objects.bulk_create(queues)
            IndexedAttribute.objects.bulk_create(attributes)
            _note_names(tenant_id, rows, agents, queues, read_at)
        if touched:
            IndexedInteraction.objects.filter(interaction_id__in=touched).update(read_at=read_at)
    return Written(read=offered, written=len(rows), skipped=skipped)


def _note_names(
    tenant_id: str,
    rows: Sequence[IndexedInteraction],
    agents: Sequence[IndexedAgent],
    queues: Sequence[IndexedQueue],
    read_at: datetime,
) -> None:
    """Keep the filters' choices (``IndexedName``) up to date with the names just written."""
    names: dict[tuple[str, str], str] = {}
    for kind, children in (("agent", agents), ("queue", queues)):
        for child in children:
            names.setdefault((kind, child.key), child.name)
    for row in rows:
        if row.flow_key:
            names.setdefault(("flow", row.flow_key), row.flow_name)
    IndexedName.objects.bulk_create(
        [
            IndexedName(tenant_id=tenant_id, kind=kind, key=key, name=name, last_seen=read_at)
            for (kind, key), name in sorted(names.items())
        ],
        update_conflicts=True,
        unique_fields=["tenant_id", "kind", "key"],
        update_fields=["name", "last_seen"],
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
