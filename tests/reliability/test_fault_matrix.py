"""Every upstream fault on every page, over real HTTP against the sandbox.

Each (fault x page) case breaks the upstream (``/_sandbox/faults``, or an API URL that refuses or
never accepts connections), requests the page through Django's test client and checks what the
supervisor gets: the friendly title and message ``errors.py`` defines for that fault, our status
(never 500, an upstream 4xx never becomes a 5xx of ours by accident), ``X-Request-ID`` on the
response, the same id in the page ("Reference <id>") and in a log record, no traceback, no debug
page. Then the upstream is healed and the same page must answer 200.

Faults that still carry usable data (wrong types, missing or unknown fields, the doubled-quote
quirk, a huge body under the cap, a 401 that a re-authentication cures, a 503 that a retry
cures) must render the page normally; so must the answers the real API gives that the reference
pages do not show (``"results": null`` for no match or an offset past the end, a search answered
with the bare interaction, a list without ``total``). Error bodies come in every shape the real
API uses (a string, an array, ``{code, message, attribute}``, ``{body: {errors}}``, an HTML page
under load): the page keeps its friendly message and the log line says what the upstream said.

Each case ends with the credential check (``watched``): no secret, password, Basic header or
token value appeared in its responses (body or header), its log records (DEBUG, urllib3
included) or the cache; it holds for a case run on its own as for the whole module.
"""

from __future__ import annotations

import base64
import re
import socket
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import escape

from interactions_app import services
from interactions_app.caching.keys import cache_key
from interactions_app.cxengage import errors
from tests.reliability.conftest import FAST, sandbox_call

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
FLAGGED = reverse("interactions:flagged")
SEARCH = reverse("interactions:search")
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
RETRIES = FAST["RETRIES"]
REQUEST_ID = re.compile(r"^[0-9a-f]{16}$")
DEBUG_PAGE_MARKERS = ("Traceback", "Django Version", "technical_500", "Exception Value")


# --- pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageCase:
    name: str
    kind: str  # list | flagged | search | detail
    htmx: bool = False


PAGES = (
    PageCase("list", "list"),
    PageCase("list-htmx", "list", htmx=True),
    PageCase("flagged", "flagged"),
    PageCase("flagged-htmx", "flagged", htmx=True),
    PageCase("search", "search"),
    PageCase("search-htmx", "search", htmx=True),
    PageCase("detail", "detail"),
)


def page_request(client, page: PageCase, samples, extra: dict | None = None) -> Any:
    headers = HX if page.htmx else {}
    extra = extra or {}
    if page.kind == "list":
        return client.get(LIST, extra, **headers)
    if page.kind == "flagged":
        return client.get(FLAGGED, extra, **headers)
    if page.kind == "search":
        query = {"kind": "attribute-value", "value": samples.order_number, **extra}
        return client.get(SEARCH, query, **headers)
    return client.get(reverse("interactions:detail", args=[samples.interaction_id]), **headers)


# --- faults ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    name: str
    sandbox: dict | None = None  # POST /_sandbox/faults
    conf: dict = field(default_factory=dict)  # settings.CXENGAGE overrides
    endpoint: str | None = None  # "refused" or "blackhole": API_URL points there instead
    error: type[errors.CxEngageError] | None = None  # None: the page renders normally
    tokens: int | None = None  # exact POST /v1/tokens during the faulted request
    list_404: bool = False  # 404: the detail page shows "not found"; list pages a 502
    kinds: tuple[str, ...] = ("list", "flagged", "search", "detail")  # the pages it applies to
    query: dict = field(default_factory=dict)  # page kind -> extra query parameters
    said: str | None = None  # what the log line must quote from the upstream's error body


def _status(code: int, **extra: Any) -> dict:
    return {"mode": "status", "status": code, **extra}


BOTH_TRIES = RETRIES + 1  # a retried status fault must outlast urllib3's retries
LISTS = ("list", "flagged", "search")
NO_INTERACTIONS = {"start": "2020-01-01T00:00", "end": "2020-01-02T00:00"}  # before the data


def _body_shape(shape: str, said: str, kinds: tuple[str, ...] = ("list", "detail")) -> Fault:
    """A 503 whose body has one of the real API's error shapes (sandbox ``error_body``). The
    shapes are read by the client alone, so a list page and the detail page cover each; the
    non-JSON page under load goes through every page."""
    return Fault(
        f"503-error-body-{shape}",
        sandbox=_status(503, count=BOTH_TRIES, error_body=shape),
        error=errors.UpstreamServerError,
        said=said,
        kinds=kinds,
    )


FAULTS = (
    Fault("connection-refused", endpoint="refused", error=errors.UpstreamUnreachable),
    Fault(
        "connect-timeout",
        endpoint="blackhole",
        conf={"CONNECT_TIMEOUT": 0.15},
        error=errors.UpstreamTimeout,
    ),
    Fault(
        "read-timeout",
        sandbox={"mode": "hang", "count": 1},
        conf={"READ_TIMEOUT": 0.4},
        error=errors.UpstreamTimeout,
    ),
    Fault("500", sandbox=_status(500, count=BOTH_TRIES), error=errors.UpstreamServerError),
    Fault("502", sandbox=_status(502, count=BOTH_TRIES), error=errors.UpstreamServerError),
    Fault("503", sandbox=_status(503, count=BOTH_TRIES), error=errors.UpstreamServerError),
    Fault("504", sandbox=_status(504, count=BOTH_TRIES), error=errors.UpstreamServerError),
    Fault("503-once-retried", sandbox=_status(503, count=1)),
    Fault(
        "429-retry-after",
        sandbox=_status(429, retry_after=3, count=BOTH_TRIES),
        error=errors.RateLimited,
    ),
    Fault("401-once-reauth", sandbox=_status(401, count=1), tokens=1),
    Fault("401-persistent", sandbox=_status(401), error=errors.Unauthorized, tokens=1),
    Fault("403", sandbox=_status(403, count=1), error=errors.Forbidden),
    Fault("404", sandbox=_status(404, count=1), error=errors.CxEngageError, list_404=True),
    Fault("400", sandbox=_status(400, count=1), error=errors.BadRequest),
    Fault("422-other-4xx", sandbox=_status(422, count=1), error=errors.BadResponse),
    Fault("malformed-json", sandbox={"mode": "malformed", "count": 1}, error=errors.BadResponse),
    Fault("truncated-body", sandbox={"mode": "truncated", "count": 1}, error=errors.BadResponse),
    Fault("empty-body", sandbox={"mode": "empty", "count": 1}, error=errors.BadResponse),
    Fault("html-not-json", sandbox={"mode": "html", "count": 1}, error=errors.BadResponse),
    Fault("wrong-types", sandbox={"mode": "wrong-types"}),
    Fault("missing-fields", sandbox={"mode": "missing-fields"}),
    Fault("unknown-fields", sandbox={"mode": "unknown-fields"}),
    Fault(
        "huge-body-capped-5mb",
        sandbox={"mode": "huge", "count": 1},
        conf={"MAX_RESPONSE_BYTES": 5 * 1024 * 1024},
        error=errors.BadResponse,
    ),
    Fault("huge-body-default-cap", sandbox={"mode": "huge", "count": 1}),
    Fault("doubled-quote-quirk", sandbox={"mode": "quirk"}),
    # answers of the real API beyond the reference pages (docs/sandbox.md, "Evidence")
    Fault(
        "null-results-no-match",
        kinds=LISTS,
        query={
            "list": NO_INTERACTIONS,
            "flagged": NO_INTERACTIONS,
            "search": {"value": "no-such-attribute"},
        },
    ),
    Fault("null-results-past-the-end", kinds=("list",), query={"list": {"page": 9_999_999}}),
    Fault("bare-search-answer", sandbox={"mode": "bare-search"}, kinds=("search",)),
    Fault("missing-total", sandbox={"mode": "no-total"}, kinds=LISTS),
    Fault("list-without-data-complete", sandbox={"mode": "no-data-complete"}, kinds=LISTS),
    _body_shape("string", "Service unavailable."),
    _body_shape("array", "Service unavailable."),
    _body_shape("attribute", "503: Service unavailable. (request: Service unavailable.)"),
    _body_shape("nested", "503: Service unavailable."),
    _body_shape(
        "html",
        "not JSON (text/html): 503 Service Temporarily Unavailable",
        kinds=("list", "flagged", "search", "detail"),
    ),
)

CASES = [(f, p) for f in FAULTS for p in PAGES if p.kind in f.kinds]


# --- endpoints that refuse or never accept -----------------------------------------------------


@pytest.fixture(scope="module")
def endpoints() -> Iterator[dict[str, str]]:
    """A loopback port nobody listens on, and one whose accept queue is full (SYNs dropped)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        refused_port = probe.getsockname()[1]
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(0)  # never accepted: the queue fills and further SYNs are dropped
    port = blackhole.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield {
        "refused": f"http://127.0.0.1:{refused_port}/v1",
        "blackhole": f"http://127.0.0.1:{port}/v1",
    }
    for sock in (*fillers, blackhole):
        sock.close()


# --- credentials: everything the matrix produced, checked at the end --------------------------


@dataclass
class Corpus:
    """Compressed copies of every response, log record and cache entry the matrix produced."""

    texts: list[tuple[str, bytes]] = field(default_factory=list)
    authorizations: set[str] = field(default_factory=set)  # Authorization values sent upstream

    def reset(self) -> None:
        self.texts.clear()
        self.authorizations.clear()

    def add(self, where: str, text: str) -> None:
        # the huge fault's 21 MiB of "x" holds no secret: fold such runs so the scan stays fast
        text = _X_RUN.sub("x[...]", text)
        self.texts.append((where, zlib.compress(text.encode("utf-8", "replace"), 1)))

    def secrets(self, extra: set[str] = frozenset()) -> set[str]:
        found = set(extra) | self.authorizations
        for value in self.authorizations:
            scheme, _, credential = value.partition(" ")
            found.add(credential)
            if scheme == "Basic":
                found.add(base64.b64decode(credential).decode().partition(":")[2])
        return {s for s in found if s}

    def leaks(self, secrets: set[str]) -> list[str]:
        leaked = []
        for where, packed in self.texts:
            text = zlib.decompress(packed).decode("utf-8")
            leaked += [f"{where}: {s[:6]}…" for s in secrets if s in text]
            # and nothing that looks like an Authorization header value, whoever's it is
            leaked += [f"{where}: {m[:12]}…" for m in _AUTH_VALUE.findall(text)]
        return leaked


def assert_no_credential(corpus: Corpus) -> None:
    """No secret, password, Basic header or token value in what ``corpus`` kept."""
    secrets = corpus.secrets(STATIC_SECRETS)
    leaks = corpus.leaks(secrets)
    assert not leaks, leaks


CORPUS = Corpus()  # the current case's
_X_RUN = re.compile("x{4096,}")
_AUTH_VALUE = re.compile(r"(?:Token|Basic) [A-Za-z0-9_+/=-]{16,}")
STATIC_SECRETS = {"sandbox-secret", "sandbox-pass"}


def _record_text(record) -> str:
    parts = [record.getMessage(), repr(record.args), record.exc_text or "", record.stack_info or ""]
    return "\n".join(parts)


def _cache_text() -> str:
    import pickle

    lines = []
    for key, value in list(cache._cache.items()):  # locmem: key -> pickled value
        try:
            shown = repr(pickle.loads(value))  # noqa: S301 - our own cache, in a test
        except Exception as exc:  # an unpicklable entry is itself worth a look
            shown = f"<unreadable {type(exc).__name__}>"
        lines.append(f"{key} = {shown}")
    return "\n".join(lines)


@pytest.fixture
def watched(rel_api, logs, upstream) -> Iterator[None]:
    """Each case on its own: after it (before the cache is cleared), its responses (kept by
    ``keep_response``), logs and cache must carry none of the credentials it sent upstream."""
    CORPUS.reset()
    yield
    CORPUS.authorizations |= {s.authorization for s in upstream.sent if s.authorization}
    # ``logs.records`` here would be the teardown's own (none): the case's are the call's
    records = logs.get_records("setup") + logs.get_records("call")
    assert records, "no log record of the case was seen"
    CORPUS.add("logs", "\n".join(_record_text(r) for r in records))
    CORPUS.add("cache", _cache_text())
    assert_no_credential(CORPUS)


def keep_response(where: str, response) -> None:
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    CORPUS.add(f"{where} headers", headers)
    CORPUS.add(f"{where} body", response.content.decode("utf-8", "replace"))


# --- the matrix --------------------------------------------------------------------------------


def _configure(settings, fault: Fault, endpoints: dict[str, str]) -> None:
    conf = {**settings.CXENGAGE, **fault.conf}
    if fault.endpoint:
        conf["API_URL"] = endpoints[fault.endpoint]
    settings.CXENGAGE = conf


def _forget_scan_error() -> None:
    """A failed flagged scan is remembered for 5 s (so a storm of retries cannot hammer the
    upstream); "recovers" here means the first request after that window."""
    conf = django_settings.CXENGAGE
    key = cache_key(
        conf["API_URL"], conf["TENANT_ID"], "flagged", conf["FLAGGED_SCAN_DEPTH"], None, None
    )
    cache.delete(key + ":error")


def _token_requests(sandbox) -> int:
    return sandbox.stats()["paths"].get("/v1/tokens", 0)


def _assert_clean(response, html: str) -> str:
    assert response.status_code != 500
    request_id = response.get("X-Request-ID", "")
    assert REQUEST_ID.match(request_id), f"X-Request-ID {request_id!r}"
    for marker in DEBUG_PAGE_MARKERS:
        assert marker not in html, f"{marker!r} in the page"
    assert "Something went wrong on our side" not in html
    return request_id


def _assert_shape(page: PageCase, html: str) -> None:
    if page.htmx:
        assert "<html" not in html
        assert html.lstrip().startswith('<section id="results"')
    else:
        assert "<html" in html and "</html>" in html


SCAN_SETTLE_SECONDS = 30


def _scan_settled(client, page: PageCase, samples, query, response, html: str):
    """A flagged page answered while its scan was still reading, asked again the way the page's
    own refresh does until the scan is done: an htmx request waits only 0.8 s for it, which a
    loaded machine can outlast, and a scan still running is not what these cases check."""
    deadline = time.monotonic() + SCAN_SETTLE_SECONDS
    while "Scanning:" in html and time.monotonic() < deadline:
        time.sleep(0.1)
        response = page_request(client, page, samples, query)
        html = response.content.decode()
    # a scan that never ends (a lock never released, a slot never freed) is a failure
    assert "Scanning:" not in html, f"still scanning after {SCAN_SETTLE_SECONDS} s"
    return response, html


@pytest.mark.parametrize(("fault", "page"), CASES, ids=[f"{f.name}-{p.name}" for f, p in CASES])
def test_fault_on_page(
    fault: Fault, page: PageCase, rel_api, watched, logs, upstream, sup_client, samples,
    settings, endpoints,
):  # fmt: skip
    _configure(settings, fault, endpoints)
    if not fault.endpoint:
        services.tenant_get()  # tenant name and zone cached: the fault hits the page's own call
    rel_api.reset()  # clears the stats too
    if fault.sandbox:
        rel_api.set_faults(**fault.sandbox)
    logs.clear()

    query = fault.query.get(page.kind)
    response = page_request(sup_client, page, samples, query)
    html = response.content.decode()
    if fault.error is None and page.kind == "flagged":
        response, html = _scan_settled(sup_client, page, samples, query, response, html)
    keep_response(f"{fault.name}/{page.name}", response)
    request_id = _assert_clean(response, html)
    if fault.tokens is not None:
        assert _token_requests(rel_api) == fault.tokens  # exactly one re-authentication

    if fault.error is None:
        assert response.status_code == 200, html[:2000]
        assert 'class="upstream-error"' not in html
        _assert_shape(page, html)
        _assert_rendered(fault, page, html, samples, logs)
    elif fault.list_404 and page.kind == "detail":
        # the interaction endpoint's 404 is the one "not found" of the dashboard
        assert response.status_code == 404
        assert "<h1>Interaction not found</h1>" in html
        assert samples.interaction_id in html
        _assert_logged(logs, request_id, errors.NotFound)
    else:
        error = fault.error
        assert response.status_code == error.status_code, html[:2000]
        assert escape(error.title) in html
        assert escape(error.message) in html
        assert f"Reference {request_id}" in html
        assert ("Try again</a>" in html) == error.retryable
        _assert_shape(page, html)
        _assert_logged(logs, request_id, error)
        if fault.said:
            _assert_upstream_quoted(logs, request_id, fault.said)
        if error is errors.RateLimited:
            assert response["Retry-After"] == "3"
            assert "asked us to wait 3 s" in html
        else:
            assert "Retry-After" not in response

    # heal the upstream: the very same page works again
    rel_api.reset()
    settings.CXENGAGE = {**settings.CXENGAGE, "API_URL": rel_api.api_url}
    _forget_scan_error()
    if fault.name in SAME_COLUMNS and page.kind != "detail":
        cache.clear()  # the healthy page is compared with the faulted one, not served from it
    again = page_request(sup_client, page, samples, query)
    healed = again.content.decode()
    if page.kind == "flagged":  # a scan starts again and finishes: its lock was released
        again, healed = _scan_settled(sup_client, page, samples, query, again, healed)
        assert "Scanned the most recent" in healed, healed[:2000]
    keep_response(f"{fault.name}/{page.name} healed", again)
    assert again.status_code == 200, healed[:2000]
    assert 'class="upstream-error"' not in healed
    _assert_shape(page, healed)
    if fault.name in SAME_COLUMNS and page.kind != "detail":
        # segments, queues and agents sent as objects keyed by index (or with unknown fields)
        # are read as the lists they stand for: the same queues and agents as the healthy page
        for column in ("c-queue", "c-agent"):
            faulted, healthy = _cells(html, column), _cells(healed, column)
            assert any(healthy) and faulted == healthy, (column, faulted[:5], healthy[:5])


SAME_COLUMNS = ("wrong-types", "unknown-fields")


def _cells(html: str, column: str) -> list[str]:
    return re.findall(rf'<td class="{column}">(.*?)</td>', html, re.S)


def _assert_logged(logs, request_id: str, error: type[errors.CxEngageError]) -> None:
    mine = [r for r in logs.records if getattr(r, "request_id", None) == request_id]
    assert any(
        r.levelname == "WARNING" and r.getMessage().startswith(f"{error.__name__}: ") for r in mine
    ), [r.getMessage() for r in mine]
    # no traceback logged (django.template's DEBUG records of missing variables aside)
    assert not any(r.exc_info or r.exc_text for r in logs.records if r.levelno >= 30)


def _assert_upstream_quoted(logs, request_id: str, said: str) -> None:
    """The client's log line says what the upstream said, under the page's request id (the
    flagged scan reads in a worker thread that carries the same id)."""
    quoted = [
        r.getMessage()
        for r in logs.records
        if r.name == "interactions_app.cxengage.client" and "answered 503: " in r.getMessage()
    ]
    assert any(said in line for line in quoted), quoted
    mine = [
        r
        for r in logs.records
        if getattr(r, "request_id", None) == request_id and said in r.getMessage()
    ]
    assert mine, "the upstream's words are not logged under the page's request id"
    assert all(len(line.split("answered 503: ", 1)[1]) <= 260 for line in quoted)


def _assert_rendered(fault: Fault, page: PageCase, html: str, samples, logs) -> None:
    rows = re.findall(r'data-href="/interactions/([0-9a-f-]{36})/', html)
    if fault.name == "null-results-no-match":
        assert not rows
        if page.kind == "flagged":
            assert "Scanned the most recent <strong>0</strong> of <strong>0</strong>" in html
        else:
            assert "No interactions match." in html or 'class="empty"' in html
        return
    if fault.name == "bare-search-answer":
        assert len(set(rows)) == 1, rows  # the one match, as one row
        return
    if fault.name == "missing-total":  # no number is claimed that the upstream did not give
        assert rows, html[:2000]
        assert "did not say how many there are in all" in html
        if page.kind == "flagged":  # the scan read its whole depth, not just the first page
            depth = django_settings.CXENGAGE["FLAGGED_SCAN_DEPTH"]
            assert f"Scanned the most recent <strong>{depth:,}</strong> interactions" in html
        else:
            assert "</strong> of <strong>" not in html and 'aria-label="Last page"' not in html
            assert "Export every row as CSV" in html
        return
    if page.kind == "detail":
        assert f'<dd class="mono">{samples.interaction_id}</dd>' in html
        if fault.name == "huge-body-default-cap":  # the 21 MiB debugTrace is not echoed whole
            assert len(html) < 1_000_000
            assert "more characters not shown]" in html
        return
    if fault.name == "missing-fields" and page.kind != "flagged":
        assert not rows
        assert "could not be read (no usable interaction id)" in html
        return
    if page.kind == "flagged":
        assert "Scanned the most recent" in html
        unreadable = "could not be read (no usable interaction id) and are neither listed"
        assert (unreadable in html) == (fault.name == "missing-fields")
        return
    assert rows, html[:2000]
    if page.kind == "search":  # exactly the interactions the sandbox says carry the order
        assert samples.order_owners and set(rows) == samples.order_owners, rows
    if fault.name == "doubled-quote-quirk":
        assert any("doubled-quoted value(s); repaired" in r.getMessage() for r in logs.records)
        points = re.findall(r'<td class="hide-lg c-point" title="([^"]*)"', html)
        assert points and all(p and "&quot;" not in p for p in points), points


# --- credentials never leak --------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault", ["401-persistent", "500", "malformed-json", "huge-body-capped-5mb"]
)
def test_basic_auth_faults(fault, rel_api, watched, sup_client, samples, settings, endpoints):
    """The same faults with HTTP Basic credentials: friendly error, then recovery."""
    settings.CXENGAGE = {
        **settings.CXENGAGE,
        "API_KEY": None,
        "API_SECRET": None,
        "USERNAME": rel_api.BASIC_USER,
        "PASSWORD": rel_api.BASIC_PASSWORD,
    }
    spec = next(f for f in FAULTS if f.name == fault)
    _configure(settings, spec, endpoints)
    for page in (PAGES[0], PAGES[6]):
        services.tenant_get()
        rel_api.set_faults(**spec.sandbox)
        response = page_request(sup_client, page, samples)
        keep_response(f"basic {fault}/{page.name}", response)
        assert response.status_code == spec.error.status_code
        assert escape(spec.error.title) in response.content.decode()
        if spec.error is errors.Unauthorized:  # Basic auth: no token to renew, no second try
            assert rel_api.stats()["statuses"].get("401") == 1
        rel_api.reset()
        cache.clear()


def test_the_credential_check_finds_what_it_looks_for(sandbox):
    """The check each case runs after itself (``watched``) can fail: a token the sandbox issued,
    a Basic header's password, a bare Authorization value, each planted in one place."""
    login = {"username": sandbox.API_KEY, "password": sandbox.API_SECRET}
    issued = sandbox_call(sandbox, "POST", "/tokens", {**login, "tenantId": sandbox.TENANT_A})
    # the sandbox's tokens have no fixed prefix (secrets.token_urlsafe(24)): match exact values
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", issued["token"])
    basic = base64.b64encode(f"{sandbox.BASIC_USER}:{sandbox.BASIC_PASSWORD}".encode()).decode()
    corpus = Corpus()
    corpus.authorizations |= {f"Token {issued['token']}", f"Basic {basic}"}
    corpus.add("clean page", "<p>Reference 0123456789abcdef</p>")
    assert_no_credential(corpus)
    planted = {
        "token in a log line": f"retrying with {issued['token'][:20]}{issued['token'][20:]}",
        "password in a page": f"<p>{sandbox.BASIC_PASSWORD}</p>",
        "secret in the cache": f"key = {sandbox.API_SECRET!r}",
        "someone's header": "Authorization: Token abcdefghijklmnopqrstuvwxyz",
    }
    for where, text in planted.items():
        corpus.reset()
        corpus.authorizations |= {f"Token {issued['token']}", f"Basic {basic}"}
        corpus.add(where, text)
        with pytest.raises(AssertionError):
            assert_no_credential(corpus)
