"""Quick ranges resolved in a zone at a moment (interactions_app/time_ranges.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from interactions_app.time_ranges import PRESETS, preset_range, zone_name, zone_named

EASTERN = ZoneInfo("US/Eastern")
# Tue 24 Nov 2026, 07:00:42 in New York
NOW = datetime(2026, 11, 24, 12, 0, 42, tzinfo=UTC)


def local(name: str, tz=EASTERN, now=NOW) -> tuple[str, str | None]:
    start, end = preset_range(name, tz=tz, now=now)
    fmt = "%a %Y-%m-%d %H:%M %Z"
    return start.astimezone(tz).strftime(fmt), end and end.astimezone(tz).strftime(fmt)


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("last-hour", "Tue 2026-11-24 06:00 EST", None),  # from a whole minute, up to now
        ("last-12-hours", "Mon 2026-11-23 19:00 EST", None),
        ("today", "Tue 2026-11-24 00:00 EST", "Wed 2026-11-25 00:00 EST"),
        ("yesterday", "Mon 2026-11-23 00:00 EST", "Tue 2026-11-24 00:00 EST"),
        ("this-week", "Mon 2026-11-23 00:00 EST", "Mon 2026-11-30 00:00 EST"),
        ("last-7-days", "Wed 2026-11-18 00:00 EST", "Wed 2026-11-25 00:00 EST"),
    ],
)
def test_each_preset(name, start, end):
    assert local(name) == (start, end)


def test_every_preset_is_listed_once():
    names = [p.name for p in PRESETS]
    assert len(set(names)) == len(names) == 6


def test_the_day_is_the_zones_day():
    # 02:00 UTC on the 24th is still the 23rd in New York, already the 24th in Tokyo
    early = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert local("yesterday", now=early)[0] == "Sun 2026-11-22 00:00 EST"
    tokyo = ZoneInfo("Asia/Tokyo")
    assert local("yesterday", tz=tokyo, now=early)[0] == "Mon 2026-11-23 00:00 JST"


def test_a_day_across_the_dst_change_is_23_or_25_hours():
    fall_back = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # the day after 1 Nov (25 h)
    start, end = preset_range("yesterday", tz=EASTERN, now=fall_back)
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 25 * 3600
    spring = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)  # the day after 8 Mar (23 h)
    start, end = preset_range("yesterday", tz=EASTERN, now=spring)
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 23 * 3600


def test_rolling_presets_hold_for_the_minute():
    a = preset_range("last-hour", tz=EASTERN, now=NOW)
    b = preset_range("last-hour", tz=EASTERN, now=NOW.replace(second=59))
    assert a == b


def test_zone_names():
    assert zone_name(EASTERN) == "US/Eastern"
    assert zone_named("Europe/London") == ZoneInfo("Europe/London")
    assert zone_named("Mars/Olympus") is None and zone_named("") is None
    assert zone_named("../../etc/passwd") is None
