"""Prev/next within the originating result set, carried in the detail URL as ?from=."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")


def row_links(html: str) -> list[str]:
    return [m.replace("&amp;", "&") for m in re.findall(r'data-href="([^"]+)"', html)]


def nav(html: str, rel: str) -> str | None:
    match = re.search(rf'href="([^"]+)" rel="{rel}"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_rows_carry_their_origin_and_detail_links_to_neighbours(sup_client, live_api):
    links = row_links(sup_client.get(LIST, {"limit": 10, "page": 3}).content.decode())
    assert all("?from=" in link for link in links)
    origin = parse_qs(urlsplit(links[4]).query)["from"][0]
    assert origin.startswith(LIST) and "page=3" in origin and "limit=10" in origin
    html = sup_client.get(links[4]).content.decode()
    assert "25 of" in html  # (page 3 - 1) * 10 + 5
    assert nav(html, "next").split("?")[0] == links[5].split("?")[0]
    assert nav(html, "prev").split("?")[0] == links[3].split("?")[0]


def test_neighbours_cross_page_boundaries(sup_client, live_api):
    page3 = row_links(sup_client.get(LIST, {"limit": 10, "page": 3}).content.decode())
    page4 = row_links(sup_client.get(LIST, {"limit": 10, "page": 4}).content.decode())
    last_of_3 = sup_client.get(page3[-1]).content.decode()
    following = nav(last_of_3, "next")
    assert following.split("?")[0] == page4[0].split("?")[0]
    assert "page=4" in parse_qs(urlsplit(following).query)["from"][0]
    first_of_4 = sup_client.get(following).content.decode()
    assert nav(first_of_4, "prev").split("?")[0] == page3[-1].split("?")[0]


def test_first_interaction_has_no_previous(sup_client, live_api):
    first = row_links(sup_client.get(LIST, {"limit": 10}).content.decode())[0]
    html = sup_client.get(first).content.decode()
    assert nav(html, "prev") is None and nav(html, "next")
    assert "1 of" in html


def test_search_origin_navigates_within_the_search(sup_client, live_api):
    query = {"kind": "attribute-value", "value": "VIP", "limit": 10}
    links = row_links(sup_client.get(reverse("interactions:search"), query).content.decode())
    html = sup_client.get(links[1]).content.decode()
    assert "← Search" in html
    assert nav(html, "next").split("?")[0] == links[2].split("?")[0]


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example/interactions/", "//evil.example/", "/admin/", "/interactions/?page=x"],
)
def test_foreign_or_invalid_origins_are_ignored(sup_client, live_api, origin):
    link = row_links(sup_client.get(LIST, {"limit": 10}).content.decode())[2]
    bare = link.split("?")[0]
    response = sup_client.get(bare + "?" + urlencode({"from": origin}))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'rel="next"' not in html
    assert not re.search(r'href="(https?:)?//evil', html)
    assert "← All interactions" in html  # the plain breadcrumb instead


def test_a_flagged_origin_steps_through_flagged_rows_across_its_pages(sup_client, live_api):
    flagged = reverse("interactions:flagged")
    page1 = row_links(sup_client.get(flagged, {"limit": 10}).content.decode())
    page2 = row_links(sup_client.get(flagged, {"limit": 10, "page": 2}).content.decode())
    assert len(page1) == 10 and page2
    middle = sup_client.get(page1[4]).content.decode()
    assert "← Flagged" in middle and "5 of" in middle
    assert nav(middle, "next").split("?")[0] == page1[5].split("?")[0]  # a flagged neighbour,
    assert nav(middle, "prev").split("?")[0] == page1[3].split("?")[0]  # not a list one
    last_of_1 = sup_client.get(page1[-1]).content.decode()
    following = nav(last_of_1, "next")
    assert following.split("?")[0] == page2[0].split("?")[0]
    origin = parse_qs(urlsplit(following).query)["from"][0]
    assert origin.startswith(flagged) and "page=2" in origin
    first_of_2 = sup_client.get(following).content.decode()
    assert nav(first_of_2, "prev").split("?")[0] == page1[-1].split("?")[0]
    assert "11 of" in first_of_2


def test_a_search_origin_crosses_its_pages_both_ways(sup_client, live_api):
    search = reverse("interactions:search")
    query = {"kind": "attribute-value", "value": "VIP", "limit": 10}
    page1 = row_links(sup_client.get(search, query).content.decode())
    page2 = row_links(sup_client.get(search, {**query, "page": 2}).content.decode())
    last_of_1 = sup_client.get(page1[-1]).content.decode()
    following = nav(last_of_1, "next")
    assert following.split("?")[0] == page2[0].split("?")[0]
    origin = parse_qs(urlsplit(following).query)["from"][0]
    assert origin.startswith(search) and "value=VIP" in origin and "page=2" in origin
    first_of_2 = sup_client.get(following).content.decode()
    assert "← Search" in first_of_2 and "11 of" in first_of_2
    back = nav(first_of_2, "prev")
    assert back.split("?")[0] == page1[-1].split("?")[0]
    assert "page=2" not in parse_qs(urlsplit(back).query)["from"][0]  # page 1 again


def test_the_last_item_of_the_last_page_has_no_next(sup_client, live_api):
    window = {"start": "2026-11-20T10:00", "end": "2026-11-20T11:00", "limit": 25}
    first = sup_client.get(LIST, window).content.decode()
    total = int(re.search(r"of <strong>([\d,]+)</strong>", first).group(1).replace(",", ""))
    last_page = -(-total // 25)
    assert last_page > 1 and total % 25, total  # a short last page, after full ones
    rows = row_links(sup_client.get(LIST, {**window, "page": last_page}).content.decode())
    assert len(rows) == total - (last_page - 1) * 25
    html = sup_client.get(rows[-1]).content.decode()
    assert nav(html, "next") is None
    assert nav(html, "prev").split("?")[0] == rows[-2].split("?")[0]
    assert f"{total:,} of {total:,}" in html
