"""HTTP client for the CxEngage Interactions API: the only module that imports requests.

One ``requests.Session`` per client (connection reuse), connect/read timeouts, urllib3 ``Retry``
with backoff for idempotent GETs on connection errors, 5xx and 429 (honouring a capped
Retry-After), token auth with a single re-authentication on 401 or HTTP Basic auth, a cap on
response size, and every failure mapped to a ``CxEngageError`` subclass. Credentials and tokens
never appear in exceptions or log lines.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import errors
from .models import Interaction, Page
from .parsing import decode_json, is_flagged, parse_interaction, parse_page

logger = logging.getLogger(__name__)

MAX_LIMIT = 1000
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class ClientConfig:
    api_url: str
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

    def __repr__(self) -> str:  # keep secrets out of tracebacks and debug output
        return f"ClientConfig(api_url={self.api_url!r}, tenant_id={self.tenant_id!r})"


class _CappedRetry(Retry):
    """urllib3 Retry that honours Retry-After but never sleeps longer than ``max_retry_after``."""

    max_retry_after = 3.0

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.max_retry_after)


def _retry_policy(config: ClientConfig) -> Retry:
    policy = type("Retry", (_CappedRetry,), {"max_retry_after": config.max_retry_after})
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
        self.config = config
        self.session = session or requests.Session()
        adapter = HTTPAdapter(
            max_retries=_retry_policy(config),
            pool_connections=4,
            pool_maxsize=config.pool_size,
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            {"Accept": "application/json", "User-Agent": "cxengage-dashboard/1"}
        )
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()

    # --- public API ---------------------------------------------------------------------

    @property
    def tenant_id(self) -> str:
        return self.config.tenant_id

    def list_interactions(
        self,
        *,
        limit: int,
        offset: int = 0,
        start: datetime | None = None,
        end: datetime | None = None,
        attribute_values: Sequence[str] = (),
        hook_names: Sequence[str] = (),
        contact_id: str | None = None,
        only_flagged: bool = False,
    ) -> Page:
        """One page of interactions; ``only_flagged`` parses just the flagged ones into items
        (``received`` still counts every result), which is what a flagged scan needs."""
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_LIMIT}")
        params: list[tuple[str, str]] = [("limit", str(limit)), ("offset", str(max(offset, 0)))]
        if start is not None:
            params.append(("start", format_timestamp(start)))
        if end is not None:
            params.append(("end", format_timestamp(end)))
        if contact_id:
            params.append(("contactId", contact_id))
        params += [("attribute-value", value) for value in attribute_values]
        params += [("hook-name", value) for value in hook_names]
        try:
            data = self._get_json(self._tenant_path("interactions"), params)
        except errors.NotFound:
            # The collection itself is missing (a wrong API URL or tenant path): not "no such
            # interaction", which pages would otherwise show with a 404 of their own.
            raise errors.CxEngageError(
                "the interactions list answered 404", upstream_status=404
            ) from None
        return parse_page(
            data, limit=limit, offset=offset, select=is_flagged if only_flagged else None
        )

    def get_interaction(self, interaction_id: str) -> Interaction:
        # one path segment, whatever the id contains ("/", "?", "#", "..")
        path = self._tenant_path(f"interactions/{quote(interaction_id, safe='')}")
        body = self._get_body(path, [])
        interaction = parse_interaction(decode_json(body), fallback_id=interaction_id)
        return replace(interaction, wire_bytes=len(body))

    def close(self) -> None:
        self.session.close()

    # --- HTTP ---------------------------------------------------------------------------

    def _tenant_path(self, suffix: str) -> str:
        return f"{self.config.api_url}/tenants/{self.config.tenant_id}/{suffix}"

    def _get_json(self, url: str, params: Iterable[tuple[str, str]]) -> Any:
        return decode_json(self._get_body(url, params))

    def _get_body(self, url: str, params: Iterable[tuple[str, str]]) -> bytes:
        params = list(params)
        response = self._send(url, params)
        if response.status_code == 401 and self._uses_token:
            response.close()
            self._forget_token()
            response = self._send(url, params)  # one re-authentication, then give up
        try:
            self._raise_for_status(response)
            return self._read_capped(response)
        finally:
            response.close()

    @property
    def _uses_token(self) -> bool:
        return bool(self.config.api_key and self.config.api_secret)

    def _auth(self) -> requests.auth.AuthBase:
        if self._uses_token:
            return _TokenAuth(self._current_token())
        return requests.auth.HTTPBasicAuth(self.config.username or "", self.config.password or "")

    def _send(self, url: str, params: list[tuple[str, str]]) -> requests.Response:
        started = time.perf_counter()
        try:
            response = self.session.get(
                url,
                params=params,
                auth=self._auth(),
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
            response.url.split("?", 1)[0] if response.url else url,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

    @staticmethod
    def _log_failure(url: str, started: float, what: str) -> None:
        logger.warning(
            "cxengage GET %s failed (%s) after %.0f ms",
            url,
            what,
            (time.perf_counter() - started) * 1000,
        )

    @staticmethod
    def _raise_for_status(response: requests.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        detail = f"upstream answered {status}"
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
                detail, retry_after=_retry_after_seconds(response.headers), upstream_status=status
            )
        if status >= 500:
            raise errors.UpstreamServerError(detail, upstream_status=status)
        raise errors.BadResponse(detail, upstream_status=status)

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

    def _forget_token(self) -> None:
        with self._token_lock:
            self._token = None

    def _request_token(self) -> tuple[str, float]:
        url = f"{self.config.api_url}/tokens"
        try:
            response = self.session.post(
                url,
                json={"apiKey": self.config.api_key, "apiSecret": self.config.api_secret},
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
                logger.warning("cxengage token request rejected (%s)", response.status_code)
                raise errors.Unauthorized(
                    "token request rejected", upstream_status=response.status_code
                )
            self._raise_for_status(response)
            data = decode_json(self._read_capped(response))
        token = data.get("token") if isinstance(data, Mapping) else None
        if not isinstance(token, str) or not token:
            raise errors.BadResponse("token response without a token")
        lifetime = data.get("expiresIn")
        if not isinstance(lifetime, int | float) or isinstance(lifetime, bool) or lifetime <= 0:
            lifetime = 300.0
        return token, float(lifetime)


def _retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP-date; None if absent or unusable."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):  # "inf" / "nan" parse as floats
        return None
    return max(seconds, 0.0)
