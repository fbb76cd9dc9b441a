"""The rendered ``#results`` region, kept compressed for the same query, zone and rights.

Rendering 1000 rows costs tens of ms and unpickling them more, so a warm page that only cached
the data would still cost more than the upstream call it saves. The region's HTML is kept for as
long as the data behind it (``LIST_CACHE_SECONDS``); everything it depends on is in the key: the
tenant, the page's path, what the view passes as ``vary`` (the form's canonical query and the
display zone) and the viewer's rights (customer addresses; staff: deeper flagged scans). What
is still changing (a flagged scan in progress) and error answers are never kept: ``render``
says so; nor is a region over ``CXENGAGE_HTML_CACHE_MAX_KB`` (1000 rows: ~1 MB), served and
logged instead.

It is kept as a ``Fragment``: raw deflate that ends on a flush boundary, with its CRC-32 and
length, so a gzip answer is the page around it compressed afresh (~10 KB, with the BREACH
padding of Django's gzip) and the fragment's bytes as they are (``middleware.
CompressionMiddleware``): a warm 1000-row page is ~80 KB from Redis and no compression of the
1 MB table. The region is compressed on its own, so nothing in it can be matched against the
page's CSRF token. A client that does not take gzip gets it inflated.
"""

from __future__ import annotations

import logging
import secrets
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from ..pii import can_see_pii
from . import store
from .keys import tenant_key

logger = logging.getLogger(__name__)

LEVEL = 3  # zlib: a 1000-row table (1 MB) in ~2.5 ms to ~87 KB; Django's 6: 5.4 ms, 73 KB
# where the region goes while the page around it is rendered (random per process: no upstream
# text can spell it)
MARKER = f"<!--results-region-{secrets.token_hex(16)}-->"


@dataclass(frozen=True)
class Rendered:
    html: SafeString
    keep: bool  # False: still changing, or an error; never served to anyone else


@dataclass(frozen=True)
class Fragment:
    """HTML compressed as raw deflate ending on a sync flush (no final block): a piece of a
    gzip member; ``crc`` and ``size`` are those of the HTML's UTF-8 bytes."""

    deflated: bytes
    crc: int
    size: int

    @classmethod
    def of(cls, html: str) -> Fragment:
        data = html.encode()
        packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        deflated = packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)
        return cls(deflated, zlib.crc32(data), len(data))

    def inflated(self) -> bytes:
        return zlib.decompressobj(-15).decompress(self.deflated)


class Region:
    """The rendered region: its HTML (inflated only if something reads it) and, when it is
    kept, its ``Fragment``."""

    def __init__(self, html: str | None = None, fragment: Fragment | None = None) -> None:
        if html is None and fragment is None:
            raise ValueError("a region needs its HTML or its fragment")
        if html is not None:
            self.__dict__["html"] = mark_safe(html)  # noqa: S308 (our template's output)
        self.fragment = fragment

    @cached_property
    def html(self) -> SafeString:
        # our own template output, escaped when it was rendered; nothing from upstream is re-marked
        return mark_safe(self.fragment.inflated().decode())  # noqa: S308

    def __html__(self) -> SafeString:
        return self.html

    def __str__(self) -> str:
        return self.html


def cached_partial(
    request: HttpRequest, render: Callable[[], Rendered], *, vary: Iterable[object]
) -> Region:
    """The region ``render()`` makes for this request, from the cache when a recent one made it."""
    seconds = settings.CXENGAGE["LIST_CACHE_SECONDS"]
    rights = (can_see_pii(request.user), getattr(request.user, "is_staff", False))
    key = tenant_key("results-html", request.path, *vary, *rights)
    kept = store.get(key) if seconds > 0 else None
    if isinstance(kept, Fragment):
        return Region(fragment=kept)
    fresh = render()
    if not (seconds > 0 and fresh.keep and _small_enough(fresh.html, request)):
        return Region(fresh.html)
    fragment = Fragment.of(fresh.html)
    store.set(key, fragment, seconds)
    return Region(fresh.html, fragment)


def around(region: Region, render: Callable[[Any], HttpResponse]) -> HttpResponse:
    """``render(region)``: the page that embeds the region, answered as a ``SplicedPage`` when
    the region is kept compressed (``render`` gets a marker where the region goes)."""
    if region.fragment is None:
        return render(region)
    response = render(mark_safe(MARKER))  # noqa: S308 (a constant of ours)
    before, found, after = response.content.partition(MARKER.encode())
    if not found or MARKER.encode() in after:
        return render(region)  # the template does not show it exactly once: render it whole
    return SplicedPage.like(response, before, region, after)


class SplicedPage(HttpResponse):
    """A page in three pieces, the middle one a ``Region``: its ``content`` is joined only when
    something reads it; ``middleware.CompressionMiddleware`` gzips the pieces around the
    region's fragment instead."""

    def __init__(
        self, before: bytes, region: Region, after: bytes, *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pieces: tuple[bytes, Region, bytes] | None = (before, region, after)
        self.region = region
        size = len(before) + region.fragment.size + len(after)
        self.headers["Content-Length"] = str(size)  # CommonMiddleware need not join it

    @classmethod
    def like(cls, response: HttpResponse, before: bytes, region: Region, after: bytes):
        page = cls(before, region, after, status=response.status_code)
        for header, value in response.items():
            if header.lower() != "content-length":
                page[header] = value
        page.cookies = response.cookies
        return page

    @property
    def content(self) -> bytes:
        if self.pieces is not None:
            before, region, after = self.pieces
            self.content = before + region.html.encode() + after
        return b"".join(self._container)

    @content.setter
    def content(self, value: Any) -> None:
        self.pieces = None
        HttpResponse.content.fset(self, value)

    def __iter__(self) -> Iterator[bytes]:
        self.content  # noqa: B018 (joined, if it was not)
        return super().__iter__()

    def gzipped(self, padding: bytes) -> bytes:
        """The page as one gzip member: the pieces around the region deflated here, the region's
        fragment as it is; ``padding`` is the random file name of Django's BREACH defence."""
        if self.pieces is None:
            raise ValueError("the page was joined; compress its content instead")
        before, region, after = self.pieces
        fragment = region.fragment
        head = zlib.compressobj(6, zlib.DEFLATED, -15)
        tail = zlib.compressobj(6, zlib.DEFLATED, -15)
        crc = _crc_after(zlib.crc32(before), fragment.crc, fragment.size)
        crc = zlib.crc32(after, crc)
        size = len(before) + fragment.size + len(after)
        return b"".join(
            [
                b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff",  # gzip, FNAME, no mtime, any OS
                padding.replace(b"\x00", b"_") + b"\x00",
                head.compress(before) + head.flush(zlib.Z_SYNC_FLUSH),
                fragment.deflated,
                tail.compress(after) + tail.flush(zlib.Z_FINISH),
                (crc & 0xFFFFFFFF).to_bytes(4, "little"),
                (size & 0xFFFFFFFF).to_bytes(4, "little"),
            ]
        )


_ZEROS = bytes(256 * 1024)


def _crc_after(crc: int, next_crc: int, length: int) -> int:
    """The CRC-32 of A + B from ``crc`` = CRC(A), ``next_crc`` = CRC(B) and len(B): CRC-32 is
    affine, so CRC(B, start=c) = CRC(B) ^ CRC(zeros, start=c) ^ CRC(zeros), zeros as long as B."""
    shifted, plain = crc, 0
    view = memoryview(_ZEROS)
    while length > 0:
        step = min(length, len(_ZEROS))
        shifted = zlib.crc32(view[:step], shifted)
        plain = zlib.crc32(view[:step], plain)
        length -= step
    return next_crc ^ shifted ^ plain


def _small_enough(html: str, request: HttpRequest) -> bool:
    """Whether ``html`` fits ``HTML_CACHE_MAX_BYTES``: a larger region is served, not kept."""
    cap = settings.CXENGAGE["HTML_CACHE_MAX_BYTES"]
    size = len(html.encode())
    if size <= cap:
        return True
    logger.warning(
        "results region of %d KB not cached: over CXENGAGE_HTML_CACHE_MAX_KB=%d (%s)",
        size // 1024,
        cap // 1024,
        request.path,
    )
    return False
