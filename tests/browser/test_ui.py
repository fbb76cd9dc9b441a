"""The dashboard in a real browser: htmx paging and history, row clicks, search, errors, no-JS."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROWS = "table.itable tbody tr[data-href]"
TOP_COUNT = ".pager-top .pager-count"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
DETAIL_URL = re.compile(
    r".*/interactions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/(\?from=[^#]*)?$"
)


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def first_row_href(page) -> str:
    return page.locator(ROWS).first.get_attribute("data-href")


def total(page) -> int:
    """The N of the top pager's "Showing a–b of N"."""
    text = page.locator(TOP_COUNT).inner_text()
    match = re.search(r"of\s+([\d,]+)", text)
    assert match, f"no total in pager text {text!r}"
    return int(match.group(1).replace(",", ""))


def mark_page(page) -> None:
    """Tag the window; the tag survives htmx swaps and disappears on a full page load."""
    page.evaluate("window.__marker = 1")


def not_reloaded(page) -> bool:
    return page.evaluate("window.__marker") == 1


def screenshot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000, f"{name}.png is only {path.stat().st_size} bytes"


def no_horizontal_overflow(page) -> None:
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width + 1, f"{page.url} is {scroll_width}px wide at {width}px"


# --- 1. login ------------------------------------------------------------------------------


def test_login_lands_on_the_list(logged_in_page):
    page = logged_in_page
    assert urlsplit(page.url).path == "/interactions/"
    expect(page.locator(ROWS)).to_have_count(25)
    expect(page.locator(TOP_COUNT)).to_contain_text("Showing 1–25 of")
    expect(page.locator(".session .who")).to_have_text("sup")


def test_anonymous_visit_redirects_to_login_with_next(page, live_server):
    page.goto(f"{live_server.url}/interactions/flagged/")
    split = urlsplit(page.url)
    assert split.path == "/login/"
    assert parse_qs(split.query).get("next") == ["/interactions/flagged/"]
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator(ROWS)).to_have_count(0)


# --- 2. paging with htmx -------------------------------------------------------------------


def test_htmx_paging_history_and_reload(logged_in_page, live_server, tmp_path):
    page = logged_in_page
    expect(page.locator(TOP_COUNT)).to_contain_text("Showing 1–25")
    first_before = first_row_href(page)
    mark_page(page)

    page.locator(".pager-top a[rel=next]").click()
    page.wait_for_url(re.compile(r".*[?&]page=2(&|$)"))
    expect(page.locator(TOP_COUNT)).to_contain_text("Showing 26–50")
    expect(page.locator(ROWS)).to_have_count(25)
    assert first_row_href(page) != first_before
    assert not_reloaded(page), "paging did a full page load instead of an htmx swap"

    page.go_back()
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("page", ["1"]) == ["1"])
    expect(page.locator(TOP_COUNT)).to_contain_text("Showing 1–25")
    assert first_row_href(page) == first_before

    page.goto(f"{live_server.url}/interactions/?page=3&limit=10")
    expect(page.locator(TOP_COUNT)).to_contain_text("Showing 21–30")
    expect(page.locator(ROWS)).to_have_count(10)
    expect(page.locator(".pager-top .current")).to_have_text("3")
    screenshot(page, tmp_path, "paging")


# --- 3. page size --------------------------------------------------------------------------


def test_page_size_select_swaps_in_100_rows(logged_in_page):
    page = logged_in_page
    expect(page.locator(ROWS)).to_have_count(25)
    mark_page(page)
    page.locator("form.filters select[name=limit]").select_option("100")
    page.wait_for_url(re.compile(r".*[?&]limit=100(&|$)"))
    expect(page.locator(ROWS)).to_have_count(100)
    expect(page.locator(TOP_COUNT)).to_contain_text("Showing 1–100")
    assert not_reloaded(page), "changing the page size did a full page load"


# --- 4. flagged drill-in -------------------------------------------------------------------


def test_flagged_queue_chip_to_detail_timeline(logged_in_page, live_server, tmp_path):
    page = logged_in_page
    page.goto(f"{live_server.url}/interactions/flagged/?flag=queue")
    rows = page.locator(ROWS)
    expect(rows.first).to_be_visible()
    count = rows.count()
    assert count > 0
    for index in range(count):
        expect(rows.nth(index).locator(".badge.flag")).to_contain_text("Queue end missing")
    expect(page.locator(".flag-summary .chip.active")).to_contain_text("Queue end missing")

    href = first_row_href(page)
    rows.first.locator("td.c-dur").click()  # not the link: the whole-row click from app.js
    page.wait_for_url(DETAIL_URL)
    assert urlsplit(page.url).path == urlsplit(href).path  # the link also carries ?from=

    expect(page.locator(".detail-head .badge.flag")).to_contain_text("Queue end missing")
    callout = page.locator(".flag-callout")
    expect(callout).to_contain_text("Why it is flagged: Queue end missing")
    expect(callout).to_contain_text("The queue end time was never received")
    # an open-ended bar in a lane (not the legend's swatch) and its lane's pill
    assert page.locator(".tl-track rect.tl-bar--open").count() >= 1
    expect(page.locator(".tl-row--missing .tl-pill").first).to_have_text("end not received")
    screenshot(page, tmp_path, "flagged-detail")


# --- 5. search -----------------------------------------------------------------------------


def test_search_two_conditions_narrow_the_results(logged_in_page, live_server, tmp_path):
    page = logged_in_page
    page.goto(f"{live_server.url}/interactions/search/?kind=attribute-value&value=VIP")
    vip_total = total(page)

    page.goto(f"{live_server.url}/interactions/search/")
    values = page.locator("form.search-form input[name=value]")
    expect(values).to_have_count(1)
    values.first.fill("VIP")
    page.locator("form.search-form button[name=add]").click()
    expect(values).to_have_count(2)
    expect(values.first).to_have_value("VIP")
    expect(values.nth(1)).to_be_focused()  # the new row gets the cursor, once htmx has settled
    values.nth(1).fill("callback-requested")
    values.nth(1).press("Enter")  # a plain search: neither condition is removed

    page.wait_for_url(
        lambda url: "callback-requested" in parse_qs(urlsplit(url).query).get("value", [])
    )
    assert query(page)["value"] == ["VIP", "callback-requested"]
    both_total = total(page)
    assert 0 < both_total < vip_total

    rows = page.locator(ROWS)
    expect(rows.first).to_be_visible()
    for index in range(rows.count()):
        marks = rows.nth(index).locator("td.c-match mark.chip-match").all_inner_texts()
        found = {m.casefold() for m in marks}
        assert {"vip", "callback-requested"} <= found, f"row {index} matched only {marks}"
    screenshot(page, tmp_path, "search")


def test_search_value_over_200_characters_shows_the_field_error(logged_in_page, live_server):
    page = logged_in_page
    page.goto(f"{live_server.url}/interactions/search/")
    field = page.locator("form.search-form input[name=value]").first
    field.fill("x" * 201)
    assert len(field.input_value()) == 200  # the browser honours maxlength...
    field.evaluate("el => el.removeAttribute('maxlength')")  # ...so bypass it like a crafted URL
    field.fill("x" * 201)
    page.get_by_role("button", name="Search", exact=True).click()
    error = page.locator(".search-row .field-error")
    expect(error).to_contain_text("200 characters")
    expect(page.locator("form.search-form input[name=value]").first).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.locator(ROWS)).to_have_count(0)


# --- 6. unknown id -------------------------------------------------------------------------


def test_unknown_interaction_id_is_a_404_page(logged_in_page, live_server):
    page = logged_in_page
    response = page.goto(f"{live_server.url}/interactions/{UNKNOWN_ID}/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Interaction not found")
    expect(page.locator(".notfound")).to_contain_text(UNKNOWN_ID)
    back = page.get_by_role("link", name="Back to all interactions")
    expect(back).to_have_attribute("href", "/interactions/")
    back.click()
    page.wait_for_url(re.compile(r".*/interactions/$"))
    expect(page.locator(ROWS)).to_have_count(25)


# --- 7. upstream fault ---------------------------------------------------------------------


def test_upstream_fault_is_shown_and_try_again_recovers(logged_in_page, live_server, live_api):
    page = logged_in_page
    live_api.set_faults(mode="status", status=503)
    cache.clear()  # the login redirect already cached the tenant and the first page
    response = page.goto(f"{live_server.url}/interactions/?limit=10")
    assert response.status >= 500
    error = page.locator(".upstream-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("upstream status 503")
    assert "Traceback" not in page.content()
    expect(page.locator(ROWS)).to_have_count(0)

    live_api.reset()
    page.get_by_role("link", name="Try again").click()
    expect(page.locator(ROWS)).to_have_count(10)
    expect(page.locator(".upstream-error")).to_have_count(0)


# --- 8. no JavaScript ----------------------------------------------------------------------


@pytest.mark.usefixtures("supervisor")
def test_pager_and_rows_work_without_javascript(make_page):
    page = make_page(logged_in=True, java_script_enabled=False)
    expect(page.locator(TOP_COUNT)).to_contain_text("Showing 1–25")
    page.locator(".pager-top a[rel=next]").click()
    page.wait_for_url(re.compile(r".*[?&]page=2(&|$)"))
    expect(page.locator(TOP_COUNT)).to_contain_text("Showing 26–50")
    href = first_row_href(page)
    page.locator(f"{ROWS} td.c-when a").first.click()
    page.wait_for_url(DETAIL_URL)
    assert urlsplit(page.url).path == urlsplit(href).path  # the link also carries ?from=
    expect(page.locator(".detail-head")).to_be_visible()


# --- 9. phone width ------------------------------------------------------------------------


@pytest.mark.usefixtures("supervisor")
def test_phone_width_has_no_horizontal_overflow(make_page, live_server):
    page = make_page(logged_in=True, viewport={"width": 390, "height": 844})
    expect(page.locator(ROWS)).to_have_count(25)
    no_horizontal_overflow(page)

    page.goto(f"{live_server.url}/interactions/flagged/?flag=queue")
    expect(page.locator(ROWS).first).to_be_visible()
    no_horizontal_overflow(page)
    page.goto(live_server.url + first_row_href(page))
    expect(page.locator(".tl-track").first).to_be_visible()
    no_horizontal_overflow(page)
