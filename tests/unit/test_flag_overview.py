from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from interactions_app.cxengage.models import Interaction
from interactions_app.flag_overview import build_flag_overview, flag_overview_of_counts
from interactions_app.services import FlaggedScan

EASTERN = ZoneInfo("US/Eastern")


def flagged(n: int, when: datetime | None, flag: str) -> Interaction:
    return Interaction(
        id=f"00000000-0000-4000-8000-{n:012d}",
        tenant_id=None,
        start=when,
        end=None,
        flagged=True,
        flag_type=flag,
    )


def scan(items):
    return FlaggedScan(flagged=tuple(items), scanned=1000, total=1000, depth=1000)


def test_counts_by_type_and_day_in_the_tenant_zone():
    items = [
        flagged(1, datetime(2026, 11, 24, 3, 0, tzinfo=UTC), "Queue"),  # 22:00 on the 23rd, Eastern
        flagged(2, datetime(2026, 11, 24, 15, 0, tzinfo=UTC), "queue"),
        flagged(3, datetime(2026, 11, 24, 16, 0, tzinfo=UTC), "Stuck"),
        flagged(4, None, "forced"),
    ]
    overview = build_flag_overview(scan(items), tz=EASTERN)
    assert [(b.key, b.count) for b in overview.by_type] == [
        ("queue", 2),
        ("stuck", 1),
        ("forced", 1),
    ]
    assert overview.by_type[0].width_pct == 100.0 and overview.by_type[1].width_pct == 50.0
    assert [(d.day.isoformat(), d.total) for d in overview.days] == [
        ("2026-11-23", 1),
        ("2026-11-24", 2),
    ]
    assert overview.undated == 1 and overview.peak == 2
    busiest = overview.days[1]
    assert busiest.start == "2026-11-24T00:00" and busiest.end == "2026-11-25T00:00"
    assert sum(p.height_pct for p in busiest.parts) == 100.0  # the busiest day fills the chart
    assert all(0 <= p.y_pct <= 100 for d in overview.days for p in d.parts)


def test_gap_days_are_drawn_empty_and_the_window_is_capped():
    items = [
        flagged(1, datetime(2026, 1, 1, 12, tzinfo=UTC), "Agent"),
        flagged(2, datetime(2026, 11, 24, 12, tzinfo=UTC), "Agent"),
    ]
    overview = build_flag_overview(scan(items), tz=UTC, max_days=10)
    assert len(overview.days) == 10
    assert overview.days[-1].total == 1 and all(d.total == 0 for d in overview.days[:-1])


def test_nothing_flagged_draws_nothing():
    overview = build_flag_overview(scan([]), tz=UTC)
    assert overview.by_type == () and overview.days == ()


def test_counts_from_the_index_draw_the_same_chart_as_the_rows_they_count():
    items = [
        flagged(1, datetime(2026, 11, 24, 3, 0, tzinfo=UTC), "Queue"),
        flagged(2, datetime(2026, 11, 24, 15, 0, tzinfo=UTC), "queue"),
        flagged(3, datetime(2026, 11, 24, 16, 0, tzinfo=UTC), "Stuck"),
        flagged(4, datetime(2026, 11, 20, 16, 0, tzinfo=UTC), "Agent"),
    ]
    from_rows = build_flag_overview(scan(items), tz=EASTERN)
    from_counts = flag_overview_of_counts(
        {"queue": 2, "stuck": 1, "agent": 1},
        {
            date(2026, 11, 20): {"agent": 1},
            date(2026, 11, 23): {"queue": 1},
            date(2026, 11, 24): {"queue": 1, "stuck": 1},
            date(2026, 11, 22): {"queue": 0},  # an empty day counts as none
        },
    )
    assert from_counts == from_rows
    assert len(from_counts.days) == 5  # 20..24 Nov, the days between included
