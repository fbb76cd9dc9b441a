"""Issue 16, point 7: nothing a signed-in supervisor was shown is kept by a cache, and sign-out
clears the site (middleware.PrivatePageMiddleware, htmx's history cache off in base.html). The
same in Chromium, sessionStorage included: test_logout_browser.py.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


# --- nothing private stays in the browser -------------------------------------------------------


def test_authenticated_pages_are_not_stored(sup_client, live_api):
    for url in (
        reverse("interactions:list"),
        reverse("interactions:search") + "?kind=attribute-value&value=VIP",
        reverse("zone_preference"),
        reverse("interactions:detail", args=["not-a-uuid"]),  # an error page is private too
    ):
        response = sup_client.get(url)
        assert "no-store" in response["Cache-Control"], url
    # the export already said no-store; it is not repeated or changed
    export = sup_client.get(reverse("interactions:export", args=["list"]), {"limit": 10})
    assert export["Cache-Control"] == "no-store"


def test_anonymous_answers_are_left_alone(client):
    assert not client.get(reverse("healthz")).has_header("Cache-Control")
    assert not client.get(reverse("interactions:list")).has_header("Cache-Control")  # -> login


def test_logout_clears_the_site(sup_client):
    response = sup_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "no-store" in response["Cache-Control"]
    # a request that was not signed in has nothing to clear
    again = sup_client.post(reverse("logout"))
    assert not again.has_header("Clear-Site-Data")


def test_htmx_keeps_no_history_snapshots(sup_client, live_api):
    html = sup_client.get(reverse("interactions:list")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'", html)[1]
    assert '"historyCacheSize":0' in config
