"""The time zone toggle and PII masking as a supervisor sees them."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_toggle_switches_to_the_browsers_zone_and_is_remembered(make_page, supervisor):
    page = make_page(logged_in=True, timezone_id="Asia/Kolkata")
    header = page.locator("table.itable thead th").first
    assert "US/Eastern" in header.inner_text()
    first_eastern = page.locator("td.c-when a").first.inner_text()
    page.get_by_role("button", name=re.compile("use my zone")).click()
    page.wait_for_function(
        "() => /Asia\\/(Kolkata|Calcutta)/.test("
        "document.querySelector('table.itable thead th').innerText)"
    )
    assert page.locator("td.c-when a").first.inner_text() != first_eastern
    page.reload()
    assert re.search(
        r"Asia/(Kolkata|Calcutta)", page.locator("table.itable thead th").first.inner_text()
    )
    page.get_by_role("button", name=re.compile("use tenant zone")).click()
    page.wait_for_function(
        "() => document.querySelector('table.itable thead th').innerText.includes('US/Eastern')"
    )


def test_customers_are_masked_for_a_supervisor_without_the_permission(logged_in_page):
    page = logged_in_page
    customers = page.locator("td.c-who").all_inner_texts()
    assert customers and all("•••" in c or c == "—" for c in customers)
    page.locator("td.c-when a").first.click()
    page.wait_for_selector(".detail-head")
    assert "(masked)" in page.locator(".parties").inner_text()
