"""Pages of results through Django's Paginator: remote totals, the pager's links, the last page
for a page number past the end."""

from __future__ import annotations

import pytest
from django.core.paginator import Page

from interactions_app.services.types import Remote, ResultPage, Tenant, page_of

TENANT = Tenant(id="t", name="Tenant", timezone_name="UTC")


def remote(number: int, *, pages: int, limit: int = 10) -> ResultPage:
    return ResultPage.upstream((), number=number, limit=limit, total=pages * limit, tenant=TENANT)


@pytest.mark.parametrize(
    ("total", "limit", "pages"),
    [(0, 25, 1), (1, 25, 1), (25, 25, 1), (26, 25, 2), (50, 25, 2), (51, 25, 3), (127, 10, 13)],
)
def test_num_pages(total, limit, pages) -> None:
    assert page_of(Remote(total), number=1, limit=limit).paginator.num_pages == pages


@pytest.mark.parametrize(
    ("number", "total", "shown", "first", "last"),
    [
        (1, 0, 1, 0, 0),
        (3, 26, 3, 21, 26),
        (13, 127, 13, 121, 127),
        (14, 127, 13, 121, 127),  # past the end: the last page
        (10**7, 127, 13, 121, 127),
    ],
)
def test_a_page_past_the_end_is_the_last_page(number, total, shown, first, last) -> None:
    page = page_of(Remote(total), number=number, limit=10)
    assert page.number == shown
    assert (page.start_index(), page.end_index()) == (first, last)


def test_an_upstream_page_holds_the_rows_it_was_given_and_counts_the_total() -> None:
    rows = ("a", "b")
    result = ResultPage.upstream(rows, number=3, limit=2, total=11, tenant=TENANT, skipped=1)
    assert isinstance(result.page, Page) and result.items == rows
    assert (result.page.number, result.page.paginator.count, result.skipped) == (3, 11, 1)
    assert result.page.has_previous() and result.page.next_page_number() == 4


def test_a_total_too_large_for_len_is_still_paged() -> None:
    result = ResultPage.upstream((), number=2, limit=10, total=10**30, tenant=TENANT)
    assert result.page.paginator.count == 10**30
    assert result.page_links[-1] == result.page.paginator.num_pages > 10**28


@pytest.mark.parametrize(
    ("number", "pages", "expected"),
    [
        (1, 1, [1]),
        (1, 5, [1, 2, 3, 4, 5]),
        (1, 20, [1, 2, 3, None, 20]),
        (10, 20, [1, None, 8, 9, 10, 11, 12, None, 20]),
        (20, 20, [1, None, 18, 19, 20]),
        (4, 20, [1, 2, 3, 4, 5, 6, None, 20]),
        # a gap of exactly one page shows the page: an ellipsis would take its place anyway
        (5, 20, [1, 2, 3, 4, 5, 6, 7, None, 20]),
        (16, 20, [1, None, 14, 15, 16, 17, 18, 19, 20]),
        (1, 4, [1, 2, 3, 4]),
        (6, 12, [1, None, 4, 5, 6, 7, 8, None, 12]),
        (50, 20, [1, None, 18, 19, 20]),  # past the end: the last page's links
    ],
)
def test_page_links_with_gaps(number, pages, expected) -> None:
    assert remote(number, pages=pages).page_links == expected


# --- no total from the upstream (issue 10, point 3) -------------------------------------------


def unknown(number: int, received: int, *, limit: int = 10) -> ResultPage:
    rows = tuple(str(n) for n in range(received))
    return ResultPage.upstream(rows, number=number, limit=limit, total=None, tenant=TENANT)


def test_without_a_total_a_full_page_offers_the_next_and_claims_no_total() -> None:
    result = unknown(3, 10)
    assert result.total is None and not result.total_known
    assert (result.page.number, result.page.start_index(), result.page.end_index()) == (3, 21, 30)
    assert result.page.has_next() and result.page.next_page_number() == 4
    assert result.page.has_previous() and not result.past_the_end
    assert result.page_links == [1, 2, 3, 4]  # the next page, never a far "last" one


def test_without_a_total_a_short_page_is_the_last() -> None:
    result = unknown(3, 4)
    assert (result.page.start_index(), result.page.end_index()) == (21, 24)
    assert not result.page.has_next() and not result.past_the_end
    assert result.page_links == [1, 2, 3]


def test_without_a_total_a_page_past_the_end_stays_where_it_was_asked_and_is_empty() -> None:
    result = unknown(900, 0)
    assert result.page.number == 900 and result.past_the_end and not result.items
    assert not result.page.has_next() and result.page.previous_page_number() == 899
    assert result.page_links[-1] == 899  # the pages that may hold rows, around the last seen


def test_with_a_total_nothing_is_past_the_end() -> None:
    result = ResultPage.upstream((), number=900, limit=10, total=50, tenant=TENANT)
    assert (result.page.number, result.total, result.past_the_end) == (5, 50, False)
