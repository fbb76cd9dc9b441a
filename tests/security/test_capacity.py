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
from django.test import Client
from django.urls import reverse

from interactions_app import services
from interactions_app.caching.single_flight import settle
from interactions_app.models import AuditEvent
from interactions_app.services import flagged_scan

pytestmark = pytest.mark.django_db

FLAGGED = reverse("interactions:flagged")
EXPORT_LIST = reverse("interactions:export", args=["list"])
EXPORT_FLAGGED = reverse("interactions:export", args=["flagged"])
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
TWENTY_ONE_HOURS = {"start": "2026-11-19T19:00", "end": "2026-11-20T16:00"}  # 3,500 rows
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


# --- exports -----------------------------------------------------------------------------------


def signed_in(django_user_model, name: str) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_user(username=name, password="pw-x-1234"))
    return client


def nine_exports(django_user_model, settings) -> None:
    """Nine exports by five users against the caps: one each at a time, four in all."""
    settings.CXENGAGE = {**settings.CXENGAGE, "MAX_EXPORTS": 4}
    ann, bob, cat, dan, eve = (
        signed_in(django_user_model, n) for n in ["ann", "bob", "cat", "dan", "eve"]
    )

    def export(client):
        return client.get(EXPORT_LIST, TWENTY_ONE_HOURS)

    streaming = {"ann": export(ann)}  # 1: a long download still streaming
    assert streaming["ann"].status_code == 200 and streaming["ann"].streaming
    second = export(ann)  # 2: one per user at a time
    assert (
        second.status_code == 429
        and "Your other export is still running" in second.content.decode()
    )
    for name, client in (("bob", bob), ("cat", cat), ("dan", dan)):  # 3, 4, 5
        streaming[name] = export(client)
        assert streaming[name].status_code == 200
    busy = export(eve)  # 6: four are streaming
    assert busy.status_code == 503 and "busy with other exports" in busy.content.decode()
    streaming["ann"].close()  # ann's client went away: the server closes her response
    streaming["eve"] = export(eve)  # 7
    assert streaming["eve"].status_code == 200
    assert export(ann).status_code == 503  # 8: her slot is free, the deployment's are not
    rows = b"".join(streaming["bob"].streaming_content)  # bob's download ends
    assert rows.count(b"\n") == 3_501
    last = export(ann)  # 9
    assert last.status_code == 200 and b"".join(last.streaming_content).count(b"\n") == 3_501
    for name in ("cat", "dan", "eve"):
        streaming[name].close()
    assert AuditEvent.objects.filter(action="export").count() == 6  # the refusals export nothing


def test_nine_exports_against_the_caps(live_api, django_user_model, settings):
    nine_exports(django_user_model, settings)


def test_a_stream_that_fails_midway_gives_its_slots_back(sup_client, warm, settings):
    settings.CXENGAGE = {**settings.CXENGAGE, "MAX_EXPORTS": 1}
    response = sup_client.get(EXPORT_LIST, TWENTY_ONE_HOURS)
    warm.set_faults(mode="status", status=500, count=20)  # the second page fails
    data = b"".join(response.streaming_content)
    assert b"# export stopped" in data
    warm.reset()
    again = sup_client.get(EXPORT_LIST, TWENTY_ONE_HOURS)
    assert again.status_code == 200
    again.close()


def test_a_crash_midway_or_before_the_first_byte_gives_the_slots_back(
    sup_client, warm, settings, monkeypatch
):
    settings.CXENGAGE = {**settings.CXENGAGE, "MAX_EXPORTS": 1}
    warm.set_faults(mode="status", status=503)
    assert sup_client.get(EXPORT_LIST).status_code == 502  # before the first byte
    warm.reset()
    original = services.interaction_rows

    def crashing(**filters):
        rows = original(**filters)
        yield next(rows)
        raise RuntimeError("a bug while streaming")

    monkeypatch.setattr("interactions_app.views.results.SOURCES", _with_rows("list", crashing))
    crashed = sup_client.get(EXPORT_LIST)
    assert b"# export stopped: an unexpected error" in b"".join(crashed.streaming_content)
    monkeypatch.undo()
    again = sup_client.get(EXPORT_LIST)
    assert again.status_code == 200
    again.close()


def _with_rows(name: str, read):
    """The registry with source ``name`` reading its rows from ``read``."""
    from dataclasses import replace

    from interactions_app.sources import SOURCES

    return {**SOURCES, name: replace(SOURCES[name], read=read)}
