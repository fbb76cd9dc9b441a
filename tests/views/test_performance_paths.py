"""Coalescing and the progressive flagged scan, against the live sandbox with latency."""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime

import pytest
from django.urls import reverse

from interactions_app import services
from interactions_app.caching.single_flight import settle
from interactions_app.cxengage.factory import client_from_settings

pytestmark = pytest.mark.django_db

FLAGGED = reverse("interactions:flagged")


def _list_calls(sandbox) -> int:
    paths = sandbox.stats()["paths"]
    return sum(n for path, n in paths.items() if path.endswith("/interactions"))


def test_fifty_concurrent_identical_list_requests_make_one_upstream_call(live_api):
    services.tenant_get()  # warm the token and tenant facts so only the list call is counted
    live_api.set_faults(latency_ms=300)
    before = _list_calls(live_api)
    barrier = threading.Barrier(50)
    results, errors = [], []

    def one():
        barrier.wait()
        try:
            results.append(services.interaction_list(page=7, limit=100))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(results) == 50 and len({r.items[0].id for r in results}) == 1
    assert _list_calls(live_api) - before == 1


def test_cached_detail_of_a_finished_interaction_costs_no_second_call(live_api):
    page = services.interaction_list(page=100, limit=10)
    finished = next(i for i in page.items if i.data_complete is not False)
    services.interaction_get(interaction_id=finished.id)
    settle()  # the cache is written after the answer
    calls = live_api.stats()["total"]
    again = services.interaction_get(interaction_id=finished.id)
    assert again.id == finished.id
    assert live_api.stats()["total"] == calls


def test_flagged_scan_shows_first_rows_before_it_ends(sup_client, live_api, settings):
    settings.CXENGAGE = {**settings.CXENGAGE, "FLAGGED_FIRST_PAINT_SECONDS": 0.4}
    live_api.set_faults(latency_ms=400)
    first = sup_client.get(FLAGGED, {"depth": 10000})
    html = first.content.decode()
    assert first.status_code == 200
    assert "Scanning:" in html and 'hx-trigger="load delay:400ms"' in html
    assert '<meta http-equiv="refresh"' in html  # without JavaScript the page reloads itself
    progress = [_scanned(html)]
    early = html if progress[0] else ""
    deadline = time.monotonic() + 30
    while True:  # what htmx does: poll the results fragment until the scan has finished
        poll = sup_client.get(
            FLAGGED, {"depth": 10000}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
        ).content.decode()
        if "Scanning:" not in poll or time.monotonic() > deadline:
            break
        progress.append(_scanned(poll))
        if progress[-1]:  # rows already shown while the scan reads on
            early = poll
    assert "Scanning:" not in poll
    assert "Scanned the most recent <strong>10,000</strong>" in poll
    assert "<html" not in poll
    # progress was shown on the way: a count that grew, never past the depth, with rows
    assert progress == sorted(progress) and progress[-1] <= 10000, progress
    assert any(0 < p < 10000 for p in progress), progress  # shown part-way, not only at 0
    assert _row_times(early), "no flagged row was shown before the scan ended"
    for shown in (early, poll):  # flagged rows most recent first, during the scan and after
        times = _row_times(shown)
        assert times == sorted(times, reverse=True)


def _scanned(html: str) -> int:
    return int(re.search(r"Scanning: ([\d,]+) of", html).group(1).replace(",", ""))


def _row_times(html: str) -> list[str]:
    """Each row's start as sortable text (the sandbox's rows all fall in one year)."""
    return [
        datetime.strptime(t, "%b %d, %H:%M:%S").strftime("%m-%d %H:%M:%S")
        for t in re.findall(r'<td class="c-when"><a [^>]*>([^<]+)</a>', html)
    ]


def test_a_failed_background_scan_is_reported_not_hidden(sup_client, live_api):
    live_api.set_faults(mode="status", status=503)
    response = sup_client.get(FLAGGED, {"depth": 5000})
    assert response.status_code == 502
    assert "internal error" in response.content.decode()


def test_htmx_poll_fragment_never_carries_a_refresh(sup_client, supervisor, live_api, settings):
    # htmx parses fragments with scripting off, so a <noscript> refresh in one would reload the page
    supervisor.is_staff = True  # a scan deeper than the default
    supervisor.save()
    settings.CXENGAGE = {**settings.CXENGAGE, "FLAGGED_FIRST_PAINT_SECONDS": 0.0}
    live_api.set_faults(latency_ms=300)
    poll = sup_client.get(
        FLAGGED, {"depth": 20000}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    ).content.decode()
    assert "Scanning:" in poll
    assert "http-equiv" not in poll


def test_a_narrow_window_scan_does_not_request_pages_past_its_end(live_api, monkeypatch, settings):
    from datetime import UTC, datetime

    client = client_from_settings()
    calls = []
    original = client.list_interactions

    def counted(**kwargs):
        calls.append(kwargs["offset"])
        return original(**kwargs)

    monkeypatch.setattr(client, "list_interactions", counted)
    scan = services.flagged_scan_get(
        depth=100_000,
        start=datetime(2026, 11, 20, 0, 0, tzinfo=UTC),
        end=datetime(2026, 11, 20, 6, 0, tzinfo=UTC),
    )
    assert scan.finished and scan.scanned == scan.total < 2000
    workers = settings.CXENGAGE["FLAGGED_SCAN_WORKERS"]
    assert len(calls) <= workers  # the first wave only, not 100 pages


def test_a_scan_reports_the_flagged_records_it_could_not_read(sup_client, live_api):
    live_api.set_faults(mode="missing-fields")  # every result loses its interactionId
    scan = services.flagged_scan_get(depth=5000)
    assert scan.finished and scan.scanned == 5000
    assert scan.flagged == () and scan.unreadable > 0
    html = sup_client.get(FLAGGED, {"depth": 5000}).content.decode()
    assert f"{scan.unreadable} records among those scanned could not be read" in html
    live_api.reset()
    settle()
    assert services.flagged_scan_get(depth=1000).unreadable == 0


def test_an_outsized_finished_interaction_is_not_kept_in_the_cache(live_api, settings):
    page = services.interaction_list(page=100, limit=10)
    finished = next(i for i in page.items if i.data_complete is not False)
    small = services.interaction_get(interaction_id=finished.id)
    assert 0 < small.wire_bytes < settings.CXENGAGE["DETAIL_CACHE_MAX_BYTES"]
    settings.CXENGAGE = {**settings.CXENGAGE, "DETAIL_CACHE_MAX_BYTES": 0}  # all are outsized
    other = next(i for i in page.items if i.data_complete is not False and i.id != finished.id)
    for _ in range(2):
        assert services.interaction_get(interaction_id=other.id).id == other.id
        settle()
    paths = live_api.stats()["paths"]
    assert sum(n for path, n in paths.items() if path.endswith(other.id)) == 2


SMALL_SCAN = {"depth": 1000}  # one upstream page


def test_a_crashed_scan_is_an_error_page_then_retried_after_its_error_window(
    sup_client, live_api, monkeypatch, caplog
):
    from interactions_app.services import flagged_scan

    real = flagged_scan._read_pages
    crashes = []

    def buggy(**kwargs):
        crashes.append(kwargs["depth"])
        raise KeyError("a bug in the scan, not an upstream error")

    monkeypatch.setattr(flagged_scan, "_read_pages", buggy)
    monkeypatch.setattr(flagged_scan, "SCAN_ERROR_SECONDS", 1)
    first = sup_client.get(FLAGGED, SMALL_SCAN)
    assert first.status_code == 502
    assert "The interactions service had a problem" in first.content.decode()
    assert "KeyError" not in first.content.decode()  # named in the log, not in the page
    assert any(r.getMessage() == "flagged scan crashed" and r.exc_info for r in caplog.records)
    settle()
    again = sup_client.get(
        FLAGGED, SMALL_SCAN
    )  # within the window: the same failure, no second scan
    assert again.status_code == 502 and len(crashes) == 1

    monkeypatch.setattr(flagged_scan, "_read_pages", real)  # the bug is gone
    deadline = time.monotonic() + 30
    while (
        page := sup_client.get(FLAGGED, SMALL_SCAN)
    ).status_code == 502 and time.monotonic() < deadline:
        time.sleep(0.05)  # until the failure is forgotten (1 s), not a fixed wait
    assert page.status_code == 200
    assert "Scanned the most recent" in page.content.decode()
    assert len(crashes) == 1
