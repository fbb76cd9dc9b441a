"""The rendered results region (table + pager) cached for the same query, zone and PII right.

Rendering 1000 rows costs ~200 ms and unpickling them ~35 ms, so a warm page that only cached
the data would still cost more than the upstream call it saves. The HTML of ``#results`` is
cached for as long as the data behind it (LIST_CACHE_SECONDS); everything it depends on is in
the key: path, query, the display zone and whether customer addresses are shown. Pages that
are still changing (a flagged scan in progress) and error answers are never stored.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from .coalesce import cache_key


def _key(request: HttpRequest, *, zone_name: str, can_see_pii: bool) -> str:
    query = sorted((k, v) for k, values in request.GET.lists() for v in values)
    conf = settings.CXENGAGE
    return cache_key(
        "results-html",
        conf["API_URL"],
        conf["TENANT_ID"],
        request.path,
        query,
        zone_name,
        can_see_pii,
    )


def fragment_get(*, request: HttpRequest, zone_name: str, can_see_pii: bool) -> SafeString | None:
    if settings.CXENGAGE["LIST_CACHE_SECONDS"] <= 0:
        return None
    html = cache.get(_key(request, zone_name=zone_name, can_see_pii=can_see_pii))
    # our own template output, escaped when it was rendered; nothing from upstream is re-marked
    return mark_safe(html) if html is not None else None  # noqa: S308


def fragment_set(*, request: HttpRequest, zone_name: str, can_see_pii: bool, html: str) -> None:
    seconds = settings.CXENGAGE["LIST_CACHE_SECONDS"]
    if seconds > 0:
        cache.set(_key(request, zone_name=zone_name, can_see_pii=can_see_pii), str(html), seconds)
