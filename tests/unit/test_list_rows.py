"""The fast list decoder (``parse_list_rows``) against the full parser, on every row field a
results table shows: the reference samples, the shapes it hands to the full parser, and the
check itself (it fails when a field comes out different). Hypothesis-generated pages are in
tests/reliability/test_fuzz.py."""

from __future__ import annotations

import dataclasses
import json
import pickle
from datetime import UTC, datetime

import pytest

from interactions_app.cxengage import parsing
from interactions_app.cxengage.errors import BadResponse
from interactions_app.cxengage.models import Agent, Hook, Queue
from interactions_app.cxengage.parsing import (
    LIST_ROW_FIELDS,
    decode_json,
    parse_list_rows,
    parse_page,
)
from tests.support.reference import reference_sample
from tests.support.rows import assert_rows_agree, row_view

ID = "b2109780-db83-11e7-9709-c2b07aa3bee9"
LIST_TEXT = reference_sample("list-interactions.txt")
SEARCH_TEXT = reference_sample("search-by-custom-attribute.txt")
REPAIRED = LIST_TEXT.replace('""+15553005555""', '"+15553005555"')


def both(body: bytes, *, limit: int = 10, offset: int = 0):
    return (
        parse_list_rows(body, limit=limit, offset=offset),
        parse_page(decode_json(body), limit=limit, offset=offset),
    )


def fast_path_taken(body: bytes) -> bool:
    return parsing._list_rows_fast(body, limit=10, offset=0) is not None


def test_the_reference_list_agrees_and_takes_the_fast_path():
    body = REPAIRED.encode()
    assert fast_path_taken(body)
    fast, full = both(body)
    assert fast.items and any(i.flagged for i in fast.items)
    assert_rows_agree(fast, full)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(LIST_TEXT.encode(), id="the sample's doubled quotes (repaired JSON)"),
        pytest.param(SEARCH_TEXT.encode(), id="a bare interaction"),
        pytest.param(
            b'{"results": [{"interactionId": "%s", "customer": 5}]}' % ID.encode(),
            id="a number where a text belongs",
        ),
        pytest.param(
            b'{"results": [{"interactionId": "%s", "queues": {"0": {"queueName": "Q"}}}]}'
            % ID.encode(),
            id="a list sent as an object keyed by index",
        ),
        pytest.param(
            b'{"results": [{"interactionId": "%s"}, 7, null]}' % ID.encode(),
            id="results that are not objects",
        ),
        pytest.param(
            b'{"results": [{"interactionId": "%s", "flowName": "a\\ud800b"}]}' % ID.encode(),
            id="a lone surrogate",
        ),
        pytest.param(
            b'{"results": [{"interactionId": "%s", "interactionTime": NaN}]}' % ID.encode(),
            id="NaN",
        ),
        pytest.param(
            b'{"results": [{"interactionId": "%s", "flowName": "\xff"}]}' % ID.encode(),
            id="invalid UTF-8",
        ),
        pytest.param(
            b'{"results": [{"interactionId": "%s", "interactionTime": 1e400}]}' % ID.encode(),
            id="a number past 1e308",
        ),
    ],
)
def test_shapes_the_fast_decoder_declines_go_through_the_full_parser(body):
    assert not fast_path_taken(body)
    fast, full = both(body)
    assert_rows_agree(fast, full)


@pytest.mark.parametrize(
    "record",
    [
        {"interactionId": ID.upper(), "interactionTime": "12.5", "flagged": "TRUE"},
        {"interactionId": f"{{{ID}}}", "flagType": "  ", "dataComplete": "false"},
        {"interactionId": ID, "flagType": 7, "startTimestamp": "2026-11-24T12:00:00+01:00"},
        {"interactionId": ID, "startTimestamp": "0001-01-01T00:00:00Z", "endTimestamp": 17},
        {"interactionId": ID, "interactionTime": True, "flagged": None, "queues": None},
        {"interactionId": ID, "interactionTime": 10**30, "agents": [{"agentName": None}, {}]},
        {"interactionId": "not-an-id", "customer": "+15550000000"},
        {"interactionId": 12, "customer": "x"},
        {
            "interactionId": ID,
            "hooks": [{"hookId": "415", "hookType": "zendesk", "hookSubType": "ticket"}],
            "interactionAttributes": [{"hookName": "VIP", "interactionHookId": "h1"}],
            "segments": {"not": "read"},
            "details": 5,
        },
    ],
)
def test_lenient_values_read_as_the_full_parser_reads_them(record):
    body = json.dumps({"total": "40", "limit": "10", "results": [record]}).encode()
    assert fast_path_taken(body)
    fast, full = both(body)
    assert_rows_agree(fast, full)


@pytest.mark.parametrize(
    "envelope",
    [
        {"total": -1},
        {"total": None, "offset": "20"},
        {"tenantTimeZone": "US/Central"},
        {"tenantTimezone": None, "tenantTimeZone": "US/Central"},
        {"results": None},
        {"tenantTimezone": "../../etc/passwd", "tenantName": 5},
    ],
)
def test_envelopes_agree(envelope):
    body = json.dumps({"results": [{"interactionId": ID}], **envelope}).encode()
    fast, full = both(body, limit=10, offset=30)
    assert_rows_agree(fast, full)


@pytest.mark.parametrize("body", [b"", b"  ", b"[]", b'{"total": 1}', b'{"results": "x"}'])
def test_what_the_full_parser_refuses_is_refused(body):
    with pytest.raises(BadResponse):
        parse_list_rows(body, limit=10, offset=0)


@pytest.mark.parametrize("field", LIST_ROW_FIELDS)
def test_the_agreement_check_fails_when_a_row_field_differs(field):
    fast, full = both(REPAIRED.encode())
    item = fast.items[1]
    other = Hook(id="h-x", hook_id="x", name="changed", sub_type="interaction-attribute")
    changed = {
        "start": {"start": datetime(2020, 1, 1, tzinfo=UTC)},
        "end": {"end": datetime(2020, 1, 1, tzinfo=UTC)},
        "interaction_seconds": {"interaction_seconds": 1.0},
        "queue_names": {"queues": (Queue(None, None, "changed", None, None),)},
        "agent_names": {"agents": (Agent(None, None, "changed", None, None),)},
        "hooks": {"hooks": (other,)},
        "attributes": {"attributes": (other,)},
        "flagged": {"flagged": not item.flagged},
        "data_complete": {"data_complete": not item.data_complete},
    }.get(field, {field: "changed"})
    broken = dataclasses.replace(item, **changed)
    assert row_view(broken) != row_view(item)
    with pytest.raises(AssertionError):
        assert_rows_agree(
            dataclasses.replace(fast, items=(fast.items[0], broken, *fast.items[2:])), full
        )


def test_pages_travel_through_the_cache_unchanged():
    fast, full = both(REPAIRED.encode())
    odd = parse_page({"results": [{"interactionId": ID, "big": 10**30}]}, limit=1, offset=0)
    for page in (fast, full, odd):  # odd: past MessagePack's integers, pickled as usual
        again = pickle.loads(pickle.dumps(page))  # noqa: S301 (our own bytes)
        assert again == page and again.items[0].extra == page.items[0].extra
