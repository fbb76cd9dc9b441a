"""The sandbox clock: frozen by default, advanced by /_sandbox/clock, running with --live."""

from __future__ import annotations

import time

import pytest
import requests

from tests.support.sandbox_process import TENANT_A, start_sandbox

DAY = 86_400


def list_url(sb) -> str:
    return f"{sb.api_url}/tenants/{TENANT_A}/interactions"


def unfinished_ids(api, sb) -> list[str]:
    r = api.get(list_url(sb), params={"limit": 1000}, timeout=10)
    assert r.status_code == 200
    return [i["interactionId"] for i in r.json()["results"] if i["dataComplete"] is False]


def test_clock_is_frozen_at_the_anchor_by_default(api, sandbox):
    clock = sandbox.clock()
    assert clock == {
        "live": False,
        "anchor": "2026-11-24T12:00:00.000Z",
        "now": "2026-11-24T12:00:00.000Z",
        "offset_seconds": 0,
        "advanced_seconds": 0,
    }
    before = api.get(list_url(sandbox), params={"limit": 200}, timeout=10).content
    time.sleep(0.3)
    assert api.get(list_url(sandbox), params={"limit": 200}, timeout=10).content == before


def test_advancing_finishes_unfinished_interactions(api, sandbox):
    ids = unfinished_ids(api, sandbox)
    assert len(ids) >= 10
    before = {i: api.get(f"{list_url(sandbox)}/{i}", timeout=10).json() for i in ids}
    assert sandbox.clock(advance_seconds=DAY)["now"] == "2026-11-25T12:00:00.000Z"
    flagged = 0
    for interaction_id in ids:
        item = api.get(f"{list_url(sandbox)}/{interaction_id}", timeout=10).json()
        old = before[interaction_id]
        assert item["dataComplete"] is True
        assert "endTimestamp" in item
        assert item["startTimestamp"] == old["startTimestamp"]
        if item.get("flagged"):
            flagged += 1
            assert item["flagType"] in ("Agent", "forced")
            if item["flagType"] == "Agent":  # the flag's missing end really is missing
                assert any(
                    "endTimestamp" not in a for a in item["agents"] if a["agentWorkAccepted"]
                )
        else:
            assert all(
                "endTimestamp" in s for s in item["segments"] if not s.get("segmentCancelled")
            )
            assert all("endTimestamp" in a for a in item.get("agents", []))
            assert all("endTimestamp" in q for q in item["queues"])
    assert 1 <= flagged < len(ids) // 2  # about one in five
    # the list says the same as the single interaction
    listed = api.get(list_url(sandbox), params={"limit": 1000}, timeout=10).json()["results"]
    assert not any(i["dataComplete"] is False for i in listed)
    sandbox.reset()
    assert sandbox.clock()["offset_seconds"] == 0
    assert unfinished_ids(api, sandbox) == ids


def test_same_clock_same_bytes(api, sandbox):
    sandbox.clock(offset_seconds=120)
    first = api.get(list_url(sandbox), params={"limit": 300}, timeout=10).content
    sandbox.clock(offset_seconds=0)
    at_anchor = api.get(list_url(sandbox), params={"limit": 300}, timeout=10).content
    sandbox.clock(advance_seconds=60)
    sandbox.clock(advance_seconds=60)
    assert api.get(list_url(sandbox), params={"limit": 300}, timeout=10).content == first
    assert first != at_anchor  # two minutes on, something progressed


@pytest.mark.parametrize(
    "payload",
    [
        {"advance_seconds": "10"},
        {"advance_seconds": True},
        {"advance_seconds": -1},
        {"offset_seconds": 10**9},
        {"live": "yes"},
        {"speed": 2},
        [1],
    ],
)
def test_bad_clock_settings_are_400(http, sandbox, payload):
    r = http.post(sandbox.root + "/_sandbox/clock", json=payload, timeout=5)
    assert r.status_code == 400
    assert "Invalid clock settings" in r.json()["error"]["message"]
    assert sandbox.clock()["offset_seconds"] == 0


def test_live_clock_runs_in_wall_time():
    with start_sandbox(live=True, per_tenant=2000) as sb, requests.Session() as s:
        s.trust_env = False
        first = sb.clock()
        assert first["live"] is True
        time.sleep(0.3)
        assert sb.clock()["offset_seconds"] >= first["offset_seconds"] + 0.25
        frozen = sb.clock(live=False)["offset_seconds"]
        time.sleep(0.2)
        assert sb.clock()["offset_seconds"] == frozen
        r = s.get(
            f"{sb.api_url}/tenants/{TENANT_A}/interactions", auth=("sandbox-user", "sandbox-pass")
        )
        assert r.status_code == 200
