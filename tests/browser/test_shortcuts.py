"""Keyboard shortcuts and the help overlay, in Debian's Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_help_overlay_and_row_navigation(logged_in_page):
    page = logged_in_page
    page.keyboard.press("?")
    dialog = page.locator("dialog#shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Next interaction")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("j")
    page.keyboard.press("j")
    # the second body row holds the focus (row 0 of the table is the header)
    expect(page.locator("table.itable tbody tr").nth(1).locator("td.c-when a")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/interactions/[0-9a-f-]{36}/\?from=.*"))
    expect(page.locator(".resultnav")).to_contain_text("2 of")


def test_j_and_k_walk_the_result_set_on_detail_pages(logged_in_page):
    page = logged_in_page
    page.locator("table.itable tbody td.c-when a").first.click()
    page.wait_for_selector(".resultnav")
    first_url = page.url
    page.keyboard.press("j")
    page.wait_for_function("() => document.querySelector('.resultnav').innerText.includes('2 of')")
    assert page.url != first_url
    page.keyboard.press("k")
    page.wait_for_function("() => document.querySelector('.resultnav').innerText.includes('1 of')")
    assert page.url.split("?")[0] == first_url.split("?")[0]


def test_slash_opens_the_search_box(logged_in_page):
    page = logged_in_page
    page.keyboard.press("/")
    page.wait_for_url(re.compile(r".*/interactions/search/$"))
    # autofocus may land after the load event: wait for it before undoing it
    expect(page.locator("input[name=value]").first).to_be_focused()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    expect(page.locator("input[name=value]").first).not_to_be_focused()
    page.keyboard.press("/")
    expect(page.locator("input[name=value]").first).to_be_focused()
    page.keyboard.type("VIP")  # typing in the box is not taken as shortcuts
    expect(page.locator("input[name=value]").first).to_have_value("VIP")
