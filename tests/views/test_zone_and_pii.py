"""Time zone preference (tenant vs the viewer's own), DST rendering, and PII masking."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from interactions_app import services

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
ZONE = reverse("zone_preference")
FULL_PHONE = re.compile(r'class="c-who" title="\+1555\d{7}"')


def first_time(html: str) -> str:
    return re.search(r'<td class="c-when"><a [^>]*>([^<]+)</a>', html).group(1)


def test_times_follow_the_stored_zone_preference(sup_client, live_api):
    tenant_view = sup_client.get(LIST, {"limit": 10}).content.decode()
    assert 'class="tzname">US/Eastern<' in tenant_view
    saved = sup_client.post(ZONE, {"mode": "viewer", "zone": "Europe/Paris", "next": LIST})
    assert saved.status_code == 302 and saved["Location"] == LIST
    paris_view = sup_client.get(LIST, {"limit": 10}).content.decode()
    assert 'class="tzname">Europe/Paris<' in paris_view
    eastern = datetime.strptime(first_time(tenant_view), "%b %d, %H:%M:%S")
    paris = datetime.strptime(first_time(paris_view), "%b %d, %H:%M:%S")
    assert (paris - eastern).total_seconds() == 6 * 3600  # CET is EST + 6 h in November
    sup_client.post(ZONE, {"mode": "tenant", "next": LIST})
    assert 'class="tzname">US/Eastern<' in sup_client.get(LIST).content.decode()


def test_zone_form_rejects_unknown_zones_and_foreign_redirects(sup_client, live_api):
    bad = sup_client.post(ZONE, {"mode": "viewer", "zone": "Mars/Olympus"})
    assert bad.status_code == 400 and "Choose a time zone" in bad.content.decode()
    missing = sup_client.post(ZONE, {"mode": "viewer", "zone": ""})
    assert missing.status_code == 400 and "Choose your time zone" in missing.content.decode()
    away = sup_client.post(ZONE, {"mode": "tenant", "next": "https://evil.example/"})
    assert away["Location"] == LIST


def test_an_interaction_across_the_dst_change_shows_both_offsets(sup_client, live_api):
    # US/Eastern fell back at 2026-11-01 06:00 UTC (02:00 EDT -> 01:00 EST)
    page = services.interaction_list(
        page=1,
        limit=1000,
        start=datetime(2026, 11, 1, 4, 0, tzinfo=UTC),
        end=datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
    )
    change = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    across = next(i for i in page.items if i.end and i.start < change < i.end)
    html = sup_client.get(reverse("interactions:detail", args=[across.id])).content.decode()
    assert "EDT (UTC-04:00)" in html  # the start
    assert "EST (UTC-05:00)" in html  # the end
    assert "Timeline" in html


def test_viewer_zone_detail_shows_the_tenant_time_too(sup_client, live_api):
    sup_client.post(ZONE, {"mode": "viewer", "zone": "Asia/Tokyo", "next": LIST})
    link = re.search(r'data-href="([^"]+)"', sup_client.get(LIST).content.decode()).group(1)
    html = sup_client.get(link.replace("&amp;", "&")).content.decode()
    assert "JST (UTC+09:00)" in html
    assert "Tenant:" in html and "EST (UTC-05:00)" in html


def test_customer_addresses_are_masked_without_the_permission(sup_client, live_api, supervisor):
    html = sup_client.get(LIST, {"limit": 100}).content.decode()
    assert not FULL_PHONE.search(html)
    assert "+1 555 ••• ••" in html
    link = re.search(r'data-href="([^"]+)"', html).group(1).replace("&amp;", "&")
    detail = sup_client.get(link).content.decode()
    assert "(masked)" in detail
    raw = detail.split("Raw JSON", 1)[1]
    assert not re.search(r"&quot;customer&quot;: &quot;(\+1555\d{7}|[^&•]+@)", raw)


def test_the_permission_unmasks(sup_client, live_api, supervisor):
    supervisor.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    html = sup_client.get(LIST, {"limit": 100}).content.decode()
    assert FULL_PHONE.search(html)
    assert "•••" not in html


def test_audit_log_marks_unmasked_views(sup_client, live_api, supervisor):
    from interactions_app.models import AuditEvent

    link = re.search(r'data-href="([^"]+)"', sup_client.get(LIST).content.decode()).group(1)
    link = link.replace("&amp;", "&")
    sup_client.get(link)
    assert AuditEvent.objects.get(action="view_interaction").pii_unmasked is False
    supervisor.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    sup_client.get(link)
    latest = AuditEvent.objects.filter(action="view_interaction").order_by("-id").first()
    assert latest.pii_unmasked is True


def test_exports_mask_customers_too_and_are_audited(sup_client, live_api, supervisor):
    import csv
    import io

    from interactions_app.models import AuditEvent

    export_url = reverse("interactions:export", args=["list"])
    window = {"start": "2026-11-23T09:00", "end": "2026-11-23T10:00", "bom": "0"}

    def customers() -> list[str]:
        response = sup_client.get(export_url, window)
        body = b"".join(response.streaming_content).decode()
        rows = list(csv.DictReader(io.StringIO(body)))
        assert rows
        return [row["Customer"] for row in rows]

    masked = customers()
    assert all("•••" in c for c in masked if c)
    assert AuditEvent.objects.filter(action="export", pii_unmasked=False).count() == 1
    supervisor.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    clear = customers()
    assert not any("•••" in c for c in clear)
    assert any(c.startswith("'+1555") for c in clear)  # formula-safe, but complete
    assert AuditEvent.objects.filter(action="export", pii_unmasked=True).count() == 1


def test_the_preference_page_shows_the_current_choice(sup_client, live_api):
    page = sup_client.get(ZONE).content.decode()
    assert 'value="tenant" checked' in page and "(US/Eastern)" in page
    sup_client.post(ZONE, {"mode": "viewer", "zone": "Asia/Tokyo"})
    page = sup_client.get(ZONE).content.decode()
    assert 'value="viewer" checked' in page
    assert '<option value="Asia/Tokyo" selected>' in page
    assert '<option value="UTC"' in page  # offered even though it has no region


def test_masked_customers_read_exactly_as_documented(sup_client, live_api):
    """``+1 555 ••• ••55`` and ``c•••@example.com``, checked against the sandbox's raw JSON for
    the same rows: the last two digits and the first letter kept, the domain whole."""
    from tests.reliability.conftest import sandbox_call

    path = f"/tenants/{live_api.TENANT_A}/interactions?limit=100&offset=0"
    raw = sandbox_call(live_api, "GET", path)["results"]
    phone = next(r for r in raw if re.fullmatch(r"\+1555\d{7}", r.get("customer") or ""))
    email = next(r for r in raw if "@" in (r.get("customer") or ""))
    html = sup_client.get(LIST, {"limit": 100}).content.decode()
    for item, masked in (
        (phone, "+1 555 ••• ••" + phone["customer"][-2:]),
        (email, email["customer"][0] + "•••@" + email["customer"].split("@")[1]),
    ):
        row = re.search(
            rf'<tr[^>]*data-href="/interactions/{item["interactionId"]}/[^>]*>.*?</tr>', html, re.S
        ).group(0)
        assert f'class="c-who" title="{masked}"' in row, row[:1500]
        assert item["customer"] not in html
    assert re.search(r"title=\"[a-zA-Z]•••@[a-z0-9.-]+\.[a-z]+\"", html)
    detail = sup_client.get(reverse("interactions:detail", args=[phone["interactionId"]]))
    shown = detail.content.decode()
    masked = "+1 555 ••• ••" + phone["customer"][-2:]
    assert f"&quot;customer&quot;: &quot;{masked}&quot;" in shown  # the raw JSON, masked too
    assert phone["customer"] not in shown
