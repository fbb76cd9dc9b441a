"""The rendered #results region is reused for the same query, zone and PII right, never else."""

from __future__ import annotations

import gzip
import os
import re
import zlib

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from interactions_app.caching.html import Fragment, Region, SplicedPage, _crc_after
from interactions_app.caching.single_flight import settle
from interactions_app.models import AuditEvent
from interactions_app.services import interactions

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
SEARCH = reverse("interactions:search")
FLAGGED = reverse("interactions:flagged")
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def upstream_calls(sandbox) -> int:
    return sandbox.stats()["total"]


def region(html: str) -> str:
    start = html.index('<section id="results"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def no_fetch(monkeypatch):
    """From here on, a page that fetches (or unpickles) its rows again fails the test."""

    def not_called(*args, **kwargs):
        raise AssertionError("a warm page must not fetch (or unpickle) the rows again")

    def forbid() -> None:
        monkeypatch.setattr(interactions, "_fetch_page", not_called)

    return forbid


def test_a_warm_page_costs_no_upstream_call_and_gives_the_same_rows(sup_client, live_api, no_fetch):
    cold = sup_client.get(LIST, {"limit": 100, "page": 4}).content.decode()
    calls = upstream_calls(live_api)
    no_fetch()
    warm = sup_client.get(LIST, {"limit": 100, "page": 4}).content.decode()
    fragment = sup_client.get(LIST, {"limit": 100, "page": 4}, **HX).content.decode()
    assert upstream_calls(live_api) == calls
    assert region(cold) in warm and fragment.lstrip().startswith(region(cold))


def test_unknown_parameters_and_spellings_share_the_entry_and_leave_no_trace(
    sup_client, live_api, no_fetch
):
    cold = sup_client.get(LIST, {"limit": 10, "page": 2}).content.decode()
    no_fetch()
    for variant in ({"page": "2", "limit": "10", "utm_source": "mail"}, {"page": "٢", "limit": 10}):
        warm = sup_client.get(LIST, variant).content.decode()
        assert region(warm) == region(cold)
    links = re.findall(r'(?:href|hx-get|data-href)="([^"]*)"', region(cold))
    assert links and not any("utm_source" in link for link in links)
    assert any(link.endswith("?from=%2Finteractions%2F%3Fpage%3D2%26limit%3D10") for link in links)


def test_zone_and_pii_right_are_part_of_the_key(sup_client, live_api, supervisor):
    masked = sup_client.get(LIST, {"limit": 10}).content.decode()
    supervisor.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    sup_client.force_login(type(supervisor).objects.get(pk=supervisor.pk))  # fresh perm cache
    clear = sup_client.get(LIST, {"limit": 10}).content.decode()
    assert "•••" in masked and "•••" not in region(clear)
    sup_client.post(reverse("zone_preference"), {"mode": "viewer", "zone": "Asia/Tokyo"})
    tokyo = sup_client.get(LIST, {"limit": 10}).content.decode()
    assert 'class="tzname">Asia/Tokyo<' in tokyo


def test_a_scan_in_progress_is_never_stored(sup_client, supervisor, live_api, settings, stored):
    supervisor.is_staff = True  # a scan deeper than the default
    supervisor.save()
    settings.CXENGAGE = {**settings.CXENGAGE, "FLAGGED_FIRST_PAINT_SECONDS": 0.0}
    live_api.set_faults(latency_ms=300)
    first = sup_client.get(FLAGGED, {"depth": 20000}, **HX).content.decode()
    assert "Scanning:" in first
    assert not any('id="results"' in value for value in stored)
    # the same spy sees a finished scan's region kept, so the check above can fail
    live_api.reset()
    settle()
    finished = sup_client.get(FLAGGED, {"depth": 20000}, **HX).content.decode()
    assert "Scanned the most recent" in finished
    assert [v for v in stored if 'id="results"' in v] == [finished]


def test_a_search_served_from_the_cache_is_still_audited(sup_client, live_api):
    query = {"kind": "attribute-value", "value": "VIP"}
    sup_client.get(SEARCH, query)
    calls = upstream_calls(live_api)
    sup_client.get(SEARCH, query)
    assert upstream_calls(live_api) == calls
    assert AuditEvent.objects.filter(action="search").count() == 2


# --- the region kept compressed, spliced into gzip answers -----------------------------------


@pytest.fixture
def gzip_pages(settings):
    """The production profile's compression (config/settings/production.py) in front."""
    settings.MIDDLEWARE = [
        "interactions_app.middleware.CompressionMiddleware",
        *settings.MIDDLEWARE,
    ]


def unzipped(response) -> str:
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert int(response["Content-Length"]) == len(response.content)
    unpack = zlib.decompressobj(wbits=31)  # one gzip member, nothing after it
    text = unpack.decompress(response.content).decode()
    assert unpack.eof and not unpack.unused_data
    return text


def test_a_kept_region_goes_out_in_gzip_as_the_cache_holds_it(
    sup_client, live_api, gzip_pages, stored, no_fetch
):
    plain = sup_client.get(LIST, {"limit": 100, "page": 3}).content.decode()  # cold: kept
    assert [value for value in stored if 'id="results"' in value] == [
        region(plain) + "</section>\n"
    ]
    no_fetch()
    for headers in ({}, HX):
        warm = sup_client.get(
            LIST, {"limit": 100, "page": 3}, HTTP_ACCEPT_ENCODING="gzip", **headers
        )
        text = unzipped(warm)
        assert region(text) == region(plain)
        assert text.endswith("</html>\n") if not headers else text.lstrip().startswith("<section")
    # without gzip the same page comes joined
    assert region(sup_client.get(LIST, {"limit": 100, "page": 3}).content.decode()) == region(plain)


def test_the_page_around_a_region_is_padded_afresh_each_time(sup_client, live_api, gzip_pages):
    sup_client.get(LIST, {"limit": 10})
    sizes = {
        len(sup_client.get(LIST, {"limit": 10}, HTTP_ACCEPT_ENCODING="gzip").content)
        for _ in range(8)
    }
    assert len(sizes) > 1  # Django's BREACH padding: a random file name in the gzip header


@pytest.mark.parametrize("sizes", [(0, 10), (10, 0), (1, 300_000), (70_000, 600_000)])
def test_crc32_of_a_joined_text_from_its_parts(sizes):
    first, second = os.urandom(sizes[0]), os.urandom(sizes[1])
    joined = _crc_after(zlib.crc32(first), zlib.crc32(second), len(second))
    assert joined == zlib.crc32(first + second)


def test_a_spliced_page_is_one_gzip_member_of_the_whole_page():
    html = "<section>" + "é<td>row</td>" * 20_000 + "</section>"
    page = SplicedPage(b"<html><body>", Region(html, Fragment.of(html)), b"</body></html>")
    packed = page.gzipped(b"aaaa")
    assert gzip.decompress(packed).decode() == f"<html><body>{html}</body></html>"
    assert page.content.decode() == f"<html><body>{html}</body></html>"  # joined on request
