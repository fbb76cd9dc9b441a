"""The sync against a real sandbox: backfill, incremental passes, unfinished interactions
finishing, a pass killed and resumed, two syncers at once, retention, the status record, and
the detail page's news."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from interactions_app.cxengage.parsing import parse_interaction
from interactions_app.index import store as index_store
from interactions_app.index import sync as index_sync
from interactions_app.index.models import IndexedAgent, IndexedInteraction, IndexState
from interactions_app.index.queries import IndexQuery, index_coverage, index_page
from interactions_app.index.services import index_note_interaction, index_status
from interactions_app.index.sync import Syncer, lease_take

from . import brute
from .conftest import ANCHOR_AT, read_all

pytestmark = pytest.mark.django_db


def indexed() -> dict[str, IndexedInteraction]:
    return {row.interaction_id: row for row in IndexedInteraction.objects.all()}


def test_backfill_reads_every_window_newest_first_and_records_its_progress(index_api, raw):
    cursors = []
    result = Syncer(
        clock=lambda: ANCHOR_AT, on_window=lambda s: cursors.append(s.backfill_cursor)
    ).run_pass()
    assert (result.status, result.mode) == ("ok", "backfill")
    assert set(indexed()) == {d["interactionId"] for d in raw}
    assert cursors == sorted(cursors, reverse=True) and len(cursors) >= 10  # newest first
    state = IndexState.objects.get()
    assert state.backfill_done and state.rows == len(raw)
    assert state.backfill_cursor == ANCHOR_AT - timedelta(days=30)
    stats = index_api.stats()["paths"]
    calls = sum(n for path, n in stats.items() if path.endswith("/interactions"))
    assert calls == result.calls - result.rechecked  # list calls; rechecks are single gets
    # a second pass reads only what is new (nothing) and the unfinished ones, writing nothing
    again = Syncer(clock=lambda: ANCHOR_AT).run_pass()
    assert (again.mode, again.written) == ("incremental", 0)
    assert again.calls < 5


def test_incremental_passes_read_what_started_since(index_api, raw):
    earlier = ANCHOR_AT - timedelta(hours=6)
    Syncer(clock=lambda: earlier).run_pass()
    before = {d["interactionId"] for d in raw if brute.start_of(d) < earlier}
    assert set(indexed()) == before
    result = Syncer(clock=lambda: ANCHOR_AT).run_pass()
    assert result.mode == "incremental"
    assert set(indexed()) == {d["interactionId"] for d in raw}
    assert result.written == len(raw) - len(before)
    assert result.read < 200  # six hours and the overlap, not the month


def test_unfinished_interactions_are_read_again_until_they_finish(index_api, raw):
    Syncer(clock=lambda: ANCHOR_AT).run_pass()
    unfinished = [d["interactionId"] for d in raw if d.get("dataComplete") is False]
    assert unfinished
    assert all(indexed()[i].data_complete is False for i in unfinished)
    later = ANCHOR_AT + timedelta(hours=20)
    index_api.clock(advance_seconds=20 * 3600)
    result = Syncer(clock=lambda: later, days=30).run_pass()
    fresh = {d["interactionId"]: d for d in read_all(index_api)}
    rows = indexed()
    for interaction_id in unfinished:
        d, row = fresh[interaction_id], rows[interaction_id]
        assert d["dataComplete"] is True
        assert row.data_complete is True
        assert row.flagged == brute.flagged(d)
        assert row.end is not None and row.duration == pytest.approx(brute.duration_of(d))
    assert result.written >= len(unfinished)
    # finished: not read again by the next pass
    assert Syncer(clock=lambda: later).run_pass().rechecked == 0


def test_unfinished_rows_older_than_the_overlap_are_read_one_by_one(index_api, raw):
    """The window a pass reads covers the last minutes; an interaction the index holds as
    unfinished from before that is fetched on its own (within a day of its start)."""
    Syncer(clock=lambda: ANCHOR_AT).run_pass()
    hours_ago = next(d for d in raw if brute.start_of(d) < ANCHOR_AT - timedelta(hours=3))
    days_ago = next(d for d in raw if brute.start_of(d) < ANCHOR_AT - timedelta(days=2))
    for d in (hours_ago, days_ago):  # as if the index had read them while they were running
        IndexedInteraction.objects.filter(pk=d["interactionId"]).update(
            data_complete=False, end=None, duration=None
        )
    result = Syncer(clock=lambda: ANCHOR_AT).run_pass()
    assert result.rechecked == 1
    assert index_api.stats()["paths"].get(
        f"/v1/tenants/{index_api.TENANT_A}/interactions/{hours_ago['interactionId']}"
    )
    rows = indexed()
    assert rows[hours_ago["interactionId"]].data_complete is True
    assert rows[hours_ago["interactionId"]].duration == pytest.approx(brute.duration_of(hours_ago))
    assert rows[days_ago["interactionId"]].data_complete is False  # older than a day: left


def test_a_pass_killed_midway_resumes_where_it_stopped(index_api, raw, monkeypatch):
    real = index_store.upsert
    calls = {"n": 0}

    def dies_on_the_fifth_page(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(index_sync, "upsert", dies_on_the_fifth_page)
    with pytest.raises(RuntimeError, match="killed"):
        Syncer(clock=lambda: ANCHOR_AT).run_pass()
    state = IndexState.objects.get()
    assert not state.backfill_done and state.failed_at is not None
    assert ANCHOR_AT - timedelta(days=30) < state.backfill_cursor < ANCHOR_AT
    assert "failed" in index_status(tenant_id=state.tenant_id).sentence(now=ANCHOR_AT)
    partial = set(indexed())
    assert partial and len(partial) < len(raw)
    monkeypatch.setattr(index_sync, "upsert", real)
    index_api.reset()
    result = Syncer(clock=lambda: ANCHOR_AT).run_pass()
    assert result.status == "ok"
    assert set(indexed()) == {d["interactionId"] for d in raw}
    # it resumed at the cursor: the windows already written were not read again
    assert result.read < len(raw)
    assert IndexedAgent.objects.count() == sum(len(brute.agents_of(d)) for d in raw)


def test_a_stopped_pass_resumes_too(index_api, raw):
    syncer = Syncer(clock=lambda: ANCHOR_AT)
    syncer.on_window = lambda state: syncer.stop.set()
    assert syncer.run_pass().status == "stopped"
    assert not IndexState.objects.get().backfill_done
    assert Syncer(clock=lambda: ANCHOR_AT).run_pass().status == "ok"
    assert set(indexed()) == {d["interactionId"] for d in raw}


def test_two_syncers_at_once_one_works_the_other_waits(index_api, raw):
    second = Syncer(clock=lambda: ANCHOR_AT, holder="second")
    seen = []

    def meanwhile(state):  # type: ignore[no-untyped-def]
        if not seen:
            seen.append(second.run_pass(wait_seconds=0.2))

    first = Syncer(clock=lambda: ANCHOR_AT, holder="first", on_window=meanwhile)
    assert first.run_pass().status == "ok"
    assert (seen[0].status, seen[0].holder, seen[0].read) == ("busy", "first", 0)
    assert set(indexed()) == {d["interactionId"] for d in raw}
    # the lease is free again: the second one works now (and has nothing left to do)
    assert second.run_pass().status == "ok"
    # a syncer that died keeps the lease only until it expires
    assert lease_take(first.tenant_id, "dead", now=ANCHOR_AT)
    assert second.run_pass().status == "busy"
    later = Syncer(clock=lambda: ANCHOR_AT + timedelta(seconds=index_sync.LEASE_SECONDS + 1))
    assert later.run_pass().status == "ok"


def test_rows_older_than_the_window_are_deleted(index_api, raw):
    Syncer(clock=lambda: ANCHOR_AT).run_pass()
    result = Syncer(clock=lambda: ANCHOR_AT, days=10).run_pass()
    kept = {d["interactionId"] for d in raw if brute.start_of(d) >= ANCHOR_AT - timedelta(days=10)}
    assert set(indexed()) == kept
    assert result.deleted == len(raw) - len(kept)
    assert not IndexedAgent.objects.exclude(interaction_id__in=kept).exists()


def test_a_failed_pass_is_recorded_and_said(index_api):
    Syncer(clock=lambda: ANCHOR_AT).run_pass()
    tenant = index_api.TENANT_A
    ok = index_status(tenant_id=tenant).sentence(now=ANCHOR_AT + timedelta(seconds=14))
    assert ok.startswith("Index: 3,000 interactions, 25 Oct – 24 Nov, synced 14 s ago"), ok
    index_api.set_faults(mode="status", status=429, retry_after=30)
    result = Syncer(clock=lambda: ANCHOR_AT + timedelta(minutes=1)).run_pass()
    assert result.status == "failed"
    sentence = index_status(tenant_id=tenant).sentence(now=ANCHOR_AT + timedelta(minutes=4))
    assert (
        sentence == "Index behind: last pass failed 3 min ago: CxEngage is rate-limiting requests"
    )
    index_api.set_faults()
    Syncer(clock=lambda: ANCHOR_AT + timedelta(minutes=5)).run_pass()
    assert not index_status(tenant_id=tenant).behind
    assert index_coverage(tenant_id=tenant, start=ANCHOR_AT - timedelta(days=2), end=None)


def test_the_detail_page_updates_the_row_when_it_learns_something_newer(index_api, raw):
    Syncer(clock=lambda: ANCHOR_AT).run_pass()
    unfinished = next(d for d in raw if d.get("dataComplete") is False)
    index_api.clock(advance_seconds=86400)
    fresh = parse_interaction(index_api.interactions(f"/{unfinished['interactionId']}"))
    assert fresh.data_complete is True
    assert index_note_interaction(interaction=fresh) is True
    row = IndexedInteraction.objects.get(pk=fresh.id)
    assert row.data_complete is True and row.flagged == fresh.flagged
    assert index_note_interaction(interaction=fresh) is False  # nothing newer the second time
    query = IndexQuery(tenant_id=index_api.TENANT_A, status="in-progress")
    assert fresh.id not in {r.id for r in index_page(query, offset=0, limit=100)[0]}


def test_noting_never_raises_into_the_page(index_api, raw, monkeypatch, settings):
    Syncer(clock=lambda: ANCHOR_AT).run_pass()
    item = parse_interaction(index_api.interactions(f"/{raw[0]['interactionId']}"))

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr("interactions_app.index.services.upsert", broken)
    assert index_note_interaction(interaction=item) is False
    settings.CXENGAGE_INDEX = False
    assert index_note_interaction(interaction=item) is False


def test_the_command_runs_one_pass_and_refuses_when_off(index_api, settings, capsys):
    call_command("index_sync", "--no-progress")
    assert "status=ok" in capsys.readouterr().out
    settings.CXENGAGE_INDEX = False
    with pytest.raises(CommandError, match="CXENGAGE_INDEX"):
        call_command("index_sync")
    lease_take(index_api.TENANT_A, "someone-else", now=ANCHOR_AT + timedelta(days=3650))
    with pytest.raises(CommandError, match="someone-else"):
        call_command("index_sync", "--force", "--wait", "0", "--no-progress")
