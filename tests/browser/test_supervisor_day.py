"""A supervisor's day in Debian's Chromium: a link shared across zones, quick ranges, a phone.

Presets are resolved against ``time_ranges.current_time``, set to the sandbox's anchor here (the
live server runs in this process).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from interactions_app import time_ranges
from interactions_app.preferences import preference_set_zone

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "table.itable tbody tr[data-href]"
PHONE = {"width": 390, "height": 844}
ANCHOR = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def row_ids(page) -> list[str]:
    return page.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.href.split('?')[0])")


@pytest.fixture
def anchored(monkeypatch):
    monkeypatch.setattr(time_ranges, "current_time", lambda: ANCHOR)


@pytest.fixture
def londoner(supervisor):
    """A second supervisor who reads every page in Europe/London."""
    user = get_user_model().objects.create_user(username="lon", password="pw-for-tests-2")
    preference_set_zone(user=user, mode="viewer", zone="Europe/London")
    return user


def test_a_link_made_in_one_zone_shows_the_same_rows_in_another(
    make_page, supervisor, londoner, live_api, live_server
):
    sender = make_page(logged_in=True)  # the tenant's zone, US/Eastern
    sender.goto("/interactions/?limit=50")
    sender.fill("#id_start", "2026-11-23T09:00")
    sender.fill("#id_end", "2026-11-23T09:30")
    sender.click(".filters button[type=submit]")
    sender.wait_for_url(re.compile(r".*start=2026-11-23T09%3A00.*"))
    expect(sender.locator(ROWS).first).to_be_visible()
    link = sender.url  # what the sender copies from the address bar
    assert parse_qs(urlsplit(link).query)["tz"] == ["US/Eastern"]
    sent = row_ids(sender)
    assert sent

    reader = make_page()
    log_in(reader, live_server.url, username="lon", password="pw-for-tests-2")
    reader.goto(link)
    assert row_ids(reader) == sent  # the same interactions for the reader in London
    note = reader.locator("#range-note")
    expect(note).to_contain_text("Times in this link")
    expect(note).to_contain_text("Mon 23 Nov 2026, 09:00 → Mon 23 Nov 2026, 09:30")
    expect(note).to_contain_text("Your zone (Europe/London): Mon 23 Nov 2026, 14:00")
    # the reader's table shows London times for those same rows
    expect(reader.locator("th .tzname")).to_have_text("Europe/London")


def test_a_preset_is_one_click_and_stays_in_the_url(make_page, supervisor, live_api, anchored):
    page = make_page(logged_in=True)
    page.goto("/interactions/?limit=25")
    page.get_by_role("link", name="Yesterday", exact=True).click()
    page.wait_for_url(re.compile(r".*preset=yesterday.*"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["preset"] == ["yesterday"] and "start" not in query
    chip = page.locator('.presets a[aria-current="true"]')
    expect(chip).to_have_text("Yesterday")
    expect(page.locator("#range-note")).to_contain_text(
        "Yesterday: Mon 23 Nov 2026, 00:00 → Tue 24 Nov 2026, 00:00"
    )
    first = page.locator(f"{ROWS} td.c-when a").first.inner_text()
    assert first.startswith("Nov 23, 23:")  # the most recent of yesterday, US/Eastern
    # changing the rows per page keeps the preset (htmx pushes the form's query)
    page.select_option("#id_limit", "10")
    page.wait_for_url(re.compile(r".*limit=10.*"))
    assert parse_qs(urlsplit(page.url).query)["preset"] == ["yesterday"]
    expect(page.locator(ROWS)).to_have_count(10)


def test_the_first_flagged_row_is_on_a_phones_first_screen(make_page, supervisor, live_api):
    page = make_page(logged_in=True, viewport=PHONE)
    page.goto("/interactions/flagged/?depth=1000")
    expect(page.locator(".coverage")).to_contain_text("Scanned the most recent")
    first = page.locator(ROWS).first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box["y"] + 40 <= PHONE["height"], f"first flagged row at {box['y']}px"
    # the filters folded, and open with one tap
    fold = page.locator("details.filters-fold")
    assert fold.evaluate("d => d.open") is False
    fold.locator("summary").click()
    expect(page.locator("#id_start")).to_be_visible()
    # the chart went below the table
    chart = page.locator(".flag-chart").bounding_box()
    assert chart["y"] > page.locator("table.itable").bounding_box()["y"]


def test_wide_detail_tables_say_they_scroll_on_a_phone(make_page, supervisor, live_api):
    page = make_page(logged_in=True, viewport=PHONE)
    page.goto("/interactions/flagged/?depth=1000&flag=agent")
    page.locator(f"{ROWS} td.c-when a").first.click()
    page.wait_for_selector(".detail-head")
    wraps = page.locator("#detail-tables .table-wrap.scrolls")
    expect(wraps.first).to_be_visible()
    assert wraps.count() >= 3  # segments, queues, agents at least
    hint = page.locator("#detail-tables .scroll-hint").first
    expect(hint).to_have_text("Scroll sideways for more columns →")
    first = wraps.first
    assert first.get_attribute("tabindex") == "0"
    assert first.get_attribute("aria-label").endswith("(scrolls sideways)")
    first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=first.element_handle())
    # on a desktop the same tables fit: no hint
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator("#detail-tables .scroll-hint")).to_have_count(0)


def test_every_name_opens_with_a_tap(make_page, supervisor, live_api):
    page = make_page(logged_in=True, viewport=PHONE, has_touch=True)
    page.goto("/interactions/?limit=100")
    more = page.locator("table.itable details.more").first
    names = more.locator(".more-names")
    expect(names).to_be_hidden()
    before = page.url
    more.locator("summary").tap()
    expect(names).to_be_visible()
    assert names.inner_text().strip()
    assert page.url == before  # the tap opened the names, not the row
