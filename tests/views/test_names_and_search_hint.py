"""Every agent and queue reachable without hovering; the search says how CxEngage matches."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from interactions_app.templatetags.interactions import first_and_more

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
SEARCH = reverse("interactions:search")


def test_the_other_names_are_in_the_page_not_only_in_a_title():
    html = str(first_and_more(("Support", "Billing <b>", "Sales")))
    assert html.startswith('<span title="Support, Billing &lt;b&gt;, Sales">Support</span>')
    details = re.search(r"<details class=\"more\"[^>]*>(.*)</details>", html).group(1)
    assert '<summary aria-label="+2 more">+2</summary>' in details
    assert '<span class="more-names">Billing &lt;b&gt;, Sales</span>' in details
    assert str(first_and_more(("Solo",))) == '<span title="Solo">Solo</span>'


def test_list_rows_carry_every_agent_and_queue(sup_client, live_api):
    html = sup_client.get(LIST, {"limit": 100}).content.decode()
    opened = re.findall(r'<span class="more-names">([^<]+)</span>', html)
    assert opened, "some rows have more than one agent or queue"
    results = live_api.interactions(limit=100)["results"]
    several = [
        [a["agentName"] for a in r.get("agents") or []]
        for r in results
        if len({a["agentName"] for a in r.get("agents") or []}) > 1
    ]
    names = several[0]
    assert ", ".join(dict.fromkeys(names[1:])) in opened


def test_search_says_matching_is_exact_and_what_the_kinds_are(sup_client, live_api):
    html = sup_client.get(SEARCH).content.decode()
    hint = re.search(r'<p class="hint" id="search-hint">(.*?)</p>', html, re.S).group(1)
    assert "Exact match:" in hint and "capitals included" in hint
    assert (
        "<strong>Attribute value</strong> and <strong>hook name</strong> look for the same" in hint
    )
    assert 'aria-describedby="search-hint"' in html  # read with the value field


def test_the_sandbox_matches_as_the_hint_says(sup_client, live_api):
    """Whole value, capitals included: what the hint promises is what the search does."""
    found = sup_client.get(SEARCH, {"kind": "attribute-value", "value": "VIP"}).content.decode()
    assert re.search(r"of <strong>[\d,]+</strong>", found)
    for other in ("vip", "VI"):
        html = sup_client.get(SEARCH, {"kind": "attribute-value", "value": other}).content.decode()
        assert "No interactions match all of these conditions." in html
