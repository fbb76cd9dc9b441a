"""What every view shares: the viewer's tenant and zone, upstream failures as values, the one
"whole page or htmx fragment" decision, and the status line an upstream failure sets."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..preferences import DisplayZone, display_zone
from ..services import CxEngageError, Tenant, tenant_get

logger = logging.getLogger(__name__)
T = TypeVar("T")


def attempt(
    call: Callable[..., T], *args: Any, **kwargs: Any
) -> tuple[T | None, CxEngageError | None]:
    """``call(...)`` and no error, or None and the ``CxEngageError`` the page will show."""
    try:
        return call(*args, **kwargs), None
    except CxEngageError as error:
        name = getattr(call, "__name__", "call")
        logger.warning("%s: %s (%s)", type(error).__name__, error.detail, name)
        return None, error


def viewer(request: HttpRequest) -> tuple[Tenant | None, DisplayZone, CxEngageError | None]:
    """The tenant's facts (cached), the zone this viewer reads times in, and any upstream error."""
    tenant, error = attempt(tenant_get)
    return tenant, display_zone(user=request.user, tenant=tenant), error


def htmx_partial(request: HttpRequest) -> str | None:
    """The id of the region an htmx request swaps, which names the partial it wants; None when
    the answer is a whole page (not htmx, or htmx restoring a page missing from its history)."""
    htmx = request.htmx
    if not htmx or htmx.history_restore_request:
        return None
    return htmx.target


def respond(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """``template`` rendered; an upstream error in the context sets the status and Retry-After."""
    return answer(render(request, template, context), context.get("error"), status=status)


def answer(
    response: HttpResponse, error: CxEngageError | None, *, status: int = 200
) -> HttpResponse:
    """``response`` with the status of ``error`` (else ``status``) and its Retry-After."""
    response.status_code = error.status_code if error else status
    if getattr(error, "retry_after", None):
        response["Retry-After"] = str(int(error.retry_after + 0.999))  # whole seconds, up
    return response
