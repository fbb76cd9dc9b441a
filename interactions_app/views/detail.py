"""One interaction: its page, its live poll and a table row's poll, from one context.

The id is checked once, by the URL's ``interaction_id`` converter (``urls.py``): any spelling
of a UUID (braces, ``urn:uuid:``, upper case) arrives here canonical. Anything else never
reaches these views: on the detail URL it gets ``bad_id`` (400, nothing looked up), on the row
URL a plain 404.

While an interaction is unfinished, the page's ``live-detail`` partial and its live table rows
poll themselves (``live.py``); upstream trouble during a poll answers 204, so htmx keeps what it
shows and polls again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from ..audit import audit_record, audit_record_once
from ..flags import flag_info
from ..forms import DetailQueryForm
from ..live import live_row_ids
from ..navigation import interaction_neighbours, origin_url
from ..pii import can_see_pii, interaction_for_viewer
from ..services import NotFound, interaction_get
from ..sources import source_at
from ..timeline import build_timeline
from ..triage import reviews_of
from .base import attempt, htmx_partial, respond, viewer
from .triage import panel_context

PAGE = "interactions/detail.html"
ROW = "interactions/partials/_row.html"
LIVE_REGION = "live-detail"  # the id of the polled region, and the name of its partial


def detail_context(request: HttpRequest, interaction_id: str) -> dict[str, Any]:
    """What the page, its live poll and a row poll render: the interaction, the viewer's zone,
    its flag explained, its timeline and its prev/next in the result set it was opened from
    (``?from=``); the last two are worked out only if the template shows them."""
    tenant, zone, error = viewer(request)
    query = DetailQueryForm(request.GET)
    origin = origin_url(origin=query.origin(), zone=zone, user=request.user)  # or ""
    interaction = None
    if tenant is not None:
        interaction, error = attempt(interaction_get, interaction_id=interaction_id)
        interaction = interaction_for_viewer(interaction, request.user)  # masked by value
    flagged = interaction is not None and interaction.flagged
    return {
        "interaction": interaction,
        "tenant": tenant,
        "zone": zone,
        "error": error,
        "poll": query.poll_count(),
        "terms": query.terms(),
        "origin": origin,
        "here": f"{request.path}?{urlencode({'from': origin})}" if origin else request.path,
        "flag": flag_info(interaction.flag_type) if flagged else None,
        "timeline": interaction
        and SimpleLazyObject(lambda: build_timeline(interaction, tz=zone.tz, now=timezone.now())),
        "triage": flagged and SimpleLazyObject(lambda: panel_context(request, interaction.id)),
        "nav": interaction
        and SimpleLazyObject(
            lambda: interaction_neighbours(
                origin=origin, interaction_id=interaction.id, zone=zone, user=request.user
            )
        ),
    }


@require_GET
@vary_on_headers("HX-Request")
def interaction_detail(request: HttpRequest, interaction_id: str) -> HttpResponse:
    context = detail_context(request, interaction_id)
    if htmx_partial(request) == LIVE_REGION:  # a poll; on trouble keep what is shown (204)
        if context["interaction"] is None:
            return HttpResponse(status=204)
        _audit_poll(request, interaction_id, "live detail")
        return render(request, f"{PAGE}#{LIVE_REGION}", {**context, "polled": True})
    if isinstance(context["error"], NotFound):
        return _not_found(request, interaction_id)
    if context["interaction"] is not None:
        _audit_view(request, interaction_id)
    return respond(request, PAGE, context)


@require_GET
@vary_on_headers("HX-Request")
def interaction_row(request: HttpRequest, interaction_id: str) -> HttpResponse:
    """One table row, polled by a live row of a result page (``from``: that page, for the
    detail link; ``term``: the search terms it highlights)."""
    context = detail_context(request, interaction_id)
    if isinstance(context["error"], NotFound) and not request.htmx:
        return _not_found(request, interaction_id)
    if context["interaction"] is None:  # an htmx poll keeps the row as it is (204)
        return HttpResponse(status=204 if request.htmx else context["error"].status_code)
    _audit_poll(request, interaction_id, "table row")
    return render(request, ROW, _as_row(context))


@require_GET
def bad_id(request: HttpRequest, value: str) -> HttpResponse:
    """Not an interaction id: said plainly, and nothing looked up."""
    return render(request, "interactions/bad_id.html", {"value": value}, status=400)


def _as_row(context: dict[str, Any]) -> dict[str, Any]:
    """The detail context as _row.html reads it inside a table."""
    interaction = context["interaction"]
    source = source_at(context["origin"].partition("?")[0])
    on_flagged = source is not None and source.name == "flagged"  # its table shows the triage
    return {
        **context,
        "review_column": on_flagged,
        "reviews": reviews_of(interaction_ids=[interaction.id]) if on_flagged else {},
        "i": interaction,
        "tz": context["zone"].tz,
        "icons": static("img/icons.svg"),
        "here": context["origin"],  # the page the row is on
        "live_ids": live_row_ids([interaction]),
    }


def _audit_view(request: HttpRequest, interaction_id: str) -> None:
    unmasked = can_see_pii(request.user)
    audit_record(
        request=request, action="view_interaction", interaction_id=interaction_id, unmasked=unmasked
    )


def _audit_poll(request: HttpRequest, interaction_id: str, what: str) -> None:
    """A poll shows the customer again: unmasked, that is a read for the audit log (at most one
    event per user, interaction and minute); masked, the page view already said it all."""
    if can_see_pii(request.user):
        audit_record_once(
            request=request,
            action="view_interaction",
            interaction_id=interaction_id,
            query=f"live refresh ({what})",
            unmasked=True,
        )


def _not_found(request: HttpRequest, interaction_id: str) -> HttpResponse:
    context = {"interaction_id": interaction_id}
    return render(request, "interactions/not_found.html", context, status=404)
