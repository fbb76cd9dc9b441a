"""Time presets and the zone a link's times are read in.

A result page's time range travels in its URL with the zone it was chosen in, so a shared link
selects the same interactions for every reader, whatever zone each of them displays:

- ``start``/``end`` are wall-clock times in the zone named by ``tz`` (an IANA name). A URL
  without ``tz`` is read in the reader's display zone, and the page's own links (and the URL
  htmx pushes) then carry that zone.
- ``preset=<name>`` is a moving range resolved when the page is read, in the zone named by
  ``tz`` (the zone of whoever chose it: a "yesterday" shared from London is London's yesterday
  for a reader in New York too, and it is still "yesterday" when read the next day). A time
  typed into ``start`` or ``end`` wins over a preset.

Rolling presets (last hour, last 12 hours) start at a whole minute, so a page read twice within
a minute asks CxEngage the same question (and its caches and a flagged scan in progress hold);
calendar presets (today, yesterday, this week, last 7 days) end at the next midnight, so they are
stable for the whole day. Weeks start on Monday (ISO 8601). "Last 7 days" is today and the six
days before it.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.utils import timezone


@dataclass(frozen=True, slots=True)
class Preset:
    name: str  # as written in the URL: ?preset=yesterday
    label: str
    description: str  # what it selects, for a title attribute


PRESETS: tuple[Preset, ...] = (
    Preset("last-hour", "Last hour", "The last 60 minutes, up to now"),
    Preset("last-12-hours", "Last 12 hours", "The last 12 hours, up to now"),
    Preset("today", "Today", "Since midnight"),
    Preset("yesterday", "Yesterday", "Midnight to midnight, the day before today"),
    Preset("this-week", "This week", "Since Monday midnight"),
    Preset("last-7-days", "Last 7 days", "Today and the six days before it"),
)
PRESETS_BY_NAME = {preset.name: preset for preset in PRESETS}


def current_time() -> datetime:
    """Now (presets are resolved against it; tests replace it with the sandbox's anchor)."""
    return timezone.now()


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def preset_range(name: str, *, tz: tzinfo, now: datetime) -> tuple[datetime, datetime | None]:
    """The (start, end) preset ``name`` stands for at ``now`` in ``tz``; end None is "up to
    now". Raises KeyError for an unknown name."""
    preset = PRESETS_BY_NAME[name]
    local = now.astimezone(tz)
    today = local.date()
    minute = now.astimezone(UTC).replace(second=0, microsecond=0)
    match preset.name:
        case "last-hour":
            return (minute - timedelta(hours=1)).astimezone(tz), None
        case "last-12-hours":
            return (minute - timedelta(hours=12)).astimezone(tz), None
        case "today":
            return _midnight(today, tz), _midnight(today + timedelta(days=1), tz)
        case "yesterday":
            return _midnight(today - timedelta(days=1), tz), _midnight(today, tz)
        case "this-week":
            monday = today - timedelta(days=today.weekday())
            return _midnight(monday, tz), _midnight(monday + timedelta(days=7), tz)
        case _:  # last-7-days
            return _midnight(today - timedelta(days=6), tz), _midnight(
                today + timedelta(days=1), tz
            )


def zone_named(name: str) -> tzinfo | None:
    """The zone an IANA name (or a legacy alias tzdata resolves) stands for, else None."""
    if not name or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_name(tz: tzinfo) -> str:
    """The IANA name of a zone as it goes into a URL ("UTC" for a fixed UTC zone)."""
    key = getattr(tz, "key", None)
    return key if isinstance(key, str) and key else "UTC"
