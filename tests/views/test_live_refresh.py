"""Live refresh of unfinished interactions: the detail region and table rows poll, back off, stop.

The session's sandbox has a frozen clock; ``live_api.clock(advance_seconds=...)`` moves it so the
interactions unfinished at the anchor finish (one in five flagged). ``live_api`` resets the clock
(``/_sandbox/reset``) before and after each test.
"""

from __future__ import annotations

import re

import pytest

from interactions_app.models import AuditEvent

pytestmark = pytest.mark.django_db

DAY = 86_400
POLL = {"HX-Request": "true", "HX-Target": "live-detail"}
ROW_POLL = {"HX-Request": "true"}
TRIGGER = re.compile(r'hx-trigger="every (\d+)s, live-resume from:document"')


@pytest.fixture
def live_ids(live_api):
    """Unfinished interactions sorted by how they finish: (plain, flagged, finished-at-anchor)."""
    results = live_api.interactions(limit=200)["results"]
    unfinished = [i["interactionId"] for i in results if i["dataComplete"] is False]
    finished = next(i["interactionId"] for i in results if i["dataComplete"] is True)
    live_api.clock(advance_seconds=DAY)
    later = {i: live_api.interactions(f"/{i}") for i in unfinished}
    live_api.reset()
    plain = [i for i in unfinished if not later[i].get("flagged")]
    flagged = [i for i in unfinished if later[i].get("flagged")]
    assert plain and flagged
    return plain, flagged, finished


def _fragment(client, interaction_id: str, poll: int | None = None):
    url = f"/interactions/{interaction_id}/"
    return client.get(url, {"poll": poll} if poll is not None else {}, headers=POLL)


def _row(client, interaction_id: str, headers=ROW_POLL, **params):
    return client.get(f"/interactions/{interaction_id}/row/", params, headers=headers)


# --- detail page -------------------------------------------------------------------------------


def test_unfinished_detail_page_polls_its_header_and_timeline(sup_client, live_ids):
    plain, _, _ = live_ids
    r = sup_client.get(f"/interactions/{plain[0]}/")
    assert r.status_code == 200
    body = r.content.decode()
    region = body[body.index('<div id="live-detail"') :]
    assert TRIGGER.search(region[:600])[1] == "5"
    assert f'hx-get="/interactions/{plain[0]}/?poll=1"' in region[:600]
    assert 'hx-swap="outerHTML"' in region[:600] and "data-live-poll" in region[:600]
    assert "In progress" in region
    assert "<table" in body  # the full page: detail tables below the live region


@pytest.mark.parametrize(("poll", "interval"), [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)])
def test_the_fragment_backs_off(sup_client, live_ids, poll, interval):
    plain, _, _ = live_ids
    r = _fragment(sup_client, plain[0], poll)
    assert r.status_code == 200
    body = r.content.decode()
    assert body.lstrip().startswith('<div id="live-detail"')
    assert "<html" not in body and "<nav" not in body  # only the region
    assert TRIGGER.search(body)[1] == str(interval)
    assert f"?poll={poll + 1}" in body
    assert 'class="timeline' in body or "Timeline" in body


def test_the_first_interval_follows_the_setting(sup_client, live_ids, settings):
    settings.LIVE_REFRESH_FIRST_SECONDS = 1
    plain, _, _ = live_ids
    assert TRIGGER.search(sup_client.get(f"/interactions/{plain[0]}/").content.decode())[1] == "1"
    assert TRIGGER.search(_fragment(sup_client, plain[0], 2).content.decode())[1] == "4"


def test_finished_fragment_has_no_trigger(sup_client, live_api, live_ids):
    plain, _, _ = live_ids
    assert "In progress" in _fragment(sup_client, plain[0], 1).content.decode()
    live_api.clock(advance_seconds=DAY)
    body = _fragment(sup_client, plain[0], 2).content.decode()
    assert body.lstrip().startswith('<div id="live-detail"')
    assert 'hx-trigger="every' not in body and "data-live-poll" not in body
    assert "In progress" not in body
    assert '<span class="badge done">Reporting finished</span>' in body
    assert "badge flag" not in body


def test_flag_badge_appears_when_it_finishes_flagged(sup_client, live_api, live_ids):
    _, flagged, _ = live_ids
    assert "badge flag" not in _fragment(sup_client, flagged[0], 1).content.decode()
    live_api.clock(advance_seconds=DAY)
    body = _fragment(sup_client, flagged[0], 2).content.decode()
    assert 'hx-trigger="every' not in body
    assert re.search(r'<span class="badge flag">! [^<]+</span>', body)
    assert "Why it is flagged" in body
    # no reassuring badge beside the red flag
    assert "Reporting finished</span>" not in body and "Data complete" not in body


def _tables(body: str) -> str:
    start = body.index('<div id="detail-tables"')
    return body[start : body.index("Raw JSON from CxEngage", start)]


def test_a_poll_refreshes_the_tables_with_the_header(sup_client, live_api, live_ids):
    """The whole page changes in one swap: the poll's answer carries the tables out of band, so
    the Segments/Queues/Agents tables never keep a row the timeline has moved past."""
    plain, _, _ = live_ids
    page = sup_client.get(f"/interactions/{plain[0]}/").content.decode()
    assert page.count('id="detail-tables"') == 1 and "hx-swap-oob" not in page
    running = _fragment(sup_client, plain[0], 1).content.decode()
    tables = _tables(running)
    assert tables.startswith('<div id="detail-tables" hx-swap-oob="true">')
    assert "<h2>Segments" in tables and "<h2>Agents" in tables
    # running is not missing: an open part reads "still open", never the red words
    assert '<span class="still-open">still open</span>' in tables
    assert "end not received" not in running
    assert 'id="live-status"' not in running  # nothing to announce yet
    assert "Updated at" in running and "next in 10 s" in running

    live_api.clock(advance_seconds=DAY)
    done = _fragment(sup_client, plain[0], 2).content.decode()
    tables = _tables(done)
    assert "still open" not in done and "In progress" not in done
    later = live_api.interactions(f"/{plain[0]}")
    assert f'<h2>Segments <span class="count">{len(later["segments"])}</span>' in tables
    assert f'<h2>Agents <span class="count">{len(later.get("agents") or [])}</span>' in tables
    # announced once: only the answer that finds it finished fills the live status
    assert done.count('<div id="live-status" hx-swap-oob="innerHTML">') == 1
    assert "This interaction has just finished" in done
    assert 'id="artifacts"' in done and 'hx-swap-oob="true"' in done  # recordings load again
    assert "finished while you watched" in done


def test_a_finished_page_loads_without_out_of_band_parts(sup_client, live_ids):
    _, _, finished = live_ids
    body = sup_client.get(f"/interactions/{finished}/").content.decode()
    assert "hx-swap-oob" not in body
    status = '<div id="live-status" class="visually-hidden" role="status" aria-live="polite">'
    assert f"{status}</div>" in body  # empty until a poll finds it finished
    assert "Loaded at" in body


def test_finished_interaction_does_not_poll(sup_client, live_ids):
    _, _, finished = live_ids
    body = sup_client.get(f"/interactions/{finished}/").content.decode()
    assert '<div id="live-detail"' in body
    assert "data-live-poll" not in body


def test_polls_are_not_audited_but_the_page_view_is(sup_client, live_ids):
    plain, _, _ = live_ids
    sup_client.get(f"/interactions/{plain[0]}/")
    for poll in (1, 2, 3):
        _fragment(sup_client, plain[0], poll)
    assert AuditEvent.objects.filter(interaction_id=plain[0]).count() == 1


def test_upstream_trouble_during_a_poll_keeps_the_region(sup_client, live_api, live_ids):
    plain, _, _ = live_ids
    sup_client.get(f"/interactions/{plain[0]}/")  # tenant facts cached, as on a real page
    live_api.set_faults(mode="status", status=503)
    r = _fragment(sup_client, plain[0], 1)
    assert r.status_code == 204 and r.content == b""
    live_api.reset()
    r = _row(sup_client, plain[0])
    assert r.status_code == 200


# --- table rows --------------------------------------------------------------------------------


def test_row_endpoint_polls_an_unfinished_row_then_stops(sup_client, live_api, live_ids):
    plain, _, _ = live_ids
    origin = "/interactions/?limit=50"
    r = _row(sup_client, plain[0], poll=2, **{"from": origin})
    assert r.status_code == 200
    body = r.content.decode()
    assert body.lstrip().startswith("<tr") and body.rstrip().endswith("</tr>")
    assert "is-live" in body and "In progress" in body
    assert TRIGGER.search(body)[1] == "20"
    assert (
        f'hx-get="/interactions/{plain[0]}/row/?poll=3&amp;from=%2Finteractions%2F%3Flimit%3D50"'
        in body
    )
    # the detail link keeps the page it came from, as the table does
    assert f'href="/interactions/{plain[0]}/?from=%2Finteractions%2F%3Flimit%3D50"' in body
    live_api.clock(advance_seconds=DAY)
    body = _row(sup_client, plain[0], poll=3, **{"from": origin}).content.decode()
    assert "hx-trigger" not in body and "is-live" not in body and "In progress" not in body
    assert "badge flag" not in body


def test_row_carries_the_flag_badge_when_it_finishes_flagged(sup_client, live_api, live_ids):
    _, flagged, _ = live_ids
    live_api.clock(advance_seconds=DAY)
    body = _row(sup_client, flagged[0], poll=1).content.decode()
    assert 'hx-trigger="every' not in body
    assert re.search(r'<span class="badge flag" title="[^"]+">! ', body)
    assert "is-flagged" in body


def test_row_endpoint_keeps_search_highlights(sup_client, live_ids):
    plain, _, _ = live_ids
    body = _row(sup_client, plain[0], term=["lang-en", "VIP"]).content.decode()
    assert 'class="c-match"' in body
    assert "term=VIP&amp;term=lang-en" in body


def test_row_endpoint_unknown_and_malformed_ids_are_404(sup_client, live_api):
    assert _row(sup_client, "00000000-0000-4000-8000-000000000000", headers={}).status_code == 404
    assert _row(sup_client, "not-a-uuid", headers={}).status_code == 404
    # an htmx poll for a vanished interaction leaves the row alone
    assert _row(sup_client, "00000000-0000-4000-8000-000000000000").status_code == 204


def test_login_required(client, live_ids):
    plain, _, _ = live_ids
    for r in (_row(client, plain[0]), _fragment(client, plain[0], 1)):
        assert r.status_code == 302
        assert "/login/" in r["Location"]


def test_list_polls_only_the_first_live_rows(sup_client, live_api):
    body = sup_client.get("/interactions/", {"limit": 1000}).content.decode()
    rows = re.findall(r"<tr class=\"[^\"]*\"[^>]*>", body)
    live_rows = [r for r in rows if "is-live" in r]
    polling = [r for r in rows if "data-live-poll" in r]
    assert len(live_rows) > 25  # the sandbox has more than the cap on its first 1000
    assert len(polling) == 25
    assert polling == live_rows[:25]  # the most recent ones
    assert all("is-live" in r for r in polling)
    assert all(TRIGGER.search(r)[1] == "5" for r in polling)
    assert all("/row/?poll=1&amp;from=%2Finteractions%2F%3Flimit%3D1000" in r for r in polling)
