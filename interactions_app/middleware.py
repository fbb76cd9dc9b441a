"""Per-request plumbing: a request id everywhere, and private pages kept out of caches.

``RequestIdMiddleware``: a request id on every request, every log line and every response
(X-Request-ID); an incoming one is kept only from a trusted proxy (proxy.py).
``PrivatePageMiddleware``: nothing a signed-in supervisor was shown stays in the browser.
``CompressionMiddleware``: gzip, except byte-range files (recordings, attachments).
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_cache_control, patch_vary_headers

from .caching.html import SplicedPage
from .proxy import client_ip, trusts_request_id

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
CLIENT_IP_ENVIRON = "dashboard.client_ip"  # a WSGI environ key: META is gunicorn's environ


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


# What a logout asks the browser to forget: its HTTP cache and the origin's DOM storage
# (sessionStorage holds htmx's history snapshots when that cache is on).
CLEAR_SITE_DATA = '"cache", "storage"'


class PrivatePageMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user; clear the site on logout.

    Pages show customer data (masked or not), so neither the browser's cache, its back/forward
    cache nor a proxy may keep them: back after sign-out must ask the server, which asks for a
    login. Responses that already forbid storing (admin, login) are left as they are. Anonymous
    responses (login page, /healthz, errors before login) carry nothing private; static files
    are answered by WhiteNoise before this runs and stay cacheable.

    A logout is a request that arrived signed in and leaves signed out (``auth.logout`` replaces
    ``request.user``): its answer carries ``Clear-Site-Data``, whichever view logged out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        before = _signed_in(request)
        response = self.get_response(request)
        after = _signed_in(request)
        if before or after:
            if "no-store" not in response.get("Cache-Control", ""):
                patch_cache_control(response, no_store=True)
            if before and not after:
                response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class CompressionMiddleware(GZipMiddleware):
    """Django's gzip (with its BREACH padding) for pages, but never for a file served in byte
    ranges (``Accept-Ranges``): ``Content-Range`` counts the file's own bytes, so a compressed
    206 would tell the player the wrong offsets; recordings and attachments are compressed
    already; and compressing a stream would hold back its first bytes.

    A page whose results region is kept compressed (``caching.html.SplicedPage``) is gzipped
    around it: the region's bytes go out as the cache holds them."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.has_header("Accept-Ranges") or response.has_header("Content-Range"):
            return response
        if isinstance(response, SplicedPage) and response.pieces is not None:
            return self._spliced(request, response)
        return super().process_response(request, response)

    def _spliced(self, request: HttpRequest, response: SplicedPage) -> HttpResponse:
        if response.has_header("Content-Encoding"):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        padding = b"a" * secrets.randbelow(self.max_random_bytes)  # as Django's gzip pads
        response.content = response.gzipped(padding)
        response.headers["Content-Length"] = str(len(response.content))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response
