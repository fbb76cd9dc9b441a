"""The summary parse the sync reads pages with gives lists what the full parse gives them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from interactions_app.cxengage.errors import BadResponse
from interactions_app.cxengage.parsing import parse_interaction, parse_summary
from sandbox.data import Generator

LIST_FIELDS = (
    "id",
    "tenant_id",
    "start",
    "end",
    "channel",
    "direction",
    "customer",
    "contact_point",
    "flow_id",
    "flow_name",
    "flagged",
    "flag_type",
    "data_complete",
    "duration_seconds",
    "in_progress",
    "queue_names",
    "agent_names",
    "disposition_name",
    "disposition_id",
    "updated",
)


def test_what_lists_need_is_the_same_as_the_full_parse():
    gen = Generator(
        per_tenant=3000, anchor_ms=int(datetime(2026, 11, 24, 12, tzinfo=UTC).timestamp() * 1000)
    )
    tenant = next(iter(gen.tenants.values()))
    for i in range(0, 3000, 7):
        raw = gen.build(tenant, i)
        raw.pop("details", None)
        full, summary = parse_interaction(raw), parse_summary(raw)
        for name in LIST_FIELDS:
            assert getattr(summary, name) == getattr(full, name), (i, name)
        assert [q.abandoned for q in summary.queues] == [q.abandoned for q in full.queues]
        assert {(a.id, a.name) for a in summary.all_attributes} == {
            (a.id, a.name) for a in full.all_attributes
        }


def test_wrong_types_become_none_and_a_record_without_an_id_is_refused():
    odd = {
        "interactionId": "6f1c1b3e-8d0e-4d1e-9b8f-1f2e3d4c5b6a",
        "startTimestamp": 12,
        "channelType": ["voice"],
        "flagged": "true",
        "queues": {"0": {"queueName": 5, "queueAbandoned": "yes"}},
        "agents": "Grace",
        "interactionAttributes": [None, {"hookName": "VIP"}],
    }
    item = parse_summary(odd)
    assert (item.start, item.channel, item.flagged) == (None, None, True)
    assert item.queue_names == ("5",) and item.agents == ()
    assert [a.name for a in item.all_attributes] == ["VIP"]
    with pytest.raises(BadResponse):
        parse_summary({"startTimestamp": "2026-11-24T12:00:00Z"})
