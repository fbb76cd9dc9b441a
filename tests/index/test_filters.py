"""Every filter, sort, facet and count of the index checked against a brute-force answer
computed from the sandbox's own JSON (tests/index/brute.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from interactions_app.index.queries import (
    IndexQuery,
    InvalidQuery,
    index_choices,
    index_coverage,
    index_facets,
    index_flag_counts,
    index_neighbours,
    index_page,
    index_rows,
)

from . import brute
from .conftest import ANCHOR_AT

pytestmark = pytest.mark.django_db

EVERYTHING = 100_000


def _some(raw: list[dict], what) -> str:  # type: ignore[no-untyped-def]
    """The most common value of ``what`` in the data (so the filter has work to do)."""
    counts = Counter(v for d in raw for v in what(d))
    return counts.most_common(1)[0][0]


def _check(tenant: str, raw: list[dict], sort: str = "-start", **f) -> list[str]:  # type: ignore[no-untyped-def]
    want = brute.expected(raw, sort, **f)
    rows, total = index_page(
        IndexQuery(tenant_id=tenant, sort=sort, **f), offset=0, limit=EVERYTHING
    )
    assert total == len(want), f
    assert [r.id for r in rows] == want, f
    return want


def test_everything_is_indexed(synced, raw):
    want = _check(synced, raw)
    assert len(want) == len(raw) == 3000


@pytest.mark.parametrize("sort", ["-start", "start", "-duration", "duration"])
def test_each_sort(synced, raw, sort):
    _check(synced, raw, sort=sort)


def test_channels_directions_status_flags(synced, raw):
    assert _check(synced, raw, channels=("voice",))
    assert _check(synced, raw, channels=("sms", "EMAIL"))  # repeated: ORed; any case
    assert _check(synced, raw, directions=("outbound",))
    assert _check(synced, raw, channels=("voice",), directions=("outbound",))  # ANDed
    assert _check(synced, raw, status="complete")
    in_progress = _check(synced, raw, status="in-progress")
    assert in_progress and len(in_progress) < 50
    assert _check(synced, raw, flagged_only=True)
    assert _check(synced, raw, flags=("agent", "queue"))
    assert _check(synced, raw, flags=("Segment",))


def test_agents_queues_flows_match_the_name_as_shown_ignoring_case(synced, raw):
    agent = _some(raw, lambda d: [a["agentName"] for a in d.get("agents") or []])
    other = sorted({a["agentName"] for d in raw for a in d.get("agents") or []} - {agent})[0]
    queue = _some(raw, lambda d: [q["queueName"] for q in d.get("queues") or []])
    flow = _some(raw, lambda d: [d["flowName"]] if d.get("flowName") else [])
    assert _check(synced, raw, agents=(agent.upper(),))
    assert _check(synced, raw, agents=(agent, other))
    assert _check(synced, raw, queues=(queue.lower(),))
    assert _check(synced, raw, queues=("billing", "SALES"))
    assert _check(synced, raw, flows=(flow.swapcase(),))
    assert _check(synced, raw, agents=(agent,), channels=("voice",))
    assert _check(synced, raw, agents=(agent,), queues=(queue,))
    assert _check(synced, raw, agents=(agent, other), queues=(queue,), sort="-duration")
    assert _check(synced, raw, queues=(queue,), flagged_only=True)
    assert _check(synced, raw, agents=(agent,), channels=("voice", "sms"), sort="duration")
    assert _check(synced, raw, agents=("Nobody At All",)) == []


def test_customers_match_the_whole_identifier_whatever_the_punctuation(synced, raw):
    phone = _some(
        raw, lambda d: [d["customer"]] if (d.get("customer") or "").startswith("+1") else []
    )
    assert phone.startswith("+1") and len(phone) == 12
    typed = f"+{phone[1]} ({phone[2:5]}) {phone[5:8]}-{phone[8:]}"  # +1 (555) 300-5556
    found = _check(synced, raw, customers=(typed,))
    assert found == _check(synced, raw, customers=(phone,))
    assert found and all(d["customer"] == phone for d in raw if d["interactionId"] in set(found))
    assert _check(synced, raw, customers=(phone[:-1],)) == []  # the whole number, not a part
    email = _some(raw, lambda d: [d["customer"]] if "@" in (d.get("customer") or "") else [])
    assert _check(synced, raw, customers=(email.upper(),))
    agent = _some(raw, lambda d: [a["agentName"] for a in d.get("agents") or []])
    _check(synced, raw, customers=(phone, email), agents=(agent,))


def test_time_windows(synced, raw):
    start, end = ANCHOR_AT - timedelta(days=3), ANCHOR_AT - timedelta(days=1)
    assert _check(synced, raw, start=start, end=end)
    assert _check(synced, raw, start=start, end=end, channels=("voice",), sort="-duration")
    assert _check(synced, raw, start=ANCHOR_AT - timedelta(hours=6))


def test_pages_are_slices_of_the_whole(synced, raw):
    query = IndexQuery(tenant_id=synced, channels=("voice",), sort="duration")
    want = brute.expected(raw, "duration", channels=("voice",))
    rows, total = index_page(query, offset=25, limit=25)
    assert total == len(want)
    assert [r.id for r in rows] == want[25:50]
    rows, total = index_page(query, offset=total + 10, limit=25)
    assert (rows, total) == ([], len(want))


def test_rows_are_the_typed_interactions_lists_render(synced, raw):
    by_id = {d["interactionId"]: d for d in raw}
    rows, _ = index_page(IndexQuery(tenant_id=synced), offset=0, limit=300)
    for row in rows:
        d = by_id[row.id]
        assert row.start == brute.start_of(d)
        assert row.channel == d["channelType"]
        assert row.customer == d.get("customer")
        assert row.flow_name == d.get("flowName")
        assert row.flagged == brute.flagged(d)
        assert row.data_complete == d.get("dataComplete")
        assert set(row.queue_names) == {q["queueName"] for q in d.get("queues") or []}
        assert set(row.agent_names) == {a["agentName"] for a in d.get("agents") or []}
        if row.data_complete:
            assert row.duration_seconds == pytest.approx(brute.duration_of(d))


def test_export_rows_are_every_row_in_order_with_attributes(synced, raw):
    agent = _some(raw, lambda d: [a["agentName"] for a in d.get("agents") or []])
    query = IndexQuery(tenant_id=synced, agents=(agent,), sort="-duration")
    rows = list(index_rows(query, chunk_size=100))  # several chunks
    assert [r.id for r in rows] == brute.expected(raw, "-duration", agents=(agent,))
    by_id = {d["interactionId"]: d for d in raw}
    for row in rows:
        names = {h["hookName"] for h in by_id[row.id].get("interactionAttributes") or []}
        assert {a.name for a in row.all_attributes} == names


def test_facets_count_within_the_current_result(synced, raw):
    agent = _some(raw, lambda d: [a["agentName"] for a in d.get("agents") or []])
    f = {"agents": (agent,), "channels": ("voice",)}
    result = [d for d in raw if brute.matches(d, **f)]
    facets = index_facets(IndexQuery(tenant_id=synced, **f), limit=100)
    want_agents = Counter(
        a for d in result for a in {x["agentName"] for x in d.get("agents") or []}
    )
    want_queues = Counter(
        q for d in result for q in {x["queueName"] for x in d.get("queues") or []}
    )
    want_flows = Counter(d["flowName"] for d in result if d.get("flowName"))
    assert dict(facets["agent"]) == dict(want_agents)
    assert facets["agent"][0] == (agent, len(result))
    assert dict(facets["queue"]) == dict(want_queues)
    assert dict(facets["flow"]) == dict(want_flows)
    counts = [n for _, n in facets["queue"]]
    assert counts == sorted(counts, reverse=True)
    everything = index_facets(IndexQuery(tenant_id=synced), kinds=("queue",), limit=100)
    assert dict(everything["queue"]) == dict(
        Counter(q for d in raw for q in {x["queueName"] for x in d.get("queues") or []})
    )


def test_choices_are_every_name_seen(synced, raw):
    choices = index_choices(tenant_id=synced)
    assert set(choices["agent"]) == {a["agentName"] for d in raw for a in d.get("agents") or []}
    assert set(choices["queue"]) == {q["queueName"] for d in raw for q in d.get("queues") or []}
    assert set(choices["flow"]) == {d["flowName"] for d in raw if d.get("flowName")}


def test_flag_counts_by_flag_and_by_day_in_the_zone(synced, raw):
    zone = ZoneInfo("US/Eastern")
    counts = index_flag_counts(IndexQuery(tenant_id=synced), tz=zone)
    flagged = [d for d in raw if brute.flagged(d)]
    assert counts.by_flag == dict(Counter(brute.flag_of(d) for d in flagged))
    days: dict = defaultdict(Counter)
    for d in flagged:
        days[brute.start_of(d).astimezone(zone).date()][brute.flag_of(d)] += 1
    assert counts.by_day == {day: dict(c) for day, c in days.items()}
    assert counts.total == len(flagged) > 0
    queue_only = index_flag_counts(IndexQuery(tenant_id=synced, queues=("Support",)), tz=zone)
    assert queue_only.total == sum(1 for d in flagged if "support" in brute.queues_of(d))


@pytest.mark.parametrize("sort", ["-start", "start", "-duration", "duration"])
def test_neighbours_step_through_the_result_in_its_order(synced, raw, sort):
    f = {"channels": ("email", "work-item")}  # includes rows of unknown duration
    want = brute.expected(raw, sort, **f)
    query = IndexQuery(tenant_id=synced, sort=sort, **f)
    picks = [0, 1, len(want) // 2, len(want) - 1]
    unknown = [
        i
        for i, x in enumerate(want)
        if brute.duration_of(next(d for d in raw if d["interactionId"] == x)) is None
    ]
    picks += unknown[:2]
    for i in picks:
        prev_id, next_id = index_neighbours(query, interaction_id=want[i])
        assert prev_id == (want[i - 1] if i > 0 else None), (sort, i)
        assert next_id == (want[i + 1] if i + 1 < len(want) else None), (sort, i)
    outside = next(d["interactionId"] for d in raw if d["channelType"] == "voice")
    assert index_neighbours(query, interaction_id=outside) == (None, None)


def test_coverage_follows_the_backfill(synced):
    assert index_coverage(tenant_id=synced, start=None, end=None)
    assert not index_coverage(tenant_id=synced, start=ANCHOR_AT - timedelta(days=400), end=None)
    assert not index_coverage(
        tenant_id="00000000-0000-4000-8000-000000000000", start=None, end=None
    )


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"channels": ("fax",)}, "Unknown channel"),
        ({"directions": ("sideways",)}, "Unknown direction"),
        ({"status": "done"}, "Unknown status"),
        ({"sort": "customer"}, "Unknown sort"),
        ({"start": ANCHOR_AT, "end": ANCHOR_AT - timedelta(days=1)}, "before the end"),
        ({"agents": tuple(f"a{n}" for n in range(60))}, "At most"),
    ],
)
def test_invalid_values_are_refused_with_a_message(kwargs, words):
    with pytest.raises(InvalidQuery, match=words):
        IndexQuery(tenant_id="t", **kwargs)
