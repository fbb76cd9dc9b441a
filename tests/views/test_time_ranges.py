"""Shared links and quick ranges: a link selects the same interactions for every reader.

The session's sandbox is anchored at 2026-11-24T12:00Z (US/Eastern tenant); presets are resolved
against ``time_ranges.current_time``, set to that anchor here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote

import pytest
from django.test import Client
from django.urls import reverse

from interactions_app import time_ranges
from interactions_app.preferences import preference_set_zone

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
FLAGGED = reverse("interactions:flagged")
ANCHOR = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def ids_in(html: str) -> list[str]:
    return re.findall(r'data-href="/interactions/([0-9a-f-]{36})/', html)


def total_in(html: str) -> str:
    return re.search(r"of <strong>([\d,]+)</strong>", html).group(1)


def export_query(html: str) -> dict[str, list[str]]:
    """The query of the page's export link: the canonical query its form stands for."""
    href = re.search(r'href="/interactions/export/[a-z]+\.csv\?([^"]*)"', html).group(1)
    return parse_qs(unquote(href.replace("&amp;", "&")))


@pytest.fixture
def anchored(monkeypatch):
    monkeypatch.setattr(time_ranges, "current_time", lambda: ANCHOR)
    return ANCHOR


@pytest.fixture
def london_client(django_user_model):
    """A second supervisor who reads every page in Europe/London ("use my zone")."""
    user = django_user_model.objects.create_user(username="lon", password="pw-for-tests-2")
    preference_set_zone(user=user, mode="viewer", zone="Europe/London")
    client = Client()
    client.force_login(user)
    return client


# --- the link's zone ---------------------------------------------------------------------------


def test_a_shared_link_selects_the_same_rows_for_a_reader_in_another_zone(
    sup_client, london_client, live_api
):
    typed = {"start": "2026-11-23T09:00", "end": "2026-11-23T09:20", "limit": 100}
    sender = sup_client.get(LIST, typed).content.decode()
    link = export_query(sender)
    assert link["tz"] == ["US/Eastern"]  # the sender's zone travels with the times
    shared = {k: v[0] for k, v in link.items()}
    reader = london_client.get(LIST, shared).content.decode()
    assert ids_in(reader) == ids_in(sender) and ids_in(sender)
    assert total_in(reader) == total_in(sender)
    # the reader sees both zones: the link's and their own, with the same instants
    assert "Times in this link" in reader and "US/Eastern" in reader
    assert "Your zone (Europe/London)" in reader
    assert "Mon 23 Nov 2026, 14:00 → Mon 23 Nov 2026, 14:20" in reader
    assert "Mon 23 Nov 2026, 09:00 → Mon 23 Nov 2026, 09:20" in reader
    # a link without the zone is read in the reader's: five hours apart, other rows
    unzoned = london_client.get(LIST, typed).content.decode()
    assert ids_in(unzoned) != ids_in(sender)


def test_the_sender_sees_one_zone_and_the_reader_can_switch_to_theirs(
    sup_client, london_client, live_api
):
    query = {"start": "2026-11-23T09:00", "end": "2026-11-23T09:20", "tz": "US/Eastern"}
    sender = sup_client.get(LIST, query).content.decode()
    assert "Your zone" not in sender
    reader = london_client.get(LIST, query).content.decode()
    mine = re.search(r'<a href="\?([^"]*)">write these times in my zone</a>', reader).group(1)
    mine = {k: v[0] for k, v in parse_qs(mine.replace("&amp;", "&")).items()}
    assert mine["tz"] == "Europe/London" and mine["start"] == "2026-11-23T14:00"
    assert ids_in(london_client.get(LIST, mine).content.decode()) == ids_in(sender)


def test_an_unknown_zone_in_a_link_is_a_clear_400(sup_client, live_api):
    response = sup_client.get(LIST, {"start": "2026-11-23T09:00", "tz": "Mars/Olympus"})
    assert response.status_code == 400
    assert "names a time zone that does not exist" in response.content.decode()


def test_flag_overview_day_links_carry_the_zone_they_were_drawn_in(london_client, live_api):
    html = london_client.get(FLAGGED, {"depth": 1000}).content.decode()
    days = re.findall(r'<a href="\?([^"]*start=[^"]*)">\s*<title>', html)
    assert days and all("tz=Europe%2FLondon" in d for d in days)


# --- presets -----------------------------------------------------------------------------------


def test_presets_are_one_click_and_named_in_the_url(sup_client, live_api, anchored):
    html = sup_client.get(LIST).content.decode()
    nav = html[
        html.index('aria-label="Quick time ranges"') : html.index(
            "</nav>", html.index("Quick time ranges")
        )
    ]
    for name in ("last-hour", "last-12-hours", "today", "yesterday", "this-week", "last-7-days"):
        assert f"preset={name}" in nav
    assert "aria-current" not in nav  # none chosen yet
    chosen = sup_client.get(LIST, {"preset": "yesterday", "tz": "US/Eastern"}).content.decode()
    assert re.search(r'preset=yesterday[^"]*" title="[^"]*" aria-current="true">Yesterday<', chosen)
    assert export_query(chosen)["preset"] == ["yesterday"]  # links keep the name, not the times
    assert "start" not in export_query(chosen)
    assert re.search(
        r"<strong>Yesterday</strong>:\s+Mon 23 Nov 2026, 00:00 → Tue 24 Nov 2026, 00:00", chosen
    )


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("yesterday", "2026-11-23T00:00", "2026-11-24T00:00"),
        ("today", "2026-11-24T00:00", "2026-11-25T00:00"),
        ("last-hour", "2026-11-24T06:00", None),
    ],
)
def test_a_preset_selects_what_its_times_would(sup_client, live_api, anchored, preset, start, end):
    typed = {"start": start, "tz": "US/Eastern", "limit": 50} | ({"end": end} if end else {})
    by_preset = sup_client.get(LIST, {"preset": preset, "tz": "US/Eastern", "limit": 50})
    by_times = sup_client.get(LIST, typed)
    assert by_preset.status_code == by_times.status_code == 200
    assert ids_in(by_preset.content.decode()) == ids_in(by_times.content.decode())
    assert total_in(by_preset.content.decode()) == total_in(by_times.content.decode())


def test_a_shared_yesterday_is_the_links_yesterday_for_every_reader(
    sup_client, london_client, live_api, anchored
):
    link = {"preset": "yesterday", "tz": "US/Eastern", "limit": 25}
    sender = sup_client.get(LIST, link).content.decode()
    reader = london_client.get(LIST, link).content.decode()
    assert ids_in(reader) == ids_in(sender) and total_in(reader) == total_in(sender)
    assert "Yesterday in my zone instead" in reader


def test_a_shared_yesterday_stays_yesterday_the_next_day(sup_client, live_api, monkeypatch):
    link = {"preset": "yesterday", "tz": "US/Eastern"}
    monkeypatch.setattr(time_ranges, "current_time", lambda: ANCHOR)
    today = sup_client.get(LIST, link).content.decode()
    monkeypatch.setattr(time_ranges, "current_time", lambda: ANCHOR - timedelta(days=1))
    day_before = sup_client.get(LIST, link).content.decode()
    assert "Mon 23 Nov 2026, 00:00" in today and "Sun 22 Nov 2026, 00:00" in day_before
    assert ids_in(today) != ids_in(day_before)  # and the HTML cache did not mix them up


def test_a_typed_time_wins_over_a_preset_and_a_bad_preset_is_a_400(sup_client, live_api, anchored):
    both = sup_client.get(LIST, {"preset": "today", "start": "2026-11-20T10:00"})
    link = export_query(both.content.decode())
    assert "preset" not in link and link["start"] == ["2026-11-20T10:00"]
    bad = sup_client.get(LIST, {"preset": "fortnight"})
    assert bad.status_code == 400 and "Choose one of the quick ranges." in bad.content.decode()


# --- partial coverage --------------------------------------------------------------------------


def test_a_partial_flagged_scan_says_so_by_its_numbers(sup_client, live_api):
    html = sup_client.get(FLAGGED, {"depth": 1000}).content.decode()
    notice = re.search(r'<p class="notice partial-coverage"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert "only the most recent 1,000 were scanned" in notice
    count_line = html[html.index('class="pager-count"') :][:800]
    assert "Partial: found among the most recent 1,000 of" in count_line
    chart = html[html.index('class="fo-days"') :][:1200]
    assert "Partial: the scan reached back only to" in chart


def test_a_scan_that_covers_the_period_is_not_called_partial(sup_client, live_api, anchored):
    html = sup_client.get(FLAGGED, {"preset": "last-hour", "tz": "US/Eastern"}).content.decode()
    assert "That is every interaction in range." in html
    assert "Partial" not in html


def test_the_selected_flag_chip_is_announced(sup_client, live_api):
    html = sup_client.get(FLAGGED, {"depth": 1000}).content.decode()
    chips = html[html.index('aria-label="Filter by flag type"') :]
    chips = chips[: chips.index("</ul>")]
    assert chips.count('aria-current="true"') == 1
    assert re.search(r'aria-current="true">All flags', chips)
    key = re.findall(r'href="\?[^"]*flag=([a-z-]+)[^"]*"', chips)[0]
    chosen = sup_client.get(FLAGGED, {"depth": 1000, "flag": key}).content.decode()
    chips = chosen[chosen.index('aria-label="Filter by flag type"') :]
    chips = chips[: chips.index("</ul>")]
    assert chips.count('aria-current="true"') == 1
    assert re.search(rf'flag={key}[^"]*" title="[^"]*" aria-current="true">', chips)
