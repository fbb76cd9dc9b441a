"""How a result page answers: whole, or only its #results for htmx; errors; the fragment cache.

Shared by the views so each stays a few lines: ``attempt`` turns an upstream failure into a
value the page shows, ``render_page`` picks page or fragment, status and Retry-After, and keeps
a cacheable #results (fragments.py) so a warm request neither fetches nor renders its rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from .cxengage.errors import CxEngageError
from .fragments import fragment_get, fragment_set
from .pii import can_see_pii
from .preferences import DisplayZone

logger = logging.getLogger(__name__)
T = TypeVar("T")

RESULTS_PARTIAL = "interactions/partials/_results.html"


def attempt(call: Callable[..., T], **kwargs: Any) -> tuple[T | None, CxEngageError | None]:
    try:
        return call(**kwargs), None
    except CxEngageError as error:
        logger.warning("%s: %s (%s)", type(error).__name__, error.detail, call.__name__)
        return None, error


def cached_results(request: HttpRequest, zone: DisplayZone) -> str | None:
    """The rendered #results for this query, if a recent request rendered it (fragments.py)."""
    return fragment_get(request=request, zone_name=zone.name, can_see_pii=can_see_pii(request.user))


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    invalid: bool = False,
    cacheable: bool = False,
) -> HttpResponse:
    """The page, or only its #results for htmx; a cacheable #results is rendered once and kept."""
    error: CxEngageError | None = context.get("error")
    fragment = bool(request.htmx) and request.htmx.target == "results"
    if request.htmx and request.htmx.history_restore_request:
        fragment = False
    status = error.status_code if error else (400 if invalid else 200)
    if cacheable and not error and context.get("results_html") is None and context.get("results"):
        html = render_to_string(RESULTS_PARTIAL, context, request=request)
        zone_name = context["zone"].name
        fragment_set(
            request=request, zone_name=zone_name, can_see_pii=can_see_pii(request.user), html=html
        )
        context["results_html"] = html
    if fragment and context.get("results_html") is not None:
        response = HttpResponse(context["results_html"], status=status)
    else:
        response = render(
            request, RESULTS_PARTIAL if fragment else template, context, status=status
        )
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(int(retry_after + 0.999))
    return response
