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
