"""Issue 16, point 4: no request starts unbounded background work.

Each new ``start``/``end``/``depth`` started its own flagged scan (``depth=100000``: 100
upstream calls; four such requests ran 80 calls in parallel), and exports held a worker thread
each with no limit. Now at most ``CXENGAGE_MAX_SCANS`` scans run at once across the deployment
(beyond that the page says it waits and tries again), depths past
``CXENGAGE_FLAGGED_SCAN_DEPTH`` are for staff, and exports run one per user and
``CXENGAGE_MAX_EXPORTS`` in all, their slots released however the stream ends.

These run on the locmem cache; ``tests/prod/test_capacity_redis.py`` runs the same scenarios on
Redis, and four scans through two gunicorn instances.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from interactions_app import services
from interactions_app.caching.single_flight import settle
from interactions_app.services import flagged_scan

pytestmark = pytest.mark.django_db

FLAGGED = reverse("interactions:flagged")
EXPORT_FLAGGED = reverse("interactions:export", args=["flagged"])
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
WAITING = "Waiting to start"
SETTLE = 120  # seconds the scans of a test may take to end on a loaded machine


@pytest.fixture
def warm(live_api):
    """The token and the tenant's facts fetched and cached, then the sandbox stats cleared."""
    services.tenant_get()
    live_api.reset()
    return live_api


@pytest.fixture
def slow(warm, settings):
    """Scans of 5,000 that take a few seconds each, two pages in flight: enough to overlap,
    little enough for a shared machine (the sandbox builds every page it serves)."""
    settings.CXENGAGE = {**settings.CXENGAGE, "FLAGGED_SCAN_WORKERS": 2}
    warm.set_faults(latency_ms=600)
    return warm


# --- scans -------------------------------------------------------------------------------------


class Running:
    """How many scans read pages at once (``flagged_scan._read_pages`` wrapped)."""

    def __init__(self, monkeypatch) -> None:
        self.now = self.most = 0
        self._lock = threading.Lock()
        original = flagged_scan._read_pages

        def counted(**kwargs):
            with self._lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                return original(**kwargs)
            finally:
                with self._lock:
                    self.now -= 1

        monkeypatch.setattr(flagged_scan, "_read_pages", counted)


@pytest.fixture
def running(monkeypatch) -> Running:
    return Running(monkeypatch)


def distinct_windows(n: int) -> list[datetime]:
    """``n`` different ``start`` values (a different scan each), all of them with rows."""
    first = datetime(2026, 11, 1, tzinfo=UTC)
    return [first + timedelta(hours=hour) for hour in range(n)]


def four_scans_at_once(sandbox, running: Running, depth: int = 5_000) -> None:
    """Four different scans asked for at once: two run, two are told to wait; once the two
    are done, the other two run. (``sandbox`` answers slowly: see ``slow``.)"""
    starts = distinct_windows(4)

    def ask(start: datetime):
        return services.flagged_scan_get(depth=depth, start=start, wait=0.5)

    with ThreadPoolExecutor(4) as pool:
        began = time.monotonic()
        scans = list(pool.map(ask, starts))
    assert time.monotonic() - began < 5  # nobody hangs waiting for a slot
    assert sorted(scan.busy for scan in scans) == [False, False, True, True]
    assert not any(scan.finished for scan in scans)
    sandbox.set_faults()  # no latency: let them end
    settle(SETTLE)
    assert running.most == 2
    waited = [start for start, scan in zip(starts, scans, strict=True) if scan.busy]
    again = [services.flagged_scan_get(depth=depth, start=start, wait=30) for start in waited]
    assert all(scan.finished and not scan.busy for scan in again)
    assert running.most == 2


def test_four_concurrent_scans_run_two_at_a_time(slow, running):
    four_scans_at_once(slow, running)


def test_a_page_beyond_the_cap_says_it_waits_and_refreshes_itself(
    sup_client, slow, running, settings
):
    settings.CXENGAGE = {**settings.CXENGAGE, "FLAGGED_FIRST_PAINT_SECONDS": 0.5}
    for start in distinct_windows(2):  # the deployment's two scans, started elsewhere
        assert not services.flagged_scan_get(depth=5_000, start=start, wait=0.1).busy
    began = time.monotonic()
    query = {"depth": 5_000, "start": "2026-11-02T00:00"}  # a third scan
    page = sup_client.get(FLAGGED, query)
    assert time.monotonic() - began < 2
    html = page.content.decode()
    assert page.status_code == 200 and WAITING in html
    assert 'hx-trigger="load delay:3s"' in html  # htmx asks again
    assert '<meta http-equiv="refresh"' in html  # and so does a page without script
    assert "Export all" not in html
    slow.set_faults()
    settle(SETTLE)
    again = sup_client.get(FLAGGED, query, **HX).content.decode()
    assert WAITING not in again  # it started
    assert "Scanning:" in again or "Scanned the most recent" in again
    slow.reset()
    settle(SETTLE)
    assert running.most == 2


def test_a_flagged_export_beyond_the_cap_is_a_503_and_holds_nothing(sup_client, slow, running):
    for start in distinct_windows(2):
        services.flagged_scan_get(depth=5_000, start=start, wait=0.1)
    refused = sup_client.get(EXPORT_FLAGGED)
    assert refused.status_code == 503 and not refused.streaming
    assert "busy with other flagged scans" in refused.content.decode()
    slow.set_faults()
    settle(SETTLE)
    done = sup_client.get(EXPORT_FLAGGED)  # its export slot was given back
    assert done.status_code == 200 and b"".join(done.streaming_content).count(b"\n") > 10


# --- depth -------------------------------------------------------------------------------------


def test_deeper_scans_are_for_staff(sup_client, supervisor, warm, running):
    refused = sup_client.get(FLAGGED, {"depth": 100_000})
    assert refused.status_code == 400
    assert "deeper than the most recent 10,000 are for staff" in refused.content.decode()
    assert running.most == 0 and warm.stats()["total"] == 0  # nothing started
    export = sup_client.get(EXPORT_FLAGGED, {"depth": 20_000})
    assert export.status_code == 400 and not export.streaming
    own = sup_client.get(FLAGGED, {"depth": 5_000})
    assert own.status_code == 200 and "Scan further: most recent 10,000" in own.content.decode()
    settle(SETTLE)
    full = sup_client.get(FLAGGED).content.decode()  # the default depth
    assert "Scanned the most recent" in full and "Scan further" not in full
    supervisor.is_staff = True
    supervisor.save()
    assert "Scan further: most recent 20,000" in sup_client.get(FLAGGED).content.decode()


def test_a_prev_next_origin_deeper_than_allowed_is_ignored(sup_client, live_api):
    page = sup_client.get(reverse("interactions:list"), {"limit": 10}).content.decode()
    detail = page.split('data-href="')[1].split("?")[0]
    html = sup_client.get(detail, {"from": f"{FLAGGED}?depth=100000"}).content.decode()
    assert "← Flagged" not in html and "depth=100000" not in html
    settle(SETTLE)
