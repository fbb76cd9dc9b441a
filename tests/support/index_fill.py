"""The local index filled from a sandbox, as a finished backfill leaves it (for view, browser and
screenshot runs that need index-backed pages without running ``index_sync`` first).

``fill_index(api_url=..., count=2000)`` reads the sandbox's ``count`` most recent interactions
through the real client, writes them with the index's own ``upsert`` and records the backfill
as done over their period; it returns what it wrote, for brute-force answers. ``empty_index()``
removes every row and status record again.
"""

from __future__ import annotations

from django.utils import timezone

from interactions_app.cxengage.client import MAX_LIMIT, ClientConfig, CxEngageClient
from interactions_app.cxengage.models import Interaction
from interactions_app.index.models import (
    IndexedAgent,
    IndexedAttribute,
    IndexedInteraction,
    IndexedName,
    IndexedQueue,
    IndexState,
)
from interactions_app.index.store import upsert

from .sandbox_process import API_KEY, API_SECRET, TENANT_A


def fill_index(*, api_url: str, tenant_id: str = TENANT_A, count: int = 2000) -> list[Interaction]:
    client = CxEngageClient(
        ClientConfig(api_url=api_url, tenant_id=tenant_id, api_key=API_KEY, api_secret=API_SECRET)
    )
    items: list[Interaction] = []
    while len(items) < count:
        page = client.list_interactions(limit=min(MAX_LIMIT, count - len(items)), offset=len(items))
        items.extend(page.items)
        if not page.items:
            break
    now = timezone.now()
    upsert(tenant_id, items, read_at=now)
    starts = [i.start for i in items if i.start]
    IndexState.objects.update_or_create(
        tenant_id=tenant_id,
        defaults={
            "backfill_top": max(starts),
            "backfill_cursor": min(starts),
            "backfill_floor": min(starts),
            "backfill_done": True,
            "high_water": max(starts),
            "rows": len(items),
            "oldest": min(starts),
            "newest": max(starts),
            "synced_at": now,
            "failed_at": None,
            "error": "",
        },
    )
    return items


def empty_index() -> None:
    for model in (
        IndexedAttribute,
        IndexedAgent,
        IndexedQueue,
        IndexedName,
        IndexedInteraction,
        IndexState,
    ):
        model.objects.all().delete()
