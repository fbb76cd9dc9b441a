"""The flagged interactions: the scan the API forces on us, since it cannot filter on flags.

A scan reads the most recent ``depth`` interactions, ``MAX_LIMIT`` (1000) a call with
``FLAGGED_SCAN_WORKERS`` calls in flight, and keeps the flagged ones. It runs in the background
through the same single flight as every page fetch (one scan per query across processes), and
reports its progress as it goes, so a page can show the first flagged rows before it ends. At
most ``CXENGAGE_MAX_SCANS`` scans run at once across the deployment (``caching.slots``); beyond
that a scan does not start and answers ``busy`` (the page says so and tries again). Depths past
``CXENGAGE_FLAGGED_SCAN_DEPTH`` are for staff users (``flagged_scan_allowed``).
"""

from __future__ import annotations

import contextvars
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any

from django.conf import settings

from ..caching.keys import tenant_key
from ..caching.single_flight import Background, fetch_once
from ..caching.slots import slot_take
from ..cxengage.client import MAX_LIMIT
from ..cxengage.errors import CxEngageError
from ..cxengage.factory import client_from_settings
from ..cxengage.models import Interaction
from ..cxengage.models import Page as UpstreamPage
from ..flags import flag_key
from ..triage import review_filter, reviews_of
from .interactions import tenant_get
from .types import FlaggedPage, FlaggedScan, page_of

logger = logging.getLogger(__name__)

SCAN_LOCK_SECONDS = 120
# a failed scan is shown to the requests waiting on it, then forgotten so "Try again" retries
SCAN_ERROR_SECONDS = 2
EXPORT_WAIT_SECONDS = 300.0  # how long an export waits for its scan to finish


class ScanNotFinished(CxEngageError):
    title = "The flagged scan did not finish in time"
    message = (
        "The export waits for the scan of flagged interactions to finish, and it took too long. "
        "Try a smaller scan or a shorter time range."
    )
    status_code = 504


class ScansBusy(CxEngageError):
    title = "The dashboard is busy with other flagged scans"
    message = (
        "As many flagged scans as the dashboard runs at once are in progress, and this export "
        "needs one of its own. Try again in a minute."
    )
    status_code = 503


def flagged_scan_allowed(
    *, depth: int, user: Any, start: datetime | None = None, end: datetime | None = None
) -> bool:
    """Whether ``user`` may have the most recent ``depth`` interactions of ``start``..``end``
    scanned. Up to ``CXENGAGE_FLAGGED_SCAN_DEPTH`` anyone may; each 1000 beyond is one more
    upstream call, so deeper scans are for staff users. (Hook for the local index: when it
    covers ``start``..``end``, a deeper query costs no scan and may be allowed here.)"""
    if depth <= settings.CXENGAGE["FLAGGED_SCAN_DEPTH"]:
        return True
    return bool(getattr(user, "is_staff", False))


def flagged_scan_get(
    *,
    depth: int,
    start: datetime | None = None,
    end: datetime | None = None,
    wait: float = 60.0,
) -> FlaggedScan:
    """The flagged interactions among the most recent ``depth``: the finished scan, or (after
    ``wait`` seconds) its progress so far with ``finished=False``."""
    conf = settings.CXENGAGE

    def nothing_yet(progress: FlaggedScan | None = None, *, busy: bool = False) -> FlaggedScan:
        return progress or FlaggedScan(
            flagged=(), scanned=0, total=None, depth=depth, finished=False, busy=busy
        )

    return fetch_once(
        tenant_key("flagged", depth, start and start.isoformat(), end and end.isoformat()),
        lambda report: _scan(depth=depth, start=start, end=end, report=report),
        ttl=max(conf["LIST_CACHE_SECONDS"], 5),
        wait=wait,
        background=Background(
            pending=nothing_yet,
            lock_seconds=SCAN_LOCK_SECONDS,
            error_seconds=SCAN_ERROR_SECONDS,
            admit=lambda: slot_take(
                "flagged-scan", limit=conf["MAX_SCANS"], seconds=SCAN_LOCK_SECONDS
            ),
            busy=lambda: nothing_yet(busy=True),
        ),
    )


def flagged_list(
    *,
    depth: int,
    flag_filter: str = "",
    page: int,
    limit: int,
    start: datetime | None = None,
    end: datetime | None = None,
    review: str = "",
    reviewer_id: int | None = None,
    wait: float = 60.0,
) -> FlaggedPage:
    """A page of the flagged interactions found so far, of one flag type if ``flag_filter``,
    of one triage state if ``review`` ("open", "reviewed", "mine": owned by ``reviewer_id``)."""
    scan = flagged_scan_get(depth=depth, start=start, end=end, wait=wait)
    key = flag_key(flag_filter)
    matching = [i for i in scan.flagged if not key or flag_key(i.flag_type) == key]
    matching, counts = review_filter(matching, review=review, user_id=reviewer_id)
    shown = page_of(matching, number=page, limit=limit)
    return FlaggedPage(
        page=shown,
        tenant=tenant_get(),
        scan=scan,
        flag_filter=key,
        review_filter=review,
        review_counts=counts,
        reviews=reviews_of(interaction_ids=[i.id for i in shown.object_list]),
    )


def flagged_rows(
    *,
    depth: int,
    flag_filter: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
    review: str = "",
    reviewer_id: int | None = None,
    wait: float = EXPORT_WAIT_SECONDS,
) -> Iterator[Interaction]:
    """Every flagged interaction of the finished scan, optionally of one flag type and one
    triage state."""
    scan = flagged_scan_get(depth=depth, start=start, end=end, wait=wait)
    if scan.busy:
        raise ScansBusy(f"{settings.CXENGAGE['MAX_SCANS']} scans already running")
    if not scan.finished:
        raise ScanNotFinished(f"scan of {depth} not finished after {wait:.0f} s")
    key = flag_key(flag_filter)
    matching = [i for i in scan.flagged if not key or flag_key(i.flag_type) == key]
    yield from review_filter(matching, review=review, user_id=reviewer_id)[0]


class _ScanProgress:
    """Pages of a scan as they arrive (in any order), summarised most recent first.

    ``total`` is the upstream's, or None when it sends none; then the first page that comes back
    short (or empty) marks the end of the rows, and ``reach`` is how far there is to read."""

    def __init__(self, *, depth: int) -> None:
        self.depth = depth
        self.total: int | None = None
        self.reach = depth
        self.flagged_by_offset: dict[int, list[Interaction]] = {}
        self.scanned = self.unreadable = 0

    def add(self, offset: int, page: UpstreamPage, *, asked: int) -> None:
        """``page`` read at ``offset``, for which ``asked`` rows were asked."""
        received = page.received or len(page.items) + page.skipped
        if page.total_known:
            self.total = self.total if self.total is not None else page.total
        elif received < asked:  # the rows end here: the total is known now
            end = offset + received
            self.total = end if self.total is None else min(self.total, end)
        if self.total is not None:
            self.reach = min(self.depth, self.total)
        self.flagged_by_offset[offset] = [item for item in page.items if item.flagged]
        self.scanned += received
        self.unreadable += page.skipped

    def snapshot(self, *, finished: bool) -> FlaggedScan:
        flagged = tuple(
            item
            for offset in sorted(self.flagged_by_offset)
            for item in self.flagged_by_offset[offset]
        )
        counts = Counter(flag_key(item.flag_type) for item in flagged)
        return FlaggedScan(
            flagged=flagged,
            scanned=min(self.scanned, self.reach),
            total=self.total,
            depth=self.depth,
            counts=dict(counts.most_common()),
            finished=finished,
            unreadable=self.unreadable,
        )


def _scan(
    *,
    depth: int,
    start: datetime | None,
    end: datetime | None,
    report: Callable[[FlaggedScan], None],
) -> FlaggedScan:
    try:
        return _read_pages(depth=depth, start=start, end=end, report=report)
    except CxEngageError as error:
        logger.warning("flagged scan failed: %s: %s", type(error).__name__, error.detail)
        raise
    except Exception as error:  # a scan thread must never die silently
        logger.exception("flagged scan crashed")
        raise CxEngageError(f"scan crashed: {type(error).__name__}") from None


def _read_pages(
    *,
    depth: int,
    start: datetime | None,
    end: datetime | None,
    report: Callable[[FlaggedScan], None],
) -> FlaggedScan:
    # Keep `workers` pages in flight from the start (waiting for the first page to learn the
    # total would cost a round trip) and stop submitting once a page has told where the rows
    # end: its total, or (when the upstream sends none) coming back short.
    client = client_from_settings()
    workers = settings.CXENGAGE["FLAGGED_SCAN_WORKERS"]
    offsets = iter(range(0, depth, MAX_LIMIT))
    progress = _ScanProgress(depth=depth)
    pending: dict[Future, int] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:

        def submit_more() -> None:
            while len(pending) < workers:
                offset = next(offsets, None)
                if offset is None or offset >= progress.reach:
                    return
                # a copy of this context per task, so log lines keep the request id
                task = pool.submit(
                    contextvars.copy_context().run,
                    client.list_interactions,
                    limit=min(MAX_LIMIT, depth - offset),
                    offset=offset,
                    start=start,
                    end=end,
                    only_flagged=True,  # ~3% of rows: parse those, skip the rest
                )
                pending[task] = offset

        submit_more()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for task in done:
                offset, page = pending.pop(task), task.result()
                progress.add(offset, page, asked=min(MAX_LIMIT, depth - offset))
            report(progress.snapshot(finished=False))
            submit_more()
    return progress.snapshot(finished=True)
