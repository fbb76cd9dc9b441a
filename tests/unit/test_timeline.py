"""Timeline layout maths (interactions_app.timeline) and its SVG partial.

Django-free on purpose: the template is rendered with a standalone ``django.template.Engine`` over
the project's templates directory, which needs no settings because the partial only outputs
strings (no localised numbers, no tags beyond the builtins).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from interactions_app.cxengage.parsing import decode_json, parse_interaction
from interactions_app.timeline import (
    MIN_BAR_PCT,
    Timeline,
    build_timeline,
    format_duration,
)
from tests.support.reference import REFERENCE, reference_sample

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
EASTERN = ZoneInfo("US/Eastern")
T0 = datetime(2024, 3, 1, 14, 0, 0, tzinfo=UTC)
NOW = datetime(2024, 3, 1, 18, 0, 0, tzinfo=UTC)
IID = "98a56b60-d9e7-11e7-9c4e-7eab04d876eb"


def ts(seconds: float) -> str:
    """An upstream timestamp ``seconds`` after T0."""
    moment = T0 + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def interaction(**fields: Any):
    data: dict[str, Any] = {
        "interactionId": IID,
        "startTimestamp": ts(0),
        "endTimestamp": ts(600),
        "dataComplete": True,
    }
    data.update(fields)
    return parse_interaction({k: v for k, v in data.items() if v is not None})


def layout(item, *, tz=UTC, now=NOW) -> Timeline:
    return build_timeline(item, tz=tz, now=now)


def lanes_of(timeline: Timeline, kind: str):
    return [lane for lane in timeline.lanes if lane.kind == kind]


def all_pcts(timeline: Timeline) -> list[float]:
    values = [t.pct for t in timeline.ticks] + [m.pct for m in timeline.markers]
    for lane in timeline.lanes:
        for bar in lane.bars:
            values += [bar.start_pct, bar.width_pct, bar.start_pct + bar.width_pct]
    if timeline.end_line:
        values.append(timeline.end_line.pct)
    return values


def reference_json(name: str) -> Any:
    if not (REFERENCE / name).exists():
        pytest.skip(f"{REFERENCE / name} is not available")
    return decode_json(reference_sample(name))


def email_with_transfers():
    results = reference_json("list-interactions.txt")["results"]
    (email,) = [r for r in results if r.get("channelType") == "email"]
    return parse_interaction(email)


# --- format_duration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0.173, "0.17s"),
        (41.149, "41.15s"),
        (93.993, "1m 34s"),
        (65, "1m 05s"),
        (7380, "2h 03m"),
        (59.999, "1m 00s"),
        (90000, "1d 01h"),
        (None, "?"),
    ],
)
def test_format_duration(seconds, expected):
    assert format_duration(seconds) == expected


def test_format_duration_precise_keeps_hundredths():
    assert format_duration(93.993, precise=True) == "1m 33.99s"
    assert format_duration(0.5, precise=True) == "0.50s"


# --- lanes ------------------------------------------------------------------------------------


def test_out_of_order_segments_become_lanes_in_segment_order():
    item = interaction(
        segments=[
            {"segmentNumber": 2, "startTimestamp": ts(300), "endTimestamp": ts(400)},
            {"segmentNumber": 0, "startTimestamp": ts(0), "endTimestamp": ts(100)},
            {"segmentNumber": 1, "startTimestamp": ts(100), "endTimestamp": ts(300)},
        ]
    )
    timeline = layout(item)
    segments = lanes_of(timeline, "segment")
    assert [lane.label for lane in segments] == ["Segment 0", "Segment 1", "Segment 2"]
    starts = [lane.bars[0].start_pct for lane in segments]
    assert starts == sorted(starts)
    assert segments[1].bars[0].start_pct == pytest.approx(100 / 600 * 100, abs=0.001)
    assert segments[1].bars[0].width_pct == pytest.approx(200 / 600 * 100, abs=0.001)


def test_segment_sublabel_names_start_and_end_types():
    item = interaction(
        segments=[
            {
                "segmentNumber": 0,
                "segmentStartType": "interaction",
                "segmentEndType": "customer-disconnect",
                "startTimestamp": ts(0),
                "endTimestamp": ts(600),
            },
            {"segmentNumber": 1, "segmentStartType": "transfer", "startTimestamp": ts(200)},
        ]
    )
    first, second = lanes_of(layout(item), "segment")
    assert first.sublabel == "interaction → customer-disconnect"
    assert second.sublabel == "transfer → end not received"


def _flagged(flag_type: str, **fields: Any):
    return interaction(flagged=True, flagType=flag_type, **fields)


def _assert_open(lane):
    assert lane.missing_end is True
    (bar,) = [b for b in lane.bars if b.open_ended]
    assert "tl-bar--open" in bar.css.split()
    assert "end not received" in bar.title
    assert bar.start_pct + bar.width_pct == pytest.approx(100.0, abs=0.001)
    return bar


def test_queue_flag_points_at_the_open_queue_entry():
    item = _flagged(
        "Queue",
        queues=[
            {"queueName": "Billing", "startTimestamp": ts(5), "endTimestamp": ts(20)},
            {"queueName": "Support", "startTimestamp": ts(30), "queueTime": 12.0},
        ],
    )
    timeline = layout(item)
    billing, support = lanes_of(timeline, "queue")
    _assert_open(support)
    assert support.flag_related is True
    assert billing.missing_end is False and billing.flag_related is False
    assert timeline.flag_note == (
        "Flagged 'Queue end missing': the Support queue entry below never received an end time."
    )


def test_agent_flag_points_at_the_open_agent_leg():
    item = _flagged(
        "Agent",
        agents=[
            {
                "agentName": "Kris Agent",
                "startTimestamp": ts(40),
                "agentWorkAccepted": True,
                "agentWorkAcceptedTime": 5,
                "conversationStartTimestamp": ts(45),
            }
        ],
    )
    timeline = layout(item)
    (agent,) = lanes_of(timeline, "agent")
    assert agent.missing_end and agent.flag_related
    main = agent.bars[0]
    assert main.open_ended and "tl-bar--open" in main.css
    assert "end not received" in main.title
    talk = [b for b in agent.bars if "tl-bar--talk" in b.css]
    assert talk and talk[0].open_ended and talk[0].nested
    assert "Agent end missing" in timeline.flag_note
    assert "Kris Agent" in timeline.flag_note
    assert agent.sublabel.startswith("accepted after 5.00s")


def test_segment_flag_points_at_the_open_segment():
    item = _flagged(
        "Segment",
        segments=[
            {"segmentNumber": 0, "startTimestamp": ts(0), "endTimestamp": ts(100)},
            {"segmentNumber": 1, "segmentStartType": "transfer", "startTimestamp": ts(100)},
        ],
    )
    timeline = layout(item)
    closed, open_lane = lanes_of(timeline, "segment")
    _assert_open(open_lane)
    assert open_lane.flag_related and not closed.flag_related
    assert timeline.flag_note == (
        "Flagged 'Segment end missing': segment 1 below never received an end time."
    )


def test_stuck_flag_says_the_axis_has_no_real_end():
    item = _flagged(
        "Stuck",
        endTimestamp=None,
        segments=[{"segmentNumber": 0, "startTimestamp": ts(0)}],
        queues=[{"queueName": "Support", "startTimestamp": ts(2), "endTimestamp": ts(300)}],
    )
    timeline = layout(item)
    assert timeline.open_ended is False  # not in progress: it does not run to now
    assert timeline.end_missing is True
    assert timeline.end > T0 + timedelta(seconds=300)  # latest timestamp, padded
    assert timeline.end < NOW
    assert "no real end" in timeline.flag_note
    assert "Stuck" in timeline.flag_note
    (segment,) = lanes_of(timeline, "segment")
    _assert_open(segment)
    assert segment.flag_related
    assert not lanes_of(timeline, "queue")[0].flag_related


def test_flag_without_a_matching_open_part_is_explained_not_pinned():
    item = _flagged(
        "Queue", queues=[{"queueName": "Support", "startTimestamp": ts(1), "endTimestamp": ts(9)}]
    )
    timeline = layout(item)
    assert "every queue below has an end time" in timeline.flag_note
    assert not any(lane.flag_related for lane in timeline.lanes)


def test_unflagged_missing_end_is_shown_but_not_blamed():
    item = interaction(queues=[{"queueName": "Support", "startTimestamp": ts(1)}])
    timeline = layout(item)
    (queue,) = timeline.lanes
    assert queue.missing_end and not queue.flag_related
    assert timeline.flag_note is None


def test_flag_with_no_missing_part_has_no_note():
    item = _flagged("error-uncaught-flow-error", queues=[{"startTimestamp": ts(1)}])
    assert layout(item).flag_note is None


def test_in_progress_interaction_runs_to_now():
    now = T0 + timedelta(minutes=10)
    item = interaction(
        endTimestamp=None,
        dataComplete=False,
        queues=[{"queueName": "Support", "startTimestamp": ts(5)}],
    )
    timeline = layout(item, now=now)
    assert timeline.open_ended is True
    assert timeline.end == now
    assert timeline.span_seconds == pytest.approx(600)
    (queue,) = timeline.lanes
    bar = queue.bars[0]
    assert bar.open_ended and bar.start_pct + bar.width_pct == pytest.approx(100.0, abs=0.001)
    assert "still in progress" in timeline.caption


def test_running_is_not_missing():
    """An open part of an interaction in progress is "still open" (neutral); the same part of
    a finished interaction is "end not received" (red)."""
    parts = {
        "segments": [{"segmentNumber": 1, "segmentStartTimestamp": ts(0)}],
        "queues": [{"queueName": "Support", "startTimestamp": ts(5)}],
        "agents": [{"agentName": "Ann", "startTimestamp": ts(30)}],
    }
    running = layout(
        interaction(endTimestamp=None, dataComplete=False, **parts),
        now=T0 + timedelta(minutes=10),
    )
    assert running.running and running.open_word == "still open"
    titles = " ".join(bar.title for lane in running.lanes for bar in lane.bars)
    sublabels = " ".join(lane.sublabel for lane in running.lanes)
    assert "still open" in titles and "end not received" not in titles + sublabels
    html = render(running)
    assert html.count('<span class="tl-pill tl-pill--open">still open</span>') == 3
    assert "end not received" not in html.lower() and "tl-row--missing" not in html

    finished = layout(interaction(**parts))
    assert not finished.running and finished.open_word == "end not received"
    html = render(finished)
    assert html.count('<span class="tl-pill tl-pill--missing">end not received</span>') == 3
    assert "still open" not in html.lower()


def test_now_before_start_is_guarded():
    item = interaction(endTimestamp=None, dataComplete=False)
    timeline = layout(item, now=T0 - timedelta(hours=1))
    assert timeline.span_seconds >= 1
    assert all(0 <= v <= 100 for v in all_pcts(timeline))


def test_one_second_ivr_on_a_two_hour_interaction_stays_visible():
    item = interaction(endTimestamp=ts(7200), ivrTime=1.0)
    (ivr,) = lanes_of(layout(item), "ivr")
    assert ivr.bars[0].width_pct == MIN_BAR_PCT
    assert ivr.bars[0].start_pct == 0


def test_minimum_width_bar_at_the_very_end_stays_inside_the_axis():
    item = interaction(
        endTimestamp=ts(7200),
        queues=[{"queueName": "Q", "startTimestamp": ts(7199.9), "endTimestamp": ts(7200)}],
    )
    (queue,) = layout(item).lanes
    bar = queue.bars[0]
    assert bar.width_pct == MIN_BAR_PCT
    assert bar.start_pct + bar.width_pct <= 100.0


def test_agent_phases_from_the_search_sample():
    item = parse_interaction(reference_json("search-by-custom-attribute.txt"))
    timeline = layout(item)
    (agent,) = lanes_of(timeline, "agent")
    kinds = [bar.css.split()[-1] for bar in agent.bars]
    assert kinds == ["tl-bar--agent", "tl-bar--offer", "tl-bar--talk", "tl-bar--wrap"]
    assert [bar.nested for bar in agent.bars] == [False, True, True, True]
    main, offer, talk, wrap = agent.bars
    assert offer.start_pct == main.start_pct
    assert wrap.start_pct + wrap.width_pct == pytest.approx(100.0, abs=0.001)
    assert talk.start_pct >= offer.start_pct + offer.width_pct - 0.001
    (customer,) = lanes_of(timeline, "customer-talk")
    assert len(customer.bars) == 1
    assert customer.bars[0].title == "Customer talk · 14:34:03.146 → 14:34:32.847 (29.70s)"


def test_markers_for_attributes_and_notes():
    item = parse_interaction(reference_json("search-by-custom-attribute.txt"))
    timeline = layout(item, tz=EASTERN)
    kinds = sorted(m.kind for m in timeline.markers)
    assert kinds == ["attribute", "attribute", "attribute", "note"]
    note = next(m for m in timeline.markers if m.kind == "note")
    assert note.label == "Example Note Title"
    assert "10:34:19.000" in note.title  # 14:34:19Z in US/Eastern (EDT)
    pcts = [m.pct for m in timeline.markers]
    assert pcts == sorted(pcts)


def test_markers_outside_the_axis_are_dropped():
    item = interaction(
        notes=[
            {"title": "later", "created": ts(9000)},
            {"title": "during", "created": ts(60)},
        ],
        hooks=[
            {"hookId": "415", "hookType": "zendesk", "hookSubType": "ticket", "timestamp": ts(30)}
        ],
    )
    timeline = layout(item)
    assert [(m.kind, m.label) for m in timeline.markers] == [
        ("hook", "Zendesk ticket 415"),
        ("note", "during"),
    ]


def test_a_crm_marker_names_the_record_as_the_crm_does():
    hook = {"hookId": "415", "hookType": "zendesk", "hookSubType": "ticket", "hookedBy": "9001"}
    item = interaction(hooks=[{**hook, "hookName": "Jane Roe", "timestamp": ts(30)}])
    (marker,) = layout(item).markers
    assert marker.title.startswith("CRM record Zendesk ticket 415 · ")
    assert marker.title.endswith(" · by 9001")  # hookedBy: the agent's id in the CRM
    agent = {"agentId": "a-1", "agentName": "Ella Walsh", "startTimestamp": ts(0)}
    hook = {**hook, "agentId": "a-1", "timestamp": ts(30)}
    (marker,) = layout(interaction(hooks=[hook], agents=[agent])).markers
    assert marker.title.endswith(" · by Ella Walsh")  # the agent who linked it, by name


def test_queue_title_has_exact_times_duration_and_outcome():
    item = parse_interaction(reference_json("get-interaction.txt"))
    timeline = layout(item)
    (queue,) = lanes_of(timeline, "queue")
    assert queue.bars[0].title.startswith(
        "Support queue · 19:20:33.567 → 19:22:07.560 (1m 33.99s) · abandoned"
    )
    assert "tl-bar--abandoned" in queue.bars[0].css
    assert "SLA time 1m 33.99s" in queue.bars[0].title
    (ivr,) = lanes_of(timeline, "ivr")
    assert ivr.bars[0].width_pct == MIN_BAR_PCT  # 0.173 s of 94 s


def test_titles_use_the_given_time_zone():
    item = parse_interaction(reference_json("get-interaction.txt"))
    (queue,) = lanes_of(layout(item, tz=EASTERN), "queue")
    assert "14:20:33.567 → 14:22:07.560" in queue.bars[0].title


def test_email_with_eight_transfers_gets_nine_readable_segment_lanes():
    timeline = layout(email_with_transfers(), tz=EASTERN)
    segments = lanes_of(timeline, "segment")
    assert [lane.label for lane in segments] == [f"Segment {n}" for n in range(9)]
    assert [lane.missing_end for lane in segments] == [False] + [True] * 8
    assert all(lane.sublabel == "transfer → end not received" for lane in segments[1:])
    starts = [lane.bars[0].start_pct for lane in segments[1:]]
    assert starts == sorted(starts)
    # The transfers start after the interaction's reported end: the axis widens to show them
    # (not clamped to a pile at 100%) and marks where the reported end was.
    assert max(starts) < 95
    assert timeline.end_line is not None and timeline.end_line.pct < starts[0]
    assert timeline.flag_note is None  # not flagged
    assert 4 <= len(timeline.ticks) <= 8


def test_all_list_samples_lay_out_within_bounds():
    for result in reference_json("list-interactions.txt")["results"]:
        timeline = layout(parse_interaction(result), tz=EASTERN)
        assert all(0 <= v <= 100 + 1e-9 for v in all_pcts(timeline))
        assert lanes_of(timeline, "segment")


# --- ticks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "span",
    [1, 2.5, 3, 7, 16.5, 17, 19, 41.15, 94.244, 600, 1000, 1190, 7200, 30000, 110000, 5 * 86400],
)
def test_ticks_are_four_to_eight_and_increasing(span):
    item = interaction(startTimestamp=ts(0.123), endTimestamp=ts(0.123 + span))
    timeline = layout(item, tz=EASTERN)
    pcts = [tick.pct for tick in timeline.ticks]
    assert 4 <= len(pcts) <= 8, [t.label for t in timeline.ticks]
    assert pcts == sorted(pcts) and len(set(pcts)) == len(pcts)
    assert all(0 <= p <= 100 for p in pcts)
    labels = [t.label for t in timeline.ticks]
    assert len(set(labels)) == len(labels)


def test_tick_labels_are_local_and_round():
    item = interaction(endTimestamp=ts(3 * 3600))  # 14:00Z -> 17:00Z, i.e. 09:00 -> 12:00 EST
    ticks = layout(item, tz=EASTERN).ticks
    labels = [t.label for t in ticks]
    assert labels[0] == "09:00" and labels[-1] == "12:00"
    assert all(re.fullmatch(r"\d\d:\d\d", label) for label in labels)
    assert ticks[0].pct == 0 and ticks[-1].pct == 100
    assert ticks[0].anchor == "start" and ticks[-1].anchor == "end"
    assert "EST" in ticks[0].title


def test_short_span_ticks_show_seconds():
    labels = [t.label for t in layout(interaction(endTimestamp=ts(41))).ticks]
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d", label) for label in labels)


# --- robustness --------------------------------------------------------------------------------


def test_percentages_are_clamped_and_rounded():
    item = interaction(
        endTimestamp=ts(100),
        queues=[{"queueName": "early", "startTimestamp": ts(-50), "endTimestamp": ts(10)}],
        agents=[{"agentName": "late", "startTimestamp": ts(90), "endTimestamp": ts(400)}],
        customerTalkTimes=[{"startTimestamp": ts(50), "endTimestamp": ts(20)}],  # reversed
        ivrTime=10_000,
    )
    timeline = layout(item)
    values = all_pcts(timeline)
    assert all(0 <= v <= 100 + 1e-9 for v in values)
    for lane in timeline.lanes:
        for bar in lane.bars:
            assert bar.start_pct == round(bar.start_pct, 3)
            assert bar.width_pct == round(bar.width_pct, 3)
            assert bar.width_pct >= MIN_BAR_PCT


def test_no_timestamps_anywhere_does_not_crash():
    item = parse_interaction(
        {
            "interactionId": IID,
            "segments": [{"segmentNumber": 0}],
            "queues": [{"queueName": "Support"}],
            "agents": [{"agentName": "Nobody"}],
            "customerTalkTimes": [{}],
            "notes": [{"title": "n"}],
            "hooks": [{"hookName": "h"}],
            "ivrTime": 3,
        }
    )
    timeline = layout(item)
    assert timeline.span_seconds >= 1
    assert {lane.kind for lane in timeline.lanes} == {"segment", "queue", "agent", "ivr"}
    for lane in timeline.lanes:
        if lane.kind != "ivr":
            assert lane.bars == ()
            assert "start not received" in lane.sublabel
    assert timeline.markers == ()
    assert 1 <= len(timeline.ticks) <= 8


def test_start_missing_uses_earliest_timestamp():
    item = interaction(
        startTimestamp=None,
        queues=[{"queueName": "Q", "startTimestamp": ts(60), "endTimestamp": ts(120)}],
    )
    timeline = layout(item)
    assert timeline.start == T0 + timedelta(seconds=60)
    assert lanes_of(timeline, "queue")[0].bars[0].start_pct == 0


def test_empty_interaction_has_no_lanes():
    timeline = layout(interaction())
    assert timeline.lanes == () and timeline.markers == ()
    assert timeline.has_content is False


def test_pct_attributes_are_locale_free_strings():
    item = interaction(
        queues=[{"queueName": "Q", "startTimestamp": ts(75), "endTimestamp": ts(150)}]
    )
    bar = layout(item).lanes[0].bars[0]
    assert bar.x == "12.5%" and bar.width == "12.5%" and bar.end_x == "25%"


# --- the template ------------------------------------------------------------------------------


def render(timeline: Timeline) -> str:
    from django.template import Context, Engine

    engine = Engine(dirs=[str(TEMPLATES)], libraries={})
    template = engine.get_template("interactions/partials/_timeline.html")
    return template.render(Context({"timeline": timeline}))


def test_template_renders_bars_titles_and_escapes_upstream_text():
    evil = "<script>alert(1)</script>"
    item = _flagged(
        "Agent",
        segments=[{"segmentNumber": 0, "startTimestamp": ts(0), "endTimestamp": ts(600)}],
        queues=[{"queueName": "Support", "startTimestamp": ts(2), "endTimestamp": ts(60)}],
        agents=[{"agentName": evil, "startTimestamp": ts(60), "agentWorkAccepted": True}],
        notes=[{"title": '"><img src=x onerror=alert(2)>', "created": ts(100)}],
    )
    html = render(layout(item))
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html
    assert "style=" not in html  # strict CSP: no inline styles
    assert 'class="tl-bar tl-bar--queue tl-bar--answered"' in html
    assert re.search(r'<rect class="tl-bar tl-bar--segment" x="0%" width="100%"', html)
    assert "<title>Support queue · 14:00:02.000 → 14:01:00.000 (58.00s)" in html
    assert 'href="#tl-chevron"' in html and 'class="tl-open-overlay"' in html
    assert "tl-row--flagged" in html and "tl-pill--flag" in html
    assert 'role="note"' in html and "Agent end missing" in html
    assert 'id="tl-open-stripes"' in html
    assert "tl-marker--note" in html
    assert html.count('class="tl-tick"') == len(layout(item).ticks)


def test_template_without_lanes_says_so():
    html = render(layout(interaction()))
    assert "No segments, queues or agent legs were reported for this interaction." in html
    assert "tl-track" not in html


def test_template_renders_the_reference_email():
    html = render(layout(email_with_transfers(), tz=EASTERN))
    assert html.count('class="tl-row tl-row--segment') == 9
    assert html.count('<span class="tl-pill tl-pill--missing">end not received</span>') == 8
    assert 'class="tl-endline"' in html
