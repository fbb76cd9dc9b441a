"""The dashboard's client against the sandbox, over real HTTP: one test per point of the real
contract (docs/sandbox.md, "Evidence"), so a client and a sandbox that drift apart fail here.

Uses the session's sandbox (faults reset around each test) and the 2-second-token one.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

from config.env import env_api_url
from interactions_app.cxengage import errors
from interactions_app.cxengage.client import ClientConfig, CxEngageClient
from interactions_app.flags import flag_info
from tests.support.sandbox_process import API_KEY, API_SECRET, TENANT_A

PER_TENANT = 120_000


def make_client(sandbox, **overrides) -> CxEngageClient:
    values = {
        "api_url": sandbox.api_url,
        "tenant_id": TENANT_A,
        "api_key": API_KEY,
        "api_secret": API_SECRET,
        "connect_timeout": 1.0,
        "read_timeout": 5.0,
        "retries": 2,
        "max_retry_after": 0.5,
    }
    values.update(overrides)
    return CxEngageClient(ClientConfig(**values))


@pytest.fixture
def clean(sandbox):
    sandbox.reset()
    yield sandbox
    sandbox.reset()


@pytest.fixture
def client(clean):
    instance = make_client(clean)
    yield instance
    instance.close()


def calls(sandbox, path: str) -> int:
    return sandbox.stats()["paths"].get(path, 0)


LIST_PATH = f"/v1/tenants/{TENANT_A}/interactions"


# --- 1. token login as the real API does it ------------------------------------------------------


def test_the_client_logs_in_with_the_real_body(client, clean):
    page = client.list_interactions(limit=5)
    assert len(page.items) == 5
    assert calls(clean, "/v1/tokens") == 1
    assert clean.stats()["statuses"] == {"200": 2}  # the login and the page, no 401


def test_an_expired_token_gets_one_relogin(short_ttl_sandbox):
    """The sandbox does not announce the lifetime (2 s here); the client assumes 300 s, so the
    next call after expiry meets a 401 and logs in again, once."""
    short_ttl_sandbox.reset()
    client = make_client(short_ttl_sandbox)
    try:
        client.list_interactions(limit=1)
        time.sleep(2.2)
        assert len(client.list_interactions(limit=1).items) == 1
    finally:
        client.close()
    stats = short_ttl_sandbox.stats()
    assert stats["paths"]["/v1/tokens"] == 2
    assert stats["statuses"] == {"200": 4, "401": 1}


# --- 2. the API URL as public clients give it -----------------------------------------------------


def test_the_host_alone_reaches_the_api(clean, monkeypatch):
    monkeypatch.setenv("CX_TEST_API_URL", clean.root)  # http://127.0.0.1:<port>, no /v1
    client = make_client(clean, api_url=env_api_url("CX_TEST_API_URL", default="unused"))
    try:
        assert client.list_interactions(limit=1).total == PER_TENANT
    finally:
        client.close()


# --- 3. empty, bare and total-less answers ----------------------------------------------------


def test_null_results_are_an_empty_page(client):
    past = client.list_interactions(limit=10, offset=PER_TENANT)
    assert (past.items, past.total, past.total_known) == ((), PER_TENANT, True)
    none = client.list_interactions(limit=10, attribute_values=["no-such-attribute"])
    assert (none.items, none.total) == ((), 0)


def test_a_bare_search_answer_is_one_row(client, clean):
    order = next(
        a.name
        for i in client.list_interactions(limit=50).items
        for a in i.all_attributes
        if (a.name or "").startswith("ORD-")
    )
    clean.set_faults(mode="bare-search")
    page = client.list_interactions(limit=10, attribute_values=[order])
    assert page.bare is True
    assert [a.name for a in page.items[0].all_attributes if a.name == order] == [order]


def test_a_list_without_total_gives_a_lower_bound(client, clean):
    clean.set_faults(mode="no-total")
    page = client.list_interactions(limit=10, offset=20)
    assert page.total_known is False
    assert page.total == 30


# --- 4. real nulls -------------------------------------------------------------------------------


def test_flags_and_completeness_as_the_real_records_carry_them(client, clean):
    items = client.list_interactions(limit=1000).items
    raw = clean.interactions(limit=1000)["results"]
    assert any("flagged" not in r for r in raw)  # unflagged records carry no flagged
    assert [i.flagged for i in items] == [r.get("flagged") is True for r in raw]
    assert 0 < sum(i.flagged for i in items) < 60
    clean.set_faults(mode="no-data-complete")
    unknown = client.list_interactions(limit=50).items
    assert all(not i.completeness_known and not i.in_progress for i in unknown)
    clean.reset()
    detail = client.get_interaction(unknown[0].id)
    assert detail.completeness_known
    assert detail.details is not None and "csat" not in detail.details.extra


def test_flagged_without_a_reason_comes_through(clean):
    client = make_client(clean)
    try:
        for offset in range(0, 20_000, 1000):
            page = client.list_interactions(limit=1000, offset=offset, only_flagged=True)
            reasonless = [i for i in page.items if i.flag_type is None]
            if reasonless:
                break
        else:
            pytest.fail("no flagged interaction without a flagType in 20,000")
    finally:
        client.close()
    assert reasonless[0].flagged is True
    assert flag_info(reasonless[0].flag_type).label == "Flagged (no reason given)"


# --- 5. CRM records ------------------------------------------------------------------------------


def test_crm_records_their_labels_links_and_search(client):
    items = client.list_interactions(limit=200).items
    linked = next(i for i in items if any(h.sub_type == "ticket" for h in i.crm_hooks))
    ticket = next(h for h in linked.crm_hooks if h.sub_type == "ticket")
    assert ticket.label == f"Zendesk ticket {ticket.hook_id}"
    assert ticket.url is None and ticket.by  # hookedBy, never a URL
    templates = {"zendesk": "https://acme.zendesk.com/agent/tickets/{id}"}
    assert ticket.link(templates) == f"https://acme.zendesk.com/agent/tickets/{ticket.hook_id}"
    found = client.list_interactions(
        limit=10, hook_type="zendesk", hook_sub_type="ticket", hook_id=ticket.hook_id
    )
    assert [i.id for i in found.items] == [linked.id]


# --- 6. the fields real records carry -----------------------------------------------------------


def test_the_fields_real_records_carry_are_typed(client):
    items = client.list_interactions(limit=1000).items
    monitored = [i for i in items if i.monitors]
    assert monitored and all(m.name and m.start for i in monitored for m in i.monitors)
    assert any(i.customer_hold_seconds for i in items)
    assert any(i.ivr_abandoned for i in items)
    assert all(i.updated for i in items)
    assert all(i.flag_time for i in items if i.flagged)
    assert any(s.start_type == "add-participant" for i in items for s in i.segments)
    assert not any(i.extra for i in items)  # nothing the sandbox sends goes untyped


# --- 7. rate limits and the concurrency cap ------------------------------------------------------


def test_429_with_a_long_retry_after_is_one_call_answered_at_once(client, clean):
    clean.set_faults(mode="status", status=429, retry_after=60)
    started = time.monotonic()
    with pytest.raises(errors.RateLimited) as info:
        client.list_interactions(limit=10)
    assert time.monotonic() - started < 1.0
    assert info.value.retry_after == 60.0
    assert calls(clean, LIST_PATH) == 1


def test_429_with_a_short_retry_after_is_retried_once(client, clean):
    clean.set_faults(mode="status", status=429, retry_after=0)
    with pytest.raises(errors.RateLimited):
        client.list_interactions(limit=10)
    assert calls(clean, LIST_PATH) == 2
    clean.set_faults(mode="status", status=429, retry_after=0, count=1)
    assert len(client.list_interactions(limit=10).items) == 10


def test_calls_in_flight_are_capped(clean):
    clean.set_faults(latency_ms=200)
    client = make_client(clean, max_concurrency=2)
    client.list_interactions(limit=1)  # log in first: the login is not what is measured
    results: list[object] = []

    def one() -> None:
        results.append(len(client.list_interactions(limit=1).items))

    threads = [threading.Thread(target=one) for _ in range(6)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    elapsed = time.monotonic() - started
    client.close()
    assert results == [1] * 6
    assert elapsed >= 3 * 0.2  # six calls of 200 ms, two at a time: three rounds at least


# --- 8. error bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "said"),
    [
        ("string", "answered 503: Service unavailable."),
        ("array", "answered 503: Service unavailable."),
        ("attribute", "answered 503: 503: Service unavailable. (request: Service unavailable.)"),
        ("nested", "answered 503: 503: Service unavailable."),
        ("html", "answered 503: not JSON (text/html): 503 Service Temporarily Unavailable"),
    ],
)
def test_every_error_body_shape_is_logged(clean, caplog, shape, said):
    caplog.set_level(logging.WARNING, logger="interactions_app.cxengage.client")
    clean.set_faults(mode="status", status=503, error_body=shape)
    client = make_client(clean, retries=0)
    try:
        with pytest.raises(errors.UpstreamServerError) as info:
            client.list_interactions(limit=10)
    finally:
        client.close()
    assert any(said in r.getMessage() for r in caplog.records), caplog.text
    assert said.split("answered 503: ", 1)[1] in info.value.detail
    assert API_SECRET not in caplog.text
