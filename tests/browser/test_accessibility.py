"""Every page passes axe-core's WCAG 2.0/2.1 A and AA rules, signed in (the login page before).

Pages are taken in the states a supervisor meets: the flagged scan running and finished, an
interaction finished, flagged, still in progress and with CRM records and monitors, with a
recording (its player), a chat transcript or an email, or its artifacts failing; lists without
a total or without dataComplete, the search empty, answered (by attribute and by CRM record)
and refused, the shortcuts dialog open.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from tests.support.artifacts import with_artifact
from tests.support.axe import assert_accessible, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "table.itable tbody tr[data-href]"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
VIP_CALLBACK = (
    "/interactions/search/?kind=attribute-value&value=VIP&kind=attribute-value"
    "&value=callback-requested"
)


def _open_first_row(page: Any, url: str) -> None:
    page.goto(url)
    page.locator(f"{ROWS} td.c-when a").first.click()
    page.wait_for_selector(".detail-head")


def _unfinished(page: Any, live_api: Any) -> None:
    results = live_api.interactions(limit=100)["results"]
    unfinished = next(i["interactionId"] for i in results if i["dataComplete"] is False)
    page.goto(f"/interactions/{unfinished}/")
    expect(page.locator("#live-detail .badge.live")).to_be_visible()


def _shortcuts(page: Any, live_api: Any) -> None:
    page.goto("/interactions/")
    page.keyboard.press("?")
    expect(page.locator("dialog#shortcuts")).to_be_visible()


def _search_error(page: Any, live_api: Any) -> None:
    response = page.goto("/interactions/search/?kind=attribute-value&value=" + "x" * 201)
    assert response.status == 400
    expect(page.locator(".search-row .field-error")).to_contain_text("200 characters")


def _artifacts(kind: str, channel: str | None = None) -> Callable[[Any, Any], None]:
    """The detail page of an interaction with a ``kind`` artifact, once its section is in."""

    def open_page(page: Any, live_api: Any) -> None:
        if kind == "recording":  # the player, not the note about the permission
            user = get_user_model().objects.get(username="sup")
            user.user_permissions.add(Permission.objects.get(codename="listen_recordings"))
        if kind == "failing":
            live_api.set_faults(artifacts_status=500)
        interaction_id = with_artifact(
            live_api.api_url, "recording" if kind == "failing" else kind, channel=channel
        )
        page.goto(f"/interactions/{interaction_id}/")
        expect(page.locator("#artifacts:not([aria-busy])")).to_be_visible()
        if kind == "failing":
            expect(page.locator("#artifacts .upstream-error")).to_be_visible()

    return open_page


def _faulted(mode: str, url: str) -> Callable[[Any, Any], None]:
    """``url`` while the upstream answers in the sandbox's fault ``mode``."""

    def visit(page: Any, live_api: Any) -> None:
        live_api.set_faults(mode=mode)
        page.goto(url)

    return visit


def _crm_record(live_api: Any) -> tuple[str, str]:
    """An interaction with a Zendesk ticket, monitors and hold time; the ticket's id."""
    for record in live_api.interactions(limit=1000)["results"]:
        tickets = [h for h in record.get("hooks") or () if h.get("hookSubType") == "ticket"]
        if tickets and record.get("monitors") and record.get("customerHoldTime"):
            return record["interactionId"], tickets[0]["hookId"]
    raise AssertionError("no such interaction in the first 1000")


def _detail_crm_monitors(page: Any, live_api: Any) -> None:
    page.goto(f"/interactions/{_crm_record(live_api)[0]}/")
    expect(page.locator(".crm-records")).to_be_visible()


def _search_crm(page: Any, live_api: Any) -> None:
    ticket = _crm_record(live_api)[1]
    page.goto(f"/interactions/search/?kind=crm&value={ticket}&crm=zendesk&record-type=ticket")
    expect(page.locator(".search-summary")).to_contain_text(f"Zendesk ticket {ticket}")


def _search_crm_chosen(page: Any, live_api: Any) -> None:
    page.goto("/interactions/search/")
    page.select_option("#kind-0", "crm")  # htmx redraws the form with the record's fields
    expect(page.locator("select#crm")).to_be_visible()
    expect(page.locator("#kind-0")).to_be_focused()


def _more_names_open(page: Any, live_api: Any) -> None:
    page.goto("/interactions/?limit=100")
    more = page.locator("table.itable details.more").first
    more.locator("summary").click()
    expect(more.locator(".more-names")).to_be_visible()


PAGES: dict[str, Callable[[Any, Any], None]] = {
    "list": lambda page, api: page.goto("/interactions/?limit=25"),
    "list-last-page": lambda page, api: page.goto("/interactions/?limit=1000&page=9999999"),
    "list-without-total": _faulted("no-total", "/interactions/?limit=25&page=2"),
    "list-without-total-past-the-end": _faulted(
        "no-total", "/interactions/?limit=1000&start=2026-11-20T09:00&end=2026-11-20T10:00&page=3"
    ),
    "list-without-data-complete": _faulted("no-data-complete", "/interactions/?limit=25"),
    "list-preset-other-zone": lambda page, api: page.goto(
        "/interactions/?preset=yesterday&tz=Europe/London"
    ),
    "list-more-names-open": _more_names_open,
    "flagged-finished": lambda page, api: page.goto("/interactions/flagged/?depth=5000"),
    "flagged-partial-one-flag": lambda page, api: page.goto(
        "/interactions/flagged/?depth=1000&flag=queue"
    ),
    "detail": lambda page, api: _open_first_row(page, "/interactions/?limit=10&page=40"),
    "detail-flagged": lambda page, api: _open_first_row(page, "/interactions/flagged/?flag=queue"),
    "detail-in-progress": _unfinished,
    "detail-recording": _artifacts("recording"),
    "detail-chat": _artifacts("transcript"),
    "detail-email": _artifacts("email", channel="email"),
    "detail-artifacts-failing": _artifacts("failing"),
    "detail-crm-monitors": _detail_crm_monitors,
    "search-empty": lambda page, api: page.goto("/interactions/search/"),
    "search-results": lambda page, api: page.goto(VIP_CALLBACK),
    "search-error": _search_error,
    "search-crm": _search_crm,
    "search-crm-chosen": _search_crm_chosen,
    "not-found": lambda page, api: page.goto(f"/interactions/{UNKNOWN_ID}/"),
    "bad-id": lambda page, api: page.goto("/interactions/not-a-uuid/"),
    "zone-preference": lambda page, api: page.goto("/preferences/time-zone/"),
    "shortcuts-open": _shortcuts,
}


@pytest.mark.parametrize("name", PAGES)
def test_signed_in_pages_pass_axe(logged_in_page, live_api, name):
    PAGES[name](logged_in_page, live_api)
    assert_accessible(logged_in_page)


PHONE = {"width": 390, "height": 844}
PHONE_PAGES = {
    "flagged-partial": lambda page, api: page.goto("/interactions/flagged/?depth=1000"),
    "detail-flagged": lambda page, api: _open_first_row(
        page, "/interactions/flagged/?depth=1000&flag=agent"
    ),
    "list-preset": lambda page, api: page.goto("/interactions/?preset=last-7-days"),
}


@pytest.mark.parametrize("name", PHONE_PAGES)
def test_phone_pages_pass_axe(make_page, supervisor, live_api, name):
    """On a phone: the folded filters, the chips that scroll, the tables that scroll sideways."""
    page = make_page(logged_in=True, viewport=PHONE)
    PHONE_PAGES[name](page, live_api)
    assert_accessible(page)


def test_the_login_page_passes_axe(page, live_server):
    page.goto(f"{live_server.url}/login/")
    expect(page.locator("h1")).to_have_text("Sign in")
    assert_accessible(page)


def test_the_flagged_page_passes_axe_while_it_scans(logged_in_page, supervisor, live_api, settings):
    supervisor.is_staff = True  # a scan deeper than the default
    supervisor.save()
    settings.CXENGAGE = {**settings.CXENGAGE, "FLAGGED_FIRST_PAINT_SECONDS": 0.0}
    live_api.set_faults(latency_ms=600)
    page = logged_in_page
    page.goto("/interactions/flagged/?depth=20000&limit=10")
    expect(page.locator(".scan-progress")).to_be_visible()
    # hold htmx's refreshes so the region stays put while axe reads it
    page.evaluate("() => document.addEventListener('htmx:confirm', (e) => e.preventDefault())")
    page.wait_for_timeout(1500)  # a refresh already in flight lands first
    expect(page.locator(".scan-progress")).to_be_visible()
    assert_accessible(page)


def test_axe_finds_what_it_is_asked_to(logged_in_page):
    """The check itself can fail: an image without a text alternative is a violation."""
    page = logged_in_page
    page.evaluate(
        "() => document.querySelector('main').append(Object.assign("
        "document.createElement('img'), {src: '/static/img/icons.svg'}))"
    )
    assert re.search(r"image-alt", str(violations(page)))


def test_the_flagged_page_passes_axe_while_its_scan_waits_for_a_slot(logged_in_page, live_api):
    from interactions_app.caching.slots import slot_take

    held = [slot_take("flagged-scan", limit=2, seconds=60) for _ in range(2)]  # both taken
    try:
        page = logged_in_page
        page.goto("/interactions/flagged/?depth=5000")
        expect(page.locator(".scan-progress")).to_contain_text("Waiting to start")
        page.evaluate("() => document.addEventListener('htmx:confirm', (e) => e.preventDefault())")
        page.screenshot(path="/tmp/h2/flagged-waiting.png", full_page=False)
        assert_accessible(page)
    finally:
        for slot in held:
            slot.release()
