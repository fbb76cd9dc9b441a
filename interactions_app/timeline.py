"""Timeline layout for one interaction: pure maths over the parsed models, no Django.

``build_timeline`` turns an :class:`Interaction` into lanes of bars positioned in percent of a
shared time axis, plus ticks, event markers and, for flagged interactions, a sentence that points
at the part whose end timestamp went missing. The template
(``interactions/partials/_timeline.html``) only places what is computed here, and it renders strings
only (the ``x``, ``width``... properties), so the output never depends on number localisation.

Rules worth knowing:

* The axis runs from the interaction start to its end. It is widened to cover every lane
  timestamp (the upstream's clocks disagree: the reference's email sample has transfer segments
  starting a minute after the interaction's own end), and ``end_line`` then marks the reported end.
* Without an end: an unfinished interaction (``dataComplete: false``) runs to ``now``
  (``open_ended``); any other runs to the latest timestamp known plus a small pad.
* A bar without an end timestamp runs to the axis end, ``open_ended=True``; its lane gets
  ``missing_end=True``.
* All percentages are clamped to [0, 100] and rounded to 3 decimals; bars are at least
  ``MIN_BAR_PCT`` wide.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from .cxengage.models import Agent, Hook, Interaction, Queue, Segment, TalkTime
from .flags import flag_info

MIN_BAR_PCT = 0.6
MIN_SPAN_SECONDS = 1.0
END_NOT_RECEIVED = "end not received"  # a finished interaction's part that never ended: red
STILL_OPEN = "still open"  # a part of an interaction still in progress: neutral

# Tick intervals in milliseconds, smallest first. Neighbours differ by at most x2, which is what
# guarantees 4-8 ticks (3 s and 3 min fill the 2 -> 5 gaps of the usual 1-2-5 ladder).
_SECOND = 1000
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_TICK_STEPS_MS: tuple[int, ...] = (
    100,
    200,
    500,
    *(n * _SECOND for n in (1, 2, 3, 5, 10, 15, 30)),
    *(n * _MINUTE for n in (1, 2, 3, 5, 10, 15, 30)),
    *(n * _HOUR for n in (1, 2, 3, 6, 12)),
    *(n * _DAY for n in (1, 2, 4, 7, 14, 28, 56, 112, 224, 448)),
)
MAX_TICKS = 8
MIN_TICKS = 4


# --- public dataclasses -----------------------------------------------------------------------


def _pct_attr(value: float) -> str:
    """A percentage as an SVG length, locale-free: 12.5 -> "12.5%"."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{text or '0'}%"


@dataclass(frozen=True, slots=True)
class Tick:
    pct: float
    label: str
    title: str

    @property
    def x(self) -> str:
        return _pct_attr(self.pct)

    @property
    def anchor(self) -> str:
        """SVG text-anchor keeping labels near the edges inside the track."""
        if self.pct < 6:
            return "start"
        if self.pct > 94:
            return "end"
        return "middle"


@dataclass(frozen=True, slots=True)
class Bar:
    start_pct: float
    width_pct: float
    css: str
    title: str
    open_ended: bool = False
    nested: bool = False  # a phase drawn inside its lane's main bar (agent offer/talk/wrap-up)

    @property
    def end_pct(self) -> float:
        return round(min(100.0, self.start_pct + self.width_pct), 3)

    @property
    def x(self) -> str:
        return _pct_attr(self.start_pct)

    @property
    def width(self) -> str:
        return _pct_attr(self.width_pct)

    @property
    def end_x(self) -> str:
        return _pct_attr(self.end_pct)

    @property
    def y(self) -> str:
        return "8" if self.nested else "4"

    @property
    def height(self) -> str:
        return "8" if self.nested else "16"


@dataclass(frozen=True, slots=True)
class Lane:
    kind: str  # "segment" | "queue" | "agent" | "customer-talk" | "ivr"
    label: str
    sublabel: str
    bars: tuple[Bar, ...]
    missing_end: bool = False
    flag_related: bool = False

    @property
    def summary(self) -> str:
        """Everything the bars' hover titles say, for the track's aria-label."""
        parts = [f"{self.label}: {self.sublabel}" if self.sublabel else self.label]
        parts.extend(bar.title for bar in self.bars)
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Marker:
    pct: float
    kind: str  # "hook" | "attribute" | "note"
    label: str
    title: str

    @property
    def x(self) -> str:
        return _pct_attr(self.pct)


@dataclass(frozen=True, slots=True)
class Timeline:
    start: datetime
    end: datetime
    span_seconds: float
    open_ended: bool  # unfinished interaction: the axis runs to ``now``
    ticks: tuple[Tick, ...]
    lanes: tuple[Lane, ...]
    markers: tuple[Marker, ...]
    flag_note: str | None = None
    end_missing: bool = False  # the interaction itself has no end timestamp (in progress or not)
    # where the reported end falls when later timestamps widened the axis past it
    end_line: Tick | None = None
    tz_name: str = "UTC"
    caption: str = ""  # one line describing the axis: "18:10:39 → 18:12:05 (1m 26s), US/Eastern"
    running: bool = False  # the interaction is in progress: open bars are "still open", not red

    @property
    def has_open(self) -> bool:
        """Whether a bar runs without an end (the legend explains the open-ended bar then)."""
        return any(lane.missing_end for lane in self.lanes)

    @property
    def open_word(self) -> str:
        """What a bar without an end is called: "still open" (running) or "end not received"."""
        return STILL_OPEN if self.running else END_NOT_RECEIVED

    @property
    def has_content(self) -> bool:
        return bool(self.lanes or self.markers)


# --- formatting -------------------------------------------------------------------------------


def format_duration(seconds: float | None, *, precise: bool = False) -> str:
    """Short human durations: 0.17s, 41.15s, 1m 34s, 2h 03m, 1d 04h.

    ``precise`` keeps hundredths of a second past a minute (1m 33.99s), for hover titles.
    """
    if seconds is None or not math.isfinite(seconds):
        return "?"
    if seconds < 0:
        return "-" + format_duration(-seconds, precise=precise)
    if round(seconds, 2) < 60:
        return f"{seconds:.2f}s"
    if precise and seconds < 3600:
        hundredths = round(seconds * 100)
        minutes, rest = divmod(hundredths, 60 * 100)
        return f"{minutes}m {rest / 100:05.2f}s"
    if precise:
        hundredths = round(seconds * 100)
        hours, rest = divmod(hundredths, 3600 * 100)
        minutes, rest = divmod(rest, 60 * 100)
        return f"{hours}h {minutes:02d}m {rest / 100:05.2f}s"
    whole = round(seconds)
    if whole < 3600:
        minutes, secs = divmod(whole, 60)
        return f"{minutes}m {secs:02d}s"
    total_minutes = round(seconds / 60)
    if total_minutes < 24 * 60:
        hours, minutes = divmod(total_minutes, 60)
        return f"{hours}h {minutes:02d}m"
    total_hours = round(seconds / 3600)
    days, hours = divmod(total_hours, 24)
    return f"{days}d {hours:02d}h"


def _clock(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return local.strftime("%H:%M:%S.") + f"{local.microsecond // 1000:03d}"


def _span_text(
    start: datetime, end: datetime | None, tz: tzinfo, open_word: str = END_NOT_RECEIVED
) -> str:
    """ "19:20:33.567 → 19:22:07.560 (1m 33.99s)" or "19:20:33.567 → end not received"
    (``open_word``: "still open" while the interaction runs)."""
    if end is None:
        return f"{_clock(start, tz)} → {open_word}"
    seconds = (end - start).total_seconds()
    return f"{_clock(start, tz)} → {_clock(end, tz)} ({format_duration(seconds, precise=True)})"


def _tz_name(tz: tzinfo, moment: datetime) -> str:
    key = getattr(tz, "key", None)  # zoneinfo.ZoneInfo
    if isinstance(key, str) and key:
        return key
    return moment.astimezone(tz).tzname() or "UTC"


def _join_names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# --- the axis ---------------------------------------------------------------------------------


class _Axis:
    def __init__(self, start: datetime, end: datetime) -> None:
        if (end - start).total_seconds() < MIN_SPAN_SECONDS:
            end = start + timedelta(seconds=MIN_SPAN_SECONDS)
        self.start = start
        self.end = end
        self.span = (end - start).total_seconds()

    def pct(self, moment: datetime) -> float:
        value = (moment - self.start).total_seconds() / self.span * 100
        return round(min(100.0, max(0.0, value)), 3)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end

    def bar(
        self,
        start: datetime,
        end: datetime | None,
        css: str,
        title: str,
        *,
        nested: bool = False,
    ) -> Bar:
        """A bar from start to end; without an end it runs to the axis end and is open."""
        open_ended = end is None
        left = self.pct(start)
        right = self.pct(self.end if end is None else max(start, end))
        width = right - left
        if width < MIN_BAR_PCT:
            width = MIN_BAR_PCT
            left = min(left, 100.0 - MIN_BAR_PCT)
        classes = css + (" tl-bar--open" if open_ended else "")
        return Bar(
            start_pct=round(max(0.0, left), 3),
            width_pct=round(min(width, 100.0), 3),
            css=classes,
            title=title,
            open_ended=open_ended,
            nested=nested,
        )


def _lane_times(interaction: Interaction) -> list[datetime]:
    """Every timestamp a lane may be drawn from."""
    times: list[datetime | None] = [interaction.start, interaction.end]
    for segment in interaction.segments:
        times += [segment.start, segment.end]
    for queue in interaction.queues:
        times += [queue.start, queue.end]
    for agent in interaction.agents:
        times += [agent.start, agent.end, agent.conversation_start, agent.conversation_end]
        times += [t for talk in agent.talk_times for t in (talk.start, talk.end)]
    for talk in interaction.customer_talk_times:
        times += [talk.start, talk.end]
    return [t for t in times if t is not None]


def _event_times(interaction: Interaction) -> list[datetime]:
    times = [h.timestamp for h in (*interaction.hooks, *interaction.attributes)]
    times += [n.created for n in interaction.notes]
    return [t for t in times if t is not None]


def _make_axis(interaction: Interaction, now: datetime) -> tuple[_Axis, bool]:
    """The axis, and whether it runs to ``now``."""
    lane_times = _lane_times(interaction)
    known = lane_times or _event_times(interaction)
    start = interaction.start or (min(known) if known else None)
    if start is None:
        start = now if interaction.in_progress else (interaction.end or now)
    if lane_times:
        start = min(start, *lane_times)

    open_ended = False
    if interaction.end is not None:
        end = max(interaction.end, *lane_times) if lane_times else interaction.end
    elif interaction.in_progress:
        end = max(now, *known) if known else now
        open_ended = True
    else:
        latest = max(known) if known else start
        pad = max(MIN_SPAN_SECONDS, (latest - start).total_seconds() * 0.03)
        end = latest + timedelta(seconds=pad)
    return _Axis(start, end), open_ended


# --- ticks ------------------------------------------------------------------------------------


def _ticks(axis: _Axis, tz: tzinfo) -> tuple[Tick, ...]:
    start_ms = round(axis.start.timestamp() * 1000)
    end_ms = round(axis.end.timestamp() * 1000)
    offset = axis.start.astimezone(tz).utcoffset() or timedelta(0)
    offset_ms = round(offset.total_seconds() * 1000)

    def first_at(step: int) -> int:
        return math.ceil((start_ms + offset_ms) / step) * step - offset_ms

    def count(step: int) -> int:
        first = first_at(step)
        return 0 if first > end_ms else (end_ms - first) // step + 1

    # Count before listing: a 30-day axis at the 100 ms step would be 26 million positions.
    step = next((s for s in _TICK_STEPS_MS if count(s) <= MAX_TICKS), None)
    if step is None:  # longer than the largest nice step allows: even steps of whole days
        step = math.ceil((end_ms - start_ms) / MAX_TICKS / _DAY) * _DAY
    chosen = list(range(first_at(step), end_ms + 1, step))
    if step >= _DAY:
        fmt = "%b %d"
    elif step >= _MINUTE:
        fmt = "%H:%M"
    else:
        fmt = "%H:%M:%S"
    # An axis crossing local midnight names the day on the first tick and on each new day.
    crosses_days = (
        step < _DAY and axis.start.astimezone(tz).date() != axis.end.astimezone(tz).date()
    )
    ticks = []
    previous_day = None
    for ms in chosen:
        moment = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(tz)
        label = moment.strftime(fmt)
        if crosses_days and moment.date() != previous_day:
            label = moment.strftime("%a ") + label
        previous_day = moment.date()
        if step < _SECOND:
            label += f".{moment.microsecond // 100_000}"
        title = moment.strftime("%Y-%m-%d %H:%M:%S ") + (moment.tzname() or "")
        ticks.append(Tick(pct=axis.pct(moment), label=label, title=title.strip()))
    return tuple(ticks)


# --- lanes ------------------------------------------------------------------------------------


def _segment_lane(
    segment: Segment, index: int, axis: _Axis, tz: tzinfo, open_word: str = END_NOT_RECEIVED
) -> Lane:
    number = segment.number if segment.number is not None else index
    label = f"Segment {number}"
    start_type = segment.start_type or "start"
    end_type = open_word if segment.end is None else (segment.end_type or "end")
    sublabel = f"{start_type} → {end_type}"
    notes = [
        n for n, on in (("transfer", segment.transfer), ("cancelled", segment.cancelled)) if on
    ]
    css = "tl-bar tl-bar--segment" + "".join(f" tl-bar--{n}" for n in notes)
    bars: tuple[Bar, ...] = ()
    if segment.start is not None:
        qualifiers = f" ({', '.join(notes)})" if notes else ""
        types = start_type if segment.end is None else sublabel
        span = _span_text(segment.start, segment.end, tz, open_word)
        title = f"{label}{qualifiers} · {types} · {span}"
        if segment.end is None and segment.seconds is not None:
            title += f" · segment time reported as {format_duration(segment.seconds, precise=True)}"
        bars = (axis.bar(segment.start, segment.end, css, title),)
    else:
        sublabel += " · start not received"
    return Lane("segment", label, sublabel, bars, missing_end=segment.end is None)


def _queue_lane(queue: Queue, axis: _Axis, tz: tzinfo, open_word: str = END_NOT_RECEIVED) -> Lane:
    name = queue.name or "Queue"
    if queue.abandoned:
        status, css = "abandoned", "tl-bar tl-bar--queue tl-bar--abandoned"
    elif queue.end is not None or queue.answer_seconds is not None:
        status, css = "answered", "tl-bar tl-bar--queue tl-bar--answered"
    else:
        status, css = "waiting", "tl-bar tl-bar--queue"
    facts = []
    if queue.queue_seconds is not None:
        facts.append(f"queue time {format_duration(queue.queue_seconds, precise=True)}")
    if queue.sla_seconds is not None:
        facts.append(f"SLA time {format_duration(queue.sla_seconds, precise=True)}")
    if queue.abandoned and queue.abandon_seconds is not None:
        facts.append(f"abandoned after {format_duration(queue.abandon_seconds, precise=True)}")
    if queue.answer_seconds is not None and not queue.abandoned:
        facts.append(f"answered after {format_duration(queue.answer_seconds, precise=True)}")
    if queue.sla_abandoned:
        facts.append("SLA abandoned")
    duration = queue.abandon_seconds if queue.abandoned else queue.queue_seconds
    sublabel = status if duration is None else f"{status} · {format_duration(duration)}"
    bars: tuple[Bar, ...] = ()
    if queue.start is not None:
        title = " · ".join(
            [f"{name} queue", _span_text(queue.start, queue.end, tz, open_word), status, *facts]
        )
        bars = (axis.bar(queue.start, queue.end, css, title),)
    else:
        sublabel += " · start not received"
    return Lane("queue", name, sublabel, bars, missing_end=queue.end is None)


def _talk_spans(agent: Agent) -> list[tuple[datetime, datetime | None]]:
    if agent.conversation_start is not None:
        return [(agent.conversation_start, agent.conversation_end or agent.end)]
    return [(t.start, t.end) for t in agent.talk_times if t.start is not None]


def _agent_lane(agent: Agent, axis: _Axis, tz: tzinfo, open_word: str = END_NOT_RECEIVED) -> Lane:
    name = agent.name or (f"Agent {agent.agent_id[:8]}" if agent.agent_id else "Agent")
    if agent.accepted is True:
        sublabel = "accepted"
        if agent.accept_seconds is not None:
            sublabel += f" after {format_duration(agent.accept_seconds)}"
    elif agent.accepted is False:
        sublabel = "not accepted"
    else:
        sublabel = "acceptance not reported"
    if agent.start is None:
        return Lane("agent", name, sublabel + " · start not received", (), agent.end is None)

    facts = [sublabel]
    for text, seconds in (
        ("handle", agent.handle_seconds),
        ("talk", agent.talk_seconds),
        ("wrap-up", agent.wrap_up_seconds),
    ):
        if seconds is not None:
            facts.append(f"{text} {format_duration(seconds, precise=True)}")
    main_title = " · ".join([name, _span_text(agent.start, agent.end, tz, open_word), *facts])
    bars = [axis.bar(agent.start, agent.end, "tl-bar tl-bar--agent", main_title)]

    def clamp(moment: datetime) -> datetime:
        moment = max(moment, agent.start)
        return min(moment, agent.end) if agent.end is not None else moment

    offer_seconds = agent.accept_seconds if agent.accepted else agent.offer_seconds
    if offer_seconds is not None and offer_seconds > 0:
        offer_end = clamp(agent.start + timedelta(seconds=offer_seconds))
        what = "offered, accepted" if agent.accepted else "offered"
        if agent.accepted is False:
            what = "offered, not accepted"
        title = f"{name} · {what} · {_span_text(agent.start, offer_end, tz, open_word)}"
        bars.append(axis.bar(agent.start, offer_end, "tl-bar tl-bar--offer", title, nested=True))

    talk_end: datetime | None = None
    talks = _talk_spans(agent)
    for talk_start, talk_stop in talks:
        talk_start = clamp(talk_start)
        stop = clamp(talk_stop) if talk_stop is not None else None
        title = f"{name} · talk · {_span_text(talk_start, stop, tz, open_word)}"
        bars.append(axis.bar(talk_start, stop, "tl-bar tl-bar--talk", title, nested=True))
        if stop is not None:
            talk_end = stop if talk_end is None else max(talk_end, stop)

    if agent.end is not None:
        wrap_start = talk_end
        if wrap_start is None and agent.wrap_up_seconds and not talks:
            wrap_start = clamp(agent.end - timedelta(seconds=agent.wrap_up_seconds))
        if wrap_start is not None and wrap_start < agent.end:
            title = f"{name} · wrap-up · {_span_text(wrap_start, agent.end, tz, open_word)}"
            bars.append(axis.bar(wrap_start, agent.end, "tl-bar tl-bar--wrap", title, nested=True))
    return Lane("agent", name, sublabel, tuple(bars), missing_end=agent.end is None)


def _customer_talk_lane(
    talks: Iterable[TalkTime], axis: _Axis, tz: tzinfo, open_word: str = END_NOT_RECEIVED
) -> Lane | None:
    bars = []
    missing = False
    for talk in talks:
        if talk.start is None:
            continue
        missing = missing or talk.end is None
        title = f"Customer talk · {_span_text(talk.start, talk.end, tz, open_word)}"
        bars.append(axis.bar(talk.start, talk.end, "tl-bar tl-bar--customer", title))
    if not bars:
        return None
    total = sum((t.seconds or 0.0) for t in talks)
    sublabel = f"{len(bars)} period{'s' if len(bars) != 1 else ''}"
    if total:
        sublabel += f" · {format_duration(total)}"
    return Lane("customer-talk", "Customer talk", sublabel, tuple(bars), missing_end=missing)


def _ivr_lane(interaction: Interaction, axis: _Axis, tz: tzinfo) -> Lane | None:
    seconds = interaction.ivr_seconds
    if seconds is None or seconds <= 0:
        return None
    start = interaction.start or axis.start
    end = start + timedelta(seconds=seconds)
    title = f"IVR · {_span_text(start, end, tz)}"
    bar = axis.bar(start, end, "tl-bar tl-bar--ivr", title)
    return Lane("ivr", "IVR", format_duration(seconds), (bar,))


def _by_start(items: Iterable, attr: str = "start") -> list:
    def key(item):
        moment = getattr(item, attr)
        return (moment is None, moment.timestamp() if moment else 0.0)

    return sorted(items, key=key)


# --- markers ----------------------------------------------------------------------------------


def linked_by(interaction: Interaction, hook: Hook) -> str | None:
    """Who linked a CRM record, as the page names people: the agent of the interaction whose
    id the hook carries (``agentId``); None if none of its agents is that one."""
    if not hook.agent_id:
        return None
    return next(
        (a.name for a in interaction.agents if a.name and a.agent_id == hook.agent_id), None
    )


def _markers(interaction: Interaction, axis: _Axis, tz: tzinfo) -> tuple[Marker, ...]:
    found: list[tuple[datetime, Marker]] = []
    for kind, hooks in (("hook", interaction.crm_hooks), ("attribute", interaction.all_attributes)):
        for hook in hooks:
            if hook.timestamp is None or not axis.contains(hook.timestamp):
                continue
            if kind == "hook":  # "CRM record Zendesk ticket 415": its CRM, kind and id
                name, noun, kind_note = hook.label, "CRM record", None
                by = linked_by(interaction, hook) or hook.by
            else:
                name = (hook.name or hook.hook_type or kind).strip() or kind
                noun, kind_note, by = "Attribute", (hook.hook_type or "").strip(), hook.by
            parts = [f"{noun} {name}", _clock(hook.timestamp, tz)]
            if by:
                parts.append(f"by {by}")
            if kind_note and kind_note != name:
                parts.append(kind_note)
            marker = Marker(axis.pct(hook.timestamp), kind, name, " · ".join(parts))
            found.append((hook.timestamp, marker))
    for note in interaction.notes:
        if note.created is None or not axis.contains(note.created):
            continue
        title = (note.title or "").strip() or "Note"
        marker = Marker(
            axis.pct(note.created), "note", title, f"Note {title} · {_clock(note.created, tz)}"
        )
        found.append((note.created, marker))
    found.sort(key=lambda pair: pair[0])
    return tuple(marker for _, marker in found)


# --- the flag note ----------------------------------------------------------------------------

_KIND_NOUN = {"segment": "segment", "queue": "queue", "agent": "agent"}


def _flag_note(
    interaction: Interaction, lanes: Sequence[Lane], axis: _Axis, open_ended: bool, tz: tzinfo
) -> tuple[str | None, set[str]]:
    """The sentence tying the flag to the open bars, and the lane kinds it relates to."""
    if not interaction.flagged:
        return None, set()
    info = flag_info(interaction.flag_type)
    affects = info.affects
    if affects is None:
        return None, set()
    head = f"Flagged '{info.label}'"
    if affects == "interaction":
        if interaction.end is not None:
            return (
                f"{head}: an end time ({_clock(interaction.end, tz)}) has since been received, "
                "so the timeline below ends there.",
                set(),
            )
        if open_ended:
            where = "it is drawn up to now"
        else:
            where = f"it is drawn up to the last time received ({_clock(axis.end, tz)}, padded)"
        text = (
            f"{head}: the interaction never received an end time, so this timeline has no real "
            f"end; {where}."
        )
        if any(lane.missing_end for lane in lanes):
            word = STILL_OPEN if interaction.in_progress else END_NOT_RECEIVED
            text += f" Bars marked '{word}' have no end either."
        return text, {lane.kind for lane in lanes if lane.missing_end}

    open_lanes = [lane for lane in lanes if lane.kind == affects and lane.missing_end]
    if not open_lanes:
        return (
            f"{head}, but every {_KIND_NOUN.get(affects, affects)} below has an end time; "
            "it may have arrived after the interaction was flagged.",
            set(),
        )
    if affects == "queue":
        names = _join_names(list(dict.fromkeys(lane.label for lane in open_lanes)))
        noun = "queue entry" if len(open_lanes) == 1 else "queue entries"
        subject = f"the {names} {noun} below"
    elif affects == "agent":
        names = _join_names(list(dict.fromkeys(lane.label for lane in open_lanes)))
        noun = "leg" if len(open_lanes) == 1 else "legs"
        subject = f"the agent {noun} of {names} below"
    else:
        numbers = [lane.label.removeprefix("Segment ") for lane in open_lanes]
        noun = "segment" if len(numbers) == 1 else "segments"
        subject = f"{noun} {_join_names(numbers)} below"
    return f"{head}: {subject} never received an end time.", {affects}


# --- entry point ------------------------------------------------------------------------------


def build_timeline(interaction: Interaction, *, tz: tzinfo, now: datetime) -> Timeline:
    """Lay out one interaction on a time axis; tolerant of any missing timestamp."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    axis, open_ended = _make_axis(interaction, now)
    # running is not missing: a part without an end is "still open" while the interaction is
    open_word = STILL_OPEN if interaction.in_progress else END_NOT_RECEIVED

    lanes: list[Lane] = [
        _segment_lane(segment, index, axis, tz, open_word)
        for index, segment in enumerate(interaction.segments)
    ]
    ivr = _ivr_lane(interaction, axis, tz)
    if ivr is not None:
        lanes.append(ivr)
    lanes += [_queue_lane(queue, axis, tz, open_word) for queue in _by_start(interaction.queues)]
    lanes += [_agent_lane(agent, axis, tz, open_word) for agent in _by_start(interaction.agents)]
    customer = _customer_talk_lane(interaction.customer_talk_times, axis, tz, open_word)
    if customer is not None:
        lanes.append(customer)

    flag_note, related_kinds = _flag_note(interaction, lanes, axis, open_ended, tz)
    if related_kinds:
        lanes = [
            Lane(
                lane.kind,
                lane.label,
                lane.sublabel,
                lane.bars,
                missing_end=lane.missing_end,
                flag_related=lane.missing_end and lane.kind in related_kinds,
            )
            for lane in lanes
        ]

    end_line = None
    if interaction.end is not None and interaction.end < axis.end:
        pct = axis.pct(interaction.end)
        if pct < 99.5:
            end_line = Tick(
                pct=pct,
                label="reported end",
                title=(
                    f"Interaction end reported at {_clock(interaction.end, tz)}; later timestamps "
                    "were received for parts of it"
                ),
            )

    tz_name = _tz_name(tz, axis.start)
    if open_ended:
        until = f"now ({_clock(axis.end, tz)}), still in progress"
    elif interaction.end is None:
        until = f"{_clock(axis.end, tz)}, no end received"
    else:
        until = _clock(axis.end, tz)
    caption = (
        f"{_clock(axis.start, tz)} → {until} · {format_duration(axis.span)} · times in {tz_name}"
    )

    return Timeline(
        start=axis.start,
        end=axis.end,
        span_seconds=round(axis.span, 3),
        open_ended=open_ended,
        ticks=_ticks(axis, tz),
        lanes=tuple(lanes),
        markers=_markers(interaction, axis, tz),
        flag_note=flag_note,
        end_missing=interaction.end is None,
        end_line=end_line,
        tz_name=tz_name,
        caption=caption,
        running=interaction.in_progress,
    )
