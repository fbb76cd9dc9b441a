"""The index-backed list in Chromium: filter by channel and agent, read the facet counts, sort,
open a row and step with j/k; axe-core on the new page states (filters, facets, errors, the
flagged page from the index, a phone)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.axe import assert_accessible
from tests.support.index_fill import fill_index

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "table.itable tbody tr[data-href]"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def indexed(live_api, settings) -> list[Any]:
    """The index on, holding the sandbox's 2,000 most recent interactions."""
    settings.CXENGAGE_INDEX = True
    return fill_index(api_url=live_api.api_url, count=2000)


def row_ids(page: Any) -> list[str]:
    hrefs = page.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.href)")
    return [re.search(r"/interactions/([0-9a-f-]{36})/", h).group(1) for h in hrefs]


def count_of(page: Any, kind: str, name: str) -> int:
    label = page.locator(f'#facet-{kind} label:has(input[value="{name}"]) .count')
    return int(re.match(r"[\d,]+", label.inner_text()).group(0).replace(",", ""))


def pager_total(page: Any) -> int:
    text = page.locator(".pager-top .pager-count").inner_text()
    return int(re.search(r"of ([\d,]+)", text).group(1).replace(",", ""))


def test_filter_by_channel_and_agent_read_counts_sort_open_and_step(logged_in_page, indexed):
    page = logged_in_page
    page.goto("/interactions/")
    expect(page.locator(".index-status")).to_contain_text("Index: 2,000 interactions")
    voice = [i for i in indexed if i.channel == "voice"]

    # a channel ticked with the keyboard: the page redraws and focus stays on the box
    page.locator("#f-channel-voice").focus()
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r".*[?&]channel=voice"))
    expect(page.locator("#f-channel-voice")).to_be_checked()
    expect(page.locator("#f-channel-voice")).to_be_focused()
    assert pager_total(page) == len(voice)

    # the agent facet counts within the voice calls; ticking one gives that many rows
    agents = Counter(name for i in voice for name in i.agent_names)
    name, expected = agents.most_common(1)[0]
    assert count_of(page, "agent", name) == expected
    page.locator(f'#facet-agent input[value="{name}"]').check()
    page.wait_for_url(re.compile(r".*[?&]agent=" + name.replace(" ", r"(\+|%20)")))
    expect(page.locator(".pager-top .pager-count")).to_contain_text(f"of {expected}")
    theirs = [i for i in voice if name in i.agent_names]
    queues = Counter(q for i in theirs for q in i.queue_names)
    for queue, n in queues.items():
        assert count_of(page, "queue", queue) == n
    assert set(row_ids(page)) <= {i.id for i in theirs}

    # longest first: the rows' durations only go down
    page.select_option("#id_sort", "-duration")
    page.wait_for_url(re.compile(r".*[?&]sort=-duration"))
    expect(page.locator("#id_sort")).to_have_value("-duration")
    by_id = {i.id: i for i in theirs}
    shown = row_ids(page)
    # a running interaction (no duration yet) counts as the longest
    durations = [by_id[i].duration_seconds or float("inf") for i in shown]
    assert len(shown) == min(25, expected) and durations == sorted(durations, reverse=True)

    # open the first row; j and k step through the filtered, sorted list
    page.locator(f"{ROWS} td.c-when a").first.click()
    page.wait_for_selector(".resultnav")
    expect(page.locator(".resultnav")).to_contain_text(f"1 of {expected}")
    assert shown[0] in page.url
    page.keyboard.press("j")
    expect(page.locator(".resultnav")).to_contain_text(f"2 of {expected}")
    assert shown[1] in page.url
    page.keyboard.press("k")
    expect(page.locator(".resultnav")).to_contain_text(f"1 of {expected}")
    assert shown[0] in page.url
    page.locator(".resultnav a", has_text="All interactions").click()
    expect(page.locator("#id_sort")).to_have_value("-duration")
    expect(page.locator(f'#facet-agent input[value="{name}"]')).to_be_checked()


def _filtered(page: Any) -> None:
    page.goto("/interactions/?channel=voice&channel=sms&agent=Grace+Kim&sort=-duration")
    expect(page.locator("#facets")).to_be_visible()


def _invalid(page: Any) -> None:
    response = page.goto("/interactions/?channel=fax&sort=sideways")
    assert response.status == 400
    expect(page.locator("#facets .field-error")).to_contain_text("fax is not a channel")


def _flagged(page: Any) -> None:
    page.goto("/interactions/flagged/?channel=voice")
    expect(page.locator(".flag-summary")).to_contain_text("from the local index")
    expect(page.locator(".fo-chart")).to_be_visible()


def _phone(page: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/interactions/?queue=Billing")
    expect(page.locator("details[data-facets]")).not_to_have_attribute("open", "")
    page.locator("details[data-facets] > summary").click()
    expect(page.locator("#facet-queue")).to_be_visible()


STATES = {"filtered": _filtered, "invalid": _invalid, "flagged": _flagged, "phone": _phone}


@pytest.mark.parametrize("state", STATES)
def test_index_backed_pages_pass_axe(logged_in_page, indexed, state):
    STATES[state](logged_in_page)
    assert_accessible(logged_in_page)
