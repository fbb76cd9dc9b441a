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
# POST /v1/tokens as the real API takes it (Pearson-ICC/CxAdmin httpclient.py getToken)
LOGIN = {"username": API_KEY, "password": API_SECRET, "tenantId": TENANT_A}


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
    return {h["hookName"] for h in item.get("hooks", []) if "hookName" in h}


def crm_hooks(item: dict) -> list[dict]:
    return [h for h in item.get("hooks", []) if h["hookSubType"] != "interaction-attribute"]


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
        assert item.get("flagged") in (None, True)  # unflagged records carry no flagged
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


def test_limit_1000_at_a_deep_offset_is_served_whole(api, sandbox):
    # how fast is for `make bench` (medians), not a wall-clock limit that a loaded machine trips
    body = get_list(api, sandbox, limit=1000, offset=77_000)  # not served before: built now
    assert len(body["results"]) == 1000
    assert body["offset"] == 77_000 and body["limit"] == 1000
    ids = [item["interactionId"] for item in body["results"]]
    assert len(set(ids)) == 1000
    starts = [item["startTimestamp"] for item in body["results"]]
    assert starts == sorted(starts, reverse=True)  # most recent first, like every page


@pytest.mark.parametrize("limit", ["1001", "abc", "-1", "", "1.5"])
def test_bad_limit_is_400(api, sandbox, limit):
    assert_error(api.get(list_url(sandbox), params={"limit": limit}, timeout=5), 400)


def test_limit_0_reads_only_the_total(api, sandbox):
    # Pearson-ICC/CxAdmin cxStatistics.py (getInteractionsInParallel) asks limit=0 for the total
    body = get_list(api, sandbox, limit=0)
    assert (body["total"], body["limit"], body["results"]) == (PER_TENANT, 0, None)


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
    assert beyond["results"] is None  # null past the end (see test_an_offset_past_the_end...)
    assert beyond["total"] == PER_TENANT


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
        assert detail.get("flagged") in (None, True)
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
    r = http.post(tokens, json=LOGIN, timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"token"}  # all public clients read; the lifetime is not announced
    assert isinstance(body["token"], str) and body["token"]
    ok = http.get(list_url(sandbox), headers={"Authorization": f"Token {body['token']}"}, timeout=5)
    assert ok.status_code == 200
    bad = http.get(list_url(sandbox), headers={"Authorization": "Token nope"}, timeout=5)
    assert_error(bad, 401)
    # the tenant is optional (the SDK's login sends none)
    without_tenant = {"username": API_KEY, "password": API_SECRET}
    assert http.post(tokens, json=without_tenant, timeout=5).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"apiKey": API_KEY, "apiSecret": API_SECRET}, id="the-old-body"),
        pytest.param({**LOGIN, "password": "nope"}, id="wrong-secret"),
        pytest.param({**LOGIN, "username": "nope"}, id="wrong-key"),
        pytest.param({**LOGIN, "tenantId": str(uuid.UUID(int=7))}, id="another-tenant"),
        pytest.param({**LOGIN, "tenantId": 7}, id="tenant-not-a-string"),
        pytest.param({"username": API_KEY}, id="no-password"),
        pytest.param({}, id="empty"),
    ],
)
def test_token_login_without_the_real_body_is_401(http, sandbox, body):
    assert_error(http.post(sandbox.api_url + "/tokens", json=body, timeout=5), 401)


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", json.dumps({**LOGIN, "ttl": -1}).encode(), b'{"ttl": true}'],
)
def test_token_login_that_is_not_a_json_object_or_a_bad_ttl_is_400(http, sandbox, body):
    if body == b'{"ttl": true}':
        body = json.dumps({**LOGIN, "ttl": True}).encode()
    response = http.post(
        sandbox.api_url + "/tokens",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert_error(response, 400)


def test_token_expiry(http, short_ttl_sandbox):
    sb = short_ttl_sandbox
    tokens = sb.api_url + "/tokens"
    body = http.post(tokens, json=LOGIN, timeout=5).json()
    headers = {"Authorization": f"Token {body['token']}"}
    assert http.get(list_url(sb), headers=headers, timeout=5).status_code == 200
    time.sleep(2.2)
    assert_error(http.get(list_url(sb), headers=headers, timeout=5), 401)
    fresh = http.post(tokens, json=LOGIN, timeout=5).json()
    headers = {"Authorization": f"Token {fresh['token']}"}
    assert http.get(list_url(sb), headers=headers, timeout=5).status_code == 200


def test_token_ttl_asked_for_is_honoured_below_the_sandboxs_own(http, sandbox):
    body = http.post(sandbox.api_url + "/tokens", json={**LOGIN, "ttl": 1}, timeout=5).json()
    headers = {"Authorization": f"Token {body['token']}"}
    assert http.get(list_url(sandbox), headers=headers, timeout=5).status_code == 200
    time.sleep(1.1)
    assert_error(http.get(list_url(sandbox), headers=headers, timeout=5), 401)


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
    unflagged = [n for n, item in enumerate(plain) if "flagged" not in item]
    assert unflagged
    assert all(full[n]["flagType"] is None and full[n]["flagged"] is None for n in unflagged)
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


def test_search_unknown_value_is_empty_with_null_results(api, sandbox):
    body = get_list(api, sandbox, **{"attribute-value": "no-such-value"})
    assert body["total"] == 0
    assert body["results"] is None  # CxAdmin cxStatistics.py: "if responseResults is None"


def test_an_offset_past_the_end_has_null_results(api, sandbox):
    body = get_list(api, sandbox, limit=10, offset=PER_TENANT)
    assert body["total"] == PER_TENANT
    assert body["results"] is None
    last = get_list(api, sandbox, limit=10, offset=PER_TENANT - 3)
    assert len(last["results"]) == 3


def test_hook_name_search(api, sandbox):
    items = get_list(api, sandbox, limit=100)["results"]
    order = next(n for i in items for n in hook_names(i) if n.startswith("ORD-"))
    body = get_list(api, sandbox, **{"hook-name": order})
    assert body["total"] == 1
    assert order in hook_names(body["results"][0])
    # hook-name and attribute-value combine with AND
    lang = get_list(api, sandbox, **{"hook-name": "lang-fr", "attribute-value": "Gold"})
    assert 0 < lang["total"] < get_list(api, sandbox, **{"hook-name": "Gold"})["total"]


# --- CRM records: the public API docs' Zendesk example and "Searching Interactions" -------------


def test_crm_hooks_have_the_real_shape(first_10k):
    hooks = [h for i in first_10k for h in crm_hooks(i)]
    assert 0.10 < len({id(i) for i in first_10k if crm_hooks(i)}) / len(first_10k) < 0.20
    kinds = Counter((h["hookType"], h["hookSubType"]) for h in hooks)
    assert set(kinds) == {
        ("zendesk", "ticket"),
        ("zendesk", "user"),
        ("salesforce-lightning", "Case"),
        ("salesforce-lightning", "Contact"),
    }
    for hook in hooks:
        # exactly the docs' keys: no tenantId, interactionId, hookBy or URL
        assert set(hook) <= {
            "interactionHookId",
            "hookSubType",
            "agentId",
            "hookType",
            "hookName",
            "hookedBy",
            "hookId",
            "timestamp",
        }
        assert isinstance(hook["hookId"], str) and hook["hookId"]
        assert TS.match(hook["timestamp"])
        if hook["hookSubType"] == "ticket":
            assert hook["hookId"].isdigit() and "hookName" not in hook
        if hook["hookSubType"] in ("user", "Contact"):
            assert hook["hookName"]
        if hook["hookType"] == "salesforce-lightning":
            assert len(hook["hookId"]) == 15
    assert any("hookedBy" in h and "agentId" in h for h in hooks)


def test_crm_record_search(api, sandbox, first_10k):
    item = next(i for i in first_10k if any(h["hookSubType"] == "ticket" for h in crm_hooks(i)))
    ticket = next(h for h in crm_hooks(item) if h["hookSubType"] == "ticket")
    params = {"hookType": "zendesk", "hookSubType": "ticket", "hookId": ticket["hookId"]}
    body = get_list(api, sandbox, **params)
    assert body["total"] == 1
    assert body["results"][0]["interactionId"] == item["interactionId"]
    assert body["hookSubType"] == "ticket"  # echoed, as in the docs' example envelope
    # every part given must match one hook: the right id under another CRM or subtype is no match
    for wrong in ({"hookType": "salesforce-lightning"}, {"hookSubType": "user"}):
        miss = get_list(api, sandbox, **{**params, **wrong})
        assert (miss["total"], miss["results"]) == (0, None)
    assert get_list(api, sandbox, hookId=ticket["hookId"])["total"] == 1
    assert get_list(api, sandbox, hookId="999999999999")["total"] == 0


def test_crm_person_search_finds_every_interaction_of_that_customer(api, sandbox, first_10k):
    item = next(i for i in first_10k if any(h["hookSubType"] == "user" for h in crm_hooks(i)))
    user = next(h for h in crm_hooks(item) if h["hookSubType"] == "user")
    total, found = fetch_all(api, sandbox, hookType="zendesk", hookId=user["hookId"])
    assert item["interactionId"] in {i["interactionId"] for i in found}
    assert 1 <= total < 50
    for other in found:
        assert any(h["hookId"] == user["hookId"] for h in crm_hooks(other))
        assert other["contactId"] == item["contactId"]


def test_crm_type_search_and_combination_with_attributes(api, sandbox):
    zendesk = get_list(api, sandbox, limit=50, hookType="zendesk")
    assert 0.05 * PER_TENANT < zendesk["total"] < 0.10 * PER_TENANT
    assert all(any(h["hookType"] == "zendesk" for h in crm_hooks(i)) for i in zendesk["results"])
    cases = get_list(api, sandbox, limit=1, hookSubType="Case")["total"]
    both = get_list(api, sandbox, limit=50, hookSubType="Case", **{"attribute-value": "VIP"})
    assert 0 < both["total"] < cases
    for item in both["results"]:
        assert "VIP" in hook_names(item)
        assert any(h["hookSubType"] == "Case" for h in crm_hooks(item))


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
    flagged = [i for i in first_10k if i.get("flagged")]
    assert {i["flagType"] for i in flagged if "flagType" in i} == FLAG_TYPES
    assert 0.02 <= len(flagged) / len(first_10k) <= 0.05
    assert all("flagType" not in i for i in first_10k if not i.get("flagged"))
    # unflagged records carry no flagged at all, as in the reference samples
    assert all(i.get("flagged") is True or "flagged" not in i for i in first_10k)
    # and, as in the reference's list sample, some are flagged without a flagType
    assert 0 < sum("flagType" not in i for i in flagged) < len(flagged) / 4
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
        if item["dataComplete"] and not item.get("flagged"):
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


def share(items: list[dict], test) -> float:
    return sum(1 for i in items if test(i)) / len(items)


def test_fields_real_records_carry(first_10k):
    """Pearson-ICC/CxAdmin cxStatistics.py's CSV headings, in believable proportions."""
    voice = [i for i in first_10k if i["channelType"] == "voice"]
    assert 0.01 < share(first_10k, lambda i: "monitors" in i) < 0.08
    monitor = next(m for i in first_10k for m in i.get("monitors", []))
    assert {"agentId", "agentName", "bargedIn", "startTimestamp"} <= set(monitor)
    assert 0.03 < share(voice, lambda i: "customerHoldTime" in i) < 0.25
    for item in first_10k:
        if "customerHoldTime" in item:
            assert item["customerHolds"] >= 1 and item["customerHoldTime"] > 0
            assert item["customerHoldAbandoned"] is False
        if item.get("ivrAbandoned"):
            assert item["ivrAbandonTime"] == item["ivrTime"] and not item["queues"]
        assert TS.match(item["updated"]) and item["updated"] >= item["startTimestamp"]
        if item.get("flagged"):
            assert TS.match(item["flagTimestamp"])
        else:
            assert "flagTimestamp" not in item
    assert 0.005 < share(voice, lambda i: i.get("ivrAbandoned") is True) < 0.1
    starts = Counter(s.get("segmentStartType") for i in first_10k for s in i["segments"])
    assert starts["add-participant"] > 0 and starts["transfer"] > starts["add-participant"]
    for item in first_10k:
        for segment in item["segments"]:
            if segment.get("segmentStartType") == "add-participant":
                assert "transfer" not in segment
    # no invented names any more
    assert not any({"experimentalScore", "routingTags"} & set(i) for i in first_10k)


def test_details_keep_null_csat_and_contact_id(api, sandbox, first_10k):
    plain = next(i for i in first_10k if "contactId" not in i and i["dataComplete"])
    detail = api.get(f"{list_url(sandbox)}/{plain['interactionId']}", timeout=5).json()
    assert detail["details"]["contactId"] is None  # without includenulls, as in the reference
    assert "csat" in detail["details"]
    assert isinstance(detail["details"]["agents"], list)


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
        r = http.post(sandbox.api_url + "/tokens", json=LOGIN, timeout=5)
        assert r.status_code == 200
    finally:
        sandbox.reset()


def test_invalid_fault_settings_are_400(http, sandbox):
    for payload in (
        {"mode": "explode"},
        {"rate": 2},
        {"bogus": 1},
        {"count": "x"},
        {"error_body": "xml"},
    ):
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


def test_fault_bare_search(api, sandbox):
    items = get_list(api, sandbox, limit=100)["results"]
    order = next(n for i in items for n in hook_names(i) if n.startswith("ORD-"))
    sandbox.set_faults(mode="bare-search")
    bare = get_list(api, sandbox, **{"attribute-value": order})
    assert "results" not in bare and order in hook_names(bare)  # the interaction itself
    assert "details" in bare  # like the reference's search sample
    several = get_list(api, sandbox, limit=5, **{"attribute-value": "VIP"})
    assert len(several["results"]) == 5  # more than one match: the envelope
    assert get_list(api, sandbox, limit=1)["total"] == PER_TENANT  # not a search: untouched


def test_fault_no_total(api, sandbox):
    sandbox.set_faults(mode="no-total", count=1)
    body = get_list(api, sandbox)
    assert "total" not in body and len(body["results"]) == 10
    assert get_list(api, sandbox)["total"] == PER_TENANT


def test_fault_no_data_complete(api, sandbox):
    sandbox.set_faults(mode="no-data-complete")
    body = get_list(api, sandbox, limit=50)
    assert not any("dataComplete" in i for i in body["results"])
    iid = body["results"][0]["interactionId"]
    assert "dataComplete" in api.get(f"{list_url(sandbox)}/{iid}", timeout=5).json()


@pytest.mark.parametrize(
    ("shape", "check"),
    [
        ("object", lambda e: e == {"code": 503, "message": "Service unavailable."}),
        ("string", lambda e: e == "Service unavailable."),
        ("array", lambda e: e == ["Service unavailable."]),
        (
            "attribute",
            lambda e: e["code"] == 503 and e["attribute"] == {"request": ["Service unavailable."]},
        ),
        (
            "nested",
            lambda e: e["body"]["errors"] == [{"code": 503, "title": "Service unavailable."}],
        ),
    ],
)
def test_error_body_shapes(api, sandbox, shape, check):
    sandbox.set_faults(mode="status", status=503, error_body=shape)
    r = api.get(list_url(sandbox), timeout=5)
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    assert set(r.json()) == {"error"}
    assert check(r.json()["error"])
    # the shape applies to every error of the interaction endpoints, not only to faults
    sandbox.set_faults(error_body=shape)
    missing = api.get(f"{list_url(sandbox)}/{uuid.uuid4()}", timeout=5)
    assert missing.status_code == 404 and set(missing.json()) == {"error"}


def test_error_body_html_under_load(api, sandbox):
    sandbox.set_faults(mode="status", status=503, error_body="html")
    r = api.get(list_url(sandbox), timeout=5)
    assert r.status_code == 503
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<title>503 Service Temporarily Unavailable</title>" in r.text
    with pytest.raises(ValueError):
        r.json()


def test_fault_hang(api, sandbox):
    sandbox.set_faults(mode="hang")
    # a read timeout, not the sandbox closing the connection (that would be a ConnectionError)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.get(list_url(sandbox), timeout=(2, 1))
    sandbox.reset()  # releases the hung request
    assert api.get(list_url(sandbox), timeout=5).status_code == 200


def test_latency(api, sandbox):
    sandbox.set_faults(latency_ms=300, latency_jitter_ms=50)
    started = time.perf_counter()
    assert api.get(list_url(sandbox), timeout=5).status_code == 200
    assert time.perf_counter() - started >= 0.3  # a lower bound: a loaded machine only adds
    # reset takes the latency away (said by the sandbox, not measured against a wall clock)
    assert sandbox.reset()["latency_ms"] == 0 and sandbox.faults()["latency_jitter_ms"] == 0
    assert api.get(list_url(sandbox), timeout=5).status_code == 200


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
        token = s.post(sb.api_url + "/tokens", json=LOGIN, timeout=5).json()["token"]
        s.get(list_url(sb), headers={"Authorization": f"Token {token}"}, timeout=5)
        time.sleep(0.2)
        output = sb.output()
    assert "sandbox listening on http://127.0.0.1:" in output
    log = output.split("sandbox listening on", 1)[1]
    assert f"GET /v1/tenants/{TENANT_A}/interactions 200" in log
    assert "POST /v1/tokens 200" in log
    for secret in (BASIC_PASSWORD, API_SECRET, token, "Authorization", "Basic "):
        assert secret not in log
