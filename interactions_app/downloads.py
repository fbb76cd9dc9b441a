"""Artifact files served to the browser: who may have which, the ``Range`` passed upstream, and
the response that streams the file.

- Recordings need ``listen_recordings``: a call is the customer's own voice. Transcripts, emails
  and their attachments need ``view_customer_pii``: the page masks customer addresses and numbers
  in them for viewers without it, and a downloaded file cannot be masked, so it is theirs only.
- The browser's ``Range`` goes upstream as it is (one ``bytes=`` range; several, or another unit,
  are dropped, so the whole file comes back with 200), and the upstream's 206, ``Content-Range``
  and 416 come back to the browser: seeking in the player works without the dashboard holding
  or skipping through the file.
- The response streams what the upstream sends, chunk by chunk; it never carries the upstream
  link, is never cached (``private, no-store``), is never rendered as a page (a type that is not
  audio or video is an attachment; ``Content-Security-Policy: sandbox``), and names the file
  safely.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from .pii import can_see_pii
from .services.types import ArtifactFileRef, FileBody

LISTEN_PERMISSION = "interactions_app.listen_recordings"
_ONE_RANGE = re.compile(r"^bytes=\s*(\d{1,18}\s*-\s*\d{0,18}|-\s*\d{1,18})\s*$", re.IGNORECASE)
_FROM_START = re.compile(r"^bytes=\s*0+\s*-", re.IGNORECASE)
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
PLAYABLE = ("audio/", "video/")
FILE_CSP = "default-src 'none'; sandbox"
MAX_NAME = 150
OCTET_STREAM = "application/octet-stream"


def can_listen(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(LISTEN_PERMISSION))


def may_download(user: Any, ref: ArtifactFileRef) -> bool:
    """Recordings: ``listen_recordings``; anything else: ``view_customer_pii`` (see above)."""
    return can_listen(user) if ref.kind == "recording" else can_see_pii(user)


def forwarded_range(header: str | None) -> str | None:
    """The browser's ``Range`` if it is one ``bytes=`` range (passed on as it is), else None."""
    if header and len(header) <= 64 and _ONE_RANGE.match(header.strip()):
        return header.strip()
    return None


def from_start(range_header: str | None) -> bool:
    """Whether a request reads the file from its first byte (no range, or one from 0)."""
    return range_header is None or bool(_FROM_START.match(range_header))


def safe_filename(name: str) -> str:
    """The last part of ``name``, without control characters, path or shell specials."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" ._") or "file"
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        extension = extension[:16] if dot else ""
        name = (stem if dot else name)[: MAX_NAME - len(extension) - 1] + (dot + extension)
    return name


def file_response(ref: ArtifactFileRef, stream: FileBody) -> HttpResponse:
    """The browser's answer: the upstream's status, length and range, the file's bytes as they
    arrive (or, for 416, the size it must ask within), and safe headers."""
    inline = ref.kind == "recording" and ref.content_type.lower().startswith(PLAYABLE)
    if stream.status == 416:
        stream.close()
        response: HttpResponse | StreamingHttpResponse = HttpResponse(status=416)
    else:
        kind = ref.content_type if inline or ref.kind != "recording" else OCTET_STREAM
        response = StreamingHttpResponse(stream, status=stream.status, content_type=kind)
        if "Content-Length" in stream.headers:
            response["Content-Length"] = stream.headers["Content-Length"]
    if stream.status in (206, 416) and "Content-Range" in stream.headers:
        response["Content-Range"] = stream.headers["Content-Range"]
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = FILE_CSP
    disposition = content_disposition_header(not inline, safe_filename(ref.filename))
    if disposition:
        response["Content-Disposition"] = disposition
    return response  # type: ignore[return-value]
