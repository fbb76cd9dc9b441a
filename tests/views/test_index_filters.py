"""The list and flagged pages answered from the local index: every filter and sort in the URL,
facet counts, form errors (400), the customer filter's right, the index's freshness, CSV exports
and prev/next of a filtered list, and the pages as they were while the index is off.

The index holds the sandbox's 2,000 most recent interactions (``tests/support/index_fill.py``, the
index's own ``upsert``); every answer is checked against a brute-force one computed from the very
interactions the sandbox sent.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from interactions_app.flags import flag_key
from interactions_app.index.models import IndexedInteraction, IndexState
from tests.support.index_fill import empty_index, fill_index

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
FLAGGED = reverse("interactions:flagged")
EXPORT_LIST = reverse("interactions:export", args=["list"])
EXPORT_FLAGGED = reverse("interactions:export", args=["flagged"])
HX_MAIN = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "main"}
HX_RESULTS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
ALL = {"limit": 1000}


@pytest.fixture(scope="module")
def indexed_items(sandbox, django_db_setup, django_db_blocker):
    """The interactions in the index (filled once for the module, removed after it)."""
    with django_db_blocker.unblock():
        items = fill_index(api_url=sandbox.api_url, tenant_id=sandbox.TENANT_A, count=2000)
    yield items
    with django_db_blocker.unblock():
        empty_index()


@pytest.fixture
def index_on(settings, live_api, indexed_items):
    settings.CXENGAGE_INDEX = True
    return indexed_items


@pytest.fixture
def pii_client(sup_client, supervisor):
    supervisor.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    return sup_client


def ids_in(html: str) -> list[str]:
    return re.findall(r'data-href="/interactions/([0-9a-f-]{36})/', html)


def total_of(html: str) -> int:
    match = re.search(r"of <strong>([\d,]+)</strong>", html)
    assert match, "no total on the page"
    return int(match.group(1).replace(",", ""))


def newest_first(items) -> list[str]:
    return [i.id for i in sorted(items, key=lambda i: (i.start, i.id), reverse=True)]


def get(client, url, params, **headers):
    response = client.get(url, params, **headers)
    return response, response.content.decode()


def listed(client, params, url=LIST) -> list[str]:
    response, html = get(client, url, {**ALL, **params})
    assert response.status_code == 200, html
    return ids_in(html)


def folded(names) -> set[str]:
    return {n.casefold() for n in names}


# --- each filter against the brute-force answer --------------------------------------------


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"channel": "voice"}, lambda i: i.channel == "voice"),
        ({"channel": ["sms", "email"]}, lambda i: i.channel in ("sms", "email")),
        ({"direction": "outbound"}, lambda i: i.direction == "outbound"),
        ({"agent": "grace KIM"}, lambda i: "grace kim" in folded(i.agent_names)),
        (
            {"agent": ["Grace Kim", "Noah Patel"]},
            lambda i: folded(i.agent_names) & {"grace kim", "noah patel"},
        ),
        ({"queue": "billing"}, lambda i: "billing" in folded(i.queue_names)),
        ({"flow": "Sales Inbound"}, lambda i: i.flow_name == "Sales Inbound"),
        (
            {"channel": "voice", "queue": "Support", "direction": "inbound"},
            lambda i: (
                i.channel == "voice"
                and i.direction == "inbound"
                and "support" in folded(i.queue_names)
            ),
        ),
        ({"flag": "any"}, lambda i: i.flagged),
        ({"flag": "Segment"}, lambda i: i.flagged and flag_key(i.flag_type) == "segment"),
        ({"status": "complete"}, lambda i: i.data_complete is True),
        ({"status": "in-progress"}, lambda i: i.data_complete is False),
    ],
)
def test_each_filter_lists_exactly_the_matching_interactions(sup_client, index_on, params, keep):
    expected = newest_first(i for i in index_on if keep(i))
    response, html = get(sup_client, LIST, {**ALL, **params})
    assert response.status_code == 200
    assert ids_in(html) == expected[:1000]
    if expected:
        assert total_of(html) == len(expected)
    else:
        assert "No interactions" in html


def test_the_period_narrows_the_indexed_list(sup_client, index_on):
    eastern = index_on[0].start.astimezone(ZoneInfo("US/Eastern"))
    end = eastern.replace(minute=0, second=0, microsecond=0, tzinfo=None)
    start = end - timedelta(hours=3)
    expected = newest_first(
        i
        for i in index_on
        if start <= i.start.astimezone(eastern.tzinfo).replace(tzinfo=None) < end
        and i.channel == "voice"
    )
    params = {"start": start.isoformat(timespec="minutes"), "end": end.isoformat()[:16]}
    assert expected and listed(sup_client, {**params, "channel": "voice"}) == expected


def test_a_customer_matches_whatever_the_punctuation(pii_client, index_on):
    phone = next(
        i.customer for i in index_on if i.customer and re.fullmatch(r"\+1\d{10}", i.customer)
    )
    digits = phone[2:]
    typed = f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    expected = newest_first(i for i in index_on if i.customer == phone)
    assert listed(pii_client, {"customer": typed}) == expected


def longest(i) -> float:
    """An interaction's duration as the sort reads it: a running one (none yet) is the longest."""
    return float("inf") if i.duration_seconds is None else i.duration_seconds


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("start", lambda i: (i.start, i.id), False),
        ("-duration", lambda i: (longest(i), i.id), True),
        ("duration", lambda i: (longest(i), i.id), False),
    ],
)
def test_sort_orders_the_whole_result(sup_client, index_on, sort, key, reverse):
    voice = [i for i in index_on if i.channel == "voice"]
    expected = [i.id for i in sorted(voice, key=key, reverse=reverse)]
    shown = listed(sup_client, {"channel": "voice", "sort": sort, "limit": 25, "page": 2})
    by_id = {i.id: i for i in voice}
    if sort == "start":
        assert shown == expected[25:50]
    else:  # ties in duration may fall either way: the durations are as the brute force's
        durations = [longest(by_id[i]) for i in shown]
        assert durations == [longest(by_id[i]) for i in expected[25:50]]
    assert len(shown) == 25


def test_the_default_sort_stays_out_of_the_links(sup_client, index_on):
    _, html = get(sup_client, LIST, {"sort": "-start", "channel": "voice", "limit": 10})
    assert "sort=" not in re.search(r'<nav class="pager pager-top".*?</nav>', html, re.S).group(0)
    _, html = get(sup_client, LIST, {"sort": "duration", "channel": "voice", "limit": 10})
    assert "page=2&amp;sort=duration" in html or "sort=duration&amp;page=2" in html


# --- facets ---------------------------------------------------------------------------------


def facet_counts(html: str, kind: str) -> dict[str, int]:
    block = re.search(
        rf'<fieldset class="facet facet-names" id="facet-{kind}">(.*?)</fieldset>', html, re.S
    )
    assert block, f"no {kind} facet"
    found = re.findall(
        r'value="([^"]+)"[^>]*>\s*<span class="facet-name">[^<]*</span>\s*'
        r'<span class="count">([\d,]+)',
        block.group(1),
    )
    return {unescape(name): int(n.replace(",", "")) for name, n in found}


def test_facets_count_each_name_within_the_current_result(sup_client, index_on):
    _, html = get(sup_client, LIST, {"channel": "voice", "agent": "Grace Kim"})
    voice = [i for i in index_on if i.channel == "voice"]
    # agents: the result with this agent filter left out, so another agent's count says what
    # ticking it would add
    agents = Counter(name for i in voice for name in i.agent_names)
    shown = facet_counts(html, "agent")
    assert shown and all(agents[name] == n for name, n in shown.items())
    assert shown["Grace Kim"] == agents["Grace Kim"]
    # queues and flows: within Grace Kim's voice interactions
    graces = [i for i in voice if "Grace Kim" in i.agent_names]
    queues = Counter(name for i in graces for name in i.queue_names)
    assert facet_counts(html, "queue") == dict(queues)
    flows = Counter(i.flow_name for i in graces if i.flow_name)
    assert facet_counts(html, "flow") == dict(flows)
    assert 'id="f-agent-grace-kim" checked' in html


def test_a_chosen_name_outside_the_result_stays_listed_to_untick(sup_client, index_on):
    _, html = get(sup_client, LIST, {"agent": "Nobody Here"})
    assert (
        "Nobody Here" in html
        and 'value="Nobody Here" form="filters" id="f-agent-nobody-here" checked' in html
    )
    assert "No interactions" in html


# --- bad values: a form error and a 400, never an empty page -------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"channel": "fax"}, "fax is not a channel"),
        ({"direction": "sideways"}, "sideways is not a direction"),
        ({"status": "done"}, "done is not a status"),
        ({"sort": "customer"}, "customer is not a sort order"),
        ({"agent": "x" * 201}, "Keep each agent under 200 characters"),
        ({"queue": "Bill\u200bing"}, "invisible control characters"),
        ({"flow": [f"f{n}" for n in range(21)]}, "at most 20 flows"),
    ],
)
def test_an_invalid_value_is_a_form_error_and_a_400(sup_client, index_on, params, message):
    for url in (LIST, FLAGGED):
        response, html = get(sup_client, url, params)
        assert response.status_code == 400
        assert message in html
        assert ids_in(html) == []
    response, _ = get(sup_client, EXPORT_LIST, params)
    assert response.status_code == 400


def test_an_htmx_filter_change_redraws_the_form_with_its_counts(sup_client, index_on):
    response, html = get(sup_client, LIST, {"channel": "sms"}, **HX_MAIN)
    assert response.status_code == 200
    assert 'id="facets"' in html and 'id="results"' in html
    response, html = get(sup_client, LIST, {"channel": "fax"}, **HX_RESULTS)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#main" and "fax is not a channel" in html


# --- the customer filter is for those who may see customers ---------------------------------


def test_without_the_right_there_is_no_customer_filter_and_using_it_is_refused(
    sup_client, index_on
):
    _, html = get(sup_client, LIST, {})
    assert 'name="customer"' not in html
    response, html = get(sup_client, LIST, {"customer": "+15553005556"})
    assert response.status_code == 400
    assert "Only users allowed to see customer details may filter by customer" in html
    assert ids_in(html) == []
    assert get(sup_client, EXPORT_LIST, {"customer": "+15553005556"})[0].status_code == 400


def test_with_the_right_the_customer_filter_is_there(pii_client, index_on):
    _, html = get(pii_client, LIST, {})
    assert 'name="customer"' in html


# --- where the index does not reach ---------------------------------------------------------


def test_a_period_the_index_does_not_hold_is_read_from_cxengage(sup_client, index_on):
    oldest = min(i.start for i in index_on)
    start = (oldest - timedelta(days=2)).astimezone(ZoneInfo("US/Eastern"))
    response, html = get(sup_client, LIST, {"start": start.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 200
    assert "straight from CxEngage" in html and "reads CxEngage directly" in html
    assert len(ids_in(html)) == 25
    response, html = get(
        sup_client, LIST, {"start": start.strftime("%Y-%m-%dT%H:%M"), "agent": "Grace Kim"}
    )
    assert response.status_code == 400
    assert "Filtering by agent needs the local index" in html


def test_the_flagged_page_scans_when_the_index_does_not_hold_the_period(sup_client, index_on):
    oldest = min(i.start for i in index_on)
    start = (oldest - timedelta(days=2)).astimezone(ZoneInfo("US/Eastern"))
    end = start + timedelta(hours=1)  # an hour's interactions: a short scan
    query = {"start": start.strftime("%Y-%m-%dT%H:%M"), "end": end.strftime("%Y-%m-%dT%H:%M")}
    response, html = get(sup_client, FLAGGED, query)
    assert response.status_code == 200
    assert "scans for flags" in html and "Scanned the most recent" in html
    assert 'name="depth"' in html


def test_an_index_not_built_yet_leaves_the_pages_as_they_were(sup_client, index_on):
    IndexState.objects.update(backfill_done=False, synced_at=None)
    response, html = get(sup_client, LIST, {})
    assert response.status_code == 200 and len(ids_in(html)) == 25
    assert "Index: first pass in progress" in html
    assert get(sup_client, LIST, {"channel": "voice"})[0].status_code == 400


# --- flagged from the index -----------------------------------------------------------------


def test_the_flagged_page_lists_every_flagged_interaction_with_counts_and_no_depth(
    sup_client, index_on
):
    flagged = [i for i in index_on if i.flagged]
    response, html = get(sup_client, FLAGGED, {"limit": 1000, "depth": 100000})  # staff only
    assert response.status_code == 200  # no scan, so no depth to refuse
    assert ids_in(html) == newest_first(flagged)
    assert f"<strong>{len(flagged)}</strong> flagged of <strong>2,000</strong>" in html
    assert 'name="depth"' not in html and "Scanned the most recent" not in html
    counts = Counter(flag_key(i.flag_type) for i in flagged)
    chips = dict(re.findall(r'flag=([\w-]*)"[^>]*>[^<]*<span class="count">(\d+)', html))
    assert {k: int(v) for k, v in chips.items() if k} == {k: v for k, v in counts.items() if k}
    assert 'class="fo-chart"' in html  # the day chart over the whole period
    days = Counter(i.start.astimezone(ZoneInfo("US/Eastern")).date() for i in flagged)
    assert f"busiest day {max(days.values())} flagged" in html


def test_the_flagged_page_filters_and_counts_within_its_filters(sup_client, index_on):
    expected = [i for i in index_on if i.flagged and i.channel == "voice"]
    _, html = get(sup_client, FLAGGED, {"limit": 1000, "channel": "voice"})
    assert ids_in(html) == newest_first(expected)
    key = Counter(flag_key(i.flag_type) for i in expected).most_common(1)[0][0]
    _, html = get(sup_client, FLAGGED, {"limit": 1000, "channel": "voice", "flag": key})
    assert ids_in(html) == newest_first(i for i in expected if flag_key(i.flag_type) == key)
    # the filter form keeps the chosen flag type when another filter changes
    assert f'<input type="hidden" name="flag" value="{key}">' in html


# --- exports and prev/next follow the filters ----------------------------------------------


def csv_ids(response) -> list[str]:
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    column = rows[0].index("Interaction ID")
    return [row[column] for row in rows[1:]]


def test_the_csv_export_has_every_filtered_row_in_the_chosen_order(sup_client, index_on):
    voice = [i for i in index_on if i.channel == "voice"]
    response = sup_client.get(EXPORT_LIST, {"channel": "voice", "sort": "start"})
    assert response.status_code == 200
    assert csv_ids(response) == [i.id for i in sorted(voice, key=lambda i: (i.start, i.id))]
    flagged = [i for i in index_on if i.flagged]
    response = sup_client.get(EXPORT_FLAGGED, {})
    assert csv_ids(response) == newest_first(flagged)


def test_prev_and_next_step_through_the_filtered_sorted_list(sup_client, index_on):
    origin = f"{LIST}?channel=sms&sort=duration&limit=10"
    shown = ids_in(sup_client.get(origin).content.decode())
    html = sup_client.get(
        reverse("interactions:detail", args=[shown[9]]), {"from": origin}
    ).content.decode()
    # the next one is the first of page 2 of the same filtered, sorted list
    page_two = ids_in(sup_client.get(origin + "&page=2").content.decode())
    assert re.search(rf'href="/interactions/{page_two[0]}/\?from=[^"]*"[^>]*rel="next"', html) or (
        f"/interactions/{page_two[0]}/?from=" in html
    )
    assert f"/interactions/{shown[8]}/?from=" in html


# --- freshness and the detail page's news ---------------------------------------------------


def test_index_backed_pages_say_how_fresh_they_are(sup_client, index_on):
    for url in (LIST, FLAGGED):
        html = sup_client.get(url).content.decode()
        assert re.search(r"Index: 2,000 interactions, \d+ Nov – \d+ Nov, synced \d+ s ago", html)
    IndexState.objects.update(
        failed_at=IndexState.objects.get().synced_at + timedelta(seconds=1),
        error="CxEngage rate-limited",
    )
    html = sup_client.get(LIST).content.decode()
    assert 'class="index-status behind"' in html
    assert "Index behind: last pass failed" in html and "CxEngage rate-limited" in html


def test_the_detail_page_updates_the_index_row_it_read(sup_client, index_on):
    item = next(i for i in index_on if i.flagged)
    IndexedInteraction.objects.filter(interaction_id=item.id).update(
        flagged=False, flag_type="", flag_key="", updated=item.updated - timedelta(days=1)
    )
    assert not listed(sup_client, {"flag": "any"}).count(item.id)
    sup_client.get(reverse("interactions:detail", args=[item.id]))
    assert IndexedInteraction.objects.get(interaction_id=item.id).flagged is True


# --- the index off: the pages as they were, without these filters ---------------------------


def test_with_the_index_off_the_filters_are_absent_and_ignored(sup_client, live_api, settings):
    settings.CXENGAGE_INDEX = False
    response, html = get(sup_client, LIST, {"channel": "fax", "agent": "Grace Kim"})
    assert response.status_code == 200
    assert 'id="facets"' not in html and 'name="sort"' not in html and "Index:" not in html
    assert len(ids_in(html)) == 25 and "straight from CxEngage" in html
    assert "channel=" not in html and "agent=" not in html  # not carried into any link
    hour = {"start": "2026-11-24T05:00", "end": "2026-11-24T06:00"}  # a short scan
    response, html = get(sup_client, FLAGGED, hour)
    assert response.status_code == 200 and 'name="depth"' in html
    assert "with the local index on, CXENGAGE_INDEX" in html


# --- the index's database failing ------------------------------------------------------------


def test_an_index_that_cannot_be_read_is_a_clear_error_not_a_500(sup_client, index_on, monkeypatch):
    from django.db import DatabaseError

    from interactions_app.services import indexed

    def broken(*args, **kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(indexed, "index_page", broken)
    monkeypatch.setattr(indexed, "index_facets", broken)
    response, html = get(sup_client, LIST, {"channel": "voice"})
    assert response.status_code == 503
    assert "The local index could not be read" in html and "disk I/O" not in html
    assert 'id="facets"' in html  # the filters are still there, to change or clear
    monkeypatch.setattr(indexed, "index_coverage", broken)
    response, html = get(sup_client, LIST, {})
    assert response.status_code == 200 and len(ids_in(html)) == 25  # read from CxEngage
