"""The rendered #results region is reused for the same query, zone and PII right, never else."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

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
