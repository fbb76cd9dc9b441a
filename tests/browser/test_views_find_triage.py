"""Saved views, copy link, quick find and flag triage in a real browser, as a supervisor uses
them; every page they add passes axe-core (WCAG 2.0/2.1 A and AA)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from interactions_app.models import SavedView
from tests.support.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "table.itable tbody tr[data-href]"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
PHONE = {"width": 390, "height": 844}


def _may_triage() -> None:
    user = get_user_model().objects.get(username="sup")
    user.user_permissions.add(Permission.objects.get(codename="triage_flags"))


def _order_number(live_api: Any) -> str:
    for record in live_api.interactions(limit=500)["results"]:
        for hook in record.get("hooks") or ():
            if str(hook.get("hookName", "")).startswith("ORD-"):
                return hook["hookName"]
    raise AssertionError("no order number in the first 500")


def test_save_a_view_then_open_it_from_the_header(logged_in_page, live_api):
    page = logged_in_page
    page.goto("/interactions/flagged/?depth=1000&limit=10")
    expect(page.locator(".coverage")).to_contain_text("Scanned the most recent")  # finished
    page.locator(".pager-top a[rel=next]").click()  # htmx paging pushes the URL
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("[data-share-link]")).to_have_value(re.compile(r"page=2"))
    page.click("[data-save-view]")
    expect(page.locator("h1")).to_have_text("Save this view")
    page.fill("#id_name", "Morning check")
    page.check("#id_shared")
    page.click("button:has-text('Save view')")
    expect(page).to_have_url(re.compile(r"/interactions/flagged/\?.*page=2"))
    expect(page.locator(".messages")).to_contain_text("Saved the view “Morning check”")
    page.goto("/interactions/search/")
    page.click(".views-menu summary")
    page.click(".views-pop a:has-text('Morning check')")  # one click from the open menu
    expect(page).to_have_url(re.compile(r"/interactions/flagged/\?.*page=2"))
    saved = SavedView.objects.get(name="Morning check")
    assert saved.shared and page.url.endswith(saved.url)
    assert {"depth=1000", "limit=10", "page=2"} == set(saved.url.split("?")[1].split("&"))


def test_copy_link_copies_the_current_url(make_page, supervisor, live_api):
    page = make_page(logged_in=True, permissions=["clipboard-read", "clipboard-write"])
    page.goto("/interactions/?limit=10")
    expect(page.locator(ROWS).first).to_be_visible()
    page.locator(".pager-top a[rel=next]").first.click()
    expect(page).to_have_url(re.compile(r"page=2"))
    page.click("[data-copy-link]")
    expect(page.locator("[data-copy-status]")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == page.url


def test_without_javascript_the_link_is_a_visible_field(make_page, supervisor, live_api):
    page = make_page(logged_in=True, java_script_enabled=False)
    page.goto("/interactions/?limit=10")
    field = page.locator("[data-share-link]")
    expect(field).to_be_visible()
    assert field.input_value().endswith("/interactions/?limit=10")
    expect(page.locator("[data-copy-link]")).to_be_hidden()


def test_quick_find_opens_an_id_and_finds_an_order_number_in_any_case(logged_in_page, live_api):
    page = logged_in_page
    interaction_id = live_api.interactions(limit=1)["results"][0]["interactionId"]
    page.fill("#quickfind-q", interaction_id.upper())
    page.press("#quickfind-q", "Enter")
    expect(page).to_have_url(re.compile(rf"/interactions/{interaction_id}/$"))
    expect(page.locator(".detail-head")).to_be_visible()
    order = _order_number(live_api)
    page.fill("#quickfind-q", order.lower())
    page.press("#quickfind-q", "Enter")
    expect(page.locator(ROWS).first).to_be_visible()
    expect(page.locator(".find-summary")).to_contain_text(f"attribute value “{order}”")
    page.fill("#quickfind-q", "no-such-value-anywhere")
    page.press("#quickfind-q", "Enter")
    expect(page.locator(".find-summary")).to_contain_text("Nothing found")
    expect(page.locator(".find-summary")).to_contain_text("exact match, case-sensitive")


def test_triage_from_the_detail_page_to_the_flagged_filter(logged_in_page, live_api):
    _may_triage()
    page = logged_in_page
    page.goto("/interactions/flagged/?depth=1000&limit=10")
    page.locator(f"{ROWS} td.c-when a").first.click()
    expect(page.locator("#triage")).to_contain_text("Not reviewed")
    interaction_id = re.search(r"/interactions/([0-9a-f-]{36})/", page.url).group(1)
    page.fill("#id_note", "Queue end lost; reported as OPS-12")
    page.select_option("#id_owner", label="sup")
    page.click("#triage button:has-text('Mark reviewed')")  # htmx swaps the panel
    expect(page.locator("#triage .notice.ok")).to_contain_text("marked reviewed")
    expect(page.locator("#triage .review-state")).to_contain_text("Reviewed by sup")
    assert_accessible(page)
    page.goto("/interactions/flagged/?depth=1000&limit=10")
    page.click(".review-chips a[href*='review=reviewed']")
    expect(page).to_have_url(re.compile(r"review=reviewed"))
    expect(page.locator(ROWS)).to_have_count(1)
    expect(page.locator(".c-review")).to_contain_text("by sup")
    expect(page.locator(".c-review")).to_contain_text("OPS-12")
    assert (
        page.locator(ROWS)
        .first.get_attribute("data-href")
        .startswith(f"/interactions/{interaction_id}/")
    )
    page.click(".review-chips a[href*='review=mine']")
    expect(page.locator(ROWS)).to_have_count(1)
    assert_accessible(page)


def _saved_views(page: Any, live_api: Any) -> None:
    user = get_user_model().objects.get(username="sup")
    other = get_user_model().objects.create_user(username="ann", password="pw-for-tests-2")
    SavedView.objects.create(owner=user, name="Morning check", url="/interactions/flagged/")
    SavedView.objects.create(
        owner=other, name="Queue errors", url="/interactions/flagged/?flag=queue", shared=True
    )
    page.goto("/views/")
    page.click(".views-menu summary")
    expect(page.locator(".views-pop")).to_be_visible()


def _save_form(page: Any, live_api: Any) -> None:
    page.goto("/views/new/?url=/interactions/flagged/%3Fdepth%3D1000")
    page.fill("#id_name", "   ")  # blank: the server's error is shown
    page.click("button:has-text('Save view')")
    expect(page.locator(".field-error")).to_be_visible()


def _find(q: str) -> Any:
    def visit(page: Any, live_api: Any) -> None:
        page.goto(f"/interactions/find/?q={q}")
        expect(page.locator(".find-summary")).to_be_visible()

    return visit


def _detail_triage_read_only(page: Any, live_api: Any) -> None:
    page.goto("/interactions/flagged/?depth=1000&limit=10")
    page.locator(f"{ROWS} td.c-when a").first.click()
    expect(page.locator("#triage")).to_be_visible()


PAGES = {
    "saved-views-with-menu-open": _saved_views,
    "save-view-form-with-error": _save_form,
    "quick-find-idle": lambda page, api: page.goto("/interactions/find/"),
    "quick-find-results": _find("VIP"),
    "quick-find-nothing": _find(UNKNOWN_ID),
    "detail-triage-read-only": _detail_triage_read_only,
}


@pytest.mark.parametrize("name", PAGES)
def test_new_pages_pass_axe(logged_in_page, live_api, name):
    PAGES[name](logged_in_page, live_api)
    assert_accessible(logged_in_page)


def test_the_header_fits_a_phone(make_page, supervisor, live_api):
    page = make_page(logged_in=True, viewport=PHONE)
    page.goto("/interactions/flagged/?depth=1000&limit=10")
    expect(page.locator("#quickfind-q")).to_be_visible()
    page.click(".views-menu summary")
    box = page.locator(".views-pop").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert_accessible(page)
