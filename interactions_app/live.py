"""Live refresh of unfinished interactions (``dataComplete: false``).

The detail page's header and timeline, and each of the first ``MAX_LIVE_ROWS`` live rows of a
table, poll with htmx while the interaction is unfinished: ``hx-trigger="every Ns"`` on the region
itself, swapped ``outerHTML`` with what the server renders for ``?poll=n``. The interval backs off
(5, 10, 20, 40, then 60 s) because each answer carries the next trigger; a finished interaction's
answer carries none, which stops the polling. ``static/js/app.js`` cancels polls while the tab is
hidden and fires ``live-resume`` when it is shown again (CSP forbids htmx's eval'd filters).

Every fetch goes through ``services.interaction_get``, which never caches unfinished interactions.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from . import services
from .cxengage.errors import CxEngageError, NotFound
from .flags import flag_info
from .preferences import display_zone
from .timeline import build_timeline

logger = logging.getLogger(__name__)

DETAIL_TARGET = "live-detail"  # the id of the polled region on the detail page
DETAIL_PARTIAL = "interactions/partials/_live_detail.html"
ROW_PARTIAL = "interactions/partials/_row.html"
FIRST_SECONDS = 5.0  # settings.LIVE_REFRESH_FIRST_SECONDS overrides it (tests use 1)
MAX_SECONDS = 60.0
MAX_POLL = 20  # the counter stops growing once the interval is capped anyway
MAX_LIVE_ROWS = 25  # a table polls at most this many rows (the most recent live ones)
MAX_TERMS = 20


def poll_count(request: HttpRequest) -> int:
    """The ``poll`` query parameter: how many refreshes this region has had (0 on page load)."""
    raw = request.GET.get("poll", "")
    return min(int(raw), MAX_POLL) if raw.isdigit() and len(raw) < 4 else 0


def poll_interval(poll: int) -> float:
    """Seconds until the next refresh after ``poll`` refreshes: 5, 10, 20, 40, 60, 60…"""
    first = float(getattr(settings, "LIVE_REFRESH_FIRST_SECONDS", FIRST_SECONDS))
    return min(MAX_SECONDS, first * 2 ** min(poll, MAX_POLL))


def live_row_ids(items: Iterable) -> frozenset[str]:
    """The ids of the rows of a table that poll: the first ``MAX_LIVE_ROWS`` unfinished ones."""
    ids: list[str] = []
    for item in items:
        if item.in_progress:
            ids.append(item.id)
            if len(ids) == MAX_LIVE_ROWS:
                break
    return frozenset(ids)


def row_poll_url(interaction_id: str, *, poll: int, origin: str, terms: Iterable[str]) -> str:
    query = [("poll", poll)]
    if origin:
        query.append(("from", origin))
    query.extend(("term", term) for term in sorted(terms)[:MAX_TERMS])
    return f"{reverse('interactions:row', args=[interaction_id])}?{urlencode(query)}"


def detail_poll_url(interaction_id: str, *, poll: int) -> str:
    return f"{reverse('interactions:detail', args=[interaction_id])}?{urlencode({'poll': poll})}"


def is_detail_poll(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and htmx.target == DETAIL_TARGET and not htmx.history_restore_request


def _fetch(interaction_id: str) -> tuple[services.Tenant, object] | CxEngageError:
    try:
        tenant = services.tenant_get()
        return tenant, services.interaction_get(interaction_id=interaction_id)
    except CxEngageError as error:
        logger.warning("%s: %s (live refresh)", type(error).__name__, error.detail)
        return error


def detail_fragment(request: HttpRequest, interaction, tenant, error) -> HttpResponse:
    """The detail page's polled region (header, badges, timeline) for an htmx poll.

    Upstream trouble answers 204: htmx keeps what is shown and polls again at the same interval.
    """
    if error is not None or interaction is None or tenant is None:
        return HttpResponse(status=204)
    zone = display_zone(user=request.user, tenant=tenant)
    context = {
        "interaction": interaction,
        "tenant": tenant,
        "zone": zone,
        "timeline": build_timeline(interaction, tz=zone.tz, now=timezone.now()),
        "flag": flag_info(interaction.flag_type) if interaction.flagged else None,
        "poll": poll_count(request),
    }
    return render(request, DETAIL_PARTIAL, context)


@require_GET
@vary_on_headers("HX-Request")
def interaction_row(request: HttpRequest, interaction_id: str) -> HttpResponse:
    """One table row (``_row.html``), polled by a live row of a list, flagged or search page.

    ``from`` is the page the row is on (for the detail link), ``term`` the search terms to
    highlight, ``poll`` the refresh counter. An unknown id is 404; upstream trouble answers an
    htmx poll with 204 (the row stays, polling goes on).
    """
    try:
        interaction_id = str(uuid.UUID(interaction_id))
    except ValueError:
        return _not_found(request, interaction_id)
    fetched = _fetch(interaction_id)
    if isinstance(fetched, NotFound):
        return _not_found(request, interaction_id)
    if isinstance(fetched, CxEngageError):
        return HttpResponse(status=204 if request.htmx else fetched.status_code)
    tenant, interaction = fetched
    origin = request.GET.get("from", "")
    terms = frozenset(t for t in request.GET.getlist("term")[:MAX_TERMS] if t)
    detail_url = reverse("interactions:detail", args=[interaction.id])
    context = {
        "i": interaction,
        "tz": display_zone(user=request.user, tenant=tenant).tz,
        "icons": static("img/icons.svg"),
        "terms": terms,
        "page_path": origin,
        "detail_url": f"{detail_url}?from={quote(origin, safe='')}",
        "live_ids": live_row_ids([interaction]),
        "poll": poll_count(request),
    }
    return render(request, ROW_PARTIAL, context)


def _not_found(request: HttpRequest, interaction_id: str) -> HttpResponse:
    if request.htmx:
        return HttpResponse(status=204)
    return render(
        request, "interactions/not_found.html", {"interaction_id": interaction_id}, status=404
    )
