"""The flag overview chart on the flagged page: visible, and every bar leads to its list."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_day_bars_and_type_bars_filter_the_flagged_list(logged_in_page):
    page = logged_in_page
    page.goto("/interactions/flagged/?depth=5000")
    page.wait_for_selector(".fo-chart")
    assert page.locator(".fo-typelist li").count() >= 5  # the sandbox has all 8 flagTypes
    day_bars = page.locator(".fo-chart a")
    assert day_bars.count() >= 1
    day_bars.last.click()
    page.wait_for_url(re.compile(r".*start=.*end=.*"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["start"][0].endswith("T00:00") and query["end"][0].endswith("T00:00")
    assert "in the chosen time range" in page.locator(".flag-summary").inner_text()
    page.locator(".fo-typelist a").first.click()
    page.wait_for_url(re.compile(r".*flag=[a-z-]+.*"))
    chip = page.locator(".flag-summary .chip.active").inner_text()
    badges = page.locator("table.itable tbody .badge.flag").all_inner_texts()
    assert badges and all(chip.split(" ")[0] in b for b in badges)
