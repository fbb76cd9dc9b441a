"""Issue 10 ("Speak the real CxEngage API"), the web layer: each point of the real contract as
the pages show it, against the sandbox over real HTTP (its fault modes ``no-total``,
``bare-search`` and ``no-data-complete`` give the answers the reference pages do not show).
The client's half is ``tests/sandbox/test_client_contract.py``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC

import pytest
from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.urls import reverse

from interactions_app import live, services
from interactions_app.cxengage.parsing import parse_interaction
from interactions_app.models import AuditEvent

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
FLAGGED = reverse("interactions:flagged")
SEARCH = reverse("interactions:search")
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
# one hour of the tenant's wall clock (US/Eastern), a few hundred interactions
HOUR = {"start": "2026-11-20T09:00", "end": "2026-11-20T10:00"}


def ids_in(html: str) -> list[str]:
    return re.findall(r'data-href="/interactions/([0-9a-f-]{36})/', html)


def row_links(html: str) -> list[str]:
    return [m.replace("&amp;", "&") for m in re.findall(r'data-href="([^"]+)"', html)]


def total_in(html: str) -> int:
    found = re.search(r"Showing <strong>[^<]*</strong> of <strong>([\d,]+)</strong>", html)
    assert found, html[:2000]
    return int(found.group(1).replace(",", ""))


def csv_rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# --- 3. empty and bare answers; no total --------------------------------------------------------


def test_a_list_without_total_pages_on_without_claiming_a_total(sup_client, live_api):
    live_api.set_faults(mode="no-total")
    html = sup_client.get(LIST, {"limit": 10, "page": 2}).content.decode()
    assert len(ids_in(html)) == 10
    assert "Showing <strong>11–20</strong> <span" in html
    assert "</strong> of <strong>" not in html
    assert "CxEngage did not say how many there are in all" in html
    assert 'rel="next"' in html and 'rel="prev"' in html  # a full page: there may be more
    assert 'aria-label="Last page"' not in html and "»" not in html
    assert "Export every row as CSV" in html and "Export all" not in html


def test_without_total_the_short_page_is_the_last_and_past_it_says_so(sup_client, live_api):
    known = total_in(sup_client.get(LIST, {**HOUR, "limit": 100}).content.decode())
    last = -(-known // 100)
    live_api.set_faults(mode="no-total")
    html = sup_client.get(LIST, {**HOUR, "limit": 100, "page": last}).content.decode()
    assert len(ids_in(html)) == known - (last - 1) * 100 < 100
    assert f"–{known:,}</strong>" in html
    assert 'rel="next"' not in html and 'rel="prev"' in html
    past = sup_client.get(LIST, {**HOUR, "limit": 100, "page": last + 1}, **HX)
    html = past.content.decode()
    assert past.status_code == 200 and not ids_in(html)
    assert f"No interactions on page {last + 1}: the results end before it." in html
    assert f"page={last}" in html  # the way back to the rows
    assert 'rel="next"' not in html


def test_a_known_total_past_the_end_still_shows_the_last_page(sup_client, live_api):
    known = total_in(sup_client.get(LIST, {**HOUR, "limit": 100}).content.decode())
    html = sup_client.get(LIST, {**HOUR, "limit": 100, "page": 50}).content.decode()
    assert ids_in(html) and f"of <strong>{known:,}</strong>" in html


def test_rows_without_total_are_read_past_the_first_page(live_api):
    live_api.set_faults(mode="no-total")
    rows = list(services.interaction_rows(page_size=100, max_rows=250))
    assert len(rows) == 250  # it used to stop after the first page, taken for the whole
    assert len({row.id for row in rows}) == 250


def test_an_export_of_a_window_without_total_has_every_row(sup_client, live_api):
    hours = {"start": "2026-11-20T00:00", "end": "2026-11-20T08:00"}
    known = total_in(sup_client.get(LIST, {**hours, "limit": 10}).content.decode())
    assert 1000 < known < 3000
    live_api.set_faults(mode="no-total")
    response = sup_client.get(reverse("interactions:export", args=["list"]), hours)
    assert response.status_code == 200
    assert len(csv_rows(response)) == known


def test_a_flagged_scan_without_total_reads_to_its_depth(sup_client, live_api):
    live_api.set_faults(mode="no-total")
    html = sup_client.get(FLAGGED, {"depth": 5000}).content.decode()
    assert "Scanned the most recent <strong>5,000</strong> interactions:" in html
    assert "CxEngage did not say how many there are in all, so there may be more." in html
    assert "Scan further: most recent 10,000" in html
    assert "That is every interaction in range." not in html


def test_a_flagged_scan_without_total_that_reaches_the_end_knows_the_total(sup_client, live_api):
    day = {"start": "2026-11-20T00:00", "end": "2026-11-21T00:00"}
    html = sup_client.get(LIST, {**day, "limit": 10}).content.decode()
    known = total_in(html)
    assert 1000 < known < 5000
    live_api.set_faults(mode="no-total")
    html = sup_client.get(FLAGGED, {**day, "depth": 5000}).content.decode()
    assert f"<strong>{known:,}</strong> of <strong>{known:,}</strong> interactions" in html
    assert "That is every interaction in range." in html


def test_prev_next_without_total_names_the_position_alone(sup_client, live_api):
    live_api.set_faults(mode="no-total")
    links = row_links(sup_client.get(LIST, {"limit": 10, "page": 2}).content.decode())
    html = sup_client.get(links[9]).content.decode()
    assert '<span class="muted">Result 20</span>' in html
    assert "20 of" not in html
    following = re.search(r'href="([^"]+)" rel="next"', html)
    assert following and "page%3D3" in following.group(1)  # on to the next (full) page


def test_null_results_are_an_empty_page(sup_client, live_api):
    before = {"start": "2020-01-01T00:00", "end": "2020-01-02T00:00"}
    html = sup_client.get(LIST, before).content.decode()
    assert not ids_in(html) and "No interactions" in html
    html = sup_client.get(SEARCH, {"kind": "attribute-value", "value": "no-such"}).content.decode()
    assert not ids_in(html) and "No interactions match all of these conditions." in html


def _order_number(sandbox) -> tuple[str, str]:
    for record in sandbox.interactions(limit=50)["results"]:
        for hook in record.get("interactionAttributes") or ():
            if (hook.get("hookName") or "").startswith("ORD-"):
                return hook["hookName"], record["interactionId"]
    raise AssertionError("no order number in the first 50 interactions")


def test_a_search_answered_with_the_bare_interaction_is_one_row(sup_client, live_api):
    order, interaction_id = _order_number(live_api)
    live_api.set_faults(mode="bare-search")
    html = sup_client.get(SEARCH, {"kind": "attribute-value", "value": order}).content.decode()
    assert ids_in(html) == [interaction_id]
    assert "Showing <strong>1–1</strong> of <strong>1</strong>" in html


# --- 4. real nulls: flagged absent or reasonless, dataComplete absent ---------------------------


def rows_by_id(html: str) -> dict[str, str]:
    found = re.findall(
        r'(<tr class="[^"]*" data-href="/interactions/([0-9a-f-]{36})/.*?</tr>)', html, re.S
    )
    return {interaction_id: row for row, interaction_id in found}


def test_a_record_without_flagged_is_not_flagged_and_a_finished_one_is_ticked(sup_client, live_api):
    raw = live_api.interactions(limit=250)["results"]
    rows = rows_by_id(sup_client.get(LIST, {"limit": 250}).content.decode())
    unflagged = [r for r in raw if "flagged" not in r]
    flagged = [r for r in raw if r.get("flagged") is True]
    assert unflagged and flagged
    for record in unflagged:
        row = rows[record["interactionId"]]
        assert "badge flag" not in row and "is-flagged" not in row
        assert ("✓" in row) == (record["dataComplete"] is True), row
    for record in flagged:
        assert "badge flag" in rows[record["interactionId"]]


def _reasonless_flagged(sandbox) -> str:
    for offset in range(0, 20_000, 1000):
        for record in sandbox.interactions(limit=1000, offset=offset)["results"]:
            if record.get("flagged") is True and not record.get("flagType"):
                return record["interactionId"]
    raise AssertionError("no flagged interaction without a flagType in 20,000")


def test_flagged_without_a_flag_type_reads_no_reason_given(sup_client, live_api):
    interaction_id = _reasonless_flagged(live_api)
    html = sup_client.get(reverse("interactions:detail", args=[interaction_id])).content.decode()
    assert '<span class="badge flag">! Flagged (no reason given)</span>' in html
    assert "Why it is flagged: Flagged (no reason given)" in html
    row = sup_client.get(reverse("interactions:row", args=[interaction_id])).content.decode()
    assert "! Flagged (no reason given)</span>" in row


def test_list_rows_without_data_complete_claim_neither_finished_nor_in_progress(
    sup_client, live_api
):
    raw = live_api.interactions(limit=100)["results"]
    live_api.set_faults(mode="no-data-complete")
    rows = rows_by_id(sup_client.get(LIST, {"limit": 100}).content.decode())
    assert len(rows) == 100
    for record in raw:
        row = rows[record["interactionId"]]
        assert "✓" not in row and "In progress" not in row and "is-live" not in row
        if not record.get("flagged"):
            assert "Completeness not reported" in row
    # a row without an end may still be running: it polls, to learn it from the interaction
    endless = [r["interactionId"] for r in raw if "endTimestamp" not in r]
    polling = [i for i, row in rows.items() if "data-live-poll" in row]
    assert polling == endless[: live.MAX_LIVE_ROWS]
    running = next(r for r in raw if r["dataComplete"] is False)
    finished = next(r for r in raw if r["dataComplete"] is True)
    polled = sup_client.get(
        reverse("interactions:row", args=[running["interactionId"]]),
        {"poll": 1},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "In progress" in polled and "data-live-poll" in polled  # the interaction says so
    polled = sup_client.get(
        reverse("interactions:row", args=[finished["interactionId"]]),
        {"poll": 1},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "data-live-poll" not in polled and "In progress" not in polled  # one poll, then stop


# --- 5. CRM records in their real shape -------------------------------------------------------


def _crm_record(sandbox, hook_type: str = "zendesk", sub_type: str = "ticket") -> tuple[str, dict]:
    """An interaction linked to a CRM record of that type, and the record's hook."""
    for record in sandbox.interactions(limit=300)["results"]:
        for hook in record.get("hooks") or ():
            if (hook.get("hookType"), hook.get("hookSubType")) == (hook_type, sub_type):
                return record["interactionId"], hook
    raise AssertionError(f"no {hook_type} {sub_type} in the first 300 interactions")


def crm_section(html: str) -> str:
    return html.split("<h2>CRM records", 1)[1].split("</section>", 1)[0]


def test_a_crm_record_reads_as_the_crm_names_it_and_is_no_link_by_default(sup_client, live_api):
    interaction_id, hook = _crm_record(live_api)
    record = live_api.interactions(f"/{interaction_id}")
    agent = next(a["agentName"] for a in record["agents"] if a["agentId"] == hook["agentId"])
    html = sup_client.get(reverse("interactions:detail", args=[interaction_id])).content.decode()
    section = crm_section(html)
    assert f"<strong>Zendesk ticket {hook['hookId']}</strong>" in section
    assert re.search(rf"linked at \d\d:\d\d:\d\d by {agent}</span>", section)  # its agentId
    assert 'href="http' not in section  # no template configured: no link to the CRM


def test_a_crm_record_is_linked_through_the_operators_https_template(
    sup_client, live_api, settings
):
    interaction_id, hook = _crm_record(live_api)
    template = "https://acme.zendesk.com/agent/tickets/{id}"
    settings.CXENGAGE = {**settings.CXENGAGE, "CRM_LINKS": {"zendesk/ticket": template}}
    html = sup_client.get(reverse("interactions:detail", args=[interaction_id])).content.decode()
    section = crm_section(html)
    link = template.replace("{id}", hook["hookId"])
    assert (
        f'<a href="{link}" rel="noopener noreferrer nofollow" target="_blank">'
        f"Zendesk ticket {hook['hookId']}</a>"
    ) in section
    assert section.count('<a href="https://') == 1  # the Zendesk user (another subtype) is not


def crm_query(hook: dict, **extra) -> dict:
    return {
        "kind": "crm",
        "value": hook["hookId"],
        "crm": hook["hookType"],
        "record-type": hook["hookSubType"],
        **extra,
    }


def test_a_crm_record_search_finds_the_interactions_linked_to_it(sup_client, live_api):
    interaction_id, hook = _crm_record(live_api)
    html = sup_client.get(SEARCH, crm_query(hook)).content.decode()
    assert ids_in(html) == [interaction_id]
    label = f"Zendesk ticket {hook['hookId']}"
    assert f"Interactions matching <strong>CRM record: {label}</strong>" in html
    assert f'<mark class="chip chip-match">{label}</mark>' in html  # the Matched column
    # the form is drawn again with the CRM condition as it was asked
    assert '<option value="crm" selected>CRM record</option>' in html
    assert '<option value="zendesk" selected>Zendesk</option>' in html
    assert 'name="record-type" id="record-type" value="ticket"' in html


def test_each_part_of_the_crm_record_reaches_the_upstream_and_the_cache_keys(sup_client, live_api):
    interaction_id, hook = _crm_record(live_api)
    other_crm = sup_client.get(SEARCH, crm_query(hook, crm="salesforce-lightning"))
    assert not ids_in(other_crm.content.decode())
    other_type = sup_client.get(SEARCH, crm_query(hook, **{"record-type": "user"}))
    assert not ids_in(other_type.content.decode())
    assert ids_in(sup_client.get(SEARCH, crm_query(hook)).content.decode()) == [interaction_id]
    html = sup_client.get(SEARCH, crm_query(hook, value="000000")).content.decode()
    assert not ids_in(html) and "No interactions match all of these conditions." in html


def test_a_crm_record_search_answered_bare_is_one_row(sup_client, live_api):
    interaction_id, hook = _crm_record(live_api)
    live_api.set_faults(mode="bare-search")
    html = sup_client.get(SEARCH, crm_query(hook)).content.decode()
    assert ids_in(html) == [interaction_id]
    assert "Showing <strong>1–1</strong> of <strong>1</strong>" in html


def _person_with_interactions(sandbox) -> dict:
    """A CRM person (a Zendesk user or Salesforce contact) linked to several interactions."""
    for record in sandbox.interactions(limit=300)["results"]:
        for hook in record.get("hooks") or ():
            if hook.get("hookSubType") in ("user", "Contact"):
                found = sandbox.interactions(
                    limit=10, hookType=hook["hookType"], hookSubType=hook["hookSubType"],
                    hookId=hook["hookId"],
                )  # fmt: skip
                if found["total"] >= 3:
                    return hook
    raise AssertionError("no CRM person with three interactions in the first 300")


def test_a_crm_record_search_exports_pages_and_navigates_with_its_condition(sup_client, live_api):
    hook = _person_with_interactions(live_api)
    query = crm_query(hook, limit=10)
    ids = ids_in(sup_client.get(SEARCH, query).content.decode())
    assert len(ids) >= 3
    # the export: the same rows
    response = sup_client.get(reverse("interactions:export", args=["search"]), query)
    assert [row["Interaction ID"] for row in csv_rows(response)] == ids
    # prev/next within the CRM search, which the detail page's way back keeps
    second = row_links(sup_client.get(SEARCH, query).content.decode())[1]
    html = sup_client.get(second).content.decode()
    assert "← Search" in html and f"2 of {len(ids)}" in html
    back = re.search(r'<a href="([^"]+)">← Search</a>', html).group(1).replace("&amp;", "&")
    assert f"crm={hook['hookType']}" in back and f"record-type={hook['hookSubType']}" in back
    for rel, neighbour in (("prev", ids[0]), ("next", ids[2])):
        link = re.search(rf'href="([^"]+)" rel="{rel}"', html).group(1)
        assert link.startswith(f"/interactions/{neighbour}/")
        assert f"value%3D{hook['hookId']}%26crm%3D{hook['hookType']}" in link  # from=the search


def test_a_crm_record_search_and_its_export_are_audited_with_the_condition(sup_client, live_api):
    _, hook = _crm_record(live_api)
    sup_client.get(SEARCH, crm_query(hook))
    response = sup_client.get(reverse("interactions:export", args=["search"]), crm_query(hook))
    csv_rows(response)
    condition = f"kind=crm&value={hook['hookId']}&crm=zendesk&record-type=ticket"
    search = AuditEvent.objects.get(action="search")
    assert search.query == condition
    assert AuditEvent.objects.get(action="export").query == f"search?{condition}"


def test_the_detail_page_leads_to_the_other_interactions_of_a_crm_record(sup_client, live_api):
    interaction_id, hook = _crm_record(live_api)
    html = sup_client.get(reverse("interactions:detail", args=[interaction_id])).content.decode()
    found = re.search(
        r'<a class="small" href="([^"]+)">Other interactions with Zendesk ticket', html
    )
    assert found
    url = found.group(1).replace("&amp;", "&")
    assert url == f"{SEARCH}?kind=crm&value={hook['hookId']}&crm=zendesk&record-type=ticket"
    assert ids_in(sup_client.get(url).content.decode()) == [interaction_id]


def test_choosing_crm_record_redraws_the_form_with_its_fields(sup_client, live_api):
    query = {"kind": "crm", "value": "", "reshape": "0"}
    response = sup_client.get(SEARCH, query, **HX)
    html = response.content.decode()
    assert response["HX-Retarget"] == "#main"  # the whole form, not the results
    assert '<select name="crm" id="crm"' in html and 'list="crm-record-types"' in html
    assert 'placeholder="record id, e.g. 415"' in html
    assert re.search(r'<select name="kind" id="kind-0"[^>]* autofocus>', html)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"crm": "zen<desk"}, "CRM: Use letters, digits, dots or dashes"),
        ({"record-type": "tick\tet"}, "Record type: Remove line breaks, tabs"),
        ({"value": "4\n15"}, "Remove line breaks, tabs"),
    ],
)
def test_a_bad_crm_condition_is_a_field_error_and_nothing_is_asked(
    sup_client, live_api, extra, message
):
    sup_client.get(LIST)  # the tenant is cached
    before = live_api.stats()["paths"]
    response = sup_client.get(SEARCH, {"kind": "crm", "value": "415", **extra})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert live_api.stats()["paths"] == before


def test_a_crm_record_id_masked_for_the_viewer_offers_no_search(sup_client, live_api, supervisor):
    interaction_id, hook = _crm_record(live_api, "zendesk", "user")  # an 11-digit person id
    url = reverse("interactions:detail", args=[interaction_id])
    section = crm_section(sup_client.get(url).content.decode())
    assert hook["hookId"] not in section and "<strong>Zendesk user " in section
    assert "Other interactions with Zendesk user" not in section  # a masked id finds nothing
    supervisor.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    section = crm_section(sup_client.get(url).content.decode())
    assert f"Other interactions with Zendesk user {hook['hookId']}</a>" in section


# --- 6. the fields real records carry ----------------------------------------------------------


def _first(sandbox, test) -> dict:
    found = next((r for r in sandbox.interactions(limit=1000)["results"] if test(r)), None)
    assert found, "no such record in the first 1000"
    return found


def detail_of(client, record: dict) -> str:
    response = client.get(reverse("interactions:detail", args=[record["interactionId"]]))
    assert response.status_code == 200
    return response.content.decode()


def other_fields_section(html: str) -> str:
    return html.split("<h2>Other fields</h2>", 1)[1].split("</section>", 1)[0]


def test_monitors_and_hold_time_are_labelled(sup_client, live_api):
    record = _first(live_api, lambda r: r.get("monitors") and r.get("customerHoldTime"))
    html = detail_of(sup_client, record)
    hold = services.interaction_get(interaction_id=record["interactionId"])
    assert re.search(r"<dt>Hold time</dt><dd>(\d+m )?\d+(\.\d+)?s</dd>", html)
    assert hold.customer_hold_abandoned is False and "Hung up while on hold" not in html
    monitors = html.split("<h2>Monitors", 1)[1].split("</section>", 1)[0]
    assert f'<span class="count">{len(record["monitors"])}</span>' in monitors
    for monitor in record["monitors"]:
        assert f"<td>{monitor['agentName']}</td>" in monitors
        barged = "Yes, joined the conversation" if monitor["bargedIn"] else "No, listened only"
        assert f"<td>{barged}</td>" in monitors
    assert "<th>Started</th><th>Ended</th>" in monitors
    assert re.search(r"<td>\d\d:\d\d:\d\d</td>\s*<td>\d\d:\d\d:\d\d</td>", monitors)


def test_an_ivr_abandon_says_when(sup_client, live_api):
    record = _first(live_api, lambda r: r.get("ivrAbandoned"))
    html = detail_of(sup_client, record)
    assert re.search(r"<dt>IVR abandon</dt><dd>Yes, after \d+(\.\d+)?s</dd>", html), html
    unmonitored = detail_of(sup_client, _first(live_api, lambda r: not r.get("monitors")))
    assert "<h2>Monitors" not in unmonitored  # no monitors reported: no section
    assert "<dt>IVR abandon</dt><dd>—</dd>" in unmonitored


def test_a_flagged_interaction_says_when_it_was_flagged_and_every_one_when_updated(
    sup_client, live_api
):
    record = _first(live_api, lambda r: r.get("flagged") and r.get("flagTimestamp"))
    html = detail_of(sup_client, record)
    callout = html.split('class="flag-callout"', 1)[1].split("</div>", 1)[0]
    assert re.search(r"<strong>Flagged at</strong> \w{3} \d+ \w{3} \d{4}, \d\d:\d\d:\d\d ", callout)
    assert re.search(r"<dt>Last updated</dt><dd>\w{3} \d+ \w{3}, \d\d:\d\d:\d\d</dd>", html)


def test_other_fields_lists_what_no_section_shows_then_what_the_dashboard_does_not_know(
    sup_client, live_api
):
    record = _first(live_api, lambda r: r.get("dispositionId") and r.get("flowId"))
    live_api.set_faults(mode="unknown-fields")
    section = other_fields_section(detail_of(sup_client, record))
    assert (
        f'<th scope="row">Flow id</th>\n      <td class="mono">{record["flowId"]}</td>' in section
    )
    assert f'<td class="mono">{record["dispositionId"]}</td>' in section
    assert f'<td class="mono">{record["tenantId"]}</td>' in section
    # the upstream's own names for what the dashboard does not know, after the known ones
    assert section.index("Flow id") < section.index("<code>sandboxUnknownField</code>")
    assert "<code>x-experimental</code>" in section and "<td>yes</td>" in section
    assert "&quot;note&quot;: &quot;not in the reference&quot;" in section
    for shown_elsewhere in ("Customer", "Contact point", "Hold time", "Monitors", "Updated"):
        assert f'<th scope="row">{shown_elsewhere}</th>' not in section


def test_a_bare_monitor_count_is_said_as_such():
    counted = parse_interaction(
        {"interactionId": "b2109780-db83-11e7-9709-c2b07aa3bee9", "monitors": 2}
    )
    html = render_to_string("interactions/partials/_monitors.html", {"i": counted, "tz": UTC})
    assert '<span class="count">2</span>' in html
    assert "Monitored 2 times; CxEngage did not say by whom or when." in html
