"""A request id on every request, every log line and every response (X-Request-ID); an incoming
one is kept only from a trusted proxy (proxy.py)."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .proxy import client_ip, trusts_request_id

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
CLIENT_IP_ENVIRON = "dashboard.client_ip"  # a WSGI environ key: META is gunicorn's environ


def current_request_id() -> str:
    return _request_id.get()


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A client could pick an id that is also someone else's, or one that reads like ours in
        # the logs and the audit trail: only a proxy of ours may hand one over.
        incoming = request.headers.get("X-Request-ID", "") if trusts_request_id() else ""
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex[:16]
        request.request_id = request_id  # type: ignore[attr-defined]
        # for gunicorn's access line (%({dashboard.client_ip}e)s): the client, not the proxy
        request.META[CLIENT_IP_ENVIRON] = client_ip(request) or "-"
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response
