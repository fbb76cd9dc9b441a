"""The CSV export in a real browser: the link, the progress text, the downloaded file."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ONE_HOUR = "/interactions/?start=2026-11-20T10%3A00&end=2026-11-20T11%3A00&limit=10"
SEARCH = (
    "/interactions/search/?kind=attribute-value&value=VIP&kind=attribute-value"
    "&value=callback-requested&limit=10"
)
LINK = ".pager-top a.export-link"
STATUS = ".pager-top .export-status"


def total(page) -> int:
    text = page.locator(".pager-top .pager-count").inner_text()
    match = re.search(r"of\s+([\d,]+)", text)
    assert match, f"no total in pager text {text!r}"
    return int(match.group(1).replace(",", ""))


def record_status_texts(page) -> None:
    """Keep every text the export status shows, however briefly."""
    page.evaluate(
        """() => {
          window.__statusTexts = [];
          const el = document.querySelector(".pager-top .export-status");
          new MutationObserver(() => window.__statusTexts.push(el.textContent))
            .observe(el, {childList: true, characterData: true, subtree: true});
        }"""
    )


def downloaded_rows(download) -> tuple[bytes, list[list[str]]]:
    data = Path(download.path()).read_bytes()
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_export_link_downloads_every_row_and_shows_progress(logged_in_page, live_server, live_api):
    page = logged_in_page
    page.goto(live_server.url + ONE_HOUR)
    rows_on_pages = total(page)
    link = page.locator(LINK)
    expect(link).to_have_text(f"Export all {rows_on_pages:,} rows as CSV")
    expect(page.locator(".pager-bottom a.export-link")).to_have_count(0)
    expect(page.locator(".pager-top .export-help")).to_contain_text("'+1555")
    record_status_texts(page)
    live_api.set_faults(latency_ms=1200)  # the first rows take a moment: the text must show

    with page.expect_download() as info:
        # click() returns only once the download's response has arrived, by which time the
        # page may already say "Download started": the recorded texts below show both
        link.click()
    download = info.value
    assert re.fullmatch(
        r"interactions-northwind-support-\d{8}T\d{6}Z\.csv", download.suggested_filename
    )
    data, rows = downloaded_rows(download)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    assert rows[0][:3] == ["Interaction ID", "Link", "Start (US/Eastern)"]
    assert len(rows) - 1 == rows_on_pages
    assert len({row[0] for row in rows[1:]}) == rows_on_pages

    # the response's cookie told the page the download started; then the text clears
    expect(page.locator(STATUS)).to_have_text(re.compile(r"^(Download started.*)?$"))
    texts = page.evaluate("window.__statusTexts")
    preparing = "Preparing export… the download starts as soon as the first rows arrive"
    assert any(preparing in t for t in texts), texts
    assert any(t.startswith("Download started") for t in texts), texts
    expect(page.locator(STATUS)).to_have_text("", timeout=8000)
    assert "export_started" not in page.evaluate("document.cookie")  # cleaned up
    assert page.url.endswith(ONE_HOUR)  # the page stayed where it was


def test_search_export_from_the_page(logged_in_page, live_server):
    page = logged_in_page
    page.goto(live_server.url + SEARCH)
    rows_on_pages = total(page)
    with page.expect_download() as info:
        page.locator(LINK).click()
    _data, rows = downloaded_rows(info.value)
    assert len(rows) - 1 == rows_on_pages
    attributes = rows[0].index("Custom attributes")
    assert all("VIP" in row[attributes].split("; ") for row in rows[1:])


def test_export_link_survives_htmx_paging(logged_in_page, live_server):
    page = logged_in_page
    page.goto(live_server.url + ONE_HOUR)
    page.locator(".pager-top a[rel=next]").click()
    page.wait_for_url(re.compile(r".*[?&]page=2(&|$)"))
    href = page.locator(LINK).get_attribute("href")
    assert "page=" not in href and "start=2026-11-20T10%3A00" in href
    assert "token=" not in href  # added per click, never served (or cached) with the page
    tokens = []
    for _ in range(2):
        with page.expect_download() as info:
            page.locator(LINK).click()
        _data, rows = downloaded_rows(info.value)
        assert len(rows) - 1 == total(page)
        query = parse_qs(urlsplit(page.locator(LINK).get_attribute("href")).query)
        tokens += query["token"]
    assert len(set(tokens)) == 2 and all(re.fullmatch(r"[0-9a-f]{16}", t) for t in tokens)
