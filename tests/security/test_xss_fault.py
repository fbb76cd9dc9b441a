"""The sandbox's ``xss`` fault, and the dashboard's server-side escaping of it (no browser)."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from sandbox.faults import XSS_PAYLOADS, XSS_URLS
from tests.security.support import sandbox_get

pytestmark = pytest.mark.django_db

RAW_MARKERS = ("<script>window.__xss", "<img src=x", "<svg onload", "<iframe srcdoc")


def _list(sandbox, query: str = "limit=50") -> dict:
    return sandbox_get(sandbox, f"/tenants/{sandbox.TENANT_A}/interactions?{query}")


def test_xss_keeps_ids_and_timestamps_and_is_deterministic(live_api):
    clean = _list(live_api)
    live_api.set_faults(mode="xss")
    hostile = _list(live_api)
    again = _list(live_api)
    assert hostile == again
    assert hostile["total"] == clean["total"]
    assert [r["interactionId"] for r in hostile["results"]] == [
        r["interactionId"] for r in clean["results"]
    ]
    for before, after in zip(clean["results"], hostile["results"], strict=True):
        assert after["startTimestamp"] == before["startTimestamp"]
        assert after.get("endTimestamp") == before.get("endTimestamp")
        assert after["customer"] == XSS_PAYLOADS["customer"]
        assert after["contactPoint"] == XSS_PAYLOADS["contactPoint"]
        urls = [h["hookUrl"] for h in after["hooks"] if "hookUrl" in h]
        assert set(XSS_URLS) <= set(urls)
        for hook in after["hooks"]:
            assert hook["hookName"] == XSS_PAYLOADS["hookName"]
            assert hook.get("interactionId", after["interactionId"]) == after["interactionId"]
        for queue in after.get("queues", []):
            assert queue["queueName"] == XSS_PAYLOADS["queueName"]
        for agent in after.get("agents", []):
            assert agent["agentName"] == XSS_PAYLOADS["agentName"]


def test_xss_applies_to_one_interaction_and_search(live_api):
    [first] = _list(live_api, "limit=1")["results"]
    live_api.set_faults(mode="xss")
    one = sandbox_get(
        live_api, f"/tenants/{live_api.TENANT_A}/interactions/{first['interactionId']}"
    )
    assert one["interactionId"] == first["interactionId"]
    assert one["flowName"] == XSS_PAYLOADS["flowName"]
    assert one["details"]["customer"] == XSS_PAYLOADS["customer"]
    found = _list(live_api, "limit=5&attribute-value=VIP")
    assert found["total"] > 0  # the search itself still runs on the real data
    assert all(r["customer"] == XSS_PAYLOADS["customer"] for r in found["results"])


def test_dashboard_escapes_every_payload_server_side(live_api, sup_client):
    [first] = _list(live_api, "limit=1")["results"]
    live_api.set_faults(mode="xss")
    pages = {
        "list": reverse("interactions:list"),
        "detail": reverse("interactions:detail", args=[first["interactionId"]]),
        "search": reverse("interactions:search") + "?kind=attribute-value&value=VIP",
    }
    for name, url in pages.items():
        response = sup_client.get(url)
        assert response.status_code == 200, name
        body = response.content.decode()
        for marker in RAW_MARKERS:
            assert marker not in body, f"{name}: unescaped {marker!r}"
        assert 'href="javascript:' not in body and 'href="data:' not in body, name
        # contact points are shown to everyone (customer addresses may be masked)
        assert html.escape(XSS_PAYLOADS["contactPoint"]) in body, (
            f"{name}: the contactPoint payload is not shown escaped"
        )
