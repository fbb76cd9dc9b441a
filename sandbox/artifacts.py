"""Interaction artifacts: call recordings, chat transcripts and emails, and their download links.

Which artifacts an interaction has, and what is in them, is derived from the seed and the
interaction's own generated data (its channel, agents, talk periods, customer, contact point and
times): the same interaction always yields the same ids and the same bytes. Nothing is stored.

- ``GET /v1/tenants/{t}/interactions/{id}/artifacts`` -> ``{"results": [summary, ...]}``
- ``GET /v1/tenants/{t}/interactions/{id}/artifacts/{artifactId}`` -> the artifact with ``files``
- ``GET /files/{t}/{interactionId}/{artifactId}/{artifactFileId}/{filename}?expires=&signature=``
  -> the file's bytes, like an S3 presigned link: no credentials, an HMAC signature and an expiry
  checked against the sandbox clock, ``Range`` honoured, streamed in chunks.

See docs/sandbox.md ("Artifacts") for the shapes and what is evidence versus the sandbox's choice.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import random
import re
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from html import escape
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, urlsplit

from . import media
from .data import Tenant, is_uuid
from .faults import XSS_PAYLOADS

if TYPE_CHECKING:  # the server imports this module
    from .server import SandboxServer

DEFAULT_LINK_TTL = 300.0
PLAN_CACHE = 256
SLOW_CHUNK = 4096
MAX_HUGE_TEXT_BYTES = 32 * 1024 * 1024  # huge transcripts are built in memory

API_PATH = re.compile(r"^/v1/tenants/([^/]+)/interactions/([^/]+)/artifacts(?:/([^/]+))?/?$")
FILE_PREFIX = "/files/"
_FILE_PATH = re.compile(r"^/files/([^/]+)/([^/]+)/([^/]+)/([^/]+)/([^/]+)$")
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$")
_RANGE = re.compile(r"^\s*([0-9]*)\s*-\s*([0-9]*)\s*$")

# shares of interactions with artifacts (the rest have none)
RECORDED_WITHOUT_LINK = 0.625  # voice calls with talk but no audioRecording link: 0.6 + 0.4*0.625
CXENGAGE_RECORDING = 0.25  # artifactType cxengage-recording instead of audio-recording
SPLIT_RECORDING = 0.35  # transferred calls recorded as one file per first leg / the rest
LATE_RECORDING = 0.07  # the recording started a few seconds after the talk did
ANSWERED_CHAT_TRANSCRIPT = 0.95
UNANSWERED_CHAT_TRANSCRIPT = 0.5
EMAIL_REPLY = 0.5  # an answered inbound email also carries the agent's reply as an artifact


# --- plans: which artifacts and files an interaction has -----------------------------------


@dataclass(frozen=True)
class FilePlan:
    file_id: str
    filename: str
    content_type: str
    created_ms: int
    data: bytes = b""
    recording: media.Recording | None = None

    @property
    def size(self) -> int:
        return self.recording.size if self.recording is not None else len(self.data)

    def chunks(self, start: int, end: int, chunk: int) -> Iterator[bytes]:
        if self.recording is not None:
            yield from self.recording.chunks(start, end, chunk)
            return
        for pos in range(start, end, chunk):
            yield self.data[pos : min(end, pos + chunk)]


@dataclass(frozen=True)
class ArtifactPlan:
    artifact_id: str
    artifact_type: str
    created_ms: int
    files: tuple[FilePlan, ...]
    manifest_id: str | None = None


def _digest(*parts: object) -> bytes:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def _uuid(*parts: object) -> str:
    s = _digest(*parts)[:16].hex()
    return f"{s[:8]}-{s[8:12]}-4{s[13:16]}-{'89ab'[int(s[16], 16) & 3]}{s[17:20]}-{s[20:32]}"


def _rng(*parts: object) -> random.Random:
    return random.Random(int.from_bytes(_digest(*parts)[:8], "big"))


def _ms(value: str | None) -> int | None:
    if not value:
        return None
    return round(datetime.fromisoformat(value).timestamp() * 1000)


@dataclass(frozen=True)
class _Leg:
    agent_id: str
    name: str
    accept_ms: int
    end_ms: int | None
    talks: tuple[tuple[int, int], ...]


def _legs(item: dict) -> list[_Leg]:
    """Accepted agent legs in order, with their talk periods (voice) from the interaction."""
    legs = []
    for agent in item.get("agents") or ():
        accept = _ms(agent.get("conversationStartTimestamp"))
        if not agent.get("agentWorkAccepted") or accept is None:
            continue
        talks = []
        for talk in agent.get("talkTimes") or ():
            a, b = _ms(talk.get("startTimestamp")), _ms(talk.get("endTimestamp"))
            if a is not None and b is not None and b > a:
                talks.append((a, b))
        legs.append(
            _Leg(
                agent["agentId"],
                agent.get("agentName") or "Agent",
                accept,
                _ms(agent.get("conversationEndTimestamp")),
                tuple(sorted(talks)),
            )
        )
    legs.sort(key=lambda leg: leg.accept_ms)
    return legs


class _Context:
    """One interaction's data, the ids and random draws its artifacts derive from."""

    def __init__(self, seed: int, tenant: Tenant, item: dict, xss: bool, huge_bytes: int):
        self.seed, self.tenant, self.item = seed, tenant, item
        self.xss, self.huge_bytes = xss, huge_bytes
        self.iid = item["interactionId"]
        self.tid = tenant.tenant_id
        self.channel = item.get("channelType")
        self.start_ms = _ms(item.get("startTimestamp")) or 0
        self.end_ms = _ms(item.get("endTimestamp"))
        self.complete = bool(item.get("dataComplete"))
        self.legs = _legs(item)
        self.customer = str(item.get("customer") or "")
        self.contact_point = str(item.get("contactPoint") or "")
        self.order = next(
            (
                h["hookName"]
                for h in item.get("hooks") or ()
                if str(h.get("hookName", "")).startswith("ORD-")
            ),
            None,
        )
        self._artifacts = 0

    def rng(self, kind: str) -> random.Random:
        return _rng(self.seed, self.tid, self.iid, kind)

    def artifact_id(self) -> tuple[str, int]:
        n = self._artifacts
        self._artifacts += 1
        return _uuid(self.seed, self.tid, self.iid, "artifact", n), n

    def file_id(self, artifact_n: int, k: int) -> str:
        return _uuid(self.seed, self.tid, self.iid, "file", artifact_n, k)

    # people

    def customer_name(self) -> str:
        """A display name: "Alex Smith" for alex.smith12@…, the number for a phone, else ""."""
        if self.xss:
            return XSS_PAYLOADS["customer"]
        local = self.customer.partition("@")[0]
        if "@" in self.customer and "." in local and not local.startswith("guest"):
            first, _, last = local.partition(".")
            return f"{first.title()} {last.rstrip('0123456789').title()}"
        return self.customer if self.customer.startswith("+") else ""

    def customer_first(self) -> str:
        name = self.customer_name()
        return name.split()[0] if name and not name.startswith("+") and not self.xss else "there"

    def agent_name(self, leg: _Leg) -> str:
        return XSS_PAYLOADS["agentName"] if self.xss else leg.name

    def text(self, value: str) -> str:
        return XSS_PAYLOADS["messageText"] if self.xss else value


def plan(seed: int, tenant: Tenant, item: dict, xss: bool, huge_bytes: int) -> list[ArtifactPlan]:
    """Every artifact of one interaction, in the order the API lists them."""
    ctx = _Context(seed, tenant, item, xss, huge_bytes)
    if ctx.channel == "voice":
        artifacts = _recordings(ctx)
    elif ctx.channel in ("messaging", "sms"):
        artifacts = _transcripts(ctx)
    elif ctx.channel == "email":
        artifacts = _emails(ctx)
    else:
        artifacts = []
    artifacts.sort(key=lambda a: a.created_ms)
    if len(artifacts) > 1 and ctx.rng("order").random() < 0.5:
        artifacts.reverse()  # the API does not promise an order; the SDK sorts by created
    return artifacts


# --- recordings ----------------------------------------------------------------------------


def _recordings(ctx: _Context) -> list[ArtifactPlan]:
    legs = [leg for leg in ctx.legs if leg.talks]
    if not ctx.complete or not legs:
        return []
    rng = ctx.rng("recording")
    if "audioRecording" not in ctx.item and rng.random() >= RECORDED_WITHOUT_LINK:
        return []
    kind = "cxengage-recording" if rng.random() < CXENGAGE_RECORDING else "audio-recording"
    content_type = "audio/x-wav" if kind == "cxengage-recording" else "audio/wav"
    groups = [legs]
    if len(legs) > 1 and rng.random() < SPLIT_RECORDING:
        groups = [legs[:1], legs[1:]]
    out = []
    tone_of = {
        leg.accept_ms: media.LEG_TONES[n % len(media.LEG_TONES)] for n, leg in enumerate(legs)
    }
    for g, group in enumerate(groups):
        talks = [(a, b, tone_of[leg.accept_ms]) for leg in group for a, b in leg.talks]
        start = min(a for a, _, _ in talks)
        end = max(b for _, b, _ in talks)
        late = rng.random() < LATE_RECORDING
        late_ms = int(rng.uniform(2_000, 40_000))
        if late:
            start += min(late_ms, (end - start) // 3)
        created = end + rng.randrange(2_000, 20_000)
        huge = ctx.huge_bytes if g == 0 else 0
        artifact_id, n = ctx.artifact_id()
        audio = FilePlan(
            ctx.file_id(n, 0),
            f"recording-{g + 1}.wav",
            content_type,
            created,
            recording=media.recording(talks, start, end, huge),
        )
        out.append(ArtifactPlan(artifact_id, kind, created, (audio,)))
    return out


# --- chat and SMS transcripts --------------------------------------------------------------

_CHATS = (
    (
        "order",
        (
            ("customer", "Hi, I'm trying to find out where my order {order} is."),
            ("agent", "Hi {first}, this is {agent} from {company}. Let me look that up for you."),
            ("agent", "It left our warehouse yesterday and is with the courier now."),
            ("customer", "Great, any idea when it will arrive?"),
            ("agent", "The tracking shows delivery by Thursday."),
        ),
    ),
    (
        "billing",
        (
            ("customer", "Hello, I was charged a late fee on my last invoice and I paid on time."),
            (
                "agent",
                "Hi {first}, I'm {agent} from {company}. I'm sorry about that, let me check.",
            ),
            (
                "agent",
                "Your payment arrived a day after the due date because of a bank holiday.",
            ),
            ("customer", "So can you remove the fee?"),
            ("agent", "Yes, I've waived it. You'll see the credit on your next invoice."),
        ),
    ),
    (
        "password",
        (
            ("customer", "I can't log in, it says my password is wrong but I just reset it."),
            ("agent", "Hi {first}, {agent} here. I'll help you get back in."),
            ("agent", "For security, can you confirm the email address on the account?"),
            ("customer", "Sure, it's the one I'm writing from."),
            ("agent", "Thanks. I've unlocked the account and sent a new reset link."),
            ("customer", "Got it, that worked!"),
        ),
    ),
    (
        "delivery",
        (
            ("customer", "My parcel arrived damaged, the box was crushed."),
            (
                "agent",
                "Hi {first}, I'm {agent}. I'm sorry to hear that. Is the item itself damaged?",
            ),
            ("customer", "Yes, the screen has a crack."),
            (
                "agent",
                "I've arranged a free replacement; the courier will collect the damaged one.",
            ),
        ),
    ),
    (
        "upgrade",
        (
            ("customer", "Hi, what would it cost to move to the premium plan?"),
            ("agent", "Hi {first}, {agent} from {company} here. Happy to help with that."),
            ("agent", "Premium is 12 a month more and includes priority support."),
            ("customer", "Can I try it first?"),
            ("agent", "Yes, I can start a 30-day trial for you today."),
            ("customer", "Please do."),
        ),
    ),
)
_FILLERS = (
    ("agent", "One moment while I check that."),
    ("agent", "Thanks for waiting."),
    ("customer", "Sorry, one more question about that."),
    ("agent", "Of course, go ahead."),
    ("customer", "Will I get a confirmation by email?"),
    ("agent", "Yes, it's on its way to you now."),
    ("customer", "OK."),
    ("agent", "I've added a note to your account as well."),
)
_CLOSING = (
    ("agent", "Is there anything else I can help you with today?"),
    ("customer", "No, that's all. Thanks!"),
    ("agent", "You're welcome, have a great day!"),
)


def _transcripts(ctx: _Context) -> list[ArtifactPlan]:
    if not ctx.complete:
        return []  # written when the conversation ends
    rng = ctx.rng("transcript")
    legs = ctx.legs
    if rng.random() >= (ANSWERED_CHAT_TRANSCRIPT if legs else UNANSWERED_CHAT_TRANSCRIPT):
        return []
    r = rng.random()
    shape = "sdk" if r < 0.7 else "messages" if r < 0.96 else "text"
    topics = [c for c in _CHATS if ctx.order or c[0] != "order"]
    _, script = topics[rng.randrange(len(topics))]
    end = ctx.end_ms or max((leg.end_ms or leg.accept_ms for leg in legs), default=ctx.start_ms)
    messages = _conversation(ctx, rng, list(script), end)
    artifact_id, n = ctx.artifact_id()
    ids = [_uuid(ctx.seed, ctx.tid, ctx.iid, "message", k) for k in range(len(messages))]
    base, content_type = media.transcript(
        shape, messages, ids, ctx.tid, ctx.iid, ctx.channel or "messaging"
    )
    data = base
    if ctx.huge_bytes > len(base):
        repeat = -(-min(ctx.huge_bytes, MAX_HUGE_TEXT_BYTES) // len(base))
        data, _ = media.transcript(
            shape, messages, ids, ctx.tid, ctx.iid, ctx.channel or "messaging", repeat
        )
    created = end + rng.randrange(1_000, 15_000)
    filename = "transcript.txt" if shape == "text" else "transcript.json"
    file = FilePlan(ctx.file_id(n, 0), filename, content_type, created, data=data)
    return [ArtifactPlan(artifact_id, "messaging-transcript", created, (file,))]


def _spread(rng: random.Random, a: int, b: int, n: int) -> list[int]:
    """n increasing times inside (a, b)."""
    step = (b - a) / (n + 1)
    return [int(a + step * (k + 1) + rng.uniform(-0.3, 0.3) * step) for k in range(n)]


def _conversation(
    ctx: _Context, rng: random.Random, script: list[tuple[str, str]], end: int
) -> list[media.Message]:
    """Who said what when: the customer opens (an outbound SMS: the agent does), each agent
    speaks during their own leg; every time lies inside the interaction, in order."""
    customer = ctx.customer_name() or ctx.customer
    sender = ctx.customer.lstrip("+") if ctx.channel == "sms" else ctx.customer
    fields = {"order": ctx.order or "", "first": ctx.customer_first(), "company": ctx.tenant.name}
    out: list[media.Message] = []

    def say(role: str, at: int, text: str, leg: _Leg | None = None) -> None:
        if role == "customer":
            name, who = customer, sender
        elif role == "agent" and leg is not None:
            name, who = ctx.agent_name(leg), leg.agent_id
        else:
            name, who = "System", "system"
        at = max(ctx.start_ms, min(at, end))
        out.append(media.Message(role, name, who, at, ctx.text(text)))

    opening, rest = script[0], script[1:]
    first_at = ctx.start_ms + rng.randrange(300, 3_000)
    legs = ctx.legs
    if not legs:  # nobody answered: the customer waited, wrote again, and left
        times = _spread(rng, first_at, max(first_at + 2_000, end), 2)
        say("customer", first_at, opening[1].format(**fields))
        say("customer", times[0], "Hello? Is anyone there?")
        say("system", times[1], "The customer left the conversation.")
        return out
    talk_minutes = sum(((leg.end_ms or end) - leg.accept_ms) for leg in legs) / 60_000
    fillers = [_FILLERS[k % len(_FILLERS)] for k in range(min(16, int(talk_minutes // 2)))]
    lines = rest + fillers + list(_CLOSING)
    if ctx.item.get("direction") == "outbound":
        follow_up = (
            "agent",
            "Hi {first}, this is {agent} from {company}, following up on your request.",
        )
        lines = [follow_up, opening, *lines]
    else:
        say("customer", first_at, opening[1].format(**fields))
    per_leg = [lines] if len(legs) == 1 else [lines[: len(lines) // 2], lines[len(lines) // 2 :]]
    while len(per_leg) < len(legs):
        per_leg.insert(1, [])
    for n, (leg, leg_lines) in enumerate(zip(legs, per_leg, strict=True)):
        leg_end = max(leg.accept_ms + 2_000, min(leg.end_ms or end, end))
        fields["agent"] = leg.name.split()[0]
        say("system", leg.accept_ms, f"{ctx.agent_name(leg)} joined the conversation.")
        if n > 0:
            leg_lines = [("agent", "Hi {first}, {agent} here, I've picked this up."), *leg_lines]
        times = _spread(rng, leg.accept_ms, leg_end, len(leg_lines))
        for (role, text), at in zip(leg_lines, times, strict=True):
            say(role, at, text.format(**fields), leg)
    out.sort(key=lambda m: m.at_ms)
    return out


# --- emails --------------------------------------------------------------------------------

_EMAILS = (
    (
        "order",
        "Where is my order {order}?",
        "I placed order {order} last week and the tracking page has not changed since Monday. "
        "Could you tell me when it will arrive?",
        "Order {order} left our warehouse yesterday; the courier expects to deliver it by "
        "Thursday. The receipt is attached.",
        "pdf",
    ),
    (
        "billing",
        "Late fee on my invoice",
        "I was charged a late fee on my last invoice although I paid on the due date. "
        "A copy of the invoice is attached.",
        "You are right: your payment arrived after a bank holiday. I have waived the fee and the "
        "credit will show on your next invoice.",
        "pdf",
    ),
    (
        "login",
        "Cannot log in to my account",
        "Since this morning I cannot log in: the site says my password is wrong even after a "
        "reset. I attached a screenshot of the error.",
        "I have unlocked your account and sent a new reset link; it is valid for one hour.",
        "png",
    ),
    (
        "damaged",
        "Item arrived damaged",
        "My parcel arrived today with a crushed box and the item inside is broken. Photo attached.",
        "I am sorry about that. A replacement is on its way and the courier will collect the "
        "damaged item.",
        "png",
    ),
    (
        "export",
        "Usage export looks wrong",
        "The usage export for last month has duplicated rows; the file I downloaded is attached.",
        "Thank you for the file. The duplicates came from a retry on our side; a corrected export "
        "is attached.",
        "csv",
    ),
)
_ZONES = (-480, -300, -240, 0, 60, 120, 330)  # minutes east of UTC for the sender's Date header


def _attachment(ctx: _Context, kind: str, n: int, rng: random.Random) -> media.Attachment:
    ref = ctx.order or f"INV-{rng.randrange(100_000, 999_999)}"
    if kind == "pdf":
        data = media.pdf(
            [
                ctx.tenant.name,
                f"Receipt {ref}",
                f"Amount: {rng.randrange(12, 480)}.{rng.randrange(100):02d}",
                f"Reference: {ctx.iid}",
            ]
        )
        name, content_type = f"receipt-{ref}.pdf", "application/pdf"
    elif kind == "png":
        data = media.png(96, 64, rng.randrange(256))
        name, content_type = f"screenshot-{n + 1}.png", "image/png"
    else:
        rows = ["date,item,quantity"] + [
            f"2026-10-{d + 1:02d},{rng.choice(('seats', 'minutes', 'sms'))},{rng.randrange(1, 90)}"
            for d in range(8)
        ]
        data = ("\n".join(rows) + "\n").encode()
        name, content_type = "usage-export.csv", "text/csv"
    if ctx.xss:
        name = XSS_PAYLOADS["attachmentName"]
    return media.Attachment(name, content_type, data)


def _html(paragraphs: list[str], raw: str = "") -> str:
    """The HTML alternative of a text body; ``raw`` goes in unescaped (hostile mail)."""
    body = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return f'<!DOCTYPE html><html><body style="font-family: sans-serif">{raw}{body}</body></html>'


def _emails(ctx: _Context) -> list[ArtifactPlan]:
    rng = ctx.rng("email")
    topics = [e for e in _EMAILS if ctx.order or e[0] != "order"]
    _, subject, ask, answer, kind = topics[rng.randrange(len(topics))]
    fields = {"order": ctx.order or ""}
    subject, ask, answer = (s.format(**fields) for s in (subject, ask, answer))
    r = rng.random()
    n_attachments = 0 if r < 0.15 else 2 if r > 0.9 else 1
    with_html = rng.random() < 0.6
    zone = rng.choice(_ZONES)
    company = ctx.tenant.name
    customer_name = "" if ctx.xss else ctx.customer_name()
    customer = (customer_name, ctx.customer) if "@" in ctx.customer else ("", "customer@invalid")
    leg = ctx.legs[0] if ctx.legs else None
    support = (
        company,
        ctx.contact_point if "@" in ctx.contact_point else f"support@{ctx.tenant.mail_domain}",
    )
    domain = customer[1].partition("@")[2] or "invalid"
    message_id = f"<{_digest(ctx.seed, ctx.iid, 'mid').hex()[:24]}@{domain}>"
    attachments = [
        _attachment(ctx, kind if k == 0 else "png", k, rng) for k in range(n_attachments)
    ]
    out = []
    if ctx.item.get("direction") == "outbound":
        sender = (leg.name if leg else company, support[1])
        text = f"Hello {ctx.customer_first()},\n\n{answer}\n\nKind regards,\n{sender[0]}\n{company}"
        out.append(
            _email_artifact(
                ctx, f"Update from {company}: {subject}", sender, customer, ctx.start_ms, 0,
                message_id, text, with_html, attachments, None, "body", ctx.start_ms + 1_000,
            )
        )  # fmt: skip
        return out
    signature = customer_name or customer[1]
    text = f"Hello {company} team,\n\n{ask}\n\nBest regards,\n{signature}"
    out.append(
        _email_artifact(
            ctx, subject, customer, support, ctx.start_ms - rng.randrange(2_000, 60_000), zone,
            message_id, text, with_html, attachments, None, "body", ctx.start_ms,
        )
    )  # fmt: skip
    reply = rng.random() < EMAIL_REPLY
    reply_attachment = rng.random() < 0.2
    if reply and ctx.complete and leg is not None and leg.end_ms:
        agent = ctx.agent_name(leg)
        reply_id = f"<{_digest(ctx.seed, ctx.iid, 'reply').hex()[:24]}@{ctx.tenant.mail_domain}>"
        quoted = "\n".join(f"> {line}" for line in text.splitlines())
        reply_text = (
            f"Hi {ctx.customer_first()},\n\n{answer}\n\nKind regards,\n{agent}\n{company}\n\n"
            f"{customer[1]} wrote:\n{quoted}"
        )
        files = [_attachment(ctx, kind, 0, rng)] if reply_attachment else []
        out.append(
            _email_artifact(
                ctx, f"Re: {subject}", (agent, support[1]), customer, leg.end_ms, 0, reply_id,
                reply_text, True, files, message_id, "reply", leg.end_ms + 1_000,
            )
        )  # fmt: skip
    return out


def _email_artifact(
    ctx: _Context,
    subject: str,
    sender: tuple[str, str],
    to: tuple[str, str],
    sent_ms: int,
    zone: int,
    message_id: str,
    text: str,
    with_html: bool,
    attachments: list[media.Attachment],
    in_reply_to: str | None,
    style: str,
    created: int,
) -> ArtifactPlan:
    """An ``email`` artifact as the SDK reads it: a manifest (``manifestId``), the body parts
    and the attachments as separate files, plus the whole message as ``message.eml``."""
    raw = ""
    if ctx.xss:
        subject = XSS_PAYLOADS["emailSubject"]
        subject = subject if style == "body" else f"Re: {subject}"
        sender = (XSS_PAYLOADS["emailFromName"], sender[1])
        raw = XSS_PAYLOADS["messageText"]
        text = f"{raw}\n\n{text}"
    html = _html(text.split("\n\n")[1 if raw else 0 :], raw) if with_html else None
    artifact_id, n = ctx.artifact_id()
    plain_name, html_name = ("body", "body") if style == "body" else ("plainTextBody", "htmlBody")
    ids = iter(ctx.file_id(n, k) for k in range(4 + len(attachments)))
    manifest_id, plain_id = next(ids), next(ids)
    html_id = next(ids) if html is not None else None
    attachment_ids = [next(ids) for _ in attachments]
    eml_id = next(ids)
    manifest = {
        "id": message_id,
        "subject": subject,
        "from": [{"name": sender[0] or None, "address": sender[1]}],
        "to": [{"name": to[0] or None, "address": to[1]}],
        "cc": [],
        "bcc": [],
        "date": media.fmt_ms(sent_ms),
        "inReplyToId": in_reply_to,
        "headers": [],
        "body": {"plain": {"artifactFileId": plain_id}}
        | ({"html": {"artifactFileId": html_id}} if html_id else {}),
        "attachments": [
            {
                "artifactFileId": fid,
                "filename": a.filename,
                "headers": [{"contentType": a.content_type}],
            }
            for fid, a in zip(attachment_ids, attachments, strict=True)
        ],
    }
    eml = media.email_message(
        subject=subject,
        sender=sender,
        to=to,
        sent_ms=sent_ms,
        utc_offset_minutes=zone,
        message_id=message_id,
        text=text,
        html=html,
        attachments=attachments,
        in_reply_to=in_reply_to,
    )
    files = [
        FilePlan(
            manifest_id,
            "manifest.json",
            "application/json",
            created,
            data=json.dumps(manifest, ensure_ascii=False).encode(),
        ),
        FilePlan(plain_id, plain_name, "text/plain; charset=utf-8", created, data=text.encode()),
    ]
    if html is not None and html_id is not None:
        files.append(
            FilePlan(html_id, html_name, "text/html; charset=utf-8", created, data=html.encode())
        )
    for fid, a in zip(attachment_ids, attachments, strict=True):
        name = "attachment" if style == "body" else a.filename
        files.append(FilePlan(fid, name, a.content_type, created, data=a.data))
    files.append(FilePlan(eml_id, "message.eml", "message/rfc822", created, data=eml))
    return ArtifactPlan(artifact_id, "email", created, tuple(files), manifest_id=manifest_id)


# --- the API's JSON ------------------------------------------------------------------------


def summary(tenant_id: str, interaction_id: str, a: ArtifactPlan) -> dict:
    """An item of ``GET …/artifacts``: ``artifactId`` and ``artifactType`` (evidence) and the
    owner and times (the sandbox's choice)."""
    return {
        "artifactId": a.artifact_id,
        "artifactType": a.artifact_type,
        "tenantId": tenant_id,
        "interactionId": interaction_id,
        "created": media.fmt_ms(a.created_ms),
        "updated": media.fmt_ms(a.created_ms),
    }


# --- links: signing and expiry -------------------------------------------------------------


class Links:
    """Presigned-style file links: an HMAC-SHA256 over the path and the expiry (epoch seconds of
    the sandbox clock). The key comes from the seed, so the same seed and clock give the same
    links; a link works without credentials until it expires."""

    def __init__(self, seed: int, ttl: float):
        self.key = hashlib.sha256(f"sandbox-file-links:{seed}".encode()).digest()
        self.ttl = ttl

    def sign(self, path: str, expires: int) -> str:
        return hmac.new(self.key, f"GET\n{path}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def url(self, origin: str, path: str, now_ms: int) -> str:
        expires = int((now_ms + self.ttl * 1000 + 999) // 1000)
        return f"{origin}{path}?expires={expires}&signature={self.sign(path, expires)}"

    def check(self, path: str, expires: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(path, int(expires)).encode(), signature.encode())


def file_path(tenant_id: str, interaction_id: str, artifact_id: str, f: FilePlan) -> str:
    name = quote(f.filename, safe="")
    return f"/files/{tenant_id}/{interaction_id}/{artifact_id}/{f.file_id}/{name}"


# --- Range ---------------------------------------------------------------------------------


class Unsatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``Range`` -> the inclusive ``(first, last)`` byte to send, or None for the whole file.

    ``bytes=a-b``, ``bytes=a-`` and the suffix ``bytes=-n`` are honoured (``b`` past the end is
    cut to the end). A unit other than ``bytes`` and several ranges are ignored (the whole
    file, as S3 does for several). A malformed ``bytes`` range, one that starts at or past the
    end, ``b < a`` or a zero-length suffix raise ``Unsatisfiable`` (416)."""
    if header is None:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    if "," in spec:
        return None
    m = _RANGE.match(spec)
    if not m or not (m[1] or m[2]) or len(m[1]) > 18 or len(m[2]) > 18:
        raise Unsatisfiable
    if not m[1]:  # suffix: the last n bytes
        n = int(m[2])
        if n == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - n), size - 1
    first = int(m[1])
    last = int(m[2]) if m[2] else size - 1
    if first >= size or last < first:
        raise Unsatisfiable
    return first, min(last, size - 1)


# --- S3-style error bodies for the file route ----------------------------------------------


def s3_error(code: str, message: str, **extra: str) -> bytes:
    parts = [f"<Code>{code}</Code>", f"<Message>{message}</Message>"]
    parts += [f"<{k}>{v}</{k}>" for k, v in extra.items()]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>\n"
    ).encode()


class FileError(Exception):
    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


# --- the server's artifact store -----------------------------------------------------------


class Artifacts:
    """Artifacts of the server's interactions: the two API calls and the file route."""

    def __init__(self, server: SandboxServer, link_ttl: float = DEFAULT_LINK_TTL):
        self.server = server
        self.links = Links(server.gen.seed, link_ttl)
        self._plan = functools.lru_cache(maxsize=PLAN_CACHE)(self._build_plan)

    # plans

    def _build_plan(
        self, tenant_id: str, item_bytes: bytes, xss: bool, huge_bytes: int
    ) -> tuple[ArtifactPlan, ...]:
        tenant = self.server.gen.tenants[tenant_id]
        return tuple(plan(self.server.gen.seed, tenant, json.loads(item_bytes), xss, huge_bytes))

    def plans(self, tenant: Tenant, i: int, interaction_id: str) -> tuple[ArtifactPlan, ...]:
        """The interaction's artifacts as they stand at the sandbox clock, under the current
        fault settings (``xss`` mode, ``huge_artifact``)."""
        settings = self.server.faults.get()
        xss = settings["mode"] == "xss"
        huge = settings["huge_artifact_bytes"] if settings["huge_artifact"] == interaction_id else 0
        item = self.server.item(tenant.tenant_id, i, False, True)
        return self._plan(tenant.tenant_id, item, xss, huge)

    # the API: GET …/artifacts and …/artifacts/{artifactId}

    def api_fault(self) -> tuple[int, str, dict[str, str]] | None:
        """``artifacts_status`` from the fault settings: (status, message, headers) or None."""
        fault = self.server.faults.artifacts_fault()
        if fault is None:
            return None
        status, retry_after = fault
        self.server.count(None, fault="artifacts-status")
        headers = {"Retry-After": str(retry_after)} if status in (429, 503) else {}
        message = {
            404: "Artifacts not found.",
            429: "Too many requests.",
            500: "Internal server error.",
            503: "Service unavailable.",
        }.get(status, "Sandbox fault.")
        return status, message, headers

    def api(
        self, tenant: Tenant, interaction_id: str, artifact_id: str | None, host: str | None
    ) -> tuple[int, dict | str]:
        """(200, payload) or (error status, message) for an authenticated caller."""
        if not is_uuid(interaction_id):
            return 400, "Malformed interaction id."
        iid = interaction_id.lower()
        i = self.server.gen.index_of(tenant, iid)
        if i is None:
            return 404, "Interaction not found."
        if artifact_id is not None and not is_uuid(artifact_id):
            return 400, "Malformed artifact id."
        plans = self.plans(tenant, i, iid)
        if artifact_id is None:
            return 200, {"results": [summary(tenant.tenant_id, iid, a) for a in plans]}
        found = next((a for a in plans if a.artifact_id == artifact_id.lower()), None)
        if found is None:
            return 404, "Artifact not found."
        return 200, self.artifact_json(tenant.tenant_id, iid, found, self._origin(host))

    def artifact_json(self, tenant_id: str, iid: str, a: ArtifactPlan, origin: str) -> dict:
        now_ms = self.server.clock.anchor_ms + self.server.clock.offset_ms()
        out = summary(tenant_id, iid, a)
        if a.manifest_id is not None:
            out["manifestId"] = a.manifest_id
        out["files"] = [
            {
                "artifactFileId": f.file_id,
                "filename": f.filename,
                "contentType": f.content_type,
                "contentLength": f.size,
                "created": media.fmt_ms(f.created_ms),
                "url": self.links.url(origin, file_path(tenant_id, iid, a.artifact_id, f), now_ms),
            }
            for f in a.files
        ]
        return out

    def _origin(self, host: str | None) -> str:
        if host and _HOST.match(host.strip()):
            return f"http://{host.strip()}"
        address, port = self.server.server_address[:2]
        return f"http://{address}:{port}"

    # the file route

    def serve_file(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer ``GET /files/…`` on ``handler``: signature, expiry, faults, Range, stream."""
        started = time.perf_counter()
        split = urlsplit(handler.path)
        path = split.path
        status: int | str = "-"
        server = self.server
        server.count(path)
        if handler.headers.get("Content-Length", "0").strip() not in ("", "0"):
            handler.close_connection = True  # a GET body we do not read
        try:
            status = self._send_file(handler, *self._resolve(path, split.query))
        except FileError as exc:
            status = self._send_error(handler, exc)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            handler.close_connection = True
            status = "aborted"
        except Exception:
            traceback.print_exc(file=sys.stderr)
            handler.close_connection = True
            status = "error"
        if isinstance(status, int):
            server.count(None, status)
        if not server.quiet:  # the query (expiry and signature) is left out of the log
            elapsed = (time.perf_counter() - started) * 1000
            sys.stderr.write(f"GET {path}?… {status} {elapsed:.1f}ms\n")

    def _resolve(self, path: str, query: str) -> tuple[str, FilePlan, float]:
        """The file a signed, unexpired link names, its ETag and the per-chunk delay."""
        match = _FILE_PATH.match(path)
        params = parse_qs(query)
        expires = (params.get("expires") or [""])[0]
        signature = (params.get("signature") or [""])[0]
        if not match:
            raise FileError(404, s3_error("NoSuchKey", "The specified key does not exist."))
        if not expires or not signature:
            raise FileError(
                403,
                s3_error(
                    "AccessDenied",
                    "Query-string authentication requires the signature and expires parameters",
                ),
            )
        if (
            not expires.isdigit()
            or len(expires) > 12
            or not self.links.check(path, expires, signature)
        ):
            raise FileError(
                403,
                s3_error(
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided.",
                ),
            )
        fault, delay = self.server.faults.file_fault()
        now_ms = self.server.clock.anchor_ms + self.server.clock.offset_ms()
        if fault is not None:
            self.server.count(None, fault=f"file-{fault}")
        if fault == "expired" or now_ms >= int(expires) * 1000:
            raise FileError(
                403,
                s3_error(
                    "AccessDenied",
                    "Request has expired",
                    Expires=media.fmt_ms(int(expires) * 1000),
                    ServerTime=media.fmt_ms(now_ms),
                ),
            )
        tenant_id, iid, artifact_id, file_id, _ = match.groups()
        tenant = self.server.gen.tenants.get(tenant_id)
        i = self.server.gen.index_of(tenant, iid) if tenant else None
        found = None
        if tenant is not None and i is not None:
            for a in self.plans(tenant, i, iid):
                if a.artifact_id == artifact_id:
                    found = next((f for f in a.files if f.file_id == file_id), None)
        if found is None:
            raise FileError(404, s3_error("NoSuchKey", "The specified key does not exist."))
        variant = "x" if self.server.faults.get()["mode"] == "xss" else ""
        etag = '"' + _digest(file_id, found.size, variant).hex()[:32] + '"'
        return etag, found, (delay if fault == "slow" else 0.0)

    def _send_file(
        self, handler: BaseHTTPRequestHandler, etag: str, f: FilePlan, delay: float
    ) -> int:
        size = f.size
        last_modified = _http_date(f.created_ms)
        header = handler.headers.get("Range")
        if_range = handler.headers.get("If-Range")
        if (
            header is not None
            and if_range is not None
            and if_range.strip() not in (etag, last_modified)
        ):
            header = None  # the file changed since the client's copy: send all of it
        try:
            wanted = parse_range(header, size)
        except Unsatisfiable:
            raise FileError(
                416,
                s3_error("InvalidRange", "The requested range is not satisfiable"),
                {"Content-Range": f"bytes */{size}"},
            ) from None
        first, last = wanted if wanted is not None else (0, size - 1)
        status = 206 if wanted is not None else 200
        handler.send_response(status)
        handler.send_header("Content-Type", f.content_type)
        handler.send_header("Content-Length", str(last - first + 1))
        handler.send_header("Accept-Ranges", "bytes")
        handler.send_header("ETag", etag)
        handler.send_header("Last-Modified", last_modified)
        if status == 206:
            handler.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        handler.end_headers()
        chunk = SLOW_CHUNK if delay else media.CHUNK
        for part in f.chunks(first, last + 1, chunk):
            if delay:
                time.sleep(delay)
            handler.wfile.write(part)
        return status

    @staticmethod
    def _send_error(handler: BaseHTTPRequestHandler, exc: FileError) -> int:
        handler.send_response(exc.status)
        handler.send_header("Content-Type", "application/xml")
        handler.send_header("Content-Length", str(len(exc.body)))
        for key, value in exc.headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(exc.body)
        return exc.status


def _http_date(ms: int) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(ms // 1000))
