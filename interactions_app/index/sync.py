"""Keeping the index: one pass at a time, one syncer per tenant.

A pass (``Syncer.run_pass``), under the tenant's lease (``IndexLease``: whoever holds an
unexpired one syncs, the others wait):

1. drops rows that started more than ``CXENGAGE_INDEX_DAYS`` ago;
2. backfills, while the first backfill is not done: the ``CXENGAGE_INDEX_DAYS`` before the
   moment it began, newest first, in time windows read with the API's ``start``/``end``
   (``start <= t < end``), 1,000 a call, several calls in flight (at most the client's
   ``CXENGAGE_MAX_CONCURRENCY``). After each window is written the cursor moves to its start
   (``IndexState.backfill_cursor``), so a pass stopped or killed anywhere resumes at the first
   window it had not finished;
3. reads what started since the high-water mark, less ``OVERLAP`` for late arrivals, up to the
   pass's start;
4. re-reads, one by one, the interactions the index holds as unfinished that started in the
   last day (until CxEngage says they are complete);
5. records how it went (``IndexState``: what ``index_status`` shows) and logs one line.

Every write is an idempotent upsert (``store.upsert``), so a page read twice costs nothing but
the read. All calls go through the service layer's client (``client_from_settings``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from ..cxengage.client import MAX_LIMIT
from ..cxengage.errors import CxEngageError, NotFound
from ..cxengage.factory import client_from_settings
from ..cxengage.models import Interaction
from .models import IndexedInteraction, IndexLease, IndexState
from .store import delete_before, upsert

logger = logging.getLogger(__name__)

LEASE_SECONDS = 90  # renewed after every window; a syncer that dies frees it this long after
OVERLAP = timedelta(minutes=10)  # later passes re-read this much before the high-water mark
RECHECK_WITHIN = timedelta(days=1)  # unfinished interactions older than this are left as read
RECHECK_MAX = 500  # unfinished interactions re-read per pass at most (least recently read first)
PAGES_PER_WINDOW = 5  # backfill windows are sized to hold about this many pages
MIN_WINDOW = timedelta(minutes=5)
MAX_WINDOW = timedelta(days=1)
MAX_WORKERS = 4
EDGE = timedelta(milliseconds=1)  # the API's timestamps have millisecond precision


class LeaseLost(RuntimeError):
    """Another syncer took the lease (this one stalled past its expiry): stop writing."""


@dataclass
class PassResult:
    tenant_id: str
    status: str = "ok"  # "ok", "busy" (another syncer holds the lease), "stopped", "failed"
    mode: str = "incremental"  # or "backfill" while the first backfill is not done
    read: int = 0  # interactions read from CxEngage
    written: int = 0  # rows new or changed
    deleted: int = 0  # rows past the retention window
    rechecked: int = 0  # unfinished interactions re-read
    calls: int = 0  # upstream calls
    seconds: float = 0.0
    error: str = ""
    holder: str = ""  # who holds the lease, when busy

    def log_line(self) -> str:
        rate = self.read / self.seconds if self.seconds else 0.0
        fields = {
            "tenant": self.tenant_id,
            "status": self.status,
            "mode": self.mode,
            "read": self.read,
            "written": self.written,
            "deleted": self.deleted,
            "rechecked": self.rechecked,
            "calls": self.calls,
            "seconds": f"{self.seconds:.2f}",
            "rate": f"{rate:.0f}/s",
        }
        if self.error:
            fields["error"] = repr(self.error)
        if self.holder:
            fields["holder"] = self.holder
        return "index pass " + " ".join(f"{k}={v}" for k, v in fields.items())


def _holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# --- the lease --------------------------------------------------------------------------------


def lease_take(
    tenant_id: str, holder: str, *, now: datetime, seconds: float = LEASE_SECONDS
) -> bool:
    """Take (or renew) the tenant's lease for ``holder``; False while another holds it."""
    expires = now + timedelta(seconds=seconds)
    taken = (
        IndexLease.objects.filter(tenant_id=tenant_id)
        .filter(Q(expires__lt=now) | Q(holder=holder))
        .update(holder=holder, expires=expires)
    )
    if taken:
        return True
    if IndexLease.objects.filter(tenant_id=tenant_id).exists():
        return False
    try:
        with transaction.atomic():
            IndexLease.objects.create(tenant_id=tenant_id, holder=holder, expires=expires)
    except IntegrityError:
        return False  # another syncer created it first
    return True


def lease_holder(tenant_id: str) -> str:
    lease = IndexLease.objects.filter(tenant_id=tenant_id).first()
    return lease.holder if lease else ""


def lease_release(tenant_id: str, holder: str) -> None:
    IndexLease.objects.filter(tenant_id=tenant_id, holder=holder).delete()


# --- reading windows --------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


class _Reader:
    """Reads windows' pages, ``workers`` calls in flight, newest window first; yields each
    page's interactions as it arrives with the windows finished by it."""

    def __init__(self, *, workers: int, stop: threading.Event, count_call: Callable[[], None]):
        self.client = client_from_settings()
        self.workers = workers
        self.stop = stop
        self.count_call = count_call

    def _list(self, window: Window, offset: int) -> object:
        self.count_call()
        # a millisecond below the window: whether the API's bounds are inclusive or exclusive
        # (no public source says; the sandbox takes start <= t < end), an interaction starting
        # on a window's edge is read by at least one window (twice costs nothing: upserts)
        return self.client.list_interactions(
            limit=MAX_LIMIT,
            offset=offset,
            start=window.start - EDGE,
            end=window.end,
            summary=True,
        )

    def pages(self, windows: Sequence[Window]) -> Iterator[tuple[list[Interaction], list[int]]]:
        """(interactions, indices of windows now completely read) per page."""
        pending: dict[Future, tuple[int, int]] = {}
        outstanding: dict[int, int] = {}
        tasks: deque[tuple[int, int]] = deque()
        next_window = iter(range(len(windows)))
        finished: set[int] = set()
        with ThreadPoolExecutor(self.workers, thread_name_prefix="index-sync") as pool:

            def fill() -> None:
                while len(pending) < self.workers and not self.stop.is_set():
                    if tasks:
                        w, offset = tasks.popleft()
                    else:
                        w = next(next_window, None)
                        if w is None:
                            return
                        offset = 0
                        outstanding[w] = 1
                    pending[pool.submit(self._list, windows[w], offset)] = (w, offset)

            try:
                fill()
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        w, offset = pending.pop(future)
                        page = future.result()
                        outstanding[w] -= 1
                        read = len(page.items) + page.skipped
                        more: list[int] = []
                        if offset == 0 and page.total_known:
                            more = list(range(MAX_LIMIT, page.total, MAX_LIMIT))
                        elif not page.total_known and read >= MAX_LIMIT:
                            more = [offset + MAX_LIMIT]  # no total: page on to a short page
                        tasks.extend((w, o) for o in more)
                        outstanding[w] += len(more)
                        now_done = []
                        if outstanding[w] == 0:
                            finished.add(w)
                            now_done.append(w)
                        yield list(page.items), now_done
                    fill()
            finally:
                for future in pending:
                    future.cancel()


# --- the pass ---------------------------------------------------------------------------------


class Syncer:
    """Syncs one tenant (the configured one unless ``tenant_id`` is given).

    ``clock`` gives "now" (tests use the sandbox's clock); ``stop`` ends a pass early at the
    next page (the command sets it on Ctrl-C); ``progress`` shows a bar on the terminal.
    """

    def __init__(
        self,
        *,
        tenant_id: str | None = None,
        days: int | None = None,
        holder: str | None = None,
        workers: int | None = None,
        clock: Callable[[], datetime] = timezone.now,
        stop: threading.Event | None = None,
        progress: bool = False,
        on_window: Callable[[IndexState], None] | None = None,
    ) -> None:
        conf = settings.CXENGAGE
        self.tenant_id = tenant_id or conf["TENANT_ID"]
        self.days = days or settings.CXENGAGE_INDEX_DAYS
        self.holder = holder or _holder_name()
        self.workers = workers or max(1, min(MAX_WORKERS, conf["MAX_CONCURRENCY"]))
        self.clock = clock
        self.stop = stop or threading.Event()
        self.progress = progress
        self.on_window = on_window  # after each backfill window is recorded (tests, bench)
        self._renewed = time.monotonic()

    # --- public ---------------------------------------------------------------------------

    def run_pass(self, *, wait_seconds: float = 0.0) -> PassResult:
        """One pass; waits up to ``wait_seconds`` for the lease, then gives up (``busy``)."""
        result = PassResult(tenant_id=self.tenant_id)
        started = time.monotonic()
        deadline = started + wait_seconds
        while not lease_take(self.tenant_id, self.holder, now=self.clock()):
            if time.monotonic() >= deadline or self.stop.is_set():
                result.status = "busy"
                result.holder = lease_holder(self.tenant_id)
                logger.info(result.log_line())
                return result
            time.sleep(min(0.5, max(0.01, deadline - time.monotonic())))
        self._renewed = time.monotonic()
        try:
            self._pass(result)
            if self.stop.is_set():
                result.status = "stopped"
        except (CxEngageError, LeaseLost) as error:
            result.status, result.error = "failed", self._said(error)
        except Exception as error:  # recorded for the pages, then raised for the operator
            result.status, result.error = "failed", f"{type(error).__name__}: {error}"[:400]
            self._record_failure(result.error)
            raise
        finally:
            result.seconds = time.monotonic() - started
            with contextlib.suppress(Exception):
                lease_release(self.tenant_id, self.holder)
            log = logger.warning if result.status == "failed" else logger.info
            log(result.log_line())
        if result.status == "failed":
            self._record_failure(result.error)
        return result

    def follow(self, *, interval: float, passes: int | None = None) -> None:
        """A pass every ``interval`` seconds (from the start of one to the next) until
        ``stop`` is set (or ``passes`` have run)."""
        count = 0
        while not self.stop.is_set():
            began = time.monotonic()
            try:
                self.run_pass()
            except Exception:  # already recorded and logged; the next pass may do better
                logger.exception("index pass crashed")
            finally:
                close_old_connections()
            count += 1
            if passes is not None and count >= passes:
                return
            self.stop.wait(max(0.0, interval - (time.monotonic() - began)))

    # --- the pass's parts -------------------------------------------------------------------

    @staticmethod
    def _said(error: Exception) -> str:
        if isinstance(error, CxEngageError):
            return error.title
        return str(error)

    def _record_failure(self, error: str) -> None:
        with contextlib.suppress(Exception):
            IndexState.objects.update_or_create(
                tenant_id=self.tenant_id,
                defaults={"failed_at": self.clock(), "error": error[:500]},
            )

    def _renew(self) -> None:
        if not lease_take(self.tenant_id, self.holder, now=self.clock()):
            raise LeaseLost(f"the index lease for {self.tenant_id} was taken by another syncer")
        self._renewed = time.monotonic()

    def _pass(self, result: PassResult) -> None:
        now = self.clock()
        state, _ = IndexState.objects.get_or_create(tenant_id=self.tenant_id)
        state.pass_started = now
        state.save(update_fields=["pass_started"])
        kept_from = now - timedelta(days=self.days)
        result.deleted = delete_before(self.tenant_id, kept_from)

        if not state.backfill_done:
            result.mode = "backfill"
            if state.backfill_top is None:
                state.backfill_top = state.backfill_cursor = now
            state.backfill_floor = max(kept_from, state.backfill_floor or kept_from)
            state.save(update_fields=["backfill_top", "backfill_cursor", "backfill_floor"])
            self._backfill(state, result)
            if self.stop.is_set():
                return
        since = (state.high_water or state.backfill_top or kept_from) - OVERLAP
        since = max(since, kept_from)
        newest = self._read_since(since, now, result)
        if self.stop.is_set():
            return
        result.rechecked = self._recheck(now, since, result)
        self._renew()
        self._finish(state, now, newest)

    def _backfill(self, state: IndexState, result: PassResult) -> None:
        floor, cursor = state.backfill_floor, state.backfill_cursor
        if cursor > floor:
            windows = self._windows(floor, cursor, result)
            done = 0
            counted = result.written
            bar = self._bar(len(windows), "backfill")
            try:
                finished: set[int] = set()
                for items, now_done in self._read(windows, result):
                    self._write(items, result)
                    finished.update(now_done)
                    if bar is not None:
                        bar.set_postfix_str(f"{result.read:,} read", refresh=False)
                    moved = False
                    while done in finished:  # the cursor only passes finished windows
                        done += 1
                        moved = True
                        if bar is not None:
                            bar.update(1)
                    if moved:
                        self._renew()
                        state.backfill_cursor = windows[done - 1].start
                        state.rows += result.written - counted  # until the pass counts them
                        counted = result.written
                        state.save(update_fields=["backfill_cursor", "rows"])
                        if self.on_window:
                            self.on_window(state)
            finally:
                if bar is not None:
                    bar.close()
            if done < len(windows):
                return  # stopped: the next pass resumes at the cursor
        state.backfill_done = True
        state.save(update_fields=["backfill_done"])

    def _windows(self, floor: datetime, top: datetime, result: PassResult) -> list[Window]:
        """Windows newest first, sized so each holds about ``PAGES_PER_WINDOW`` pages (from the
        total the API gives for the whole range; a day each when it gives none)."""
        result.calls += 1
        probe = client_from_settings().list_interactions(limit=1, offset=0, start=floor, end=top)
        span = top - floor
        size = MAX_WINDOW
        if probe.total_known and probe.total > 0:
            size = span * (PAGES_PER_WINDOW * MAX_LIMIT) / probe.total
        size = min(MAX_WINDOW, max(MIN_WINDOW, size))
        windows = []
        end = top
        while end > floor:
            start = max(floor, end - size)
            windows.append(Window(start, end))
            end = start
        return windows

    def _read(
        self, windows: Sequence[Window], result: PassResult
    ) -> Iterator[tuple[list[Interaction], list[int]]]:
        def count_call() -> None:
            result.calls += 1

        reader = _Reader(workers=self.workers, stop=self.stop, count_call=count_call)
        yield from reader.pages(windows)

    def _write(self, items: list[Interaction], result: PassResult) -> None:
        if time.monotonic() - self._renewed > LEASE_SECONDS / 3:
            self._renew()  # a long window (a day's gap after an outage) keeps the lease too
        result.read += len(items)
        written = upsert(self.tenant_id, items, read_at=self.clock())
        result.written += written.written

    def _read_since(self, since: datetime, until: datetime, result: PassResult) -> datetime | None:
        """Everything that started in ``since``..``until``; the newest start read."""
        newest = None
        end = until + timedelta(milliseconds=1)
        for items, _ in self._read([Window(since, end)], result):
            self._write(items, result)
            for item in items:
                if item.start and (newest is None or item.start > newest):
                    newest = item.start
        return newest

    def _recheck(self, now: datetime, since: datetime, result: PassResult) -> int:
        """Re-read the unfinished interactions of the last day that the window just read did
        not cover, least recently read first."""
        ids = list(
            IndexedInteraction.objects.filter(
                Q(data_complete=False) | Q(data_complete__isnull=True, end__isnull=True),
                tenant_id=self.tenant_id,
                start__gte=now - RECHECK_WITHIN,
                start__lt=since,
            )
            .order_by("read_at")
            .values_list("interaction_id", flat=True)[:RECHECK_MAX]
        )
        if not ids:
            return 0
        client = client_from_settings()

        def get(interaction_id: str) -> Interaction | None:
            result.calls += 1
            try:
                return client.get_interaction(interaction_id)
            except NotFound:
                return None

        with ThreadPoolExecutor(self.workers, thread_name_prefix="index-recheck") as pool:
            fresh = [item for item in pool.map(get, ids) if item is not None]
        self._write(fresh, result)
        return len(ids)

    def _finish(self, state: IndexState, now: datetime, newest: datetime | None) -> None:
        summary = IndexedInteraction.objects.filter(tenant_id=self.tenant_id).aggregate(
            rows=Count("*"), oldest=Min("start"), newest=Max("start")
        )
        state.refresh_from_db()
        if newest is not None and (state.high_water is None or newest > state.high_water):
            state.high_water = newest
        elif state.high_water is None:
            state.high_water = now - OVERLAP
        state.rows = summary["rows"]
        state.oldest = summary["oldest"]
        state.newest = summary["newest"]
        state.synced_at = self.clock()
        state.error = ""
        state.save()

    def _bar(self, total: int, what: str):  # type: ignore[no-untyped-def]
        if not self.progress:
            return None
        from tqdm import tqdm

        return tqdm(total=total, desc=f"index {what}", unit="window", file=sys.stderr)
