"""The flag overview chart on the flagged page: visible, and every bar leads to its list."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_day_bars_and_type_bars_filter_the_flagged_list(logged_in_page):
    page = logged_in_page
    page.goto("/interactions/flagged/?depth=5000")
    expect(page.locator(".fo-chart")).to_be_visible()
    # at least 5 type bars (the sandbox has all 8 flagTypes) and one day bar
    expect(page.locator(".fo-typelist li").nth(4)).to_be_visible()
    day_bars = page.locator(".fo-chart a")
    expect(day_bars.first).to_be_visible()
    day_bars.last.click()
    page.wait_for_url(re.compile(r".*start=.*end=.*"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["start"][0].endswith("T00:00") and query["end"][0].endswith("T00:00")
    expect(page.locator(".flag-summary")).to_contain_text("in the chosen time range")
    page.locator(".fo-typelist a").first.click()
    page.wait_for_url(re.compile(r".*flag=[a-z-]+.*"))
    chip = page.locator(".flag-summary .chip.active")
    expect(chip).to_be_visible()
    badges = page.locator("table.itable tbody .badge.flag")
    expect(badges.first).to_be_visible()
    kind = chip.inner_text().split(" ")[0]
    assert all(kind in b for b in badges.all_inner_texts())
