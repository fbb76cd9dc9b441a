"""Contract tests for the CxEngage sandbox, over real HTTP (see docs/sandbox.md)."""

from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
import requests

from tests.support.sandbox_process import (
    ANCHOR,
    API_KEY,
    API_SECRET,
    BASIC_PASSWORD,
    BASIC_USER,
    TENANT_A,
    TENANT_B,
    start_sandbox,
)

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ENVELOPE = {
    "page",
    "limit",
    "offset",
    "tenantId",
    "total",
    "tenantName",
    "tenantTimezone",
    "results",
}
CHANNELS = {"voice", "sms", "email", "messaging", "work-item"}
FLAG_TYPES = {
    "forced",
    "Agent",
    "exceed-counter-limit-terminated",
    "Queue",
    "Stuck",
    "error-uncaught-flow-error",
    "Segment",
    "Safeguard-terminated",
}
PER_TENANT = 120_000


def ts(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def list_url(sandbox, tenant: str = TENANT_A) -> str:
    return f"{sandbox.api_url}/tenants/{tenant}/interactions"


def get_list(api, sandbox, tenant: str = TENANT_A, **params) -> dict:
    response = api.get(list_url(sandbox, tenant), params=params, timeout=30)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def assert_error(response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def hook_names(item: dict) -> set[str]:
    return {h["hookName"] for h in item.get("hooks", [])}


@pytest.fixture(scope="module")
def first_10k(sandbox) -> list[dict]:
    with requests.Session() as s:
        s.trust_env = False
        s.auth = (BASIC_USER, BASIC_PASSWORD)
        items: list[dict] = []
        for offset in range(0, 10_000, 1000):
            r = s.get(list_url(sandbox), params={"limit": 1000, "offset": offset}, timeout=30)
            assert r.status_code == 200
            items.extend(r.json()["results"])
    return items


# --- basics ------------------------------------------------------------------------------


def test_healthz_needs_no_auth(http, sandbox):
    r = http.get(sandbox.root + "/healthz", timeout=5)
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_envelope_keys_and_types(api, sandbox):
    body = get_list(api, sandbox)
    assert set(body) == ENVELOPE
    assert body["page"] is None
    assert body["limit"] == 10
    assert body["offset"] == 0
    assert body["tenantId"] == TENANT_A
    assert body["total"] == PER_TENANT
    assert body["tenantName"] == "Northwind Support"
    assert body["tenantTimezone"] == "US/Eastern"
    assert len(body["results"]) == 10
    for item in body["results"]:
        assert UUID.match(item["interactionId"])
        assert item["tenantId"] == TENANT_A
        assert TS.match(item["startTimestamp"])
        assert "details" not in item
        assert isinstance(item["flagged"], bool)
        assert isinstance(item["dataComplete"], bool)
        assert item["channelType"] in CHANNELS
        assert item["direction"] in {"inbound", "outbound"}
        assert isinstance(item["segments"], list) and item["segments"]
        assert isinstance(item["customerHolds"], int)
        for q in item["queues"]:
            assert isinstance(q["platformQueueId"], int)
            assert TS.match(q["startTimestamp"])


def test_second_tenant(api, sandbox):
    body = get_list(api, sandbox, TENANT_B, limit=3)
    assert body["tenantName"] == "Contoso Europe"
    assert body["tenantTimezone"] == "Europe/Berlin"
    assert all(item["tenantId"] == TENANT_B for item in body["results"])
    ids_a = {i["interactionId"] for i in get_list(api, sandbox, limit=3)["results"]}
    assert ids_a.isdisjoint(i["interactionId"] for i in body["results"])


def test_durations_are_seconds_with_millisecond_precision(api, sandbox):
    for item in get_list(api, sandbox, limit=200, offset=500)["results"]:
        for key in ("interactionTime", "ivrTime"):
            if key in item:
                assert isinstance(item[key], float) and round(item[key], 3) == item[key]
        if "endTimestamp" in item and "interactionTime" in item:
            delta = ts(item["endTimestamp"]) - ts(item["startTimestamp"])
            assert abs(delta.total_seconds() - item["interactionTime"]) < 0.0011
        for q in item["queues"]:
            if "queueTime" in q:
                delta = ts(q["endTimestamp"]) - ts(q["startTimestamp"])
                assert abs(delta.total_seconds() - q["queueTime"]) < 0.0011


def test_limit_1000_is_fast_enough(api, sandbox):
    started = time.perf_counter()
    body = get_list(api, sandbox, limit=1000, offset=77_000)  # not served before: built now
    elapsed = time.perf_counter() - started
    assert len(body["results"]) == 1000
    print(f"1000-row page: {elapsed * 1000:.0f} ms")
    assert elapsed < 1.5  # ~120 ms on the dev machine; generous for slow CI


@pytest.mark.parametrize("limit", ["1001", "0", "abc", "-1", "", "1.5"])
def test_bad_limit_is_400(api, sandbox, limit):
    assert_error(api.get(list_url(sandbox), params={"limit": limit}, timeout=5), 400)


@pytest.mark.parametrize("param", ["offset", "page"])
def test_bad_offset_and_page_are_400(api, sandbox, param):
    assert_error(api.get(list_url(sandbox), params={param: "x"}, timeout=5), 400)


def test_offset_and_page(api, sandbox):
    by_offset = get_list(api, sandbox, limit=5, offset=10)
    by_page = get_list(api, sandbox, limit=5, page=2)
    assert by_page["page"] == 2
    assert by_page["offset"] == 10
    assert by_offset["page"] is None
    assert by_page["results"] == by_offset["results"]
    first_15 = get_list(api, sandbox, limit=15)["results"]
    assert first_15[10:] == by_offset["results"]
    beyond = get_list(api, sandbox, offset=PER_TENANT + 5)
    assert beyond["results"] == []
    assert beyond["total"] == PER_TENANT
    last = get_list(api, sandbox, limit=10, offset=PER_TENANT - 3)
    assert len(last["results"]) == 3


def test_most_recent_first_across_pages(api, sandbox):
    page1 = get_list(api, sandbox, limit=50, offset=0)["results"]
    page2 = get_list(api, sandbox, limit=50, offset=50)["results"]
    starts = [ts(i["startTimestamp"]) for i in page1 + page2]
    assert all(a > b for a, b in itertools.pairwise(starts))
    anchor = datetime.fromisoformat(ANCHOR)
    assert starts[0] < anchor
    oldest = get_list(api, sandbox, limit=1, offset=PER_TENANT - 1)["results"][0]
    assert (anchor - ts(oldest["startTimestamp"])).days == 29


def test_start_end_filters_and_exact_total(api, sandbox):
    start, end = "2026-11-10T00:00:00Z", "2026-11-11T00:00:00Z"
    body = get_list(api, sandbox, start=start, end=end, limit=1000)
    total = body["total"]
    assert 3500 < total < 4700  # ~120,000 / 30 per day
    items = list(body["results"])
    for offset in range(1000, total, 1000):
        items += get_list(api, sandbox, start=start, end=end, limit=1000, offset=offset)["results"]
    assert len(items) == total
    lo, hi = datetime.fromisoformat(start), datetime.fromisoformat(end)
    assert all(lo <= ts(i["startTimestamp"]) < hi for i in items)
    # the window is exact: before + inside + after == everything
    before = get_list(api, sandbox, end=start, limit=1)["total"]
    after = get_list(api, sandbox, start=end, limit=1)["total"]
    assert before + total + after == PER_TENANT
    # an interaction's own start is included by start= and excluded by end=
    t = items[0]["startTimestamp"]
    t_plus_1ms = t[:-4] + f"{int(t[-4:-1]) + 1:03d}Z" if not t.endswith("999Z") else None
    if t_plus_1ms:
        exact = get_list(api, sandbox, start=t, end=t_plus_1ms)
        assert exact["total"] == 1
        assert exact["results"] == [items[0]]
    assert get_list(api, sandbox, end=t, limit=1)["results"] == [items[1]]


@pytest.mark.parametrize("param", ["start", "end"])
def test_unparseable_time_is_400(api, sandbox, param):
    assert_error(api.get(list_url(sandbox), params={param: "yesterday"}, timeout=5), 400)


def test_deterministic(api, sandbox, short_ttl_sandbox):
    url = list_url(sandbox)
    one = api.get(url, params={"limit": 100, "offset": 3000}, timeout=10)
    two = api.get(url, params={"limit": 100, "offset": 3000}, timeout=10)
    assert one.content == two.content
    # another process with the same seed and anchor serves the same bytes
    other = api.get(list_url(short_ttl_sandbox), params={"limit": 100, "offset": 3000}, timeout=10)
    assert other.content == one.content


# --- one interaction ------------------------------------------------------------------------


def test_get_by_id(api, sandbox):
    items = get_list(api, sandbox, limit=20, offset=40)["results"]
    for item in items:
        r = api.get(f"{list_url(sandbox)}/{item['interactionId']}", timeout=5)
        assert r.status_code == 200
        detail = r.json()
        assert detail["interactionId"] == item["interactionId"]
        assert isinstance(detail["dataComplete"], bool)
        assert isinstance(detail["flagged"], bool)
        details = detail.pop("details")
        assert detail == item  # the list item is the detail without `details`
        assert details["interactionId"] == item["interactionId"]
        assert details["startTimestamp"] == item["startTimestamp"]
        assert details["channelType"] == item["channelType"]
        assert details["direction"] == item["direction"]
        assert isinstance(details["agents"], list)
        for agent in details["agents"]:
            assert {"conversationStartTimestamp", "resourceId", "agentName"} <= set(agent)


def test_get_by_id_errors(api, sandbox):
    assert_error(api.get(f"{list_url(sandbox)}/not-a-uuid", timeout=5), 400)
    r = api.get(f"{list_url(sandbox)}/{uuid.uuid4()}", timeout=5)
    assert_error(r, 404)
    assert r.json()["error"]["message"] == "Interaction not found."
    # an id of tenant A is unknown to tenant B
    iid = get_list(api, sandbox, limit=1)["results"][0]["interactionId"]
    assert_error(api.get(f"{list_url(sandbox, TENANT_B)}/{iid}", timeout=5), 404)
    # a tampered id (same index digits, different prefix) is unknown
    forged = ("0" if iid[0] != "0" else "1") + iid[1:]
    assert_error(api.get(f"{list_url(sandbox)}/{forged}", timeout=5), 404)


def test_tenant_errors(api, sandbox):
    assert_error(api.get(list_url(sandbox, str(uuid.uuid4())), timeout=5), 403)
    assert_error(api.get(list_url(sandbox, "northwind"), timeout=5), 400)


def test_unknown_path_and_method(api, sandbox):
    assert_error(api.get(sandbox.api_url + "/nope", timeout=5), 404)
    assert_error(api.post(list_url(sandbox), json={}, timeout=5), 405)


# --- auth ------------------------------------------------------------------------------------


def test_basic_auth(http, sandbox):
    url = list_url(sandbox)
    assert http.get(url, auth=(BASIC_USER, BASIC_PASSWORD), timeout=5).status_code == 200
    assert_error(http.get(url, auth=(BASIC_USER, "wrong"), timeout=5), 401)
    assert_error(http.get(url, timeout=5), 401)
    assert_error(http.get(url, headers={"Authorization": "Basic !!!"}, timeout=5), 401)


def test_auth_is_checked_before_tenant(http, sandbox):
    assert_error(http.get(list_url(sandbox, str(uuid.uuid4())), timeout=5), 401)


def test_token_flow(http, sandbox):
    tokens = sandbox.api_url + "/tokens"
    assert_error(http.post(tokens, json={"apiKey": API_KEY, "apiSecret": "nope"}, timeout=5), 401)
    assert_error(http.post(tokens, data=b"not json", timeout=5), 400)
    r = http.post(tokens, json={"apiKey": API_KEY, "apiSecret": API_SECRET}, timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body["token"], str) and body["token"]
    assert body["expiresIn"] == 3600
    ok = http.get(list_url(sandbox), headers={"Authorization": f"Token {body['token']}"}, timeout=5)
    assert ok.status_code == 200
    bad = http.get(list_url(sandbox), headers={"Authorization": "Token nope"}, timeout=5)
    assert_error(bad, 401)


def test_token_expiry(http, short_ttl_sandbox):
    sb = short_ttl_sandbox
    tokens = sb.api_url + "/tokens"
    body = http.post(tokens, json={"apiKey": API_KEY, "apiSecret": API_SECRET}, timeout=5).json()
    assert body["expiresIn"] == 2
    headers = {"Authorization": f"Token {body['token']}"}
    assert http.get(list_url(sb), headers=headers, timeout=5).status_code == 200
    time.sleep(2.2)
    assert_error(http.get(list_url(sb), headers=headers, timeout=5), 401)
    fresh = http.post(tokens, json={"apiKey": API_KEY, "apiSecret": API_SECRET}, timeout=5).json()
    headers = {"Authorization": f"Token {fresh['token']}"}
    assert http.get(list_url(sb), headers=headers, timeout=5).status_code == 200


# --- parameters ------------------------------------------------------------------------------


def test_includenulls(api, sandbox):
    plain = get_list(api, sandbox, limit=100, offset=200)["results"]
    full = get_list(api, sandbox, limit=100, offset=200, includenulls="true")["results"]
    assert [i["interactionId"] for i in plain] == [i["interactionId"] for i in full]
    assert not any(v is None for item in plain for v in item.values())
    no_contact = [n for n, item in enumerate(plain) if "contactId" not in item]
    assert no_contact
    for n in no_contact:
        assert full[n]["contactId"] is None
    assert all(full[n]["flagType"] is None for n, item in enumerate(plain) if not item["flagged"])
    iid = plain[0]["interactionId"]
    detail = api.get(f"{list_url(sandbox)}/{iid}", params={"includenulls": "true"}, timeout=5)
    assert "csat" in detail.json()["details"]


def fetch_all(api, sandbox, **params) -> tuple[int, list[dict]]:
    body = get_list(api, sandbox, limit=1000, **params)
    items = list(body["results"])
    for offset in range(1000, body["total"], 1000):
        items += get_list(api, sandbox, limit=1000, offset=offset, **params)["results"]
    assert len(items) == body["total"]
    return body["total"], items


def test_attribute_value_search_and_and(api, sandbox):
    vip_total, vip = fetch_all(api, sandbox, **{"attribute-value": "VIP"})
    assert 0.01 * PER_TENANT < vip_total < 0.03 * PER_TENANT
    for item in vip:
        assert "VIP" in hook_names(item)
        assert "VIP" in {a["hookName"] for a in item["interactionAttributes"]}
        assert "details" in item  # search results carry details, like the reference sample
    both_total, both = fetch_all(api, sandbox, **{"attribute-value": ["VIP", "callback-requested"]})
    cb_total = get_list(api, sandbox, limit=1, **{"attribute-value": "callback-requested"})["total"]
    assert 0 < both_total < vip_total < cb_total
    assert {i["interactionId"] for i in both} <= {i["interactionId"] for i in vip}
    for item in both:
        assert {"VIP", "callback-requested"} <= hook_names(item)
    starts = [ts(i["startTimestamp"]) for i in both]
    assert starts == sorted(starts, reverse=True)


def test_search_unknown_value_is_empty(api, sandbox):
    body = get_list(api, sandbox, **{"attribute-value": "no-such-value"})
    assert body["total"] == 0
    assert body["results"] == []


def test_hook_name_search(api, sandbox):
    items = get_list(api, sandbox, limit=100)["results"]
    order = next(n for i in items for n in hook_names(i) if n.startswith("ORD-"))
    body = get_list(api, sandbox, **{"hook-name": order})
    assert body["total"] == 1
    assert order in hook_names(body["results"][0])
    crm = next(h for i in items for h in i.get("hooks", []) if h["hookSubType"] == "ticket")
    assert crm["hookType"] in {"salesforce", "zendesk"}
    assert crm["hookUrl"].startswith("https://")
    body = get_list(api, sandbox, **{"hook-name": crm["hookName"]})
    assert body["total"] == 1
    assert body["results"][0]["interactionId"] == crm["interactionId"]
    # hook-name and attribute-value combine with AND
    lang = get_list(api, sandbox, **{"hook-name": "lang-fr", "attribute-value": "Gold"})
    assert 0 < lang["total"] < get_list(api, sandbox, **{"hook-name": "Gold"})["total"]


def test_contact_filter(api, sandbox):
    items = get_list(api, sandbox, limit=50)["results"]
    contact = next(i["contactId"] for i in items if "contactId" in i)
    body = get_list(api, sandbox, contactId=contact, limit=100)
    assert 1 <= body["total"] < 200
    assert all(i["contactId"] == contact for i in body["results"])
    assert get_list(api, sandbox, contactId=str(uuid.uuid4()))["total"] == 0
    assert_error(api.get(list_url(sandbox), params={"contactId": "x"}, timeout=5), 400)


# --- the data ----------------------------------------------------------------------------------


def test_mix_of_first_10k(first_10k):
    assert len(first_10k) == 10_000
    assert {i["channelType"] for i in first_10k} == CHANNELS
    assert {i["direction"] for i in first_10k} == {"inbound", "outbound"}
    flagged = [i for i in first_10k if i["flagged"]]
    assert {i["flagType"] for i in flagged} == FLAG_TYPES
    assert 0.02 <= len(flagged) / len(first_10k) <= 0.05
    assert all("flagType" not in i for i in first_10k if not i["flagged"])
    assert any("experimentalScore" in i or "routingTags" in i for i in first_10k)
    channels = Counter(i["channelType"] for i in first_10k)
    assert channels.most_common(1)[0][0] == "voice"


def test_flagged_miss_the_matching_end(first_10k):
    seen = Counter()
    for item in first_10k:
        kind = item.get("flagType")
        if kind == "Stuck":
            assert "endTimestamp" not in item
        elif kind == "Queue":
            assert any("endTimestamp" not in q for q in item["queues"])
        elif kind == "Agent":
            assert any("endTimestamp" not in a for a in item["agents"])
        elif kind == "Segment":
            assert any("endTimestamp" not in s for s in item["segments"])
        else:
            continue
        seen[kind] += 1
    assert set(seen) == {"Stuck", "Queue", "Agent", "Segment"}


def test_finished_unflagged_have_end_timestamps(first_10k):
    for item in first_10k[200:]:
        if item["dataComplete"] and not item["flagged"]:
            assert "endTimestamp" in item
            assert all("endTimestamp" in q for q in item["queues"])


def test_shuffled_segments_transfers_and_rich_fields(first_10k):
    out_of_order = [
        i
        for i in first_10k
        if [s["segmentNumber"] for s in i["segments"]]
        != sorted(s["segmentNumber"] for s in i["segments"])
    ]
    assert out_of_order
    assert any(len(i.get("agents", [])) >= 2 for i in first_10k)
    assert any(i.get("customerTransfers") == 8 and i["channelType"] == "email" for i in first_10k)
    assert any(q.get("queueAbandoned") for i in first_10k for q in i["queues"])
    assert any("timeToAnswer" in q for i in first_10k for q in i["queues"])
    assert any("notes" in i for i in first_10k)
    assert any("customerTalkTimes" in i for i in first_10k)
    assert any(a.get("talkTimes") for i in first_10k for a in i.get("agents", []))
    assert any("dispositionName" in i for i in first_10k)
    agent_names = {a["agentName"] for i in first_10k for a in i.get("agents", [])}
    assert 30 <= len(agent_names) <= 50
    voice = next(i for i in first_10k if i["channelType"] == "voice")
    assert voice["customer"].startswith("+1555")
    email = next(i for i in first_10k if i["channelType"] == "email")
    assert "@" in email["customer"]


def test_unfinished_near_the_anchor(first_10k):
    anchor = datetime.fromisoformat(ANCHOR)
    recent = [i for i in first_10k if (anchor - ts(i["startTimestamp"])).total_seconds() < 600]
    unfinished = [i for i in recent if not i["dataComplete"]]
    assert unfinished and len(unfinished) < len(recent)
    for item in unfinished:
        assert "endTimestamp" not in item
        assert any("endTimestamp" not in s for s in item["segments"])
    old = [i for i in first_10k[1000:] if not i["dataComplete"]]
    assert len(old) < 20


# --- faults ------------------------------------------------------------------------------------


def test_fault_status_with_retry_after(api, sandbox):
    sandbox.set_faults(mode="status", status=429, retry_after=2)
    r = api.get(list_url(sandbox), timeout=5)
    assert_error(r, 429)
    assert r.headers["Retry-After"] == "2"
    sandbox.set_faults(mode="status")  # defaults: 503, Retry-After 1
    r = api.get(list_url(sandbox), timeout=5)
    assert_error(r, 503)
    assert r.headers["Retry-After"] == "1"
    sandbox.set_faults(mode="status", status=500)
    r = api.get(list_url(sandbox), timeout=5)
    assert_error(r, 500)
    assert "Retry-After" not in r.headers


def test_fault_count_expires_and_reset(api, sandbox):
    settings = sandbox.set_faults(mode="status", status=503, count=2)
    assert settings["count"] == 2
    assert [api.get(list_url(sandbox), timeout=5).status_code for _ in range(3)] == [503, 503, 200]
    sandbox.set_faults(mode="status", rate=0.0)
    assert api.get(list_url(sandbox), timeout=5).status_code == 200
    sandbox.set_faults(mode="status")
    assert api.get(list_url(sandbox), timeout=5).status_code == 503
    sandbox.reset()
    assert sandbox.faults()["mode"] is None
    assert api.get(list_url(sandbox), timeout=5).status_code == 200


def test_faults_spare_control_health_and_tokens(http, sandbox):
    sandbox.set_faults(mode="status", status=503)
    try:
        assert http.get(sandbox.root + "/healthz", timeout=5).status_code == 200
        assert http.get(sandbox.root + "/_sandbox/stats", timeout=5).status_code == 200
        r = http.post(
            sandbox.api_url + "/tokens",
            json={"apiKey": API_KEY, "apiSecret": API_SECRET},
            timeout=5,
        )
        assert r.status_code == 200
    finally:
        sandbox.reset()


def test_invalid_fault_settings_are_400(http, sandbox):
    for payload in ({"mode": "explode"}, {"rate": 2}, {"bogus": 1}, {"count": "x"}):
        r = http.post(sandbox.root + "/_sandbox/faults", json=payload, timeout=5)
        assert_error(r, 400)
    assert sandbox.faults()["mode"] is None


def test_fault_malformed(api, sandbox):
    sandbox.set_faults(mode="malformed", count=1)
    r = api.get(list_url(sandbox), timeout=5)
    assert r.status_code == 200
    with pytest.raises(ValueError):
        json.loads(r.content)
    assert api.get(list_url(sandbox), timeout=5).json()["total"] == PER_TENANT


def test_fault_truncated(api, sandbox):
    sandbox.set_faults(mode="truncated", count=1)
    with pytest.raises(requests.exceptions.RequestException):
        api.get(list_url(sandbox), timeout=5)
    assert api.get(list_url(sandbox), timeout=5).status_code == 200


def test_fault_empty(api, sandbox):
    sandbox.set_faults(mode="empty", count=1)
    r = api.get(list_url(sandbox), timeout=5)
    assert r.status_code == 200
    assert r.content == b""


def test_fault_html(api, sandbox):
    sandbox.set_faults(mode="html", count=1)
    r = api.get(list_url(sandbox), timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.text.lstrip().lower().startswith("<!doctype html")


def test_fault_wrong_types(api, sandbox):
    sandbox.set_faults(mode="wrong-types", count=2)
    body = get_list(api, sandbox)
    assert isinstance(body["total"], str)
    assert isinstance(body["results"][0]["segments"], dict)
    iid = body["results"][0]["interactionId"]
    detail = api.get(f"{list_url(sandbox)}/{iid}", timeout=5).json()
    assert isinstance(detail["customerHolds"], str)


def test_fault_missing_fields(api, sandbox):
    sandbox.set_faults(mode="missing-fields", count=1)
    body = get_list(api, sandbox)
    assert body["results"]
    for item in body["results"]:
        assert "interactionId" not in item
        assert "startTimestamp" not in item


def test_fault_unknown_fields(api, sandbox):
    plain = get_list(api, sandbox, limit=3)
    sandbox.set_faults(mode="unknown-fields", count=1)
    body = get_list(api, sandbox, limit=3)
    assert set(body) > set(plain)
    assert set(body["results"][0]) > set(plain["results"][0])
    assert set(body["results"][0]["segments"][0]) > set(plain["results"][0]["segments"][0])


def test_fault_huge(api, sandbox):
    sandbox.set_faults(mode="huge", count=1)
    r = api.get(list_url(sandbox), timeout=30)
    assert r.status_code == 200
    assert len(r.content) > 20 * 1024 * 1024
    assert r.json()["total"] == PER_TENANT


def test_fault_quirk(api, sandbox):
    sandbox.set_faults(mode="quirk", count=1)
    r = api.get(list_url(sandbox), params={"limit": 50}, timeout=5)
    assert b'""+' in r.content
    with pytest.raises(ValueError):
        json.loads(r.content)


def test_fault_hang(api, sandbox):
    sandbox.set_faults(mode="hang")
    started = time.perf_counter()
    with pytest.raises(requests.exceptions.Timeout):
        api.get(list_url(sandbox), timeout=(2, 1))
    assert time.perf_counter() - started < 5
    sandbox.reset()  # releases the hung request
    assert api.get(list_url(sandbox), timeout=5).status_code == 200


def test_latency(api, sandbox):
    sandbox.set_faults(latency_ms=300, latency_jitter_ms=50)
    started = time.perf_counter()
    assert api.get(list_url(sandbox), timeout=5).status_code == 200
    assert time.perf_counter() - started >= 0.3
    sandbox.reset()
    started = time.perf_counter()
    api.get(list_url(sandbox), timeout=5)
    assert time.perf_counter() - started < 0.3


def test_stats(api, sandbox):
    sandbox.reset()
    for _ in range(3):
        api.get(list_url(sandbox), timeout=5)
    api.get(list_url(sandbox, str(uuid.uuid4())), timeout=5)
    stats = sandbox.stats()
    path = f"/v1/tenants/{TENANT_A}/interactions"
    assert stats["paths"][path] == 3
    assert stats["total"] == 4
    assert stats["statuses"] == {"200": 3, "403": 1}
    sandbox.reset()
    assert sandbox.stats()["total"] == 0


# --- process -----------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_memory_stays_bounded(api, sandbox):
    for tenant in (TENANT_A, TENANT_B):
        for offset in range(0, PER_TENANT, 10_000):
            body = get_list(api, sandbox, tenant, limit=1000, offset=offset)
            assert len(body["results"]) == 1000
    rss = rss_mb(sandbox.pid)
    print(f"sandbox RSS after 24 pages of 1000: {rss:.0f} MB")
    assert rss < 150


def test_request_log_has_no_secrets():
    with start_sandbox(quiet=False, per_tenant=1000) as sb, requests.Session() as s:
        s.trust_env = False
        s.get(list_url(sb), auth=(BASIC_USER, BASIC_PASSWORD), timeout=5)
        token = s.post(
            sb.api_url + "/tokens", json={"apiKey": API_KEY, "apiSecret": API_SECRET}, timeout=5
        ).json()["token"]
        s.get(list_url(sb), headers={"Authorization": f"Token {token}"}, timeout=5)
        time.sleep(0.2)
        output = sb.output()
    assert "sandbox listening on http://127.0.0.1:" in output
    log = output.split("sandbox listening on", 1)[1]
    assert f"GET /v1/tenants/{TENANT_A}/interactions 200" in log
    assert "POST /v1/tokens 200" in log
    for secret in (BASIC_PASSWORD, API_SECRET, token, "Authorization", "Basic "):
        assert secret not in log
