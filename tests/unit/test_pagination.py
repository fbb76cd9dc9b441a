"""Pager maths for remote, offset-based result sets."""

from __future__ import annotations

import pytest

from interactions_app.pagination import Pagination


@pytest.mark.parametrize(
    ("total", "limit", "pages"),
    [(0, 25, 1), (1, 25, 1), (25, 25, 1), (26, 25, 2), (50, 25, 2), (51, 25, 3), (127, 10, 13)],
)
def test_num_pages(total, limit, pages) -> None:
    assert Pagination(page=1, limit=limit, total=total).num_pages == pages


@pytest.mark.parametrize(
    ("page", "limit", "total", "offset", "first", "last"),
    [
        (1, 25, 0, 0, 0, 0),
        (1, 25, 1, 0, 1, 1),
        (1, 25, 25, 0, 1, 25),
        (2, 25, 26, 25, 26, 26),
        (2, 10, 127, 10, 11, 20),
        (13, 10, 127, 120, 121, 127),
    ],
)
def test_offset_and_indexes(page, limit, total, offset, first, last) -> None:
    pager = Pagination(page=page, limit=limit, total=total)
    assert pager.offset == offset
    assert (pager.first_index, pager.last_index) == (first, last)


@pytest.mark.parametrize(
    ("page", "total", "has_previous", "has_next", "previous", "next_"),
    [
        (1, 0, False, False, 1, 1),
        (1, 26, False, True, 1, 2),
        (2, 26, True, False, 1, 2),
        (5, 100, True, False, 4, 4),  # out of range: previous leads back to the last page
        (9, 100, True, False, 4, 4),
    ],
)
def test_neighbours(page, total, has_previous, has_next, previous, next_) -> None:
    pager = Pagination(page=page, limit=25, total=total)
    assert (pager.has_previous, pager.has_next) == (has_previous, has_next)
    assert (pager.previous_page, pager.next_page) == (previous, next_)


@pytest.mark.parametrize(
    ("page", "total", "expected"),
    [
        (1, 0, False),
        (1, 25, False),
        (2, 25, True),
        (2, 26, False),
        (3, 26, True),
        (10**7, 127, True),
    ],
)
def test_out_of_range(page, total, expected) -> None:
    assert Pagination(page=page, limit=25, total=total).out_of_range is expected


@pytest.mark.parametrize(
    ("page", "pages", "expected"),
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
        (50, 20, [1, None, 20]),  # out of range: just the ends
    ],
)
def test_window_with_gaps(page, pages, expected) -> None:
    pager = Pagination(page=page, limit=10, total=pages * 10)
    assert pager.num_pages == pages
    assert pager.window() == expected


def test_window_size() -> None:
    pager = Pagination(page=10, limit=10, total=200)
    assert pager.window(size=0) == [1, None, 10, None, 20]
    assert pager.window(size=1) == [1, None, 9, 10, 11, None, 20]
