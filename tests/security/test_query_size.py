"""Issue 16, point 3: a request cannot make the server hold (or send) megabytes.

``/interactions/?limit=1000&x0=<3.9 KB>`` answered 14.3 MB: the unknown parameter flowed into
the fragment-cache key and into every row link. Now every link and the cache key come from the
form's canonical query; unknown parameters are dropped (not refused: links carrying tracking
parameters keep working, and nothing unknown is ever echoed, stored or keyed). A rendered
region over ``CXENGAGE_HTML_CACHE_MAX_KB`` is served but not kept.
"""

from __future__ import annotations

import logging
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from interactions_app.models import AuditEvent

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
FLAGGED = reverse("interactions:flagged")
SEARCH = reverse("interactions:search")
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
JUNK = "J" * 4096  # the 3.9 KB, rounded up


def links(html: str) -> list[str]:
    return re.findall(r'(?:href|hx-get|data-href|value)="([^"]*)"', html)


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (LIST, {"limit": 1000}),
        (FLAGGED, {"limit": 250}),
        (SEARCH, {"kind": "attribute-value", "value": "VIP", "limit": 1000}),
    ],
    ids=["list", "flagged", "search"],
)
def test_a_4_kb_junk_parameter_grows_neither_the_answer_nor_the_cache(
    sup_client, live_api, stored, url, query
):
    plain = sup_client.get(url, query)
    plain_fragment = sup_client.get(url, query, **HX)
    plain_entry = stored[-1]
    cache.clear()
    stored.clear()
    junk = sup_client.get(url, {**query, "zz_junk0": JUNK, "page": "1"})
    junk_fragment = sup_client.get(url, {**query, "zz_junk0": JUNK}, **HX)
    assert junk.status_code == junk_fragment.status_code == 200
    html = junk.content.decode()
    # the rows are the same; only the CSRF token and the request id differ, never in length
    assert len(junk.content) == len(plain.content) > 100_000
    assert len(junk_fragment.content) == len(plain_fragment.content)
    assert len(stored) == 1 and len(stored[0]) == len(plain_entry)  # one entry, no bigger
    assert "JJJJ" not in html and "zz_junk0" not in html  # nothing echoed, anywhere
    found = links(html)
    rows = [link for link in found if "?from=" in link]
    assert len(rows) > 50 and any("export/" in link for link in found)
    assert any("page=2" in link for link in found)  # the pager


def test_a_junk_origin_brings_nothing_back_into_the_detail_page(sup_client, live_api):
    page = sup_client.get(LIST, {"limit": 10}).content.decode()
    row = next(link for link in links(page) if "?from=" in link).split("?")[0]
    short = JUNK[:3000]  # an origin over MAX_ORIGIN_LENGTH (4000) is ignored whole
    for origin in (f"{LIST}?limit=10&zz_junk0={short}", f"{LIST}?zz_junk0={short}&limit=10&page=1"):
        detail = sup_client.get(row, {"from": origin, "zz_junk1": JUNK})
        html = detail.content.decode()
        assert detail.status_code == 200 and 'rel="next"' in html  # prev/next still work
        assert "JJJJ" not in html and "zz_junk0" not in html and "zz_junk1" not in html
        polled = sup_client.get(
            f"{row}row/", {"from": origin, "zz_junk1": JUNK}, HTTP_HX_REQUEST="true"
        )
        assert "JJJJ" not in polled.content.decode()
        assert "from=%2Finteractions%2F%3Flimit%3D10" in polled.content.decode()


def test_a_region_over_the_cap_is_served_and_not_kept(
    sup_client, live_api, stored, settings, caplog
):
    settings.CXENGAGE = {**settings.CXENGAGE, "HTML_CACHE_MAX_BYTES": 64 * 1024}
    small = sup_client.get(LIST, {"limit": 25})  # ~34 KB: kept
    assert small.status_code == 200 and len(stored) == 1
    with caplog.at_level(logging.WARNING, logger="interactions_app.caching.html"):
        big = sup_client.get(LIST, {"limit": 250})  # ~260 KB: served, not kept
    assert big.status_code == 200 and big.content.count(b"<tr") > 250
    assert len(stored) == 1
    assert "not cached: over CXENGAGE_HTML_CACHE_MAX_KB=64" in caplog.text
    again = sup_client.get(LIST, {"limit": 250})
    assert again.content.count(b"<tr") == big.content.count(b"<tr")
    assert len(stored) == 1


def test_an_export_records_what_its_form_read_not_what_was_sent(sup_client, live_api):
    url = reverse("interactions:export", args=["list"])
    response = sup_client.get(url, {"limit": 10, "start": "2026-11-20T10:00", "zz_junk0": JUNK})
    b"".join(response.streaming_content)
    [event] = AuditEvent.objects.filter(action="export")
    # the zone the times were read in is part of what the form read
    assert event.query == "list?limit=10&start=2026-11-20T10%3A00&tz=US%2FEastern"
