"""HTTP layer: routing, authentication, parameters, the list envelope, errors and faults."""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import json
import re
import secrets
import sys
import threading
import time
import traceback
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import artifacts
from . import faults as faultlib
from .clock import Clock
from .data import Generator, Tenant, is_uuid, parse_time

BASIC_USER = "sandbox-user"
BASIC_PASSWORD = "sandbox-pass"  # noqa: S105 - the sandbox's published test credential
API_KEY = "sandbox-key"
API_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox's published test credential

MAX_LIMIT = 1000
DEFAULT_LIMIT = 10
MAX_BODY = 1024 * 1024
MAX_TOKENS = 10_000
MAX_STAT_PATHS = 2_000
ITEM_CACHE = 4096
COMPLETION_CACHE = 16_384

CRM_PARAMS = ("hookType", "hookSubType", "hookId")
_INTERACTIONS = re.compile(r"^/v1/tenants/([^/]+)/interactions(?:/([^/]+))?/?$")
_DIGITS = re.compile(r"^[0-9]+$")


class ApiError(Exception):
    def __init__(self, code: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_body(code: int, message: str) -> bytes:
    return faultlib.dumps({"error": {"code": code, "message": message}})


class Response:
    __slots__ = ("body", "content_type", "headers", "is_list", "is_search", "message", "status")

    def __init__(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        is_list: bool = False,
        is_search: bool = False,
        message: str = "",
    ):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}
        self.is_list = is_list
        self.is_search = is_search  # a list filtered by attribute or CRM record
        self.message = message  # an error's message, to re-shape its body


def error_response(code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(code, error_body(code, message), headers=headers, message=message)


def json_response(status: int, payload: object) -> Response:
    return Response(status, faultlib.dumps(payload))


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(
        self,
        address: tuple[str, int],
        generator: Generator,
        faults: faultlib.Faults,
        token_ttl: float = 3600,
        quiet: bool = False,
        clock: Clock | None = None,
        link_ttl: float = artifacts.DEFAULT_LINK_TTL,
    ):
        super().__init__(address, Handler)
        self.gen = generator
        self.faults = faults
        self.clock = clock or Clock(generator.anchor_ms)
        self.token_ttl = token_ttl
        self.quiet = quiet
        self._tokens: dict[str, float] = {}
        self._tokens_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._stats_since = time.time()
        self._paths: Counter[str] = Counter()
        self._statuses: Counter[str] = Counter()
        self._faulted: Counter[str] = Counter()
        self.item_bytes = functools.lru_cache(maxsize=ITEM_CACHE)(self._item_bytes)
        self.completes_after = functools.lru_cache(maxsize=COMPLETION_CACHE)(self._completes_after)
        self.artifacts = artifacts.Artifacts(self, link_ttl)

    # --- interactions as cached JSON bytes -------------------------------------------------

    def _item_bytes(
        self, tenant_id: str, i: int, nulls: bool, details: bool, offset_ms: int = 0
    ) -> bytes:
        item = self.gen.build(self.gen.tenants[tenant_id], i, nulls, offset_ms)
        if not details:
            item.pop("details", None)
        return json.dumps(item, separators=(",", ":")).encode()

    def _completes_after(self, tenant_id: str, i: int) -> int:
        return self.gen.completes_after(self.gen.tenants[tenant_id], i)

    def item(self, tenant_id: str, i: int, nulls: bool, details: bool) -> bytes:
        """Interaction i as JSON at the clock's current time (cached unless it is changing)."""
        offset = self.clock.offset_ms()
        if offset > 0:
            done = self.completes_after(tenant_id, i)
            if done and offset < done:  # still in progress: changes as the clock moves
                return self._item_bytes(tenant_id, i, nulls, details, offset)
            offset = done  # 0: complete at the anchor; else finished since, the same from now on
        return self.item_bytes(tenant_id, i, nulls, details, offset)

    # --- tokens ----------------------------------------------------------------------------

    def issue_token(self, lifetime: float | None = None) -> str:
        token = secrets.token_urlsafe(24)
        now = time.monotonic()
        with self._tokens_lock:
            if len(self._tokens) >= MAX_TOKENS:
                self._tokens = {k: v for k, v in self._tokens.items() if v > now}
                while len(self._tokens) >= MAX_TOKENS:
                    self._tokens.pop(next(iter(self._tokens)))
            self._tokens[token] = now + (self.token_ttl if lifetime is None else lifetime)
        return token

    def token_valid(self, token: str) -> bool:
        with self._tokens_lock:
            expires = self._tokens.get(token)
            if expires is None:
                return False
            if time.monotonic() >= expires:
                del self._tokens[token]
                return False
            return True

    # --- stats -----------------------------------------------------------------------------

    def count(self, path: str | None, status: int | None = None, fault: str | None = None) -> None:
        with self._stats_lock:
            if path is not None:
                if path in self._paths or len(self._paths) < MAX_STAT_PATHS:
                    self._paths[path] += 1
                else:
                    self._paths["(other)"] += 1
            if status is not None:
                self._statuses[str(status)] += 1
            if fault is not None:
                self._faulted[fault] += 1

    def stats(self) -> dict:
        with self._stats_lock:
            return {
                "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._stats_since)),
                "total": sum(self._paths.values()),
                "paths": dict(self._paths),
                "statuses": dict(self._statuses),
                "faults": dict(self._faulted),
            }

    def reset_stats(self) -> None:
        with self._stats_lock:
            self._stats_since = time.time()
            self._paths.clear()
            self._statuses.clear()
            self._faulted.clear()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CxEngageSandbox/1.0"
    sys_version = ""
    # headers and body are two writes; with Nagle on, the second waits for the client's delayed
    # ACK (~40 ms per request on a keep-alive connection)
    disable_nagle_algorithm = True
    server: SandboxServer

    # --- plumbing --------------------------------------------------------------------------

    def do_GET(self) -> None:
        if self.path.startswith(artifacts.FILE_PREFIX):  # presigned-style links: no auth, streamed
            self.server.artifacts.serve_file(self)
            return
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.quiet:
            sys.stderr.write(f"sandbox: {format % args}\n")

    def log_request(self, code: object = "-", size: object = "-") -> None:
        pass  # one line per request is written by _handle, with timing

    def _handle(self, method: str) -> None:
        started = time.perf_counter()
        split = urlsplit(self.path)
        path = split.path
        status: int | str = "-"
        try:
            body = self._read_body()
            response = self._route(method, path, split.query, body)
            status = self._send(response) if response is not None else "hang"
        except ApiError as exc:
            status = self._send(error_response(exc.code, exc.message, exc.headers))
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
            status = "aborted"
        except Exception:
            traceback.print_exc(file=sys.stderr)
            try:
                status = self._send(Response(500, error_body(500, "Internal sandbox error.")))
            except OSError:
                self.close_connection = True
        if isinstance(status, int) and not path.startswith("/_sandbox/"):
            self.server.count(None, status)
        if not self.server.quiet:
            elapsed = (time.perf_counter() - started) * 1000
            sys.stderr.write(f"{method} {self.path} {status} {elapsed:.1f}ms\n")

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        if not _DIGITS.match(length.strip()):
            self.close_connection = True
            raise ApiError(400, "Invalid Content-Length.")
        n = int(length)
        if n > MAX_BODY:
            self.close_connection = True
            raise ApiError(413, "Request body too large.")
        return self.rfile.read(n)

    def _send(self, r: Response, truncate: bool = False) -> int:
        self.send_response(r.status)
        self.send_header("Content-Type", r.content_type)
        self.send_header("Content-Length", str(len(r.body)))
        for key, value in r.headers.items():
            self.send_header(key, value)
        if truncate:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(faultlib.truncate(r.body) if truncate else r.body)
        return r.status

    # --- routing ---------------------------------------------------------------------------

    def _route(self, method: str, path: str, query: str, body: bytes) -> Response | None:
        if path == "/healthz":
            self._allow(method, "GET")
            self.server.count(path)
            return json_response(200, {"status": "ok"})
        if path.startswith("/_sandbox/"):
            return self._control(method, path, body)
        self.server.count(path)
        if path == "/v1/tokens":
            self._allow(method, "POST")
            return self._tokens(body)
        artifact_match = artifacts.API_PATH.match(path)
        if artifact_match:
            self._allow(method, "GET")
            return self._faulted(lambda: self._artifacts(*artifact_match.groups()))
        match = _INTERACTIONS.match(path)
        if not match:
            raise ApiError(404, "Not found.")
        self._allow(method, "GET")
        return self._faulted(lambda: self._interactions(match[1], match[2], query))

    @staticmethod
    def _allow(method: str, allowed: str) -> None:
        if method != allowed:
            raise ApiError(405, "Method not allowed.", {"Allow": allowed})

    # --- control endpoints (never faulted, no auth) ------------------------------------------

    def _control(self, method: str, path: str, body: bytes) -> Response:
        server = self.server
        if path == "/_sandbox/faults":
            if method == "GET":
                return json_response(200, server.faults.get())
            self._allow(method, "POST")
            try:
                raw = json.loads(body or b"{}")
                return json_response(200, server.faults.set(raw))
            except ValueError as exc:  # includes FaultSettingsError and JSON errors
                raise ApiError(400, f"Invalid fault settings: {exc}") from None
        if path == "/_sandbox/reset":
            self._allow(method, "POST")
            settings = server.faults.reset()
            server.reset_stats()
            server.clock.reset()
            return json_response(200, settings)
        if path == "/_sandbox/clock":
            if method == "GET":
                return json_response(200, server.clock.get())
            self._allow(method, "POST")
            try:
                return json_response(200, server.clock.set(json.loads(body or b"{}")))
            except ValueError as exc:  # includes ClockSettingsError and JSON errors
                raise ApiError(400, f"Invalid clock settings: {exc}") from None
        if path == "/_sandbox/stats":
            self._allow(method, "GET")
            return json_response(200, server.stats())
        raise ApiError(404, "Not found.")

    # --- faults ----------------------------------------------------------------------------

    def _faulted(self, produce) -> Response | None:
        server = self.server
        decision = server.faults.decide()
        faultlib.sleep(decision.delay_s)
        mode = decision.mode
        if mode is not None:
            server.count(None, fault=mode)
        if mode == "status":
            headers = {}
            if decision.status in (429, 503):
                headers["Retry-After"] = str(decision.retry_after)
            message = {429: "Too many requests.", 503: "Service unavailable."}.get(
                decision.status, "Sandbox fault."
            )
            return self._shaped(error_response(decision.status, message, headers), decision)
        if mode == "hang":
            server.faults.hang()
            self.close_connection = True
            return None
        if mode == "empty":
            return Response(200, b"")
        if mode == "html":
            return Response(200, faultlib.HTML_PAGE, content_type="text/html; charset=utf-8")
        try:
            response = produce()
        except ApiError as exc:
            response = error_response(exc.code, exc.message, exc.headers)
        response = self._shaped(response, decision)
        if mode == "malformed":
            response.body = faultlib.malformed(response.body)
        elif mode == "truncated":
            self._send(response, truncate=True)
            return None
        elif mode is not None and response.status == 200:
            if mode == "huge":
                response.body = faultlib.huge(response.body)
            elif mode == "quirk":
                response.body = faultlib.quirk(response.body)
            else:
                payload = json.loads(response.body)
                rewritten = faultlib.rewrite(mode, payload, response.is_list, response.is_search)
                response.body = faultlib.dumps(rewritten)
        return response

    @staticmethod
    def _shaped(response: Response, decision: faultlib.Decision) -> Response:
        """An error answer in the error-body shape the fault settings ask for."""
        if response.status < 400 or decision.error_body == "object" or not response.message:
            return response
        body, content_type = faultlib.error_answer(
            decision.error_body, response.status, response.message
        )
        response.body, response.content_type = body, content_type
        return response

    # --- /v1 -------------------------------------------------------------------------------

    def _authenticate(self) -> None:
        header = self.headers.get("Authorization") or ""
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        ok = False
        if scheme.lower() == "basic" and value:
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            user, _, password = decoded.partition(":")
            ok = hmac.compare_digest(user.encode(), BASIC_USER.encode()) & hmac.compare_digest(
                password.encode(), BASIC_PASSWORD.encode()
            )
        elif scheme.lower() == "token" and value:
            ok = self.server.token_valid(value)
        if not ok:
            raise ApiError(
                401,
                "Authentication required." if not header else "Invalid or expired credentials.",
                {"WWW-Authenticate": 'Basic realm="cxengage-sandbox"'},
            )

    def _tokens(self, body: bytes) -> Response:
        """``POST /v1/tokens`` as the real API takes it: the API key and secret as
        ``username`` / ``password`` and the ``tenantId`` (Pearson-ICC/CxAdmin httpclient.py
        getToken), an optional ``ttl`` in seconds (the SDK's authentication.cljs login). Any
        other body, ``{"apiKey", "apiSecret"}`` included, carries no credentials: 401. The
        answer is ``{"token": ...}`` and nothing else, which is all public clients read."""
        try:
            data = json.loads(body or b"")
        except ValueError:
            raise ApiError(400, "Body must be JSON.") from None
        if not isinstance(data, dict):
            raise ApiError(400, "Body must be a JSON object.")
        user, secret = data.get("username"), data.get("password")
        if not isinstance(user, str) or not isinstance(secret, str):
            raise ApiError(401, "Invalid credentials.")
        ok = hmac.compare_digest(user.encode(), API_KEY.encode()) & hmac.compare_digest(
            secret.encode(), API_SECRET.encode()
        )
        tenant = data.get("tenantId")
        if tenant is not None and (
            not isinstance(tenant, str) or tenant.lower() not in self.server.gen.tenants
        ):
            ok = False  # a tenant these credentials cannot read
        if not ok:
            raise ApiError(401, "Invalid credentials.")
        ttl = data.get("ttl")
        if ttl is not None and (
            isinstance(ttl, bool) or not isinstance(ttl, int | float) or not 0 < ttl <= 86_400
        ):
            raise ApiError(400, "ttl must be a number of seconds from 1 to 86400.")
        lifetime = min(float(ttl), self.server.token_ttl) if ttl else self.server.token_ttl
        return json_response(200, {"token": self.server.issue_token(lifetime)})

    def _tenant(self, tenant_id: str) -> Tenant:
        if not is_uuid(tenant_id):
            raise ApiError(400, "Malformed tenant id.")
        tenant = self.server.gen.tenants.get(tenant_id.lower())
        if tenant is None:
            raise ApiError(403, "Not authorised for this tenant.")
        return tenant

    def _interactions(self, tenant_id: str, interaction_id: str | None, query: str) -> Response:
        self._authenticate()
        tenant = self._tenant(tenant_id)
        params = parse_qs(query, keep_blank_values=True)
        nulls = _first(params, "includenulls", "").lower() == "true"
        if interaction_id is not None:
            return self._one(tenant, interaction_id, nulls)
        return self._list(tenant, params, nulls)

    def _artifacts(self, tenant_id: str, interaction_id: str, artifact_id: str | None) -> Response:
        """GET …/interactions/{id}/artifacts[/{artifactId}] (sandbox/artifacts.py)."""
        fault = self.server.artifacts.api_fault()  # before authentication, as a gateway would
        if fault is not None:
            raise ApiError(*fault)
        self._authenticate()
        tenant = self._tenant(tenant_id)
        status, payload = self.server.artifacts.api(
            tenant, interaction_id, artifact_id, self.headers.get("Host")
        )
        if status != 200:
            raise ApiError(status, str(payload))
        return json_response(200, payload)

    def _one(self, tenant: Tenant, interaction_id: str, nulls: bool) -> Response:
        if not is_uuid(interaction_id):
            raise ApiError(400, "Malformed interaction id.")
        i = self.server.gen.index_of(tenant, interaction_id)
        if i is None:
            raise ApiError(404, "Interaction not found.")
        return Response(200, self.server.item(tenant.tenant_id, i, nulls, True))

    def _list(self, tenant: Tenant, params: dict[str, list[str]], nulls: bool) -> Response:
        gen = self.server.gen
        # limit=0 reads just the total: Pearson-ICC/CxAdmin cxStatistics.py asks for it so
        limit = _int_param(params, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT)
        offset = _int_param(params, "offset", None, 0, None)
        page = _int_param(params, "page", None, 0, None)
        if offset is None:
            offset = page * limit if page is not None else 0
        start = _time_param(params, "start")
        end = _time_param(params, "end")
        contact_param = params.get("contactId")
        contact = None
        if contact_param is not None:
            value = contact_param[0]
            if not is_uuid(value):
                raise ApiError(400, "contactId must be a UUID.")
            contact = gen.contact_index(tenant, value)
        values = tuple(params.get("attribute-value", []) + params.get("hook-name", []))
        # a CRM record: the public docs' "Searching Interactions" (hookType, hookSubType, hookId)
        crm = tuple(_first(params, name, "") or None for name in CRM_PARAMS)
        has_crm = any(crm)
        window = gen.index_range(tenant, start, end)
        if contact_param is None and not values and not has_crm:
            total = len(window)
            indices = list(window[offset : offset + limit])
        elif contact_param is not None and contact is None:
            total, indices = 0, []
        else:
            total, indices = 0, []
            for i in gen.search(tenant, window, contact, values, crm if has_crm else None):
                if offset <= total < offset + limit:
                    indices.append(i)
                total += 1
        details = bool(values)
        item = self.server.item
        envelope = {
            "page": page,
            "limit": limit,
            "offset": offset,
            "tenantId": tenant.tenant_id,
            "total": total,
            "tenantName": tenant.name,
            "tenantTimezone": tenant.timezone,
        }
        if crm[1]:
            envelope["hookSubType"] = crm[1]  # echoed, as in the docs' Zendesk example
        head = faultlib.dumps(envelope)
        if not indices:
            # no match, or an offset past the end: null, not [] (CxAdmin cxStatistics.py)
            body = head[:-1] + b',"results":null}'
        else:
            body = b"".join(
                (
                    head[:-1],
                    b',"results":[',
                    b",".join(item(tenant.tenant_id, i, nulls, details) for i in indices),
                    b"]}",
                )
            )
        return Response(200, body, is_list=True, is_search=bool(values) or has_crm)


def _first(params: dict[str, list[str]], name: str, default: str) -> str:
    values = params.get(name)
    return values[0] if values else default


def _int_param(
    params: dict[str, list[str]], name: str, default: int | None, lo: int, hi: int | None
) -> int | None:
    values = params.get(name)
    if not values:
        return default
    raw = values[0].strip()
    if not _DIGITS.match(raw) or len(raw) > 12:
        raise ApiError(400, f"{name} must be an integer" + (f" from {lo} to {hi}." if hi else "."))
    value = int(raw)
    if value < lo or (hi is not None and value > hi):
        raise ApiError(
            400, f"{name} must be from {lo} to {hi}." if hi else f"{name} must be >= {lo}."
        )
    return value


def _time_param(params: dict[str, list[str]], name: str) -> int | None:
    values = params.get(name)
    if not values:
        return None
    try:
        return parse_time(values[0])
    except (ValueError, OverflowError):
        raise ApiError(400, f"{name} must be an ISO-8601 timestamp.") from None
