"""The bytes of artifact files: call recordings (WAV), chat transcripts, emails and attachments.

Everything here is a pure function of its arguments (no clock, no randomness of its own), so the
same interaction always yields the same bytes. ``sandbox/artifacts.py`` decides which files an
interaction has and feeds these functions from the interaction's own data.

Recordings are never built in memory: a ``Recording`` describes where the tones lie and yields any
byte range of the WAV file on demand, so a 200 MB recording streams in constant memory.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import math
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

# --- recordings: PCM WAV, 8 kHz mono 16-bit ------------------------------------------------

RATE = 8000  # samples per second
SAMPLE_BYTES = 2
HEADER_BYTES = 44
AMPLITUDE = 9000  # of 32767: a clear tone without clipping
LEG_TONES = (440, 554, 659, 740)  # Hz per agent leg (integers: one second holds whole cycles)
CHUNK = 64 * 1024


def wav_header(data_bytes: int) -> bytes:
    """The canonical 44-byte RIFF/WAVE header for PCM 8 kHz mono 16-bit."""
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_bytes,
        b"WAVE",
        b"fmt ",
        16,  # fmt chunk size
        1,  # PCM
        1,  # mono
        RATE,
        RATE * SAMPLE_BYTES,  # byte rate
        SAMPLE_BYTES,  # block align
        16,  # bits per sample
        b"data",
        data_bytes,
    )


@functools.lru_cache(maxsize=8)
def _tone_second(freq: int) -> bytes:
    """One second of a sine at ``freq`` Hz; sample n of any tone is sample n % RATE of this."""
    return struct.pack(
        f"<{RATE}h",
        *(round(AMPLITUDE * math.sin(2 * math.pi * freq * n / RATE)) for n in range(RATE)),
    )


def _cyclic(buf: bytes, offset: int, length: int) -> bytes:
    parts = []
    while length > 0:
        take = min(length, len(buf) - offset)
        parts.append(buf[offset : offset + take])
        length -= take
        offset = 0
    return b"".join(parts)


@dataclass(frozen=True)
class Recording:
    """A WAV file: tones over silence. ``tones`` are ``(first sample, end sample, Hz)`` within
    one pass of ``period`` samples; a recording longer than its period repeats the pattern
    (the huge-recording switch)."""

    tones: tuple[tuple[int, int, int], ...]
    period: int
    samples: int

    @functools.cached_property
    def _bounds(self) -> tuple[list[int], list[int]]:
        """Segment starts and their frequency (0 = silence), covering [0, period)."""
        starts, freqs = [0], [0]
        for a, b, freq in self.tones:
            if a > starts[-1] or freqs[-1] != 0:
                starts.append(a)
                freqs.append(freq)
            else:  # a tone from sample 0: replace the leading silence
                freqs[-1] = freq
            starts.append(b)
            freqs.append(0)
        return starts, freqs

    @property
    def size(self) -> int:
        return HEADER_BYTES + self.samples * SAMPLE_BYTES

    @property
    def seconds(self) -> float:
        return self.samples / RATE

    def _pcm(self, s0: int, s1: int) -> bytes:
        """Samples [s0, s1) as little-endian 16-bit PCM."""
        starts, freqs = self._bounds
        parts = []
        s = s0
        while s < s1:
            r = s % self.period
            k = bisect.bisect_right(starts, r) - 1
            seg_end = starts[k + 1] if k + 1 < len(starts) else self.period
            n = min(s1 - s, seg_end - r)
            if freqs[k]:
                parts.append(_cyclic(_tone_second(freqs[k]), (s % RATE) * SAMPLE_BYTES, n * 2))
            else:
                parts.append(bytes(n * SAMPLE_BYTES))
            s += n
        return b"".join(parts)

    def chunks(self, start: int, end: int, chunk: int = CHUNK) -> Iterator[bytes]:
        """Bytes [start, end) of the file, at most ``chunk`` bytes at a time."""
        pos = start
        if pos < HEADER_BYTES and pos < end:
            head = wav_header(self.samples * SAMPLE_BYTES)
            yield head[pos : min(end, HEADER_BYTES)]
            pos = HEADER_BYTES
        while pos < end:
            n = min(chunk, end - pos)
            d0 = pos - HEADER_BYTES
            s0, s1 = d0 // SAMPLE_BYTES, (d0 + n + 1) // SAMPLE_BYTES
            off = d0 - s0 * SAMPLE_BYTES
            yield self._pcm(s0, s1)[off : off + n]
            pos += n


def recording(
    talks: list[tuple[int, int, int]], start_ms: int, end_ms: int, huge_bytes: int = 0
) -> Recording:
    """A recording of [start_ms, end_ms) with a tone during each ``(start_ms, end_ms, Hz)`` talk
    period; ``huge_bytes`` stretches it to that file size by repeating the pattern."""
    period = max(1, (end_ms - start_ms) * RATE // 1000)
    tones = []
    for a, b, freq in sorted(talks):
        s0 = max(0, (a - start_ms) * RATE // 1000)
        s1 = min(period, (b - start_ms) * RATE // 1000)
        if tones and s0 < tones[-1][1]:
            s0 = tones[-1][1]
        if s1 > s0:
            tones.append((s0, s1, freq))
    samples = period
    if huge_bytes:
        samples = max(0, huge_bytes - HEADER_BYTES) // SAMPLE_BYTES
    return Recording(tuple(tones), period, samples)


# --- small binary attachments ------------------------------------------------------------


def _pdf_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF 1.4 showing ``lines`` in Helvetica (correct xref offsets)."""
    text = ["BT", "/F1 12 Tf", "72 720 Td", "16 TL"]
    for line in lines:
        text.append(f"({_pdf_text(line)}) Tj T*")
    text.append("ET")
    stream = "\n".join(text).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, shade: int) -> bytes:
    """A valid RGB PNG: a mock screenshot (title bar, a few bars), colours from ``shade``."""
    accent = (40 + shade % 160, 90 + shade % 120, 160 + shade % 90)
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter: none
        for x in range(width):
            if y < height // 8:
                pixel = accent
            elif (y // 6) % 3 == 1 and x < width * (3 + (y * 7 + shade) % 5) // 8:
                pixel = (200, 200, 205)
            else:
                pixel = (250, 250, 250)
            row += bytes(pixel)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9)),
            _png_chunk(b"IEND", b""),
        )
    )


# --- chat transcripts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One line of a conversation: who (role, display name, sender id), when (ms) and what."""

    role: str  # "customer", "agent" or "system"
    name: str
    sender: str  # agent id, the customer's address or number, or "system"
    at_ms: int
    text: str


def fmt_ms(ms: int) -> str:
    """Epoch milliseconds -> ``2017-12-07T19:22:07.638Z``."""
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def transcript(
    shape: str,
    messages: list[Message],
    ids: list[str],
    tenant_id: str,
    interaction_id: str,
    channel: str,
    repeat: int = 1,
) -> tuple[bytes, str]:
    """The transcript file in one of three shapes, and its content type.

    ``sdk``: a JSON array of messages shaped like the SDK's messaging payloads (``from``,
    ``type: "message"``, ``metadata.type``/``name``, ``body.text``, ``timestamp``);
    ``messages``: ``{"messages": [...]}`` with flat ``from``/``role``/``text``/``created``;
    ``text``: plain text, one line per message. ``repeat`` > 1 repeats the conversation (huge).
    """
    if shape == "text":
        lines = [f"{fmt_ms(m.at_ms)}  {m.name} ({m.role}): {m.text}" for m in messages]
        body = ("\n".join(lines) + "\n") * repeat
        return body.encode(), "text/plain; charset=utf-8"
    items = []
    for n in range(repeat):
        for m, mid in zip(messages, ids, strict=True):
            mid = mid if n == 0 else f"{mid}-{n}"
            if shape == "sdk":
                first, _, last = m.name.partition(" ")
                items.append(
                    {
                        "id": mid,
                        "tenantId": tenant_id,
                        "type": "message",
                        "to": interaction_id,
                        "from": m.sender,
                        "metadata": {
                            "name": m.name,
                            "firstName": first,
                            "lastName": last,
                            "type": m.role,
                        },
                        "body": {"text": m.text},
                        "timestamp": fmt_ms(m.at_ms),
                    }
                )
            else:
                items.append(
                    {
                        "id": mid,
                        "from": m.name,
                        "role": m.role,
                        "text": m.text,
                        "created": fmt_ms(m.at_ms),
                    }
                )
    if shape == "sdk":
        payload: object = items
    else:
        payload = {"interactionId": interaction_id, "channel": channel, "messages": items}
    return json.dumps(payload, ensure_ascii=False).encode(), "application/json"


# --- emails --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def email_message(
    *,
    subject: str,
    sender: tuple[str, str],
    to: tuple[str, str],
    sent_ms: int,
    utc_offset_minutes: int,
    message_id: str,
    text: str,
    html: str | None,
    attachments: list[Attachment],
    in_reply_to: str | None = None,
) -> bytes:
    """An RFC 5322 message (``email.message.EmailMessage``): text and optional HTML
    alternative, then attachments. ``sender``/``to`` are ``(display name, address)``."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = _address(*sender)
    msg["To"] = _address(*to)
    zone = timezone(timedelta(minutes=utc_offset_minutes))
    msg["Date"] = format_datetime(datetime.fromtimestamp(sent_ms / 1000, tz=zone))
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg["MIME-Version"] = "1.0"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for a in attachments:
        maintype, _, subtype = a.content_type.partition("/")
        if maintype == "text":
            msg.add_attachment(a.data.decode(), subtype=subtype, filename=a.filename)
        else:
            msg.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.filename)
    # the email package draws random boundaries: derive them from the message instead
    tag = hashlib.sha256(message_id.encode()).hexdigest()[:24]
    for n, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"=_{tag}.{n}")
    return msg.as_bytes()


def _address(name: str, address: str) -> Address:
    user, _, domain = address.partition("@")
    return Address(display_name=name, username=user, domain=domain)
