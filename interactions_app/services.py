"""What views call: interactions listed, fetched, searched and scanned for flags.

Keyword-only and typed. Views never see the client, HTTP or upstream field names. Caching lives
here: a finished interaction never changes and is cached long; pages of results briefly; tenant
facts for an hour. Cache keys carry the tenant and every query parameter, never credentials.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache as django_cache
from django.core.signals import setting_changed
from django.dispatch import receiver

from .coalesce import cache_key, fetch_once
from .cxengage.client import MAX_LIMIT, ClientConfig, CxEngageClient
from .cxengage.errors import CxEngageError
from .cxengage.models import Interaction, Page
from .flags import flag_key
from .pagination import Pagination

logger = logging.getLogger(__name__)

T = TypeVar("T")
UTC = ZoneInfo("UTC")


# --- client -----------------------------------------------------------------------------------


@cache
def _client() -> CxEngageClient:
    conf = settings.CXENGAGE
    return CxEngageClient(
        ClientConfig(
            api_url=conf["API_URL"],
            tenant_id=conf["TENANT_ID"],
            api_key=conf["API_KEY"],
            api_secret=conf["API_SECRET"],
            username=conf["USERNAME"],
            password=conf["PASSWORD"],
            connect_timeout=conf["CONNECT_TIMEOUT"],
            read_timeout=conf["READ_TIMEOUT"],
            retries=conf["RETRIES"],
            max_retry_after=conf["MAX_RETRY_AFTER"],
            max_response_bytes=conf["MAX_RESPONSE_BYTES"],
            pool_size=max(8, conf["FLAGGED_SCAN_WORKERS"] * 2),
        )
    )


@receiver(setting_changed)
def _reset_client(*, setting: str, **kwargs) -> None:
    if setting == "CXENGAGE":
        _client.cache_clear()


def _cached(
    key_parts: Sequence[object],
    seconds: int,
    produce: Callable[[], T],
    *,
    keep: Callable[[T], bool] = lambda value: True,
) -> T:
    """Cached for ``seconds`` and coalesced: concurrent identical calls make one upstream call."""
    conf = settings.CXENGAGE
    wait = conf["READ_TIMEOUT"] * (conf["RETRIES"] + 1) + conf["CONNECT_TIMEOUT"] + 5
    key = cache_key(conf["API_URL"], conf["TENANT_ID"], *key_parts)
    return fetch_once(key, produce, ttl=seconds, wait=wait, keep=keep)


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    timezone_name: str

    @property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone_name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return UTC


@dataclass(frozen=True)
class ResultPage:
    """One page of interactions plus what the pager and the header need."""

    items: tuple[Interaction, ...]
    pagination: Pagination
    tenant: Tenant
    skipped: int = 0


@dataclass(frozen=True)
class FlaggedScan:
    flagged: tuple[Interaction, ...]  # every flagged interaction found so far, most recent first
    scanned: int  # how many interactions were read
    total: int  # how many the tenant (or the time window) holds
    depth: int  # how many were asked for
    counts: dict[str, int] = field(default_factory=dict)  # flag key -> count
    finished: bool = True  # False while a background scan is still reading pages
    unreadable: int = 0  # records that could not be read, so could not be checked for a flag

    @property
    def reach(self) -> int:
        """How many interactions this scan reads when finished."""
        return min(self.depth, self.total)

    @property
    def covers_all(self) -> bool:
        return self.finished and self.depth >= self.total

    @property
    def flagged_percent(self) -> float:
        return 100.0 * len(self.flagged) / self.scanned if self.scanned else 0.0


@dataclass(frozen=True)
class FlaggedPage:
    scan: FlaggedScan
    page: ResultPage
    flag_filter: str


def _tenant_from(page: Page) -> Tenant:
    conf = settings.CXENGAGE
    return Tenant(
        id=page.tenant_id or conf["TENANT_ID"],
        name=page.tenant_name or "CxEngage tenant",
        timezone_name=page.tenant_timezone or "UTC",
    )


def _fetch_page(
    *,
    limit: int,
    offset: int,
    start: datetime | None = None,
    end: datetime | None = None,
    attribute_values: Sequence[str] = (),
    hook_names: Sequence[str] = (),
) -> Page:
    conf = settings.CXENGAGE
    return _cached(
        (
            "page",
            limit,
            offset,
            start and start.isoformat(),
            end and end.isoformat(),
            "\x1f".join(attribute_values),
            "\x1f".join(hook_names),
        ),
        conf["LIST_CACHE_SECONDS"],
        lambda: _client().list_interactions(
            limit=limit,
            offset=offset,
            start=start,
            end=end,
            attribute_values=attribute_values,
            hook_names=hook_names,
        ),
    )


def _result_page(*, page: int, limit: int, **filters) -> ResultPage:
    fetched = _fetch_page(limit=limit, offset=(page - 1) * limit, **filters)
    pagination = Pagination(page=page, limit=limit, total=fetched.total)
    if pagination.out_of_range and fetched.total > 0:
        # e.g. a shared link to page 900 after the window shrank: show the last page instead
        pagination = Pagination(page=pagination.num_pages, limit=limit, total=fetched.total)
        fetched = _fetch_page(limit=limit, offset=pagination.offset, **filters)
    return ResultPage(
        items=fetched.items,
        pagination=pagination,
        tenant=_tenant_from(fetched),
        skipped=fetched.skipped,
    )


# --- services ---------------------------------------------------------------------------------


def tenant_get() -> Tenant:
    """The tenant's name and time zone (from a one-row list call, cached for an hour)."""
    page = _cached(
        ("tenant",),
        3600,
        lambda: _client().list_interactions(limit=1, offset=0),
    )
    return _tenant_from(page)


def interaction_list(
    *, page: int, limit: int, start: datetime | None = None, end: datetime | None = None
) -> ResultPage:
    return _result_page(page=page, limit=limit, start=start, end=end)


def interaction_search(
    *,
    attribute_values: Sequence[str] = (),
    hook_names: Sequence[str] = (),
    page: int,
    limit: int,
) -> ResultPage:
    if not attribute_values and not hook_names:
        raise ValueError("a search needs at least one attribute value or hook name")
    return _result_page(
        page=page,
        limit=limit,
        attribute_values=tuple(attribute_values),
        hook_names=tuple(hook_names),
    )


def interaction_get(*, interaction_id: str) -> Interaction:
    conf = settings.CXENGAGE
    return _cached(
        ("interaction", interaction_id),
        conf["DETAIL_CACHE_SECONDS"],
        lambda: _client().get_interaction(interaction_id),
        # finished, it never changes; an outsized one (a huge debug trace) is not worth the
        # cache memory it would hold for a day
        keep=lambda interaction: (
            interaction.data_complete is True
            and interaction.wire_bytes <= conf["DETAIL_CACHE_MAX_BYTES"]
        ),
    )


def flagged_scan(
    *,
    depth: int,
    start: datetime | None = None,
    end: datetime | None = None,
    wait: float = 60.0,
) -> FlaggedScan:
    """The flagged interactions among the most recent ``depth`` (1000 a call, in parallel).

    The API cannot filter on flags, so this scans. The scan runs in the background (one per
    query across processes, thanks to a lock in the cache) and records its progress in the
    cache; this waits up to ``wait`` seconds and returns the finished scan or the progress so far
    (``finished=False``), so a page can show the first flagged rows before the scan ends.
    """
    conf = settings.CXENGAGE
    key = cache_key(
        conf["API_URL"],
        conf["TENANT_ID"],
        "flagged",
        depth,
        start and start.isoformat(),
        end and end.isoformat(),
    )
    deadline = time.monotonic() + wait
    started = False
    while True:
        done = django_cache.get(key)
        if done is not None:
            return done
        error = django_cache.get(key + ":error")
        if error is not None:
            raise error
        if not started:
            started = True
            if django_cache.add(key + ":lock", 1, timeout=SCAN_LOCK_SECONDS):
                job = threading.Thread(
                    target=contextvars.copy_context().run,
                    args=(_scan_job, key, depth, start, end),
                    name="flagged-scan",
                    daemon=True,
                )
                with _scan_threads_lock:
                    _scan_threads.add(job)
                job.start()
        if time.monotonic() >= deadline:
            progress = django_cache.get(key + ":progress")
            return progress or FlaggedScan(
                flagged=(), scanned=0, total=depth, depth=depth, finished=False
            )
        time.sleep(0.03)


SCAN_LOCK_SECONDS = 120
# a failed scan is shown to the requests waiting on it, then forgotten so "Try again" retries
SCAN_ERROR_SECONDS = 2
_scan_threads: set[threading.Thread] = set()
_scan_threads_lock = threading.Lock()


def flagged_scans_join(*, timeout: float = 30.0) -> None:
    """Block until every scan this process started has ended (tests and benchmarks).

    A scan outlives the request that started it, so a test that starts one must not let its
    upstream calls land in the next test's counts.
    """
    deadline = time.monotonic() + timeout
    with _scan_threads_lock:
        running = list(_scan_threads)
    for job in running:
        job.join(max(0.0, deadline - time.monotonic()))
        if job.is_alive():
            raise TimeoutError(f"a flagged scan was still running after {timeout} s")


class _ScanProgress:
    """Pages of a scan as they arrive (in any order), summarised most recent first."""

    def __init__(self, *, depth: int, total: int) -> None:
        self.depth, self.total = depth, total
        self.flagged_by_offset: dict[int, list[Interaction]] = {}
        self.scanned = self.unreadable = 0

    def add(self, offset: int, page: Page) -> None:
        self.flagged_by_offset[offset] = [item for item in page.items if item.flagged]
        self.scanned += page.received or len(page.items) + page.skipped
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
            scanned=min(self.scanned, min(self.depth, self.total)),
            total=self.total,
            depth=self.depth,
            counts=dict(counts.most_common()),
            finished=finished,
            unreadable=self.unreadable,
        )


def _scan_job(key: str, depth: int, start: datetime | None, end: datetime | None) -> None:
    conf = settings.CXENGAGE
    ttl = max(conf["LIST_CACHE_SECONDS"], 5)
    client = _client()
    try:
        # Keep `workers` pages in flight from the start (waiting for the first page to learn the
        # total would cost a round trip) and stop submitting once any page has told the total.
        workers = conf["FLAGGED_SCAN_WORKERS"]
        offsets = iter(range(0, depth, MAX_LIMIT))
        reach = depth
        progress: _ScanProgress | None = None
        pending: dict[Future, int] = {}
        with ThreadPoolExecutor(max_workers=workers) as pool:

            def submit_more() -> None:
                while len(pending) < workers:
                    offset = next(offsets, None)
                    if offset is None or offset >= reach:
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
                    if progress is None:
                        progress = _ScanProgress(depth=depth, total=page.total)
                        reach = min(depth, page.total)
                    progress.add(offset, page)
                snapshot = progress.snapshot(finished=False)
                django_cache.set(key + ":progress", snapshot, SCAN_LOCK_SECONDS)
                submit_more()
        django_cache.set(key, progress.snapshot(finished=True), ttl)
    except CxEngageError as error:
        logger.warning("flagged scan failed: %s: %s", type(error).__name__, error.detail)
        django_cache.set(key + ":error", error, SCAN_ERROR_SECONDS)
    except Exception as error:  # a scan thread must never die silently
        logger.exception("flagged scan crashed")
        django_cache.set(
            key + ":error",
            CxEngageError(f"scan crashed: {type(error).__name__}"),
            SCAN_ERROR_SECONDS,
        )
    finally:
        django_cache.delete(key + ":progress")
        django_cache.delete(key + ":lock")
        with _scan_threads_lock:
            _scan_threads.discard(threading.current_thread())


def flagged_page(
    *,
    depth: int,
    flag_filter: str = "",
    page: int,
    limit: int,
    start: datetime | None = None,
    end: datetime | None = None,
    wait: float = 60.0,
) -> FlaggedPage:
    scan = flagged_scan(depth=depth, start=start, end=end, wait=wait)
    key = flag_key(flag_filter)
    matching = [i for i in scan.flagged if not key or flag_key(i.flag_type) == key]
    pagination = Pagination(page=page, limit=limit, total=len(matching))
    if pagination.out_of_range:
        pagination = Pagination(page=pagination.num_pages, limit=limit, total=len(matching))
    items = tuple(matching[pagination.offset : pagination.offset + limit])
    return FlaggedPage(
        scan=scan,
        page=ResultPage(items=items, pagination=pagination, tenant=tenant_get()),
        flag_filter=key,
    )


__all__ = [
    "CxEngageError",
    "FlaggedPage",
    "FlaggedScan",
    "ResultPage",
    "Tenant",
    "flagged_page",
    "flagged_scan",
    "interaction_get",
    "interaction_list",
    "interaction_search",
    "tenant_get",
]
