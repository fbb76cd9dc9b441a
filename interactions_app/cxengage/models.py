"""Typed, immutable views of what the Interactions API returns (plain dicts stay picklable).

Every field the API may omit is Optional; fields the reference does not describe are kept in
``extra`` so nothing the upstream sends is lost. Datetimes are timezone-aware (UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def _seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


@dataclass(frozen=True, slots=True)
class TalkTime:
    start: datetime | None
    end: datetime | None
    seconds: float | None
    agent_id: str | None = None


@dataclass(frozen=True, slots=True)
class Segment:
    id: str | None
    number: int | None
    start: datetime | None
    end: datetime | None
    start_type: str | None = None
    end_type: str | None = None
    seconds: float | None = None
    cancelled: bool = False
    transfer: bool = False
    agent_id: str | None = None
    to_agent_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Queue:
    id: str | None
    queue_id: str | None
    name: str | None
    start: datetime | None
    end: datetime | None
    queue_type: str | None = None
    entry_type: str | None = None
    exit_type: str | None = None
    abandoned: bool = False
    sla_abandoned: bool = False
    queue_seconds: float | None = None
    sla_seconds: float | None = None
    answer_seconds: float | None = None
    abandon_seconds: float | None = None
    agent_id: str | None = None
    segment_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Agent:
    id: str | None
    agent_id: str | None
    name: str | None
    start: datetime | None
    end: datetime | None
    segment_id: str | None = None
    queue_id: str | None = None
    conversation_start: datetime | None = None
    conversation_end: datetime | None = None
    offer_seconds: float | None = None
    accepted: bool | None = None
    accept_seconds: float | None = None
    talk_seconds: float | None = None
    handle_seconds: float | None = None
    wrap_up_seconds: float | None = None
    focus_seconds: float | None = None
    conversation_seconds: float | None = None
    talk_times: tuple[TalkTime, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hook:
    """A CRM link or a custom reporting attribute; ``name`` carries the searchable value."""

    id: str | None
    hook_id: str | None
    name: str | None
    hook_type: str | None = None
    sub_type: str | None = None
    by: str | None = None
    agent_id: str | None = None
    timestamp: datetime | None = None
    url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_attribute(self) -> bool:
        return (self.sub_type or "").strip().lower() == "interaction-attribute"


@dataclass(frozen=True, slots=True)
class Note:
    id: str | None
    title: str | None
    body: str | None
    agent_id: str | None = None
    created: datetime | None = None
    updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class DetailAgent:
    name: str | None
    resource_id: str | None
    conversation_start: datetime | None
    conversation_end: datetime | None
    note_title: str | None = None


@dataclass(frozen=True, slots=True)
class Details:
    contact_id: str | None
    csat: str | None
    agents: tuple[DetailAgent, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Interaction:
    id: str
    tenant_id: str | None
    start: datetime | None
    end: datetime | None
    channel: str | None = None
    direction: str | None = None
    customer: str | None = None
    contact_point: str | None = None
    contact_id: str | None = None
    flow_id: str | None = None
    flow_name: str | None = None
    interaction_seconds: float | None = None
    ivr_seconds: float | None = None
    customer_holds: int | None = None
    customer_transfers: int | None = None
    customer_abandon_seconds: float | None = None
    customer_talk_seconds: float | None = None
    flagged: bool = False
    flag_type: str | None = None
    data_complete: bool | None = None
    disposition_name: str | None = None
    disposition_id: str | None = None
    audio_recording: str | None = None
    segments: tuple[Segment, ...] = ()
    queues: tuple[Queue, ...] = ()
    agents: tuple[Agent, ...] = ()
    customer_talk_times: tuple[TalkTime, ...] = ()
    notes: tuple[Note, ...] = ()
    hooks: tuple[Hook, ...] = ()
    attributes: tuple[Hook, ...] = ()
    details: Details | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    wire_bytes: int = field(default=0, compare=False)  # size of the answer it came in, if alone

    @property
    def in_progress(self) -> bool:
        return self.data_complete is False

    @property
    def duration_seconds(self) -> float | None:
        measured = _seconds_between(self.start, self.end)
        return measured if measured is not None else self.interaction_seconds

    @property
    def queue_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(q.name for q in self.queues if q.name))

    @property
    def agent_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.name for a in self.agents if a.name))

    @property
    def all_attributes(self) -> tuple[Hook, ...]:
        """Custom reporting attributes, from interactionAttributes or from attribute hooks."""
        seen: dict[tuple[str | None, str | None], Hook] = {}
        for hook in (*self.attributes, *(h for h in self.hooks if h.is_attribute)):
            seen.setdefault((hook.id, hook.name), hook)
        return tuple(seen.values())

    @property
    def crm_hooks(self) -> tuple[Hook, ...]:
        return tuple(h for h in self.hooks if not h.is_attribute)

    @property
    def missing_ends(self) -> tuple[str, ...]:
        """What lacks an end timestamp: the usual reason an interaction is flagged."""
        missing = []
        if self.end is None and not self.in_progress:
            missing.append("interaction")
        if any(s.end is None for s in self.segments):
            missing.append("segment")
        if any(q.end is None for q in self.queues):
            missing.append("queue")
        if any(a.end is None for a in self.agents):
            missing.append("agent")
        return tuple(missing)


@dataclass(frozen=True, slots=True)
class Page:
    items: tuple[Interaction, ...]
    total: int
    limit: int
    offset: int
    tenant_id: str | None = None
    tenant_name: str | None = None
    tenant_timezone: str | None = None
    skipped: int = 0  # results the parser could not read (no usable interactionId)
    received: int = 0  # results in the envelope, whether parsed, filtered out or skipped
