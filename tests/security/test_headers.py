"""Security headers on every kind of page: CSP without inline script/style, framing, sniffing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.support import recent_interaction_ids

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_secure_headers(response) -> None:
    path = response.request["PATH_INFO"]
    csp = _csp(response)
    for directive in ("script-src", "style-src"):
        sources = csp.get(directive) or csp.get("default-src")
        assert sources, f"{path}: CSP has neither {directive} nor default-src"
        assert "'unsafe-inline'" not in sources, f"{path}: {directive} allows inline"
        assert "'unsafe-eval'" not in sources, f"{path}: {directive} allows eval"
        assert "*" not in sources and "data:" not in sources, f"{path}: {directive} {sources}"
    assert csp.get("object-src") == ["'none'"], path
    assert csp.get("frame-ancestors") == ["'none'"], path
    assert csp.get("base-uri") == ["'none'"], path
    assert response.headers.get("X-Frame-Options") == "DENY", path
    assert response.headers.get("X-Content-Type-Options") == "nosniff", path
    assert response.headers.get("Referrer-Policy") in (
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    ), path


def test_anonymous_pages(client: Client):
    for url in (reverse("login"), reverse("admin:login"), "/interactions/"):
        assert_secure_headers(client.get(url))


def test_health_check(client: Client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("X-Frame-Options") == "DENY"


def test_dashboard_pages(live_api, sup_client: Client):
    [interaction_id] = recent_interaction_ids(live_api)
    pages = [
        reverse("interactions:list"),
        reverse("interactions:list") + "?limit=10&page=2",
        reverse("interactions:detail", args=[interaction_id]),
        reverse("interactions:search") + "?kind=attribute-value&value=VIP",
        reverse("interactions:search"),
        "/interactions/not-a-uuid/",  # 400
        "/interactions/00000000-0000-4000-8000-000000000000/",  # 404
        "/no-such-page/",  # Django's 404
    ]
    for url in pages:
        assert_secure_headers(sup_client.get(url))
    fragment = sup_client.get(
        reverse("interactions:list") + "?page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    assert_secure_headers(fragment)


def test_upstream_error_page(live_api, sup_client: Client):
    live_api.set_faults(mode="status", status=503, retry_after=0)
    response = sup_client.get(reverse("interactions:list"))
    assert response.status_code >= 500
    assert_secure_headers(response)


def test_admin_pages(admin_client: Client):
    for url in (reverse("admin:index"), reverse("admin:interactions_app_auditevent_changelist")):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert_secure_headers(response)


def test_pages_carry_no_inline_script_or_style(live_api, sup_client: Client):
    """The CSP forbids inline code, so our own pages must not need any."""
    [interaction_id] = recent_interaction_ids(live_api)
    for url in (
        reverse("login"),
        reverse("interactions:list"),
        reverse("interactions:detail", args=[interaction_id]),
        reverse("interactions:search") + "?kind=attribute-value&value=VIP",
    ):
        body = sup_client.get(url).content.decode()
        for bad in (
            "<script>",
            "<style",
            " style=",
            " onclick=",
            " onload=",
            " onerror=",
            "javascript:",
        ):
            assert bad not in body, f"{url} contains {bad!r}"
