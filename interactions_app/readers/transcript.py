"""A chat or SMS transcript (``messaging-transcript``) as a conversation.

Its file format is not publicly documented. Accepted: a JSON array of messages, or an object
with a ``messages`` array, each message with the usual field names; anything else is plain
text. In the SDK's messaging payloads (``modules/messaging.cljs``) ``type`` is always
``"message"``, the speaker is ``metadata.type`` (customer, agent, system) with their name in
``metadata.name``, and the text is ``body.text``; so the speaker is read from ``metadata``
before ``role`` and ``type``, and ``body`` may be an object holding the text.

Only the first ``SHOWN_BYTES`` of a larger file are read (``partial``): the whole messages in
that part are shown, and the page offers the file for download.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SHOWN_BYTES = 2 * 1024 * 1024
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST = datetime(3000, 1, 1, tzinfo=UTC)
_MESSAGES_KEY = re.compile(r'"messages"\s*:\s*\[')
_WHITESPACE = " \t\r\n"
ROLES = frozenset({"customer", "agent", "system"})


@dataclass(frozen=True, slots=True)
class ChatMessage:
    who: str  # the speaker's name, else their address or id, else their role
    role: str  # "customer", "agent", "system", or whatever the file says ("" if nothing)
    at: datetime | None
    text: str

    @property
    def side(self) -> str:
        """``customer``, ``agent``, ``system``, or ``other`` for a role the file made up."""
        return self.role if self.role in ROLES else "other"


@dataclass(frozen=True, slots=True)
class Conversation:
    messages: tuple[ChatMessage, ...] = ()
    plain_text: str | None = None  # the file as text, when it is not a list of messages
    partial: bool = False  # only the first part of a larger file was read


def read_transcript(data: bytes, *, partial: bool = False) -> Conversation:
    """The conversation in a transcript file (or its first part, when ``partial``)."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    items = _items(text, partial=partial)
    messages = tuple(m for m in map(_message, items or ()) if m is not None)
    if messages:
        return Conversation(messages=messages, partial=partial)
    return Conversation(plain_text=text, partial=partial)


def _items(text: str, *, partial: bool) -> list[Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return _leading_items(text) if partial else None
    if isinstance(data, Mapping):
        data = data.get("messages")
    return data if isinstance(data, list) else None


def _leading_items(text: str) -> list[Any]:
    """The complete items at the start of a JSON array cut short (the first part of a file)."""
    stripped = text.lstrip(_WHITESPACE)
    if stripped.startswith("["):
        pos = len(text) - len(stripped) + 1
    else:
        found = _MESSAGES_KEY.search(text) if stripped.startswith("{") else None
        if found is None:
            return []
        pos = found.end()
    decoder, items = json.JSONDecoder(), []
    while True:
        while pos < len(text) and text[pos] in _WHITESPACE + ",":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return items
        try:
            item, pos = decoder.raw_decode(text, pos)
        except ValueError:
            return items
        items.append(item)


def _message(item: Any) -> ChatMessage | None:
    if not isinstance(item, Mapping):
        return None
    meta = item.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    kind = _text(item.get("type"))
    role = (
        _text(meta.get("type"))
        or _text(item.get("role"))
        or (kind if kind.lower() != "message" else "")
    )
    full_name = " ".join(filter(None, (_text(meta.get("firstName")), _text(meta.get("lastName")))))
    who = _text(meta.get("name")) or full_name or _text(item.get("from")) or role.title()
    text = _body(item)
    if text is None:
        return None
    at = next(
        (t for t in map(_moment, (item.get(k) for k in ("timestamp", "time", "created"))) if t),
        None,
    )
    return ChatMessage(who=who or "Unknown", role=role.lower(), at=at, text=text)


def _body(item: Mapping[str, Any]) -> str | None:
    for key in ("text", "body", "content"):
        value = item.get(key)
        if isinstance(value, Mapping):  # the SDK's body: {"text": ...}
            value = value.get("text", value.get("content"))
        if isinstance(value, str):
            return value
    return None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _moment(value: Any) -> datetime | None:
    """An ISO 8601 time, or epoch seconds or milliseconds; None for anything implausible."""
    try:
        if isinstance(value, str) and 0 < len(value) <= 64:
            moment = datetime.fromisoformat(value.strip())
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            seconds = value / 1000 if abs(value) > 1e11 else value
            moment = datetime.fromtimestamp(seconds, tz=UTC)
        else:
            return None
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return moment if _EARLIEST <= moment < _LATEST else None
