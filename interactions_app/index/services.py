"""What pages ask of the index besides its rows: whether it is on, how fresh it is, and a
detail page's news (``index_note_interaction``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, tzinfo

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from ..cxengage.models import Interaction
from .models import IndexedInteraction, IndexState
from .store import upsert

logger = logging.getLogger(__name__)


def index_enabled() -> bool:
    """``CXENGAGE_INDEX``: off, every page works as without an index."""
    return bool(getattr(settings, "CXENGAGE_INDEX", False))


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def _day(moment: datetime, tz: tzinfo | None) -> str:
    local = moment.astimezone(tz) if tz else moment
    return f"{local.day} {local:%b}"


@dataclass(frozen=True)
class IndexStatus:
    enabled: bool
    rows: int = 0
    oldest: datetime | None = None
    newest: datetime | None = None
    synced_at: datetime | None = None  # the last successful pass ended
    failed_at: datetime | None = None  # the last failed pass ended
    error: str = ""  # what it said
    backfill_done: bool = False

    @property
    def built(self) -> bool:
        return self.synced_at is not None

    @property
    def behind(self) -> bool:
        """The last pass failed (later than the last one that worked)."""
        return self.failed_at is not None and (
            self.synced_at is None or self.failed_at >= self.synced_at
        )

    def sentence(self, *, tz: tzinfo | None = None, now: datetime | None = None) -> str:
        """``Index: 1,204,311 interactions, 2 Nov – 2 Dec, synced 14 s ago`` or ``Index
        behind: last pass failed 3 min ago: CxEngage is rate-limiting requests``."""
        now = now or timezone.now()
        if not self.enabled:
            return "Index: off"
        if self.behind:
            assert self.failed_at is not None
            said = f": {self.error}" if self.error else ""
            ago = _ago((now - self.failed_at).total_seconds())
            return f"Index behind: last pass failed {ago}{said}"
        if not self.built:
            if self.rows:
                return f"Index: first pass in progress, {self.rows:,} interactions so far"
            return "Index: not built yet"
        assert self.synced_at is not None
        span = ""
        if self.oldest and self.newest:
            span = f", {_day(self.oldest, tz)} – {_day(self.newest, tz)}"
        building = "" if self.backfill_done else " (first pass still reading older days)"
        return (
            f"Index: {self.rows:,} interactions{span}, "
            f"synced {_ago((now - self.synced_at).total_seconds())}{building}"
        )


def index_status(*, tenant_id: str) -> IndexStatus:
    """How fresh the index is for ``tenant_id`` (from the sync's status record)."""
    if not index_enabled():
        return IndexStatus(enabled=False)
    try:
        state = IndexState.objects.filter(tenant_id=tenant_id).first()
    except DatabaseError:
        logger.exception("index status could not be read")
        return IndexStatus(enabled=True, failed_at=timezone.now(), error="the index is unreadable")
    if state is None:
        return IndexStatus(enabled=True)
    return IndexStatus(
        enabled=True,
        rows=state.rows,
        oldest=state.oldest,
        newest=state.newest,
        synced_at=state.synced_at,
        failed_at=state.failed_at,
        error=state.error,
        backfill_done=state.backfill_done,
    )


def index_note_interaction(*, interaction: Interaction) -> bool:
    """The detail page read ``interaction`` from CxEngage: when the index holds it and this
    is newer (finished, flagged, updated), update its row now. Never raises; True when the
    row changed."""
    if not index_enabled():
        return False
    tenant_id = settings.CXENGAGE["TENANT_ID"]
    try:
        if not IndexedInteraction.objects.filter(
            interaction_id=interaction.id, tenant_id=tenant_id
        ).exists():
            return False  # not indexed (yet, or any more): the sync decides what it keeps
        return upsert(tenant_id, [interaction], read_at=timezone.now()).written > 0
    except Exception:  # the page must render whatever the index's trouble
        logger.exception("index: could not note interaction %s", interaction.id)
        return False
