"""The rendered #results region is reused for the same query, zone and PII right, never else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from interactions_app import services
from interactions_app.models import AuditEvent

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
SEARCH = reverse("interactions:search")
FLAGGED = reverse("interactions:flagged")
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def upstream_calls(sandbox) -> int:
    return sandbox.stats()["total"]


def test_a_warm_page_costs_no_upstream_call_and_gives_the_same_rows(
    sup_client, live_api, monkeypatch
):
    cold = sup_client.get(LIST, {"limit": 100, "page": 4}).content.decode()
    calls = upstream_calls(live_api)

    def not_called(**kwargs):
        raise AssertionError("a warm page must not fetch (or unpickle) the rows again")

    monkeypatch.setattr(services, "interaction_list", not_called)
    warm = sup_client.get(LIST, {"limit": 100, "page": 4}).content.decode()
    fragment = sup_client.get(LIST, {"limit": 100, "page": 4}, **HX).content.decode()
    assert upstream_calls(live_api) == calls
    section = cold[
        cold.index('<section id="results"') : cold.index(
            "</section>", cold.index('<section id="results"')
        )
    ]
    assert section in warm and fragment.lstrip().startswith(section)


def test_zone_and_pii_right_are_part_of_the_key(sup_client, live_api, supervisor):
    masked = sup_client.get(LIST, {"limit": 10}).content.decode()
    supervisor.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    sup_client.force_login(type(supervisor).objects.get(pk=supervisor.pk))  # fresh perm cache
    clear = sup_client.get(LIST, {"limit": 10}).content.decode()
    assert "•••" in masked and "•••" not in clear.split('<section id="results"')[1]
    sup_client.post(reverse("zone_preference"), {"mode": "viewer", "zone": "Asia/Tokyo"})
    tokyo = sup_client.get(LIST, {"limit": 10}).content.decode()
    assert 'class="tzname">Asia/Tokyo<' in tokyo


def test_a_scan_in_progress_is_never_stored(sup_client, live_api, settings, rf):
    from interactions_app.fragments import fragment_get

    settings.CXENGAGE = {**settings.CXENGAGE, "FLAGGED_FIRST_PAINT_SECONDS": 0.0}
    live_api.set_faults(latency_ms=300)
    first = sup_client.get(FLAGGED, {"depth": 20000}, **HX).content.decode()
    assert "Scanning:" in first
    same_query = rf.get(FLAGGED, {"depth": 20000})
    assert fragment_get(request=same_query, zone_name="US/Eastern", can_see_pii=False) is None


def test_a_search_served_from_the_cache_is_still_audited(sup_client, live_api):
    query = {"kind": "attribute-value", "value": "VIP"}
    sup_client.get(SEARCH, query)
    calls = upstream_calls(live_api)
    sup_client.get(SEARCH, query)
    assert upstream_calls(live_api) == calls
    assert AuditEvent.objects.filter(action="search").count() == 2
