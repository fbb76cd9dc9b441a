"""An email artifact as a message to read: subject, sender, recipients, date, the body as plain
text, and the attachments (name, type, size).

Two sources, the same result:

- ``read_mime``: the whole RFC 5322 message (the sandbox's ``message.eml``), parsed with the
  standard library's ``email`` package;
- ``read_manifest``: the files the SDK reads (``modules/email.cljs``,
  ``interaction_management.cljs``): a JSON manifest (``subject``, ``from``/``to``/``cc`` as
  ``{name, address}``, ``date``, ``body.plain``/``body.html`` naming body files, ``attachments``
  with their file ids) plus the body files' bytes.

An HTML body is turned into text (``html_text``), never rendered. Nothing raises on a malformed
message: what cannot be read is left empty.
"""

from __future__ import annotations

import contextlib
import email
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from typing import Any, TypeVar

from .html_text import html_to_text
from .transcript import _moment

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_MESSAGE_BYTES = 20 * 1024 * 1024  # a whole message (attachments included) read to show it


@dataclass(frozen=True, slots=True)
class MailAddress:
    name: str
    address: str

    def __str__(self) -> str:
        if self.name and self.address:
            return f"{self.name} <{self.address}>"
        return self.name or self.address


@dataclass(frozen=True, slots=True)
class MailAttachment:
    name: str
    content_type: str
    size: int | None
    file_id: str | None = None  # the artifact file that holds it, when known (for download)


@dataclass(frozen=True, slots=True)
class MailMessage:
    subject: str = ""
    sender: tuple[MailAddress, ...] = ()
    to: tuple[MailAddress, ...] = ()
    cc: tuple[MailAddress, ...] = ()
    date: datetime | None = None
    body: str = ""
    body_from_html: bool = False  # the message had only an HTML body, shown here as text
    attachments: tuple[MailAttachment, ...] = ()


def _safely(read: Callable[[], T], fallback: T, what: str) -> T:
    """``read()``, or ``fallback`` when a malformed header or part makes the parser fail."""
    try:
        return read()
    except Exception as error:  # the email package raises many types on hostile input
        logger.warning("email artifact: unreadable %s (%s)", what, type(error).__name__)
        return fallback


# --- the whole message ---------------------------------------------------------------------


def read_mime(data: bytes) -> MailMessage:
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)  # policy.default builds EmailMessage objects
    body, from_html = _safely(lambda: _mime_body(message), ("", False), "body")
    return MailMessage(
        subject=_safely(lambda: str(message.get("Subject") or "").strip(), "", "subject"),
        sender=_safely(lambda: _mime_addresses(message, "From"), (), "From"),
        to=_safely(lambda: _mime_addresses(message, "To"), (), "To"),
        cc=_safely(lambda: _mime_addresses(message, "Cc"), (), "Cc"),
        date=_safely(lambda: _mime_date(message), None, "Date"),
        body=body,
        body_from_html=from_html,
        attachments=_safely(lambda: _mime_attachments(message), (), "attachments"),
    )


def _mime_addresses(message: EmailMessage, name: str) -> tuple[MailAddress, ...]:
    header = message.get(name)
    if header is None:
        return ()
    addresses = getattr(header, "addresses", None)
    if addresses is None:
        return (MailAddress(name="", address=str(header)),)
    return tuple(
        MailAddress(name=a.display_name or "", address=a.addr_spec or "") for a in addresses
    )


def _mime_date(message: EmailMessage) -> datetime | None:
    header = message.get("Date")
    moment = getattr(header, "datetime", None)
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _part_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, ValueError, KeyError):  # an unknown charset, a broken encoding
        pass
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def _mime_body(message: EmailMessage) -> tuple[str, bool]:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", False
    text = _part_text(part)
    if part.get_content_type() == "text/html":
        return html_to_text(text), True
    return text.strip(), False


def _mime_attachments(message: EmailMessage) -> tuple[MailAttachment, ...]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        found.append(
            MailAttachment(
                name=(part.get_filename() or "").strip() or "attachment",
                content_type=part.get_content_type(),
                size=len(payload) if isinstance(payload, bytes) else None,
            )
        )
    return tuple(found)


# --- the SDK's manifest and body files -----------------------------------------------------


def read_manifest(
    manifest: Any,
    *,
    plain: bytes | None = None,
    html: bytes | None = None,
    sizes: Mapping[str, int | None] | None = None,
) -> MailMessage:
    """The message a manifest describes; ``plain``/``html`` are its body files' bytes and
    ``sizes`` the artifact's file sizes by file id (the manifest does not give them)."""
    if not isinstance(manifest, Mapping):
        return MailMessage()
    if plain is not None:
        body, from_html = plain.decode("utf-8", errors="replace").strip(), False
    elif html is not None:
        body, from_html = html_to_text(html.decode("utf-8", errors="replace")), True
    else:
        body, from_html = "", False
    sizes = sizes or {}
    attachments = []
    for item in _objects(manifest.get("attachments")):
        file_id = _str(item.get("artifactFileId")) or None
        headers = _objects(item.get("headers"))
        content_type = next(
            (_str(h.get("contentType")) for h in headers if h.get("contentType")), ""
        )
        attachments.append(
            MailAttachment(
                name=_str(item.get("filename")) or "attachment",
                content_type=content_type.split(";")[0].strip() or "application/octet-stream",
                size=sizes.get(file_id) if file_id else None,
                file_id=file_id,
            )
        )
    return MailMessage(
        subject=_str(manifest.get("subject")),
        sender=_manifest_addresses(manifest.get("from")),
        to=_manifest_addresses(manifest.get("to")),
        cc=_manifest_addresses(manifest.get("cc")),
        date=_moment(manifest.get("date")),
        body=body,
        body_from_html=from_html,
        attachments=tuple(attachments),
    )


def manifest_body_ids(manifest: Any) -> tuple[str | None, str | None]:
    """The file ids of the plain-text and HTML bodies a manifest names."""
    body = manifest.get("body") if isinstance(manifest, Mapping) else None
    if not isinstance(body, Mapping):
        return None, None

    def file_id(kind: str) -> str | None:
        part = body.get(kind)
        return (_str(part.get("artifactFileId")) or None) if isinstance(part, Mapping) else None

    return file_id("plain"), file_id("html")


def _objects(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        value = [value]
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _manifest_addresses(value: Any) -> tuple[MailAddress, ...]:
    if isinstance(value, str):
        return (MailAddress(name="", address=value.strip()),)
    out = []
    for item in _objects(value):
        with contextlib.suppress(AttributeError):
            out.append(MailAddress(name=_str(item.get("name")), address=_str(item.get("address"))))
    return tuple(a for a in out if a.name or a.address)
