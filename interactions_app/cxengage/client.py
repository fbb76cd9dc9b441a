"""HTTP client for the CxEngage Interactions API: the only module that imports requests.

One ``requests.Session`` per client (connection reuse), connect/read timeouts, urllib3 ``Retry``
with backoff for idempotent GETs on connection errors and 5xx, a 429 retried at most once and
only when its Retry-After is short, token auth as the real API does it (one re-login on 401) or
HTTP Basic auth, a per-process cap on calls in flight, a cap on response size, and every failure
mapped to a ``CxEngageError`` subclass. Credentials and tokens never appear in exceptions or log
lines; upstream error bodies are logged cut short and scrubbed of them.

Artifact files (recordings, transcripts, emails) are downloaded from the time-limited links the
API hands out (``open_file``): without credentials, only from the API's own host or the hosts an
operator allowed, never following a redirect, streamed, and never logged with their query
string (the signature).
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from . import errors
from .models import Artifact, Interaction, Page
from .parsing import (
    decode_json,
    error_summary,
    is_flagged,
    parse_artifact,
    parse_artifact_list,
    parse_interaction,
    parse_list_rows,
    parse_page,
    parse_summary,
)

logger = logging.getLogger(__name__)

MAX_LIMIT = 1000
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# No public source gives the token's lifetime when the answer does not: renew often enough
# that an expired token is rare (a 401 still gets its one re-login).
DEFAULT_TOKEN_SECONDS = 300.0
ERROR_BODY_BYTES = 16 * 1024  # read this much of an error answer to log what it said
_UPSTREAM_REQUEST_ID_HEADERS = ("X-Request-Id", "X-Amzn-RequestId")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,80}$")
_AUTH_VALUE = re.compile(r"\b(Token|Basic|Bearer)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


@dataclass(frozen=True)
class ClientConfig:
    api_url: str  # the API base including /v1 (config.env.env_api_url normalises it)
    tenant_id: str
    api_key: str | None = None
    api_secret: str | None = None
    username: str | None = None
    password: str | None = None
    connect_timeout: float = 3.05
    read_timeout: float = 20.0
    retries: int = 2
    max_retry_after: float = 3.0
    max_response_bytes: int = 64 * 1024 * 1024
    pool_size: int = 16
    max_concurrency: int = 8  # calls in flight per process, shared by same-settings clients
    # origins (``https://host[:port]``; ``https://*.example.com`` for its subdomains) that file
    # links may point at besides the API's own
    file_hosts: tuple[str, ...] = ()

    def __repr__(self) -> str:  # keep secrets out of tracebacks and debug output
        return f"ClientConfig(api_url={self.api_url!r}, tenant_id={self.tenant_id!r})"


# --- Retry-After and the retry policy ---------------------------------------------------------

_RETRY_AFTER_PARSER = Retry(0)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP-date, urllib3's reading of RFC 9110);
    None when absent or unusable ("soon", "2.5", "inf"), never an exception."""
    value = headers.get("Retry-After")
    if not value or not value.strip():
        return None
    try:
        return float(_RETRY_AFTER_PARSER.parse_retry_after(value))
    except (InvalidHeader, ValueError, OverflowError, TypeError, IndexError):
        return None


class _Policy(Retry):
    """urllib3 Retry with the dashboard's rules on top.

    - A 429 is retried at most once, and only when its Retry-After is within
      ``max_retry_after``: otherwise the page says at once when to try again, instead of
      holding the supervisor while sending more calls into the rate limit. (The JavaScript SDK
      never retries a 4xx: ``domain/api_utils.cljs``.)
    - 5xx and connection errors are retried ``retries`` times with backoff, a Retry-After
      honoured up to ``max_retry_after`` (the SDK retries server errors whatever they say;
      CxAdmin retries an overloaded 503/504 after 1-5 s).
    """

    max_retry_after = 3.0  # set per client by _retry_policy

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        already = any(h.status == 429 for h in self.history or ())
        if status_code == 429 and (not has_retry_after or already):
            return False
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, **kw):  # type: ignore[no-untyped-def,override]
        if response is not None and error is None and response.status == 429:
            wait = retry_after_seconds(response.headers)
            if wait is None or wait > self.max_retry_after:
                # with raise_on_status=False urllib3 hands this answer back as it is
                raise MaxRetryError(_pool, url, ResponseError("429 not retried"))
        return super().increment(method, url, response=response, error=error, _pool=_pool, **kw)

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        seconds = retry_after_seconds(response.headers)
        return None if seconds is None else min(seconds, self.max_retry_after)


def _retry_policy(config: ClientConfig) -> Retry:
    policy = type("Policy", (_Policy,), {"max_retry_after": config.max_retry_after})
    return policy(
        total=config.retries,
        connect=config.retries,
        # A read timeout already cost the full timeout: do not retry it. ``False`` (not 0) makes
        # urllib3 re-raise the ReadTimeoutError itself, which requests maps to ReadTimeout; with
        # 0 it became a MaxRetryError that requests reports as a plain ConnectionError.
        read=False,
        status=config.retries,
        other=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=0.2,
        backoff_max=2.0,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


# --- the concurrency cap ----------------------------------------------------------------------

# One semaphore per (API, tenant, cap) in this process, shared by every client built with those
# settings: the factory may build a new client (a settings change, a test) while the old one
# still has calls in flight; those release the semaphore they took. A client with a different
# cap gets its own (briefly, both may have calls in flight). Entries go when no client uses them.
_SLOTS: weakref.WeakValueDictionary[tuple[str, str, int], threading.BoundedSemaphore] = (
    weakref.WeakValueDictionary()
)
_SLOTS_LOCK = threading.Lock()


def _slots_for(config: ClientConfig) -> threading.BoundedSemaphore:
    key = (config.api_url, config.tenant_id, config.max_concurrency)
    with _SLOTS_LOCK:
        slots = _SLOTS.get(key)
        if slots is None:
            slots = threading.BoundedSemaphore(config.max_concurrency)
            _SLOTS[key] = slots
        return slots


def format_timestamp(value: datetime) -> str:
    """The API's timestamp format: UTC, millisecond precision, trailing Z (naive means UTC)."""
    if value.tzinfo is None:  # not the server's local time, whatever TZ the process runs in
        value = value.replace(tzinfo=UTC)
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


class _TokenAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Token {self._token}"
        return request


class CxEngageClient:
    def __init__(self, config: ClientConfig, *, session: requests.Session | None = None) -> None:
        if not (config.api_key and config.api_secret) and not (config.username and config.password):
            raise ValueError(
                "CxEngageClient needs an API key and secret or a username and password"
            )
        if config.max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.config = config
        self.session = session or requests.Session()
        adapter = HTTPAdapter(
            max_retries=_retry_policy(config),
            pool_connections=4,
            pool_maxsize=max(config.pool_size, config.max_concurrency),
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            {"Accept": "application/json", "User-Agent": "cxengage-dashboard/1"}
        )
        self._slots = _slots_for(config)
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()

    # --- public API ---------------------------------------------------------------------

    def list_interactions(
        self,
        *,
        limit: int,
        offset: int = 0,
        start: datetime | None = None,
        end: datetime | None = None,
        attribute_values: Sequence[str] = (),
        hook_names: Sequence[str] = (),
        hook_type: str | None = None,
        hook_sub_type: str | None = None,
        hook_id: str | None = None,
        only_flagged: bool = False,
        rows_only: bool = False,
        summary: bool = False,
    ) -> Page:
        """One page of interactions; ``only_flagged`` parses just the flagged ones into items
        (``received`` still counts every result), which is what a flagged scan needs;
        ``rows_only`` reads only what a results table shows (``parsing.parse_list_rows``);
        ``summary`` reads only what the interaction index needs (``parse_summary``).

        ``hook_type`` / ``hook_sub_type`` / ``hook_id`` find the interactions linked to a CRM
        record (``zendesk`` / ``ticket`` / ``415``): the public API docs' "Searching
        Interactions" and the SDK's ``get-crm-interactions-request``.
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_LIMIT}")
        params: list[tuple[str, str]] = [("limit", str(limit)), ("offset", str(max(offset, 0)))]
        if start is not None:
            params.append(("start", format_timestamp(start)))
        if end is not None:
            params.append(("end", format_timestamp(end)))
        params += [("attribute-value", value) for value in attribute_values]
        params += [("hook-name", value) for value in hook_names]
        for name, value in (
            ("hookType", hook_type),
            ("hookSubType", hook_sub_type),
            ("hookId", hook_id),
        ):
            if value:
                params.append((name, value))
        try:
            body = self._get_body(self._tenant_path("interactions"), params)
        except errors.NotFound:
            # The collection itself is missing (a wrong API URL or tenant path): not "no such
            # interaction", which pages would otherwise show with a 404 of their own.
            raise errors.CxEngageError(
                "the interactions list answered 404", upstream_status=404
            ) from None
        if rows_only and not only_flagged and not summary:
            return parse_list_rows(body, limit=limit, offset=offset)
        return parse_page(
            decode_json(body),
            limit=limit,
            offset=offset,
            select=is_flagged if only_flagged else None,
            parse=parse_summary if summary else None,
        )

    def get_interaction(self, interaction_id: str) -> Interaction:
        # one path segment, whatever the id contains ("/", "?", "#", "..")
        path = self._tenant_path(f"interactions/{quote(interaction_id, safe='')}")
        body = self._get_body(path, [])
        interaction = parse_interaction(decode_json(body), fallback_id=interaction_id)
        return replace(interaction, wire_bytes=len(body))

    def list_artifacts(self, interaction_id: str) -> tuple[Artifact, ...]:
        """The interaction's artifacts (without their files), oldest first (SDK:
        ``get-interaction-artifacts-request``; ``get-recordings`` sorts by ``created``)."""
        return parse_artifact_list(self._get_json(self._artifacts_path(interaction_id), []))

    def get_artifact(self, interaction_id: str, artifact_id: str) -> Artifact:
        """One artifact with its files and their download links (SDK:
        ``get-artifact-by-id-request``). Each call gives links that are valid afresh."""
        path = f"{self._artifacts_path(interaction_id)}/{quote(artifact_id, safe='')}"
        try:
            data = self._get_json(path, [])
        except errors.NotFound as error:
            raise errors.ArtifactNotFound(error.detail, upstream_status=404) from None
        return parse_artifact(data, fallback_id=artifact_id)

    def open_file(self, url: str, *, range_header: str | None = None) -> FileStream:
        """Start downloading an artifact file from its link, with ``Range`` if given.

        Answers 200, 206 and 416 come back as a ``FileStream`` (headers now, body as it is
        read); 403 (the link expired or was tampered with) is ``LinkRefused``, 404
        ``ArtifactNotFound``, a redirect is not followed (``BadResponse``). The link must
        point at the API's host or an allowed one (``FileHostNotAllowed`` otherwise): it came
        from upstream, so it is not trusted to name any host. No credentials are sent (the
        link is presigned), and no API slot is held: a recording streams for minutes, and
        pages must not wait for it.
        """
        where = self._file_origin_check(url)
        headers = {"Accept": "*/*", "Accept-Encoding": "identity"}  # bytes as stored: ranges hold
        if range_header:
            headers["Range"] = range_header
        started = time.perf_counter()
        try:
            response = self.session.get(
                url,
                headers=headers,
                auth=_NO_AUTH,
                timeout=(self.config.connect_timeout, self.config.read_timeout),
                stream=True,
                allow_redirects=False,
            )
        except requests.exceptions.Timeout:
            self._log_failure(url, started, "timeout")
            raise errors.UpstreamTimeout("timed out opening a file link") from None
        except requests.exceptions.ConnectionError as exc:
            self._log_failure(url, started, "unreachable")
            raise errors.UpstreamUnreachable(f"file link: {type(exc).__name__}") from None
        except requests.exceptions.RequestException as exc:
            self._log_failure(url, started, "request error")
            raise errors.BadResponse(f"file link: {type(exc).__name__}") from None
        status = response.status_code
        logger.info(
            "cxengage file GET %s -> %s in %.0f ms",
            where,
            status,
            (time.perf_counter() - started) * 1000,
        )
        if status in (200, 206, 416):
            return FileStream(response, where=where)
        try:
            if 300 <= status < 400:
                raise errors.BadResponse(f"file link answered a {status} redirect; not followed")
            if status == 403:
                said = self._what_upstream_said(response)
                logger.warning("cxengage file %s refused (403): %s", where, said)
                raise errors.LinkRefused(f"file link refused: {said}", upstream_status=403)
            if status == 404:
                self._what_upstream_said(response)
                raise errors.ArtifactNotFound("file link answered 404", upstream_status=404)
            self._raise_for_status(response, "GET")
            raise errors.BadResponse(f"file link answered {status}", upstream_status=status)
        finally:
            response.close()

    def close(self) -> None:
        self.session.close()

    # --- HTTP ---------------------------------------------------------------------------

    def _tenant_path(self, suffix: str) -> str:
        return f"{self.config.api_url}/tenants/{self.config.tenant_id}/{suffix}"

    def _artifacts_path(self, interaction_id: str) -> str:
        return self._tenant_path(f"interactions/{quote(interaction_id, safe='')}/artifacts")

    def _file_origin_check(self, url: str) -> str:
        """``url`` for a log line (no query), if its origin is the API's or an allowed one."""
        parts = urlsplit(url)
        try:
            origin = _origin(parts)
        except ValueError:
            origin = None
        allowed = origin is not None and (
            origin == _origin(urlsplit(self.config.api_url))
            or any(_origin_matches(origin, pattern) for pattern in self.config.file_hosts)
        )
        where = _path_of(url) if origin else "(unreadable link)"
        if not allowed:
            logger.warning("cxengage file link on a host that is not allowed: %s", where)
            raise errors.FileHostNotAllowed(f"file link host not allowed: {origin or '?'}")
        return where

    def _get_json(self, url: str, params: Iterable[tuple[str, str]]) -> Any:
        return decode_json(self._get_body(url, params))

    @contextlib.contextmanager
    def _slot(self) -> Iterator[None]:
        """One of the process's ``max_concurrency`` upstream slots, for one call (its token
        request, retries and body included). Waiting is bounded by one call's timeouts."""
        wait = self.config.connect_timeout + self.config.read_timeout
        if not self._slots.acquire(timeout=wait):
            logger.warning(
                "cxengage: no free upstream slot after %.1f s (%d in flight)",
                wait,
                self.config.max_concurrency,
            )
            raise errors.UpstreamTimeout(
                f"all {self.config.max_concurrency} upstream slots stayed busy for {wait:.1f} s"
            )
        try:
            yield
        finally:
            self._slots.release()

    def _get_body(self, url: str, params: Iterable[tuple[str, str]]) -> bytes:
        params = list(params)
        with self._slot():
            response, refused = self._send(url, params)
            if response.status_code == 401 and self._uses_token:
                response.close()
                # one re-authentication, then give up; requests refused at the same moment
                # log in once between them (the others reuse the token it brought back)
                self._forget_token(refused)
                response, _ = self._send(url, params)
            try:
                self._raise_for_status(response, "GET")
                return self._read_capped(response)
            finally:
                response.close()

    @property
    def _uses_token(self) -> bool:
        return bool(self.config.api_key and self.config.api_secret)

    def _send(
        self, url: str, params: list[tuple[str, str]]
    ) -> tuple[requests.Response, str | None]:
        """The answer, and the token it was sent with (None with Basic auth)."""
        token = self._current_token() if self._uses_token else None
        auth: requests.auth.AuthBase = (
            _TokenAuth(token)
            if token is not None
            else requests.auth.HTTPBasicAuth(self.config.username or "", self.config.password or "")
        )
        started = time.perf_counter()
        try:
            response = self.session.get(
                url,
                params=params,
                auth=auth,
                timeout=(self.config.connect_timeout, self.config.read_timeout),
                stream=True,
            )
        except requests.exceptions.Timeout as exc:
            self._log_failure(url, started, "timeout")
            raise errors.UpstreamTimeout(f"timed out: {type(exc).__name__}") from None
        except requests.exceptions.ConnectionError as exc:
            self._log_failure(url, started, "unreachable")
            raise errors.UpstreamUnreachable(f"connection failed: {type(exc).__name__}") from None
        except requests.exceptions.RequestException as exc:
            self._log_failure(url, started, "request error")
            raise errors.BadResponse(f"request failed: {type(exc).__name__}") from None
        logger.info(
            "cxengage GET %s -> %s in %.0f ms",
            _path_of(response.url or url),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response, token

    @staticmethod
    def _log_failure(url: str, started: float, what: str) -> None:
        logger.warning(
            "cxengage GET %s failed (%s) after %.0f ms",
            _path_of(url),
            what,
            (time.perf_counter() - started) * 1000,
        )

    def _raise_for_status(self, response: requests.Response, method: str) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        said = self._what_upstream_said(response)
        logger.warning(
            "cxengage %s %s answered %s: %s", method, _path_of(response.url or ""), status, said
        )
        detail = f"upstream answered {status}: {said}"
        if status == 400:
            raise errors.BadRequest(detail, upstream_status=status)
        if status == 401:
            raise errors.Unauthorized(detail, upstream_status=status)
        if status == 403:
            raise errors.Forbidden(detail, upstream_status=status)
        if status == 404:
            raise errors.NotFound(detail, upstream_status=status)
        if status == 429:
            raise errors.RateLimited(
                detail, retry_after=retry_after_seconds(response.headers), upstream_status=status
            )
        if status >= 500:
            raise errors.UpstreamServerError(detail, upstream_status=status)
        raise errors.BadResponse(detail, upstream_status=status)

    def _what_upstream_said(self, response: requests.Response) -> str:
        """The error answer in a few words: every shape the real API uses (a string, an array,
        ``{code, message, attribute}``, ``{body: {errors}}``, HTML under load), cut short and
        scrubbed of every credential this client holds, plus the upstream's request id."""
        body = b""
        with contextlib.suppress(requests.exceptions.RequestException, OSError, ValueError):
            for chunk in response.iter_content(chunk_size=ERROR_BODY_BYTES):
                body += chunk
                if len(body) >= ERROR_BODY_BYTES:
                    break
        said = error_summary(body[:ERROR_BODY_BYTES], response.headers.get("Content-Type", ""))
        said = self._scrub(said)
        for header in _UPSTREAM_REQUEST_ID_HEADERS:
            value = (response.headers.get(header) or "").strip()
            if _SAFE_REQUEST_ID.match(value):
                said += f" (upstream request id {value})"
                break
        return said

    def _scrub(self, text: str) -> str:
        text = _AUTH_VALUE.sub(lambda m: f"{m.group(1)} [redacted]", text)
        for secret in (
            self.config.api_secret,
            self.config.password,
            self._token,
            self.config.api_key,
            self.config.username,
        ):
            if secret and len(secret) >= 4:
                text = text.replace(secret, "[redacted]")
        return text

    def _read_capped(self, response: requests.Response) -> bytes:
        cap = self.config.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise errors.BadResponse(f"response of {declared} bytes exceeds the {cap}-byte cap")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(chunk_size=256 * 1024):
                size += len(chunk)
                if size > cap:
                    raise errors.BadResponse(f"response exceeds the {cap}-byte cap")
                chunks.append(chunk)
        except requests.exceptions.RequestException as exc:
            if isinstance(exc, requests.exceptions.ConnectionError) and "timed out" in str(exc):
                raise errors.UpstreamTimeout("timed out while reading the body") from None
            raise errors.BadResponse(f"body could not be read: {type(exc).__name__}") from None
        return b"".join(chunks)

    # --- token auth ---------------------------------------------------------------------

    def _current_token(self) -> str:
        with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_expires:
                self._token, lifetime = self._request_token()
                # renew a little early so a request never leaves with a token about to expire
                self._token_expires = time.monotonic() + max(lifetime * 0.9, lifetime - 30)
            return self._token

    def _forget_token(self, refused: str | None) -> None:
        """Drop the token the upstream ``refused``, unless another request has already
        replaced it: then the retry uses the new one and nobody logs in again."""
        with self._token_lock:
            if self._token == refused:
                self._token = None

    def _token_body(self) -> dict[str, str]:
        """The real API's login: the API key and secret as username and password, plus the
        tenant (Pearson-ICC/CxAdmin ``httpclient.py`` ``getToken``; the SDK's
        ``modules/authentication.cljs`` sends the same username/password pair)."""
        return {
            "username": self.config.api_key or "",
            "password": self.config.api_secret or "",
            "tenantId": self.config.tenant_id,
        }

    def _request_token(self) -> tuple[str, float]:
        url = f"{self.config.api_url}/tokens"
        try:
            response = self.session.post(
                url,
                json=self._token_body(),
                timeout=(self.config.connect_timeout, self.config.read_timeout),
                stream=True,
            )
        except requests.exceptions.Timeout:
            raise errors.UpstreamTimeout("timed out requesting a token") from None
        except requests.exceptions.ConnectionError:
            raise errors.UpstreamUnreachable("connection failed requesting a token") from None
        except requests.exceptions.RequestException as exc:
            raise errors.BadResponse(f"token request failed: {type(exc).__name__}") from None
        with response:
            if response.status_code in (400, 401, 403):
                said = self._what_upstream_said(response)
                logger.warning(
                    "cxengage token request rejected (%s): %s", response.status_code, said
                )
                raise errors.Unauthorized(
                    f"token request rejected ({response.status_code}): {said}",
                    upstream_status=response.status_code,
                )
            self._raise_for_status(response, "POST")
            data = decode_json(self._read_capped(response))
        token = data.get("token") if isinstance(data, Mapping) else None
        if not isinstance(token, str) or not token:
            raise errors.BadResponse("token response without a token")
        return token, _token_lifetime(data)


def _token_lifetime(data: Mapping[str, Any]) -> float:
    """Seconds the token lives, from ``ttl`` or ``expiresIn`` when the answer has one."""
    for key in ("ttl", "expiresIn"):
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1e9:
            return float(value)
    return DEFAULT_TOKEN_SECONDS


class _NoAuth(requests.auth.AuthBase):
    """No credentials at all (and none from ~/.netrc): file links are presigned."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


_NO_AUTH = _NoAuth()
FILE_CHUNK = 64 * 1024
_RELAYED_HEADERS = ("Content-Type", "Content-Length", "Content-Range", "Accept-Ranges")


class FileStream:
    """An artifact file being downloaded: ``status`` (200, 206 or 416), the ``headers`` worth
    passing on, and the body as an iterator of chunks, each relayed as soon as it arrives
    (``read1``: a slow upstream's first bytes are not held back to fill a chunk).

    The upstream response is closed when the body ends, when reading it fails (logged; the
    body just ends short) or when ``close()`` is called: Django's ``StreamingHttpResponse``
    calls it when its response is closed, whether the browser read everything or went away.
    """

    def __init__(self, response: requests.Response, *, where: str) -> None:
        self.status = response.status_code
        self.headers = {k: response.headers[k] for k in _RELAYED_HEADERS if k in response.headers}
        self._response = response
        self._where = where

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        try:
            while chunk := self._response.raw.read1(FILE_CHUNK, decode_content=False):
                sent += len(chunk)
                yield chunk
        except (Urllib3Error, OSError, requests.exceptions.RequestException) as exc:
            logger.warning(
                "cxengage file %s stopped after %d bytes: %s", self._where, sent, type(exc).__name__
            )
        finally:
            self.close()

    def close(self) -> None:
        self._response.close()


def _origin(parts: Any) -> str | None:
    """``scheme://host[:port]`` (default ports left out), lower case; None without a host or
    with credentials in the URL. Raises ValueError for a port that is not a number."""
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    port = parts.port
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def _origin_matches(origin: str, pattern: str) -> bool:
    """An allowed origin, or ``scheme://*.domain[:port]`` for any subdomain of ``domain``."""
    pattern = pattern.strip().lower().rstrip("/")
    if "://*." not in pattern:
        return origin == pattern
    scheme, _, rest = pattern.partition("://*.")
    domain, _, port = rest.partition(":")
    o_scheme, _, o_rest = origin.partition("://")
    o_host, _, o_port = o_rest.partition(":")
    return o_scheme == scheme and o_port == port and o_host.endswith("." + domain)


def _path_of(url: str) -> str:
    """A URL for a log line: no query string (search values), no credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else parts.path
