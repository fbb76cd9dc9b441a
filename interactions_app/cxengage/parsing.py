"""Turn decoded JSON into models, tolerating whatever the upstream sends.

Rules: unknown keys are kept in ``extra``; missing keys and wrong types become None (never an
exception); segments are ordered by segmentNumber whatever order they arrive in; timestamps become
aware UTC datetimes; implausible timestamps (outside 1900-2999) and durations (over ten years)
become None too. A list answer may carry ``"results": null`` (no match, or an offset past the
end: an empty page), no ``total`` (a lower bound, ``Page.total_known`` False) or be one bare
interaction object (a search with one match, as the reference's custom-attribute sample shows).
Only an answer that is none of these, or a single interaction without a usable id, is a
BadResponse.

A results table reads a page with ``parse_list_rows``: only what a row shows, decoded by
msgspec (a few ms for 1000 rows instead of ~90) and read by the same scalar readers, so every
row field comes out as ``parse_page`` makes it. Any answer it cannot read that way (another
shape, a wrong type, a lone surrogate, repaired JSON) goes through ``decode_json`` and
``parse_page``. The detail page, exports and the flagged scan keep the full parser.
"""

from __future__ import annotations

import json
import logging
import math
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec

from .errors import BadResponse
from .models import (
    Agent,
    Artifact,
    ArtifactFile,
    DetailAgent,
    Details,
    Hook,
    Interaction,
    Monitor,
    Note,
    Page,
    Queue,
    Segment,
    TalkTime,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The reference's list sample contains `"contactPoint": ""+15553005555""`: a string value wrapped
# in doubled quotes. It is not JSON; this repairs exactly that shape and nothing else.
_DOUBLED_QUOTES = re.compile(r'(:\s*)""([^"\\\r\n]*)""(?=\s*[,}\]])')
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def decode_json(body: bytes | str) -> Any:
    """Decode an upstream body; repair the reference's doubled-quote quirk if that is all."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if not text.strip():
        raise BadResponse("empty body")
    try:
        data = json.loads(text)
    except ValueError as first_error:
        data = _repaired(text, first_error)
    # only a \uD800-\uDFFF escape can leave a lone surrogate (the body was decoded from UTF-8)
    return _without_lone_surrogates(data) if _SURROGATE_ESCAPE.search(text) else data


def _repaired(text: str, first_error: json.JSONDecodeError) -> Any:
    repaired, count = _DOUBLED_QUOTES.subn(r'\1"\2"', text)
    if count:
        try:
            data = json.loads(repaired)
        except ValueError:
            pass
        else:
            logger.warning("upstream JSON had %d doubled-quoted value(s); repaired", count)
            return data
    raise BadResponse(f"invalid JSON: {first_error.msg} at char {first_error.pos}") from None


def _without_lone_surrogates(value: Any) -> Any:
    """JSON allows ``"\\ud800"`` alone; such a string cannot be encoded into a UTF-8 page, so
    each lone surrogate becomes U+FFFD (valid pairs were already joined by the decoder)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {
            _without_lone_surrogates(key): _without_lone_surrogates(item)
            for key, item in value.items()
        }
    return value


# --- scalar readers: the right type or None -------------------------------------------------


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            number = float(value)  # an int past 1e308 (JSON allows it) overflows
        elif isinstance(value, str):
            number = float(value.strip())
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _seconds(value: Any) -> float | None:
    """A duration in seconds: a finite number of at most ten years, either sign."""
    number = _float(value)
    return number if number is not None and abs(number) <= MAX_SECONDS else None


def _int(value: Any) -> int | None:
    number = _float(value)
    if number is None or number != int(number):
        return None
    return int(number)


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return None


# Moments outside these years are placeholders or garbage (0001-01-01, 9999-12-31...): shown in
# a time zone, or offset by a duration, they overflow ``datetime``.
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST = datetime(3000, 1, 1, tzinfo=UTC)
# Durations past ten years are garbage too (1e308 would overflow every ``timedelta``).
MAX_SECONDS = 10 * 366 * 86400.0


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed = parsed.astimezone(UTC)  # "0001-01-01T00:00:00+01:00" overflows here
    except (ValueError, OverflowError):
        return None
    return parsed if _EARLIEST <= parsed < _LATEST else None


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid(value: Any) -> str | None:
    text = _str(value)
    if text is None:
        return None
    if _CANONICAL_UUID.fullmatch(text):
        return text  # what str(uuid.UUID(text)) gives back, without building one
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def _index_keyed(value: Mapping[str, Any]) -> bool:
    """``{"0": {...}, "1": {...}}``: a list sent as an object keyed by index."""
    return bool(value) and all(
        isinstance(k, str) and k.isascii() and k.isdigit() and len(k) < 10 for k in value
    )


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping) and not value:  # an empty list sent as an object: no item
        return []
    if isinstance(value, Mapping) and _index_keyed(value):  # a list sent as {"0": …, "1": …}
        value = [value[k] for k in sorted(value, key=int)]
    elif isinstance(value, Mapping):  # any other object where a list belongs: one item
        value = [value]
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _many(value: Any, parse: Callable[[Mapping[str, Any]], T]) -> tuple[T, ...]:
    return tuple(parse(item) for item in _dicts(value))


def _extra(data: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    return {k: v for k, v in data.items() if k not in known}


# --- nested objects -------------------------------------------------------------------------

_SEGMENT_KEYS = frozenset(
    [
        "tenantId",
        "interactionId",
        "interactionSegmentId",
        "segmentNumber",
        "startTimestamp",
        "endTimestamp",
        "segmentStartType",
        "segmentEndType",
        "segmentTime",
        "segmentCancelled",
        "transfer",
        "agentId",
        "segmentToAgentId",
        "segmentCancelTime",
        "transferTime",
        "segmentConsultTime",
    ]
)


def parse_segment(data: Mapping[str, Any]) -> Segment:
    return Segment(
        id=_str(data.get("interactionSegmentId")),
        number=_int(data.get("segmentNumber")),
        start=_datetime(data.get("startTimestamp")),
        end=_datetime(data.get("endTimestamp")),
        start_type=_str(data.get("segmentStartType")),
        end_type=_str(data.get("segmentEndType")),
        seconds=_seconds(data.get("segmentTime")),
        cancelled=bool(_bool(data.get("segmentCancelled"))),
        transfer=bool(_bool(data.get("transfer"))),
        agent_id=_str(data.get("agentId")),
        to_agent_id=_str(data.get("segmentToAgentId")),
        cancel_seconds=_seconds(data.get("segmentCancelTime")),
        transfer_seconds=_seconds(data.get("transferTime")),
        consult_seconds=_seconds(data.get("segmentConsultTime")),
        extra=_extra(data, _SEGMENT_KEYS),
    )


_QUEUE_KEYS = frozenset(
    [
        "tenantId",
        "interactionId",
        "interactionQueueId",
        "queueId",
        "queueName",
        "queueType",
        "startTimestamp",
        "endTimestamp",
        "queueEntryType",
        "queueExitType",
        "queueAbandoned",
        "slaAbandoned",
        "queueTime",
        "slaTime",
        "timeToAnswer",
        "queueAbandonTime",
        "agentId",
        "interactionSegmentId",
    ]
)


def parse_queue(data: Mapping[str, Any]) -> Queue:
    return Queue(
        id=_str(data.get("interactionQueueId")),
        queue_id=_str(data.get("queueId")),
        name=_str(data.get("queueName")),
        start=_datetime(data.get("startTimestamp")),
        end=_datetime(data.get("endTimestamp")),
        queue_type=_str(data.get("queueType")),
        entry_type=_str(data.get("queueEntryType")),
        exit_type=_str(data.get("queueExitType")),
        abandoned=bool(_bool(data.get("queueAbandoned"))),
        sla_abandoned=bool(_bool(data.get("slaAbandoned"))),
        queue_seconds=_seconds(data.get("queueTime")),
        sla_seconds=_seconds(data.get("slaTime")),
        answer_seconds=_seconds(data.get("timeToAnswer")),
        abandon_seconds=_seconds(data.get("queueAbandonTime")),
        agent_id=_str(data.get("agentId")),
        segment_id=_str(data.get("interactionSegmentId")),
        extra=_extra(data, _QUEUE_KEYS),
    )


def parse_talk_time(data: Mapping[str, Any]) -> TalkTime:
    return TalkTime(
        start=_datetime(data.get("startTimestamp")),
        end=_datetime(data.get("endTimestamp")),
        seconds=_seconds(data.get("agentTalkTime", data.get("customerTalkTime"))),
        agent_id=_str(data.get("agentId")),
    )


_AGENT_KEYS = frozenset(
    [
        "tenantId",
        "interactionId",
        "interactionAgentId",
        "agentId",
        "agentName",
        "interactionSegmentId",
        "queueId",
        "startTimestamp",
        "endTimestamp",
        "conversationStartTimestamp",
        "conversationEndTimestamp",
        "agentWorkOfferTime",
        "agentWorkAccepted",
        "agentWorkAcceptedTime",
        "agentTalkTime",
        "agentHandleTime",
        "agentWrapUpTime",
        "agentFocusTime",
        "agentConversationTime",
        "talkTimes",
    ]
)


def parse_agent(data: Mapping[str, Any]) -> Agent:
    return Agent(
        id=_str(data.get("interactionAgentId")),
        agent_id=_str(data.get("agentId")),
        name=_str(data.get("agentName")),
        start=_datetime(data.get("startTimestamp")),
        end=_datetime(data.get("endTimestamp")),
        segment_id=_str(data.get("interactionSegmentId")),
        queue_id=_str(data.get("queueId")),
        conversation_start=_datetime(data.get("conversationStartTimestamp")),
        conversation_end=_datetime(data.get("conversationEndTimestamp")),
        offer_seconds=_seconds(data.get("agentWorkOfferTime")),
        accepted=_bool(data.get("agentWorkAccepted")),
        accept_seconds=_seconds(data.get("agentWorkAcceptedTime")),
        talk_seconds=_seconds(data.get("agentTalkTime")),
        handle_seconds=_seconds(data.get("agentHandleTime")),
        wrap_up_seconds=_seconds(data.get("agentWrapUpTime")),
        focus_seconds=_seconds(data.get("agentFocusTime")),
        conversation_seconds=_seconds(data.get("agentConversationTime")),
        talk_times=_many(data.get("talkTimes"), parse_talk_time),
        extra=_extra(data, _AGENT_KEYS),
    )


_HOOK_KEYS = frozenset(
    [
        "tenantId",
        "interactionId",
        "interactionHookId",
        "hookId",
        "hookName",
        "hookType",
        "hookSubType",
        "hookBy",
        "hookedBy",
        "agentId",
        "timestamp",
        "hookUrl",
    ]
)


def parse_hook(data: Mapping[str, Any]) -> Hook:
    return Hook(
        id=_str(data.get("interactionHookId")),
        hook_id=_str(data.get("hookId")),
        name=_str(data.get("hookName")),
        hook_type=_str(data.get("hookType")),
        sub_type=_str(data.get("hookSubType")),
        # CRM records say hookedBy (the public docs' Zendesk example), attributes hookBy
        by=_str(data.get("hookedBy")) or _str(data.get("hookBy")),
        agent_id=_str(data.get("agentId")),
        timestamp=_datetime(data.get("timestamp")),
        url=_str(data.get("hookUrl")),
        extra=_extra(data, _HOOK_KEYS),
    )


def parse_note(data: Mapping[str, Any]) -> Note:
    return Note(
        id=_str(data.get("noteId")),
        title=_str(data.get("title")),
        body=_str(data.get("body")),
        agent_id=_str(data.get("agentId")),
        created=_datetime(data.get("created")),
        updated=_datetime(data.get("updated")),
    )


def parse_monitor(data: Mapping[str, Any]) -> Monitor:
    return Monitor(
        agent_id=_str(data.get("agentId")),
        name=_str(data.get("agentName")),
        start=_datetime(data.get("startTimestamp")),
        end=_datetime(data.get("endTimestamp")),
        barged_in=_bool(data.get("bargedIn")),
    )


def _monitors(value: Any) -> tuple[tuple[Monitor, ...], int | None]:
    """``monitors`` as a list of who listened in; Pearson-ICC/CxAdmin annotates it as a
    number, so a bare count is kept too."""
    if isinstance(value, list | Mapping):
        monitors = _many(value, parse_monitor)
        return monitors, len(monitors)
    count = _int(value)
    return (), count if count is not None and count >= 0 else None


def _text(value: Any) -> str | None:
    """A string as it is; an object or list (a summary sent structured) as compact JSON."""
    if isinstance(value, Mapping | list):
        try:
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            return None
    return _str(value)


def parse_detail_agent(data: Mapping[str, Any]) -> DetailAgent:
    return DetailAgent(
        name=_str(data.get("agentName")),
        resource_id=_str(data.get("resourceId")),
        conversation_start=_datetime(data.get("conversationStartTimestamp")),
        conversation_end=_datetime(data.get("conversationEndTimestamp")),
        note_title=_str(data.get("noteTitle")),
    )


_DETAILS_KEYS = frozenset(
    [
        "endTimestamp",
        "interactionId",
        "contactPoint",
        "customer",
        "startTimestamp",
        "direction",
        "channelType",
        "contactId",
        "csat",
        "agents",
    ]
)


def parse_details(data: Any) -> Details | None:
    if not isinstance(data, Mapping):
        return None
    return Details(
        contact_id=_str(data.get("contactId")),
        csat=_str(data.get("csat")),
        agents=_many(data.get("agents"), parse_detail_agent),
        extra=_extra(data, _DETAILS_KEYS),
    )


# --- interactions and pages ---------------------------------------------------------------

_INTERACTION_KEYS = frozenset(
    [
        "tenantId",
        "interactionId",
        "startTimestamp",
        "endTimestamp",
        "channelType",
        "direction",
        "customer",
        "contactPoint",
        "contactId",
        "flowId",
        "flowName",
        "interactionTime",
        "ivrTime",
        "customerHolds",
        "customerTransfers",
        "customerAbandonTime",
        "customerTalkTime",
        "customerConversationTime",
        "customerHoldTime",
        "customerHoldAbandoned",
        "ivrAbandoned",
        "ivrAbandonTime",
        "thirdPartyTime",
        "flagged",
        "flagType",
        "flagTimestamp",
        "updated",
        "dataComplete",
        "dispositionName",
        "dispositionId",
        "audioRecording",
        "artifactsSummary",
        "customerSatisfactionScore",
        "campaignId",
        "leadId",
        "monitors",
        "segments",
        "queues",
        "agents",
        "customerTalkTimes",
        "notes",
        "hooks",
        "interactionAttributes",
        "details",
    ]
)


def _sort_key(segment: Segment) -> tuple:
    start = segment.start.timestamp() if segment.start else math.inf
    return (segment.number is None, segment.number or 0, start)


def _own_fields(data: Mapping) -> dict[str, Any]:
    """An interaction's own fields that every parse reads alike (full, summary)."""
    return {
        "tenant_id": _str(data.get("tenantId")),
        "start": _datetime(data.get("startTimestamp")),
        "end": _datetime(data.get("endTimestamp")),
        "channel": _str(data.get("channelType")),
        "direction": _str(data.get("direction")),
        "customer": _str(data.get("customer")),
        "contact_point": _str(data.get("contactPoint")),
        "flow_id": _str(data.get("flowId")),
        "flow_name": _str(data.get("flowName")),
        "interaction_seconds": _seconds(data.get("interactionTime")),
        "updated": _datetime(data.get("updated")),
        "data_complete": _bool(data.get("dataComplete")),
        "disposition_name": _str(data.get("dispositionName")),
        "disposition_id": _str(data.get("dispositionId")),
    }


def parse_interaction(
    data: Any, *, fallback_id: str | None = None, keep_raw: bool = True
) -> Interaction:
    if not isinstance(data, Mapping):
        raise BadResponse(f"interaction is a {type(data).__name__}, not an object")
    interaction_id = _uuid(data.get("interactionId")) or fallback_id
    if interaction_id is None:
        raise BadResponse("interaction without a usable interactionId")
    # an empty or blank flagType is no reason: it neither flags nor shows as a flag type
    flag_type = _flag_type(data)
    flagged = is_flagged(data)
    monitors, monitor_count = _monitors(data.get("monitors"))
    return Interaction(
        id=interaction_id,
        **_own_fields(data),
        contact_id=_str(data.get("contactId")),
        ivr_seconds=_seconds(data.get("ivrTime")),
        customer_holds=_int(data.get("customerHolds")),
        customer_transfers=_int(data.get("customerTransfers")),
        customer_abandon_seconds=_seconds(data.get("customerAbandonTime")),
        customer_talk_seconds=_seconds(data.get("customerTalkTime")),
        customer_conversation_seconds=_seconds(data.get("customerConversationTime")),
        customer_hold_seconds=_seconds(data.get("customerHoldTime")),
        customer_hold_abandoned=_bool(data.get("customerHoldAbandoned")),
        ivr_abandoned=_bool(data.get("ivrAbandoned")),
        ivr_abandon_seconds=_seconds(data.get("ivrAbandonTime")),
        third_party_seconds=_seconds(data.get("thirdPartyTime")),
        flagged=flagged,
        flag_type=flag_type,
        flag_time=_datetime(data.get("flagTimestamp")),
        # a link in the reference, a boolean in CxAdmin's CSV headings: keep only a link
        audio_recording=_str(data.get("audioRecording")),
        artifacts_summary=_text(data.get("artifactsSummary")),
        customer_satisfaction_score=_float(data.get("customerSatisfactionScore")),
        campaign_id=_str(data.get("campaignId")),
        lead_id=_str(data.get("leadId")),
        monitors=monitors,
        monitor_count=monitor_count,
        segments=tuple(sorted(_many(data.get("segments"), parse_segment), key=_sort_key)),
        queues=_many(data.get("queues"), parse_queue),
        agents=_many(data.get("agents"), parse_agent),
        customer_talk_times=_many(data.get("customerTalkTimes"), parse_talk_time),
        notes=_many(data.get("notes"), parse_note),
        hooks=_many(data.get("hooks"), parse_hook),
        attributes=_many(data.get("interactionAttributes"), parse_hook),
        details=parse_details(data.get("details")),
        extra=_extra(data, _INTERACTION_KEYS),
        raw=dict(data) if keep_raw else {},
    )


def parse_summary(data: Any) -> Interaction:
    """What lists and the interaction index need of an interaction, read faster than
    ``parse_interaction``: its own fields, its queues (name, id, abandoned), agents (name, id)
    and custom attributes (name, id); no times of queues or agents, no segments, talk times,
    notes, monitors, details, CRM hooks or unknown fields. The same rules: wrong types become
    None."""
    if not isinstance(data, Mapping):
        raise BadResponse(f"interaction is a {type(data).__name__}, not an object")
    interaction_id = _uuid(data.get("interactionId"))
    if interaction_id is None:
        raise BadResponse("interaction without a usable interactionId")
    attributes = tuple(
        Hook(
            id=_str(h.get("interactionHookId")),
            hook_id=_str(h.get("hookId")),
            name=_str(h.get("hookName")),
            sub_type="interaction-attribute",
        )
        for h in (
            *_dicts(data.get("interactionAttributes")),
            *(
                h
                for h in _dicts(data.get("hooks"))
                if (_str(h.get("hookSubType")) or "").strip().lower() == "interaction-attribute"
            ),
        )
    )
    return Interaction(
        id=interaction_id,
        **_own_fields(data),
        flagged=is_flagged(data),
        flag_type=_flag_type(data),
        queues=tuple(
            Queue(
                id=_str(q.get("interactionQueueId")),
                queue_id=_str(q.get("queueId")),
                name=_str(q.get("queueName")),
                start=None,
                end=None,
                abandoned=bool(_bool(q.get("queueAbandoned"))),
            )
            for q in _dicts(data.get("queues"))
        ),
        agents=tuple(
            Agent(
                id=_str(a.get("interactionAgentId")),
                agent_id=_str(a.get("agentId")),
                name=_str(a.get("agentName")),
                start=None,
                end=None,
            )
            for a in _dicts(data.get("agents"))
        ),
        attributes=attributes,
    )


_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-/]{1,64}")


def _zone_name(value: Any) -> str | None:
    """An IANA zone name, or None: ZoneInfo raises OSError (not ValueError) past 255 chars."""
    return value if isinstance(value, str) and _ZONE_NAME.fullmatch(value) else None


def _flag_type(data: Mapping[str, Any]) -> str | None:
    return (_str(data.get("flagType")) or "").strip() or None


def is_flagged(data: Any) -> bool:
    """Whether a raw interaction is flagged: ``flagged: true``, or a non-blank flagType (the
    reference: "null - the interaction was not flagged", so any other value is a reason).
    ``flagged`` null or absent with no flagType is not flagged: the reference's unflagged
    records carry no ``flagged`` at all."""
    if not isinstance(data, Mapping):
        return False
    return bool(_bool(data.get("flagged"))) or _flag_type(data) is not None


def _is_bare_interaction(data: Mapping[str, Any]) -> bool:
    """One interaction object where the list envelope belongs (no ``results`` key at all)."""
    return "results" not in data and "interactionId" in data


def parse_page(
    data: Any,
    *,
    limit: int,
    offset: int,
    select: Callable[[Any], bool] | None = None,
    parse: Callable[[Any], Interaction] | None = None,
) -> Page:
    """A list answer; with ``select``, only results it accepts are parsed into items (with
    ``parse``: ``parse_summary`` for the index; ``parse_interaction`` by default).

    ``"results": null`` is an empty page (Pearson-ICC/CxAdmin ``cxStatistics.py`` stops paging
    on it); a bare interaction object is a one-row result (the reference's custom-attribute
    search sample); a missing ``total`` gives a lower bound and ``total_known=False``.
    """
    if isinstance(data, Mapping) and _is_bare_interaction(data):
        return _bare_page(data, limit=limit, offset=offset, select=select)
    if not isinstance(data, Mapping) or "results" not in data:
        raise BadResponse("list response without a results list")
    results = data["results"]
    if results is None:
        results = []
    elif not isinstance(results, list):
        raise BadResponse(f"list response whose results is a {type(results).__name__}")
    items: list[Interaction] = []
    skipped = 0
    for result in results:
        if not isinstance(result, Mapping):  # unreadable whatever ``select`` would say
            skipped += 1
            continue
        if select is not None and not select(result):
            continue
        try:
            items.append(parse(result) if parse else parse_interaction(result, keep_raw=False))
        except BadResponse:
            skipped += 1
    return _list_page(
        items,
        skipped=skipped,
        received=len(results),
        limit=limit,
        offset=offset,
        total=data.get("total"),
        said_limit=data.get("limit"),
        said_offset=data.get("offset"),
        tenant_id=data.get("tenantId"),
        tenant_name=data.get("tenantName"),
        tenant_timezone=data.get("tenantTimezone", data.get("tenantTimeZone")),
    )


def _list_page(
    items: list[Interaction],
    *,
    skipped: int,
    received: int,
    limit: int,
    offset: int,
    total: Any,
    said_limit: Any,
    said_offset: Any,
    tenant_id: Any,
    tenant_name: Any,
    tenant_timezone: Any,
) -> Page:
    """The ``Page`` of a list envelope's fields as decoded (either decoder's)."""
    if skipped:
        logger.warning("skipped %d unreadable interaction(s) in a list response", skipped)
    count = _int(total)
    total_known = count is not None and count >= 0
    if not total_known:
        count = offset + received
    said = _int(said_offset)
    return Page(
        items=tuple(items),
        total=count,
        limit=_int(said_limit) or limit,
        offset=said if said is not None else offset,
        tenant_id=_str(tenant_id),
        tenant_name=_str(tenant_name),
        tenant_timezone=_zone_name(tenant_timezone),
        skipped=skipped,
        received=received,
        total_known=total_known,
    )


# --- the list's rows: what a table row shows, decoded fast ----------------------------------
#
# Each struct names only the keys a row reads; msgspec skips every other key without building
# it. Texts are typed (a string or null); numbers, booleans and timestamps are decoded as they
# come (``Any``) and read by the scalar readers above, so "12.5", "true" or a malformed
# timestamp end up exactly as ``parse_interaction`` leaves them. A value or shape the structs do
# not allow (a number where a name belongs, a list sent as an object, a non-object item, a bare
# interaction) raises, and the page goes through the full parser.


class _QueueRow(msgspec.Struct, rename="camel"):
    queue_name: str | None = None


class _AgentRow(msgspec.Struct, rename="camel"):
    agent_name: str | None = None


class _HookRow(msgspec.Struct, rename="camel"):
    interaction_hook_id: str | None = None
    hook_id: str | None = None
    hook_name: str | None = None
    hook_type: str | None = None
    hook_sub_type: str | None = None


class _ListRow(msgspec.Struct, rename="camel"):
    interaction_id: Any = None
    tenant_id: str | None = None
    start_timestamp: Any = None
    end_timestamp: Any = None
    channel_type: str | None = None
    direction: str | None = None
    customer: str | None = None
    contact_point: str | None = None
    flow_id: str | None = None
    flow_name: str | None = None
    interaction_time: Any = None
    flagged: Any = None
    flag_type: Any = None
    flag_timestamp: Any = None
    data_complete: Any = None
    queues: list[_QueueRow] | None = None
    agents: list[_AgentRow] | None = None
    hooks: list[_HookRow] | None = None
    interaction_attributes: list[_HookRow] | None = None


class _ListEnvelope(msgspec.Struct, rename="camel"):
    results: list[_ListRow] | msgspec.UnsetType | None = msgspec.UNSET
    total: Any = None
    limit: Any = None
    offset: Any = None
    tenant_id: Any = None
    tenant_name: Any = None
    tenant_timezone: Any = msgspec.UNSET
    tenant_time_zone: Any = None


_LIST_DECODER = msgspec.json.Decoder(_ListEnvelope, strict=False)
# the row fields this decoder fills (every other field keeps its default); the property tests
# hold it to ``parse_page`` on each of them, and the table's HTML to the full parser's
LIST_ROW_FIELDS = (
    "id",
    "tenant_id",
    "start",
    "end",
    "channel",
    "direction",
    "customer",
    "contact_point",
    "flow_id",
    "flow_name",
    "interaction_seconds",
    "flagged",
    "flag_type",
    "flag_time",
    "data_complete",
    "queue_names",
    "agent_names",
    "hooks",
    "attributes",
)


def parse_list_rows(body: bytes, *, limit: int, offset: int) -> Page:
    """A list answer read for its table: every ``LIST_ROW_FIELDS`` as ``parse_page`` reads it,
    the other fields left at their defaults. Whatever the fast decoder cannot read goes through
    ``decode_json`` and ``parse_page`` (which also raise what they raise)."""
    page = _list_rows_fast(body, limit=limit, offset=offset)
    if page is None:
        page = parse_page(decode_json(body), limit=limit, offset=offset)
    return page


def _list_rows_fast(body: bytes, *, limit: int, offset: int) -> Page | None:
    try:
        envelope = _LIST_DECODER.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        # among them every lone surrogate escape, which decode_json turns into U+FFFD (msgspec
        # joins escaped pairs as json does)
        return None
    if envelope.results is msgspec.UNSET:
        return None  # a bare interaction, or no list at all: the full parser says which
    rows = envelope.results or ()
    items: list[Interaction] = []
    skipped = 0
    for row in rows:
        item = _row_item(row)
        if item is None:
            skipped += 1
        else:
            items.append(item)
    zone = envelope.tenant_timezone
    return _list_page(
        items,
        skipped=skipped,
        received=len(rows),
        limit=limit,
        offset=offset,
        total=envelope.total,
        said_limit=envelope.limit,
        said_offset=envelope.offset,
        tenant_id=envelope.tenant_id,
        tenant_name=envelope.tenant_name,
        tenant_timezone=envelope.tenant_time_zone if zone is msgspec.UNSET else zone,
    )


def _row_hook(hook: _HookRow) -> Hook:
    return Hook(
        id=hook.interaction_hook_id,
        hook_id=hook.hook_id,
        name=hook.hook_name,
        hook_type=hook.hook_type,
        sub_type=hook.hook_sub_type,
    )


def _row_item(row: _ListRow) -> Interaction | None:
    """One row as ``parse_interaction`` reads it, limited to ``LIST_ROW_FIELDS``; None when it
    has no usable interactionId (the full parser skips it too)."""
    interaction_id = _uuid(row.interaction_id)
    if interaction_id is None:
        return None
    flag_type = (_str(row.flag_type) or "").strip() or None
    return Interaction(
        id=interaction_id,
        tenant_id=row.tenant_id,
        start=_datetime(row.start_timestamp),
        end=_datetime(row.end_timestamp),
        channel=row.channel_type,
        direction=row.direction,
        customer=row.customer,
        contact_point=row.contact_point,
        flow_id=row.flow_id,
        flow_name=row.flow_name,
        interaction_seconds=_seconds(row.interaction_time),
        flagged=bool(_bool(row.flagged)) or flag_type is not None,
        flag_type=flag_type,
        flag_time=_datetime(row.flag_timestamp),
        data_complete=_bool(row.data_complete),
        queues=tuple(
            Queue(id=None, queue_id=None, name=q.queue_name, start=None, end=None)
            for q in row.queues or ()
        ),
        agents=tuple(
            Agent(id=None, agent_id=None, name=a.agent_name, start=None, end=None)
            for a in row.agents or ()
        ),
        hooks=tuple(_row_hook(h) for h in row.hooks or ()),
        attributes=tuple(_row_hook(h) for h in row.interaction_attributes or ()),
    )


def _bare_page(
    data: Mapping[str, Any], *, limit: int, offset: int, select: Callable[[Any], bool] | None
) -> Page:
    """The single match of a search, answered as the interaction itself: it is row 0."""
    items: tuple[Interaction, ...] = ()
    skipped = 0
    if offset == 0 and (select is None or select(data)):
        try:
            items = (parse_interaction(data, keep_raw=False),)
        except BadResponse:
            skipped = 1
    return Page(
        items=items,
        total=1,
        limit=limit,
        offset=offset,
        tenant_id=_str(data.get("tenantId")),
        skipped=skipped,
        received=1 if offset == 0 else 0,
        bare=True,
    )


# --- artifacts ------------------------------------------------------------------------------

_ARTIFACT_KEYS = frozenset(
    ["artifactId", "artifactType", "created", "updated", "manifestId", "files"]
)
_FILE_KEYS = frozenset(
    ["artifactFileId", "filename", "contentType", "contentLength", "created", "url"]
)


def parse_artifact_file(data: Mapping[str, Any]) -> ArtifactFile:
    length = _int(data.get("contentLength"))
    return ArtifactFile(
        id=_str(data.get("artifactFileId")),
        filename=_str(data.get("filename")),
        content_type=_str(data.get("contentType")),
        content_length=length if length is not None and length >= 0 else None,
        created=_datetime(data.get("created")),
        url=_str(data.get("url")),
        extra=_extra(data, _FILE_KEYS),
    )


def parse_artifact(data: Any, *, fallback_id: str | None = None) -> Artifact:
    """One artifact: the list's summary, or the artifact itself with its ``files``."""
    if not isinstance(data, Mapping):
        raise BadResponse(f"artifact is a {type(data).__name__}, not an object")
    artifact_id = _str(data.get("artifactId")) or fallback_id
    if not artifact_id:
        raise BadResponse("artifact without an artifactId")
    return Artifact(
        id=artifact_id,
        type=_str(data.get("artifactType")),
        created=_datetime(data.get("created")),
        updated=_datetime(data.get("updated")),
        manifest_id=_str(data.get("manifestId")),
        files=_many(data.get("files"), parse_artifact_file),
        extra=_extra(data, _ARTIFACT_KEYS),
    )


def parse_artifact_list(data: Any) -> tuple[Artifact, ...]:
    """``{"results": [summary, ...]}`` (``null`` or no artifacts: empty), sorted by ``created``
    as the SDK sorts recordings (the API promises no order); items without an id are skipped."""
    if not isinstance(data, Mapping) or "results" not in data:
        raise BadResponse("artifact list without a results list")
    found: list[Artifact] = []
    skipped = 0
    for item in _dicts(data["results"]):
        try:
            found.append(parse_artifact(item))
        except BadResponse:
            skipped += 1
    if skipped:
        logger.warning("skipped %d artifact(s) without an artifactId", skipped)
    never = datetime.max.replace(tzinfo=UTC)
    return tuple(sorted(found, key=lambda a: a.created or never))


# --- error answers ----------------------------------------------------------------------------

ERROR_SUMMARY_CHARS = 200
_TAGS = re.compile(r"<[^>]{0,500}>")
_SPACES = re.compile(r"[\s\x00-\x1f\x7f]+")


def error_summary(body: bytes, content_type: str = "") -> str:
    """What an error answer said, in at most ``ERROR_SUMMARY_CHARS`` characters of one line.

    The real API's error bodies come in several shapes (shark764/cxengage-configuration-ui
    ``src/utils/sdk.js``, ``errorManager``: "Not all APIs return the same error structure"):
    ``{"error": "text"}``, ``{"error": ["text", ...]}``, ``{"error": {"code", "message",
    "attribute": {field: text or [texts]}}}``, ``{"error": {"body": {"errors": [{"code",
    "title" or "message"}]}}}``; gateways add ``{"message": ...}`` and, under load, HTML or
    plain text (CxAdmin ``cxStatistics.py`` retries 503/504 whose body is not JSON). Never
    raises; the caller scrubs credentials.
    """
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return "(empty body)"
    try:
        data = json.loads(text)
    except ValueError:
        kind = (content_type.split(";", 1)[0].strip() or "unknown type")[:40]
        return _one_line(f"not JSON ({kind}): {_TAGS.sub(' ', text)}")
    if isinstance(data, Mapping) and "error" in data:
        data = data["error"]
    return _one_line(_said(data) or "(no message)")


def _said(value: Any, depth: int = 0) -> str:
    if depth > 4:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "; ".join(filter(None, (_said(v, depth + 1) for v in value[:3])))
    if not isinstance(value, Mapping):
        return "" if value is None else str(value)
    nested = value.get("body")
    if isinstance(nested, Mapping) and isinstance(nested.get("errors"), list):
        first = next((e for e in nested["errors"] if isinstance(e, Mapping)), {})
        message = _said(first.get("title") or first.get("message"), depth + 1)
        return _coded(first.get("code") or value.get("code"), message)
    message = _said(value.get("message"), depth + 1)
    attribute = value.get("attribute")
    if isinstance(attribute, Mapping) and attribute:
        fields = "; ".join(
            f"{name}: {_said(problem, depth + 1)}" for name, problem in list(attribute.items())[:3]
        )
        message = f"{message} ({fields})" if message else fields
    if not message and value:
        message = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return _coded(value.get("code"), message)


def _coded(code: Any, message: str) -> str:
    code_text = _str(code)
    return f"{code_text}: {message}" if code_text and message else message or (code_text or "")


def _one_line(text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    if len(text) > ERROR_SUMMARY_CHARS:
        text = text[: ERROR_SUMMARY_CHARS - 1].rstrip() + "…"
    return text
