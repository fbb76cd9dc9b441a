"""The rendered ``#results`` region, kept for the same query, zone and rights.

Rendering 1000 rows costs ~200 ms and unpickling them ~35 ms, so a warm page that only cached
the data would still cost more than the upstream call it saves. The region's HTML is kept for as
long as the data behind it (``LIST_CACHE_SECONDS``); everything it depends on is in the key: the
tenant, the page's path, what the view passes as ``vary`` (the form's canonical query and the
display zone) and the viewer's rights (customer addresses; staff: deeper flagged scans). What
is still changing (a flagged scan in progress) and error answers are never kept: ``render``
says so; nor is a region over ``CXENGAGE_HTML_CACHE_MAX_KB`` (1000 rows: ~1 MB), served and
logged instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from ..pii import can_see_pii
from . import store
from .keys import tenant_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    html: SafeString
    keep: bool  # False: still changing, or an error; never served to anyone else


def cached_partial(
    request: HttpRequest, render: Callable[[], Rendered], *, vary: Iterable[object]
) -> SafeString:
    """The HTML ``render()`` makes for this request, from the cache when a recent one made it."""
    seconds = settings.CXENGAGE["LIST_CACHE_SECONDS"]
    rights = (can_see_pii(request.user), getattr(request.user, "is_staff", False))
    key = tenant_key("results-html", request.path, *vary, *rights)
    html = store.get(key) if seconds > 0 else None
    if html is not None:
        # our own template output, escaped when it was rendered; nothing from upstream is re-marked
        return mark_safe(html)  # noqa: S308
    fresh = render()
    if seconds > 0 and fresh.keep and _small_enough(fresh.html, request):
        store.set(key, str(fresh.html), seconds)
    return fresh.html


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
