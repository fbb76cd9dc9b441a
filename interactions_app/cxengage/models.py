"""Typed, immutable views of what the Interactions API returns (plain dicts stay picklable).

Every field the API may omit is Optional; fields the reference does not describe are kept in
``extra`` so nothing the upstream sends is lost. Datetimes are timezone-aware (UTC).
"""

from __future__ import annotations

import copyreg
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import msgspec


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
    cancel_seconds: float | None = None  # segmentCancelTime
    transfer_seconds: float | None = None  # transferTime
    consult_seconds: float | None = None  # segmentConsultTime
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


# How a CRM's hookType reads in a sentence; unknown ones are shown as they come.
CRM_NAMES = {
    "zendesk": "Zendesk",
    "salesforce": "Salesforce",
    "salesforce-classic": "Salesforce Classic",
    "salesforce-lightning": "Salesforce Lightning",
}


@dataclass(frozen=True, slots=True)
class Hook:
    """A CRM record linked to the interaction, or a custom reporting attribute.

    For a custom attribute ``name`` (hookName) is the searchable value. For a CRM record
    (hookType ``zendesk``, ``salesforce-lightning``, ...; hookSubType ``ticket``, ``user``,
    ``Case``, ...) ``hook_id`` is the record's id in the CRM (``"415"``), ``by`` who linked it
    (``hookedBy``; attributes say ``hookBy``) and ``name`` is only there for some subtypes (a
    Zendesk user's name). The real API sends no URL; ``url`` keeps a ``hookUrl`` if one ever
    comes, but a link is only ever built from the operator's templates (``link``).
    """

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

    @property
    def crm_name(self) -> str:
        kind = (self.hook_type or "").strip()
        return CRM_NAMES.get(kind.lower(), kind or "CRM")

    @property
    def label(self) -> str:
        """``Zendesk ticket 415``: the CRM, the kind of record and its id, in words."""
        parts = [self.crm_name, (self.sub_type or "").strip() or "record"]
        record = (self.hook_id or "").strip()
        parts.append(record or "(no id)")
        return " ".join(parts)

    def link(self, templates: Mapping[str, str]) -> str | None:
        """The https link to this CRM record, from the operator's templates
        (``settings.CXENGAGE["CRM_LINKS"]``, read from ``CXENGAGE_CRM_LINKS`` and checked at
        start-up): ``hookType/hookSubType`` first, then ``hookType``; ``{id}`` becomes the
        percent-encoded hookId. None for attributes, records without an id, or no template."""
        record = (self.hook_id or "").strip()
        kind = (self.hook_type or "").strip().lower()
        if self.is_attribute or not record or not kind:
            return None
        sub = (self.sub_type or "").strip().lower()
        template = templates.get(f"{kind}/{sub}") if sub else None
        template = template or templates.get(kind)
        if not template:
            return None
        url = template.replace("{id}", quote(record, safe=""))
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.netloc != urlsplit(template).netloc:
            return None  # templates are checked at start-up; this only guards misuse
        return url


@dataclass(frozen=True, slots=True)
class Monitor:
    """Someone who listened in on the interaction (``monitors``)."""

    agent_id: str | None
    name: str | None
    start: datetime | None = None
    end: datetime | None = None
    barged_in: bool | None = None


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
    customer_conversation_seconds: float | None = None
    customer_hold_seconds: float | None = None
    customer_hold_abandoned: bool | None = None
    ivr_abandoned: bool | None = None
    ivr_abandon_seconds: float | None = None
    third_party_seconds: float | None = None
    flagged: bool = False
    flag_type: str | None = None
    flag_time: datetime | None = None  # flagTimestamp
    updated: datetime | None = None
    data_complete: bool | None = None  # None: not said (list items may not carry it)
    disposition_name: str | None = None
    disposition_id: str | None = None
    audio_recording: str | None = None
    artifacts_summary: str | None = None
    customer_satisfaction_score: float | None = None
    campaign_id: str | None = None
    lead_id: str | None = None
    monitors: tuple[Monitor, ...] = ()
    monitor_count: int | None = None  # len(monitors), or a bare count where one is sent
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
        """Known to be unfinished (``dataComplete: false``)."""
        return self.data_complete is False

    @property
    def complete(self) -> bool:
        """Known to be finished (``dataComplete: true``). Neither this nor ``in_progress``
        holds while the record does not say (``completeness_known`` is False): list items in
        the reference samples never carry dataComplete; the detail does."""
        return self.data_complete is True

    @property
    def completeness_known(self) -> bool:
        return self.data_complete is not None

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
    # ``total`` from the envelope; when the answer had none it is a lower bound (offset plus
    # what this page received) and ``total_known`` is False: there may be more pages.
    total: int
    limit: int
    offset: int
    tenant_id: str | None = None
    tenant_name: str | None = None
    tenant_timezone: str | None = None
    skipped: int = 0  # results the parser could not read (no usable interactionId)
    received: int = 0  # results in the envelope, whether parsed, filtered out or skipped
    total_known: bool = True
    bare: bool = False  # the answer was one interaction object, not the list envelope

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (for the cache) as MessagePack: a 1000-row page in a few ms, where pickle
        takes ~100 ms of the GIL from the request being answered. A page MessagePack cannot
        hold (an integer past 64 bits among the unknown fields) is pickled as usual."""
        try:
            return (_page_unpacked, (_PAGE_ENCODER.encode(self),))
        except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
            return (copyreg.__newobj__, (type(self),), self.__getstate__())


_PAGE_ENCODER = msgspec.msgpack.Encoder()
_PAGE_DECODER: msgspec.msgpack.Decoder[Page] | None = None


def _page_unpacked(packed: bytes) -> Page:
    global _PAGE_DECODER
    if _PAGE_DECODER is None:  # built on first use: the module's classes must all exist
        _PAGE_DECODER = msgspec.msgpack.Decoder(Page)
    return _PAGE_DECODER.decode(packed)


# --- artifacts: recordings, transcripts, emails ----------------------------------------------


@dataclass(frozen=True, slots=True)
class ArtifactFile:
    """One file of an artifact. ``url`` is a time-limited download link: a credential while it
    lives, so it is kept out of ``repr`` and never reaches a template, the browser or a log."""

    id: str | None  # artifactFileId
    filename: str | None = None
    content_type: str | None = None
    content_length: int | None = None
    created: datetime | None = None
    url: str | None = field(default=None, repr=False)
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)


RECORDING_SUFFIX = "recording"  # the SDK takes any artifactType ending in "recording"
TRANSCRIPT_TYPE = "messaging-transcript"
EMAIL_TYPE = "email"


@dataclass(frozen=True, slots=True)
class Artifact:
    """A recording, a chat transcript or an email kept with an interaction. An item of the
    artifact list has no ``files``; the artifact fetched on its own has them, with links."""

    id: str
    type: str | None
    created: datetime | None = None
    updated: datetime | None = None
    manifest_id: str | None = None  # an email's manifest file
    files: tuple[ArtifactFile, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        """``recording``, ``transcript``, ``email`` or ``other``."""
        kind = (self.type or "").strip().lower()
        if kind.endswith(RECORDING_SUFFIX):
            return "recording"
        if kind == TRANSCRIPT_TYPE:
            return "transcript"
        if kind == EMAIL_TYPE:
            return "email"
        return "other"

    def file(self, file_id: str) -> ArtifactFile | None:
        wanted = file_id.lower()
        return next((f for f in self.files if f.id and f.id.lower() == wanted), None)
