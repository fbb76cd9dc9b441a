"""Layout maths for the flag overview: flagged counts by flagType and by day (tenant's zone)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from .flags import FLAGS, flag_info, flag_key
from .services.types import FlaggedScan

# a stable colour slot per known flag (css class fo-0 .. fo-7); unknown ones share fo-x
_SLOTS = {key: f"fo-{n}" for n, key in enumerate(FLAGS)}


def flag_slot(key: str) -> str:
    return _SLOTS.get(key, "fo-x")


@dataclass(frozen=True, slots=True)
class TypeBar:
    key: str
    label: str
    count: int
    width_pct: float
    slot: str


@dataclass(frozen=True, slots=True)
class DayPart:
    key: str
    label: str
    count: int
    y_pct: float
    height_pct: float
    slot: str


@dataclass(frozen=True, slots=True)
class DayBar:
    day: date
    total: int
    x_pct: float
    width_pct: float
    parts: tuple[DayPart, ...]
    start: str  # the day's bounds as the filter form's datetime-local values
    end: str

    @property
    def label(self) -> str:
        return self.day.strftime("%a %-d %b")


@dataclass(frozen=True, slots=True)
class FlagOverview:
    by_type: tuple[TypeBar, ...]
    days: tuple[DayBar, ...]
    peak: int  # the busiest day's count (the day chart's scale)
    undated: int  # flagged interactions without a start time
    older: int = 0  # flagged interactions before the first day drawn (``max_days`` back)


def build_flag_overview(scan: FlaggedScan, *, tz: tzinfo, max_days: int = 62) -> FlagOverview:
    """The overview of the flagged interactions a scan found (their days in ``tz``)."""
    type_counts = Counter(flag_key(i.flag_type) for i in scan.flagged)
    per_day: dict[date, Counter] = defaultdict(Counter)
    undated = 0
    for item in scan.flagged:
        if item.start is None:
            undated += 1
            continue
        per_day[item.start.astimezone(tz).date()][flag_key(item.flag_type)] += 1
    return flag_overview_of_counts(type_counts, per_day, undated=undated, max_days=max_days)


def flag_overview_of_counts(
    type_counts: Mapping[str, int],
    per_day: Mapping[date, Mapping[str, int]],
    *,
    undated: int = 0,
    max_days: int = 62,
) -> FlagOverview:
    """The overview of flagged counts by flag key, and by day and flag key (the local index
    counts them over a whole period without reading the rows)."""
    type_counts = Counter({key: n for key, n in type_counts.items() if n})
    per_day = {day: Counter(counts) for day, counts in per_day.items() if sum(counts.values())}
    most = max(type_counts.values(), default=0)
    by_type = tuple(
        TypeBar(key, flag_info(key).label, count, round(100 * count / most, 3), flag_slot(key))
        for key, count in type_counts.most_common()
    )

    if not per_day:
        return FlagOverview(by_type=by_type, days=(), peak=0, undated=undated)

    last = max(per_day)
    first = max(min(per_day), last - timedelta(days=max_days - 1))
    span = (last - first).days + 1
    peak = max(sum(c.values()) for d, c in per_day.items() if d >= first)
    slot_width = 100 / span
    days = []
    for n in range(span):
        day = first + timedelta(days=n)
        counts = per_day.get(day, Counter())
        parts, y = [], 100.0
        order = list(type_counts)
        for key, count in sorted(counts.items(), key=lambda kv: order.index(kv[0])):
            height = 100 * count / peak
            y -= height
            parts.append(
                DayPart(
                    key, flag_info(key).label, count, round(y, 3), round(height, 3), flag_slot(key)
                )
            )
        start = datetime.combine(day, time.min)
        days.append(
            DayBar(
                day=day,
                total=sum(counts.values()),
                x_pct=round(n * slot_width + slot_width * 0.12, 3),
                width_pct=round(slot_width * 0.76, 3),
                parts=tuple(parts),
                start=start.strftime("%Y-%m-%dT%H:%M"),
                end=(start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            )
        )
    older = sum(sum(c.values()) for d, c in per_day.items() if d < first)
    return FlagOverview(by_type=by_type, days=tuple(days), peak=peak, undated=undated, older=older)
