"""Every page through Django's test client, against the live sandbox over real HTTP."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
FLAGGED = reverse("interactions:flagged")
SEARCH = reverse("interactions:search")
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def detail(interaction_id: str) -> str:
    return reverse("interactions:detail", args=[interaction_id])


def ids_in(html: str) -> list[str]:
    return re.findall(r'data-href="/interactions/([0-9a-f-]{36})/', html)


# --- login ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, FLAGGED, SEARCH, detail(UNKNOWN_ID), "/"])
def test_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_healthz_is_open(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_login_page_and_sign_in(client, supervisor, live_api):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and b"Sign in" in page.content
    response = client.post(reverse("login"), {"username": "sup", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).status_code == 200


# --- list ----------------------------------------------------------------------------------


def test_list_shows_sandbox_interactions(sup_client, live_api):
    response = sup_client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "All interactions" in html
    assert len(ids_in(html)) == 25  # default page size
    assert "Showing <strong>1–25</strong> of" in html
    assert "US/Eastern" in html
    assert "HX-Request" in response["Vary"]


def test_list_page_and_limit_come_from_the_url(sup_client, live_api):
    first = ids_in(sup_client.get(LIST, {"limit": 10}).content.decode())
    second = ids_in(sup_client.get(LIST, {"limit": 10, "page": 2}).content.decode())
    both = ids_in(sup_client.get(LIST, {"limit": 100}).content.decode())
    assert len(first) == len(second) == 10
    assert both[:20] == first + second
    html = sup_client.get(LIST, {"limit": 10, "page": 2}).content.decode()
    assert "Showing <strong>11–20</strong>" in html


def test_htmx_request_gets_only_the_results_fragment(sup_client, live_api):
    response = sup_client.get(LIST, {"page": 3, "limit": 10}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert "Showing <strong>21–30</strong>" in html


def test_htmx_history_restore_gets_the_full_page(sup_client, live_api):
    response = sup_client.get(LIST, {"page": 2}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX)
    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "-1"}, "greater than or equal to 1"),
        ({"page": "abc"}, "whole number"),
        ({"page": str(10**12)}, "less than or equal to"),
        ({"limit": "7"}, "Choose one of"),
        ({"limit": "1000000"}, "Choose one of"),
        ({"start": "yesterday"}, "Enter a valid date/time"),
        ({"start": "2026-11-20T10:00", "end": "2026-11-20T09:00"}, "end must be after"),
    ],
)
def test_bad_list_parameters_are_a_400_with_a_field_error(sup_client, live_api, params, message):
    sup_client.get(LIST)  # the tenant's name and zone are fetched once and cached
    before = live_api.stats()
    response = sup_client.get(LIST, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    after = live_api.stats()
    assert _list_calls(after) == _list_calls(before)  # nothing reached the upstream list


def _list_calls(stats: dict) -> int:
    return sum(
        count
        for path, count in stats.get("paths", stats).items()
        if isinstance(count, int) and path.endswith("/interactions")
    )


def test_page_beyond_the_end_shows_the_last_page(sup_client, live_api):
    html = sup_client.get(LIST, {"page": 9_999_999, "limit": 1000}).content.decode()
    assert 'aria-current="page"' in html
    assert "Next ›</span>" in html  # no next link on the last page


def test_time_range_filter_narrows_the_total(sup_client, live_api):
    everything = sup_client.get(LIST).content.decode()
    narrowed = sup_client.get(LIST, {"start": "2026-11-23T00:00", "end": "2026-11-23T06:00"})
    html = narrowed.content.decode()
    assert narrowed.status_code == 200
    total_all = int(
        re.search(r"of <strong>([\d,]+)</strong>", everything).group(1).replace(",", "")
    )
    total_some = int(re.search(r"of <strong>([\d,]+)</strong>", html).group(1).replace(",", ""))
    assert 0 < total_some < total_all


# --- detail --------------------------------------------------------------------------------


def test_detail_page_shows_header_timeline_and_tables(sup_client, live_api):
    interaction_id = ids_in(sup_client.get(LIST, {"limit": 10, "page": 50}).content.decode())[0]
    response = sup_client.get(detail(interaction_id))
    html = response.content.decode()
    assert response.status_code == 200
    assert interaction_id in html
    assert "Timeline" in html and "<svg" in html
    for heading in ("Segments", "Queues", "Agents", "Custom attributes", "Raw JSON"):
        assert heading in html


def test_flagged_detail_explains_the_flag(sup_client, live_api):
    html = sup_client.get(FLAGGED, {"depth": 1000, "limit": 10}).content.decode()
    flagged_id = ids_in(html)[0]
    page = sup_client.get(detail(flagged_id)).content.decode()
    assert "Why it is flagged" in page
    assert "flagType sent by CxEngage" in page


def test_unknown_interaction_is_a_friendly_404(sup_client, live_api):
    response = sup_client.get(detail(UNKNOWN_ID))
    assert response.status_code == 404
    assert "Interaction not found" in response.content.decode()


@pytest.mark.parametrize("bad", ["not-a-uuid", "1234", "x" * 300, "%3Cscript%3E"])
def test_malformed_interaction_id_is_a_400_without_upstream_call(sup_client, live_api, bad):
    sup_client.get(LIST)
    before = live_api.stats()
    response = sup_client.get(f"/interactions/{bad}/")
    assert response.status_code == 400
    assert "not an interaction id" in response.content.decode()
    assert live_api.stats() == before


# --- flagged -------------------------------------------------------------------------------


def test_flagged_page_states_coverage_and_counts(sup_client, live_api):
    response = sup_client.get(FLAGGED, {"depth": 5000})
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(
        r"Scanned the most recent <strong>5,000</strong> of <strong>[\d,]+</strong>", html
    )
    assert "Scan further" in html
    chips = re.findall(r'href="\?[^"]*flag=([a-z-]+)[^"]*"', html)
    assert chips, "expected one chip per flagType found"
    ids = ids_in(html)
    assert ids and all(len(i) == 36 for i in ids)


def test_flag_chip_filters_the_rows(sup_client, live_api):
    html = sup_client.get(FLAGGED, {"depth": 10000, "limit": 1000}).content.decode()
    key = re.findall(r'href="\?[^"]*flag=([a-z-]+)[^"]*"', html)[0]
    count = int(re.search(rf'flag={key}[^>]*>[^<]*<span class="count">([\d,]+)', html).group(1))
    filtered = sup_client.get(
        FLAGGED, {"depth": 10000, "limit": 1000, "flag": key}
    ).content.decode()
    assert len(ids_in(filtered)) == count
    assert "active" in filtered


# --- search --------------------------------------------------------------------------------


def _total(html: str) -> int:
    match = re.search(r"of <strong>([\d,]+)</strong>", html)
    return int(match.group(1).replace(",", "")) if match else 0


def test_search_by_one_and_two_attributes_is_anded(sup_client, live_api):
    one = sup_client.get(SEARCH, {"kind": "attribute-value", "value": "VIP", "limit": 1000})
    both = sup_client.get(
        SEARCH,
        {
            "kind": ["attribute-value", "attribute-value"],
            "value": ["VIP", "callback-requested"],
            "limit": 1000,
        },
    )
    assert one.status_code == both.status_code == 200
    vip, vip_and_callback = one.content.decode(), both.content.decode()
    assert 0 < _total(vip_and_callback) < _total(vip)
    rows = re.findall(r"<tr[^>]*data-href=.*?</tr>", vip_and_callback, re.S)
    assert len(rows) == _total(vip_and_callback) <= 1000  # the whole result on this page
    for row in rows:  # every row carries both attributes: the conditions are ANDed
        assert '<mark class="chip chip-match">VIP</mark>' in row, row[:1500]
        assert '<mark class="chip chip-match">callback-requested</mark>' in row, row[:1500]


def test_search_without_input_is_idle_and_does_not_call_upstream(sup_client, live_api):
    sup_client.get(LIST)
    before = live_api.stats()
    response = sup_client.get(SEARCH)
    assert response.status_code == 200
    assert "Enter a value and press Search." in response.content.decode()
    assert live_api.stats() == before


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a\nb", "control characters"),
        ("x" * 201, "under 200 characters"),
        ("a\u202eb", "control characters"),
    ],
)
def test_search_rejects_bad_values(sup_client, live_api, value, message):
    response = sup_client.get(SEARCH, {"kind": "attribute-value", "value": value})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_enter_in_a_field_searches_rather_than_removing_a_row(sup_client, live_api):
    html = sup_client.get(
        SEARCH, {"kind": ["attribute-value"] * 2, "value": ["VIP", "callback-requested"]}
    ).content.decode()
    form = html[html.index('<form class="search-form"') :]
    # implicit submission uses the form's first submit button: it must carry no name/value
    first_button = re.search(r"<button [^>]*>", form).group(0)
    assert 'type="submit"' in first_button and "name=" not in first_button
    assert form.index(first_button) < form.index('name="remove"')


def test_the_empty_search_page_names_the_tenant_and_its_zone(sup_client, live_api):
    html = sup_client.get(SEARCH).content.decode()
    assert "Northwind Support" in html and "Times: US/Eastern" in html


def test_search_add_and_remove_rows(sup_client, live_api):
    added = sup_client.get(SEARCH, {"kind": "attribute-value", "value": "VIP", "add": "1"})
    assert added.content.decode().count('name="value"') == 2
    removed = sup_client.get(
        SEARCH, {"kind": ["attribute-value", "hook-name"], "value": ["VIP", "x"], "remove": "1"}
    )
    assert removed.content.decode().count('name="value"') == 1


def test_no_match_says_so(sup_client, live_api):
    html = sup_client.get(SEARCH, {"kind": "attribute-value", "value": "no-such-value-zz"})
    assert "No interactions match all of these conditions." in html.content.decode()


# --- upstream trouble ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "text"),
    [
        ({"mode": "status", "status": 503}, 502, "internal error"),
        ({"mode": "status", "status": 500}, 502, "internal error"),
        ({"mode": "status", "status": 429, "retry_after": 1}, 429, "rate-limiting"),
        ({"mode": "malformed"}, 502, "unreadable answer"),
        ({"mode": "html"}, 502, "unreadable answer"),
        ({"mode": "empty"}, 502, "unreadable answer"),
        ({"mode": "status", "status": 403}, 502, "No access to this tenant"),
    ],
)
def test_upstream_faults_become_friendly_messages(sup_client, live_api, fault, status, text):
    live_api.set_faults(**fault)
    for url, extra in ((LIST, {}), (LIST, HX), (SEARCH + "?value=VIP", {}), (FLAGGED, {})):
        response = sup_client.get(url, **extra)
        html = response.content.decode()
        assert response.status_code == status, (url, html[:300])
        assert text in html
        assert "Traceback" not in html
        assert "Reference " in html  # the request id the log line carries
    live_api.reset()
    assert sup_client.get(LIST).status_code == 200  # recovers by itself


def test_rate_limit_passes_retry_after_on(sup_client, live_api):
    live_api.set_faults(mode="status", status=429, retry_after=7)
    response = sup_client.get(LIST)
    assert response.status_code == 429
    assert response["Retry-After"] == "7"


def test_upstream_down_is_a_503(sup_client, settings):
    settings.CXENGAGE = {**settings.CXENGAGE, "API_URL": "http://127.0.0.1:9/v1"}
    response = sup_client.get(LIST)
    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()


def test_upstream_hang_is_a_504(sup_client, live_api, settings):
    settings.CXENGAGE = {**settings.CXENGAGE, "READ_TIMEOUT": 0.5}
    live_api.set_faults(mode="hang")
    response = sup_client.get(LIST)
    assert response.status_code == 504
    assert "taking too long" in response.content.decode()


def test_rejected_credentials(sup_client, live_api, settings):
    settings.CXENGAGE = {**settings.CXENGAGE, "API_SECRET": "wrong-secret"}
    response = sup_client.get(LIST)
    assert response.status_code == 502
    html = response.content.decode()
    assert "rejected the dashboard" in html
    assert "wrong-secret" not in html


def test_flag_overview_bars_link_to_filtered_lists(sup_client, live_api):
    html = sup_client.get(FLAGGED, {"depth": 5000}).content.decode()
    assert "By flag type" in html and "By day (US/Eastern)" in html
    day_links = re.findall(r'<a href="\?([^"]*start=[^"]*end=[^"]*)">', html)
    assert day_links, "each day's bar links to that day's flagged list"
    query = day_links[0].replace("&amp;", "&")
    day = sup_client.get(FLAGGED + "?" + query)
    assert day.status_code == 200 and "in the chosen time range" in day.content.decode()


# --- one results view: fragment, or the whole page when the form must be redrawn ---------------


def test_an_invalid_htmx_query_gets_the_page_and_swaps_main(sup_client, live_api):
    response = sup_client.get(LIST, {"start": "2026-11-20T10:00", "end": "2026-11-20T09:00"}, **HX)
    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" in html and 'class="field-error">The end must be after the start.' in html
    assert response["HX-Retarget"] == "#main" and response["HX-Reselect"] == "#main"
    assert response["HX-Reswap"] == "outerHTML"


def test_adding_a_search_condition_redraws_the_form_searching_swaps_the_results(
    sup_client, live_api
):
    query = {"kind": "attribute-value", "value": "VIP"}
    added = sup_client.get(SEARCH, {**query, "add": "1"}, **HX)
    assert added.status_code == 200 and added["HX-Retarget"] == "#main"
    assert added.content.decode().count('name="value"') == 2
    searched = sup_client.get(SEARCH, query, **HX)
    assert "HX-Retarget" not in searched
    assert searched.content.decode().lstrip().startswith('<section id="results"')
    assert 'name="value"' not in searched.content.decode()


def test_a_history_restore_gets_the_page_without_retargeting(sup_client, live_api):
    response = sup_client.get(LIST, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX)
    assert "<html" in response.content.decode() and "HX-Retarget" not in response


@pytest.mark.parametrize("spelling", ["{%s}", "urn:uuid:%s", "UPPER"])
def test_the_row_poll_reads_any_spelling_of_an_id(sup_client, live_api, spelling):
    interaction_id = ids_in(sup_client.get(LIST, {"limit": 10}).content.decode())[0]
    typed = interaction_id.upper() if spelling == "UPPER" else spelling % interaction_id
    response = sup_client.get(f"/interactions/{typed}/row/", {"from": "/interactions/"})
    assert response.status_code == 200
    assert f'data-href="/interactions/{interaction_id}/?from=%2Finteractions%2F"' in (
        response.content.decode()
    )
