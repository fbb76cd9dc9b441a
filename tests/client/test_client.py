"""CxEngageClient at the HTTP boundary: ``responses`` for most cases, a tiny real server on
127.0.0.1 where only urllib3 itself shows the behaviour (Retry-After sleeps, timeouts, chunked
bodies). Nothing here contacts anything but 127.0.0.1.

Every error raised is checked for leaked credentials, and every log record of the module
(urllib3 included, at DEBUG) is checked after each test.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import logging
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from responses import matchers

from interactions_app.cxengage import errors
from interactions_app.cxengage.client import ClientConfig, CxEngageClient
from interactions_app.cxengage.models import Interaction, Page

# Port 9 (discard) on loopback: even a request that escaped the mock could not leave the host.
API = "http://127.0.0.1:9/v1"
TENANT = "5b1c3f7e-2a4d-4e8b-9c61-0f3a7d2e9b14"
LIST_URL = f"{API}/tenants/{TENANT}/interactions"
TOKEN_URL = f"{API}/tokens"

KEY = "dash-api-key-id"
SECRET = "S3cret-api-SECRET-value-9f2"
USERNAME = "supervisor@example.com"
PASSWORD = "Pa55-word-PASSWORD-value-1c"
TOKEN = "tok-ACCESS-TOKEN-value-7d41"
OTHER_TOKEN = "tok-RENEWED-TOKEN-value-2b93"
BASIC = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
SECRETS = (SECRET, PASSWORD, TOKEN, OTHER_TOKEN, BASIC)

from tests.support.reference import reference_sample  # noqa: E402

INTERACTION_ID = "b2109780-db83-11e7-9709-c2b07aa3bee9"


LIST_SAMPLE = reference_sample("list-interactions.txt")
GET_SAMPLE = reference_sample("get-interaction.txt")


def small_list(*results: dict) -> dict:
    return {"total": len(results), "limit": 10, "offset": 0, "results": list(results)}


def one_result(interaction_id: str = INTERACTION_ID) -> dict:
    return {"interactionId": interaction_id, "channelType": "voice"}


# --- fixtures and helpers ---------------------------------------------------------------------


def make_config(**overrides) -> ClientConfig:
    values = {
        "api_url": API,
        "tenant_id": TENANT,
        "api_key": KEY,
        "api_secret": SECRET,
        "connect_timeout": 0.5,
        "read_timeout": 0.5,
        "retries": 2,
        "max_retry_after": 0.05,
    }
    values.update(overrides)
    return ClientConfig(**values)


@pytest.fixture(autouse=True)
def no_secrets_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")
    caplog.set_level(logging.DEBUG, logger="interactions_app")
    yield
    for record in caplog.records:
        text = f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        for secret in SECRETS:
            assert secret not in text, f"a credential leaked into the log: {record.name}"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client() -> Iterator[CxEngageClient]:
    instance = CxEngageClient(make_config())
    yield instance
    instance.close()


# POST /v1/tokens as the real API takes it (Pearson-ICC/CxAdmin httpclient.py getToken)
TOKEN_BODY = {"username": KEY, "password": SECRET, "tenantId": TENANT}


def add_token(rsps: responses.RequestsMock, token: str = TOKEN, expires_in: float = 3600) -> None:
    rsps.post(
        TOKEN_URL,
        json={"token": token, "expiresIn": expires_in},
        match=[matchers.json_params_matcher(TOKEN_BODY)],
    )


def calls_to(rsps: responses.RequestsMock, method: str, url_prefix: str) -> int:
    return sum(
        1
        for call in rsps.calls
        if call.request.method == method and call.request.url.startswith(url_prefix)
    )


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


@contextmanager
def raises_clean(
    exc_type: type[errors.CxEngageError], client: CxEngageClient
) -> Iterator[pytest.ExceptionInfo]:
    """pytest.raises that also checks the error and the config for credentials."""
    with pytest.raises(exc_type) as info:
        yield info
    exc = info.value
    assert_no_secrets(
        str(exc),
        repr(exc),
        exc.detail,
        "".join(traceback.format_exception(exc)),
        repr(client.config),
        str(client.config),
    )


# --- configuration ----------------------------------------------------------------------------


def test_config_repr_hides_every_credential() -> None:
    for config in (make_config(), make_config(username=USERNAME, password=PASSWORD)):
        assert TENANT in repr(config)
        assert_no_secrets(repr(config), str(config), f"{config}")


def test_client_requires_a_complete_credential_pair() -> None:
    with pytest.raises(ValueError):
        CxEngageClient(make_config(api_secret=None))
    with pytest.raises(ValueError):
        CxEngageClient(make_config(api_key=None, api_secret=None, username=USERNAME))


# --- request encoding -------------------------------------------------------------------------


def test_list_parameters_are_encoded_exactly(rsps, client) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, json=small_list(one_result()))
    eastern = ZoneInfo("US/Eastern")
    client.list_interactions(
        limit=50,
        offset=100,
        start=datetime(2026, 11, 24, 7, 0, tzinfo=eastern),  # EST: 12:00 UTC
        end=datetime(2026, 11, 24, 13, 30, 0, 250999, tzinfo=UTC),
        attribute_values=["VIP", "a&limit=5", "x%26y"],
        hook_names=["line\nbreak", "ORD-1 #2"],
    )
    get = next(c.request for c in rsps.calls if c.request.method == "GET")
    url = urlsplit(get.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == LIST_URL
    assert parse_qsl(url.query, keep_blank_values=True, strict_parsing=True) == [
        ("limit", "50"),
        ("offset", "100"),
        ("start", "2026-11-24T12:00:00.000Z"),
        ("end", "2026-11-24T13:30:00.250Z"),
        ("attribute-value", "VIP"),
        ("attribute-value", "a&limit=5"),
        ("attribute-value", "x%26y"),
        ("hook-name", "line\nbreak"),
        ("hook-name", "ORD-1 #2"),
    ]
    # the smuggling attempts travel percent-encoded, as single values
    assert "attribute-value=a%26limit%3D5" in url.query
    assert "attribute-value=x%2526y" in url.query
    assert "hook-name=line%0Abreak" in url.query
    assert url.fragment == ""
    assert url.query.count("limit=") == 1


def test_list_parameters_match_with_query_param_matcher(rsps, client) -> None:
    add_token(rsps)
    rsps.get(
        LIST_URL,
        json=small_list(one_result()),
        match=[
            matchers.query_param_matcher(
                {
                    "limit": "10",
                    "offset": "0",
                    "attribute-value": ["VIP", "a&limit=5"],
                    "hook-name": "h",
                }
            )
        ],
    )
    page = client.list_interactions(
        limit=10, attribute_values=["VIP", "a&limit=5"], hook_names=["h"]
    )
    assert [item.id for item in page.items] == [INTERACTION_ID]


def test_naive_datetimes_are_read_as_utc(rsps, client, monkeypatch) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, json=small_list())
    monkeypatch.setenv("TZ", "America/New_York")  # not the process's local time
    time.tzset()
    try:
        client.list_interactions(limit=10, start=datetime(2026, 11, 24, 12, 0))
    finally:
        monkeypatch.undo()
        time.tzset()
    get = next(c.request for c in rsps.calls if c.request.method == "GET")
    assert ("start", "2026-11-24T12:00:00.000Z") in parse_qsl(urlsplit(get.url).query)


@pytest.mark.parametrize("limit", [0, 1001, -5])
def test_limit_outside_the_api_range_is_refused_before_any_request(rsps, client, limit) -> None:
    with pytest.raises(ValueError):
        client.list_interactions(limit=limit)
    assert len(rsps.calls) == 0


def test_interaction_id_stays_one_path_segment(rsps, client) -> None:
    add_token(rsps)
    hostile = "../x?limit=5#frag"
    rsps.get(f"{LIST_URL}/..%2Fx%3Flimit%3D5%23frag", json=one_result())
    interaction = client.get_interaction(hostile)
    get = next(c.request for c in rsps.calls if c.request.method == "GET")
    url = urlsplit(get.url)
    assert url.path == f"/v1/tenants/{TENANT}/interactions/..%2Fx%3Flimit%3D5%23frag"
    assert url.query == ""
    assert url.fragment == ""
    assert interaction.id == INTERACTION_ID


# --- token auth -------------------------------------------------------------------------------


def test_token_is_fetched_once_and_reused(rsps, client) -> None:
    add_token(rsps)
    rsps.get(
        LIST_URL,
        json=small_list(one_result()),
        match=[matchers.header_matcher({"Authorization": f"Token {TOKEN}"})],
    )
    rsps.get(
        f"{LIST_URL}/{INTERACTION_ID}",
        json=json.loads(GET_SAMPLE),
        match=[matchers.header_matcher({"Authorization": f"Token {TOKEN}"})],
    )
    client.list_interactions(limit=10)
    client.list_interactions(limit=10, offset=10)
    client.get_interaction(INTERACTION_ID)
    assert calls_to(rsps, "POST", TOKEN_URL) == 1
    assert calls_to(rsps, "GET", LIST_URL) == 3
    post = rsps.calls[0].request
    assert json.loads(post.body) == {"username": KEY, "password": SECRET, "tenantId": TENANT}
    assert "Authorization" not in post.headers


@pytest.mark.parametrize(
    ("answer", "lifetime"),
    [
        pytest.param({"ttl": 120}, 120.0, id="ttl"),
        pytest.param({"expiresIn": 45.5}, 45.5, id="expiresIn"),
        pytest.param({"ttl": 90, "expiresIn": 30}, 90.0, id="ttl-first"),
        pytest.param({}, 300.0, id="only-a-token"),
        pytest.param({"ttl": "soon", "expiresIn": -5}, 300.0, id="junk"),
        pytest.param({"ttl": True}, 300.0, id="bool-is-not-a-number"),
        # an unusable expiresIn alone: the default lifetime, never that value
        pytest.param({"expiresIn": "3600"}, 300.0, id="expiresIn-a-string"),
        pytest.param({"expiresIn": 0}, 300.0, id="expiresIn-zero"),
        pytest.param({"expiresIn": -5}, 300.0, id="expiresIn-negative"),
        pytest.param({"expiresIn": 1e12}, 300.0, id="expiresIn-beyond-any-lifetime"),
        pytest.param({"expiresIn": None}, 300.0, id="expiresIn-null"),
        pytest.param({"expiresIn": False}, 300.0, id="expiresIn-false"),
    ],
)
def test_token_lifetime_comes_from_the_answer_or_a_safe_default(
    rsps, client, monkeypatch, answer, lifetime
) -> None:
    rsps.post(TOKEN_URL, json={"token": TOKEN, **answer})
    rsps.get(LIST_URL, json=small_list())
    now = [1000.0]
    monkeypatch.setattr("interactions_app.cxengage.client.time.monotonic", lambda: now[0])
    client.list_interactions(limit=10)
    # renewed a little early, never later than the lifetime it was given
    renew_at = client._token_expires - 1000.0
    assert renew_at == pytest.approx(max(lifetime * 0.9, lifetime - 30))
    now[0] += renew_at - 0.01
    client.list_interactions(limit=10)
    assert calls_to(rsps, "POST", TOKEN_URL) == 1
    now[0] += 0.02
    client.list_interactions(limit=10)
    assert calls_to(rsps, "POST", TOKEN_URL) == 2


def test_token_is_renewed_once_it_expires(rsps, client) -> None:
    rsps.post(TOKEN_URL, json={"token": TOKEN, "expiresIn": 0.05})
    rsps.post(TOKEN_URL, json={"token": OTHER_TOKEN, "expiresIn": 3600})
    rsps.get(
        LIST_URL,
        json=small_list(),
        match=[matchers.header_matcher({"Authorization": f"Token {TOKEN}"})],
    )
    rsps.get(
        LIST_URL,
        json=small_list(),
        match=[matchers.header_matcher({"Authorization": f"Token {OTHER_TOKEN}"})],
    )
    client.list_interactions(limit=10)
    time.sleep(0.1)
    client.list_interactions(limit=10)
    assert calls_to(rsps, "POST", TOKEN_URL) == 2
    assert [
        c.request.headers["Authorization"] for c in rsps.calls if c.request.method == "GET"
    ] == [
        f"Token {TOKEN}",
        f"Token {OTHER_TOKEN}",
    ]


def test_expired_token_gets_exactly_one_reauthentication(rsps, client) -> None:
    add_token(rsps, TOKEN)
    add_token(rsps, OTHER_TOKEN)
    rsps.get(
        LIST_URL,
        status=401,
        json={"error": "token expired"},
        match=[matchers.header_matcher({"Authorization": f"Token {TOKEN}"})],
    )
    rsps.get(
        LIST_URL,
        json=small_list(one_result()),
        match=[matchers.header_matcher({"Authorization": f"Token {OTHER_TOKEN}"})],
    )
    page = client.list_interactions(limit=10)
    assert [item.id for item in page.items] == [INTERACTION_ID]
    assert calls_to(rsps, "POST", TOKEN_URL) == 2
    assert calls_to(rsps, "GET", LIST_URL) == 2


def test_401_twice_is_unauthorized(rsps, client) -> None:
    add_token(rsps, TOKEN)
    add_token(rsps, OTHER_TOKEN)
    rsps.get(LIST_URL, status=401)
    with raises_clean(errors.Unauthorized, client) as info:
        client.list_interactions(limit=10)
    assert info.value.upstream_status == 401
    assert calls_to(rsps, "POST", TOKEN_URL) == 2
    assert calls_to(rsps, "GET", LIST_URL) == 2


@pytest.mark.parametrize("status", [400, 401, 403])
def test_token_endpoint_rejection_is_unauthorized(rsps, client, status) -> None:
    rsps.post(TOKEN_URL, status=status, json={"message": f"bad key {SECRET}"})
    rsps.get(LIST_URL, json=small_list())
    with raises_clean(errors.Unauthorized, client) as info:
        client.list_interactions(limit=10)
    assert info.value.upstream_status == status
    assert calls_to(rsps, "GET", LIST_URL) == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({"token": ""}, errors.BadResponse, id="empty-token"),
        pytest.param({"expiresIn": 30}, errors.BadResponse, id="no-token"),
        pytest.param(f'{{"token": "{TOKEN}"', errors.BadResponse, id="truncated-json"),
    ],
)
def test_unusable_token_response_is_bad_response(rsps, client, body, expected) -> None:
    if isinstance(body, dict):
        rsps.post(TOKEN_URL, json=body)
    else:
        rsps.post(TOKEN_URL, body=body, content_type="application/json")
    with raises_clean(expected, client):
        client.list_interactions(limit=10)
    assert calls_to(rsps, "GET", LIST_URL) == 0


def test_token_endpoint_unreachable(rsps, client) -> None:
    rsps.post(TOKEN_URL, body=requests.ConnectionError("refused"))
    with raises_clean(errors.UpstreamUnreachable, client):
        client.list_interactions(limit=10)


def test_token_endpoint_server_error(rsps, client) -> None:
    rsps.post(TOKEN_URL, status=500, body="oops")
    with raises_clean(errors.UpstreamServerError, client) as info:
        client.list_interactions(limit=10)
    assert info.value.upstream_status == 500


def test_basic_auth_header_when_configured_with_username(rsps) -> None:
    client = CxEngageClient(
        make_config(api_key=None, api_secret=None, username=USERNAME, password=PASSWORD)
    )
    rsps.get(
        LIST_URL,
        json=small_list(one_result()),
        match=[matchers.header_matcher({"Authorization": f"Basic {BASIC}"})],
    )
    page = client.list_interactions(limit=10)
    assert len(page.items) == 1
    assert calls_to(rsps, "POST", TOKEN_URL) == 0


def test_basic_auth_401_is_unauthorized_without_retrying(rsps) -> None:
    client = CxEngageClient(
        make_config(api_key=None, api_secret=None, username=USERNAME, password=PASSWORD)
    )
    rsps.get(LIST_URL, status=401)
    with raises_clean(errors.Unauthorized, client):
        client.list_interactions(limit=10)
    assert calls_to(rsps, "GET", LIST_URL) == 1
    assert calls_to(rsps, "POST", TOKEN_URL) == 0


# --- status mapping and retries ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [(400, errors.BadRequest), (403, errors.Forbidden), (404, errors.NotFound)],
)
def test_client_errors_map_to_their_type_without_retry(rsps, client, status, expected) -> None:
    add_token(rsps)
    rsps.get(f"{LIST_URL}/{INTERACTION_ID}", status=status, json={"message": "no"})
    with raises_clean(expected, client) as info:
        client.get_interaction(INTERACTION_ID)
    assert type(info.value) is expected
    assert info.value.upstream_status == status
    assert calls_to(rsps, "GET", LIST_URL) == 1


def test_429_beyond_the_cap_is_not_retried_and_says_when(rsps, client) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, status=429, headers={"Retry-After": "60"})
    with raises_clean(errors.RateLimited, client) as info:
        client.list_interactions(limit=10)
    assert calls_to(rsps, "GET", LIST_URL) == 1
    assert info.value.retry_after == 60.0
    assert info.value.upstream_status == 429


def test_429_without_retry_after_is_not_retried(rsps, client) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, status=429)
    with raises_clean(errors.RateLimited, client) as info:
        client.list_interactions(limit=10)
    assert calls_to(rsps, "GET", LIST_URL) == 1
    assert info.value.retry_after is None


def test_429_within_the_cap_is_retried_exactly_once(rsps, client) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, status=429, headers={"Retry-After": "0"})
    with raises_clean(errors.RateLimited, client):
        client.list_interactions(limit=10)
    assert client.config.retries == 2  # more retries allowed, yet a 429 gets only one
    assert calls_to(rsps, "GET", LIST_URL) == 2


def test_429_within_the_cap_then_success_recovers(rsps, client) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, status=429, headers={"Retry-After": "0"})
    rsps.get(LIST_URL, json=small_list(one_result()))
    assert [i.id for i in client.list_interactions(limit=10).items] == [INTERACTION_ID]
    assert calls_to(rsps, "GET", LIST_URL) == 2


def test_503_is_retried_whatever_its_retry_after_says(rsps, client) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, status=503, headers={"Retry-After": "120"})
    with raises_clean(errors.UpstreamServerError, client):
        client.list_interactions(limit=10)
    assert calls_to(rsps, "GET", LIST_URL) == client.config.retries + 1 == 3


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("0", 0.0),
        (" 7 ", 7.0),
        ("2.5", None),  # not delta-seconds (RFC 9110: digits only)
        ("soon", None),
        ("inf", None),
        ("nan", None),
        ("-5", None),
        ("99999999999999999999", 21600.0),  # urllib3 caps what it reads at six hours
        ("Mon, 01 Jan 99999 00:00:00 GMT", None),
    ],
)
def test_rate_limited_retry_after_parsing(rsps, client, header, expected) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, status=429, headers={"Retry-After": header})
    with raises_clean(errors.RateLimited, client) as info:
        client.list_interactions(limit=10)
    assert info.value.retry_after == expected


def test_rate_limited_retry_after_http_date(rsps, client) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, status=429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    with raises_clean(errors.RateLimited, client) as info:
        client.list_interactions(limit=10)
    assert info.value.retry_after == 0.0  # a date in the past: retry now


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_then_upstream_server_error(rsps, client, status) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, status=status, body="<html>upstream broke</html>")
    with raises_clean(errors.UpstreamServerError, client) as info:
        client.list_interactions(limit=10)
    assert info.value.upstream_status == status
    assert calls_to(rsps, "GET", LIST_URL) == 3


def test_server_error_then_success_recovers(rsps, client) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, status=503)
    rsps.get(LIST_URL, json=small_list(one_result()))
    page = client.list_interactions(limit=10)
    assert [item.id for item in page.items] == [INTERACTION_ID]
    assert calls_to(rsps, "GET", LIST_URL) == 2


def test_retries_zero_means_a_single_attempt(rsps) -> None:
    client = CxEngageClient(make_config(retries=0))
    add_token(rsps)
    rsps.get(LIST_URL, status=503)
    with raises_clean(errors.UpstreamServerError, client):
        client.list_interactions(limit=10)
    assert calls_to(rsps, "GET", LIST_URL) == 1


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (requests.ConnectionError("connection refused"), errors.UpstreamUnreachable),
        (requests.ConnectTimeout("connect timed out"), errors.UpstreamTimeout),
        (requests.ReadTimeout("read timed out"), errors.UpstreamTimeout),
    ],
    ids=["connection-error", "connect-timeout", "read-timeout"],
)
def test_transport_failures_map_to_errors(rsps, client, raised, expected) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, body=raised)
    with raises_clean(expected, client) as info:
        client.list_interactions(limit=10)
    assert type(info.value) is expected


# --- bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"results": [', id="malformed"),
        pytest.param("", id="empty"),
        pytest.param("   \n", id="whitespace"),
        pytest.param("<!doctype html><html><body>Gateway</body></html>", id="html"),
        pytest.param(f'[{{"interactionId": "{INTERACTION_ID}"}}]', id="list-not-object"),
        pytest.param("{}", id="empty-object"),  # not a one-row answer: no interaction in it
        pytest.param('{"total": 3}', id="no-results"),
        pytest.param('{"results": {"interactionId": "x"}}', id="results-not-list"),
    ],
)
def test_unreadable_list_bodies_are_bad_response(rsps, client, body) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, body=body, content_type="application/json")
    with raises_clean(errors.BadResponse, client):
        client.list_interactions(limit=10)


@pytest.mark.parametrize("body", ["[]", '"just a string"', "42"])
def test_interaction_body_not_an_object_is_bad_response(rsps, client, body) -> None:
    add_token(rsps)
    rsps.get(f"{LIST_URL}/{INTERACTION_ID}", body=body, content_type="application/json")
    with raises_clean(errors.BadResponse, client):
        client.get_interaction(INTERACTION_ID)


def test_reference_list_with_doubled_quotes_parses(rsps, client) -> None:
    assert '""+15553005555""' in LIST_SAMPLE
    add_token(rsps)
    rsps.get(LIST_URL, body=LIST_SAMPLE, content_type="application/json")
    page = client.list_interactions(limit=10)
    assert isinstance(page, Page)
    assert page.total == 127
    assert len(page.items) == 4
    assert page.items[2].contact_point == "+15553005555"
    assert page.items[2].flagged is True


def test_reference_get_interaction_parses(rsps, client) -> None:
    add_token(rsps)
    rsps.get(f"{LIST_URL}/{INTERACTION_ID}", body=GET_SAMPLE, content_type="application/json")
    interaction = client.get_interaction(INTERACTION_ID)
    assert isinstance(interaction, Interaction)
    assert interaction.id == INTERACTION_ID
    assert interaction.flow_name == "Basic Flow"
    assert interaction.data_complete is True


def test_declared_content_length_over_the_cap_is_refused(rsps) -> None:
    client = CxEngageClient(make_config(max_response_bytes=1000))
    add_token(rsps)
    body = json.dumps(small_list(one_result())) + " " * 1500
    rsps.get(LIST_URL, body=body, auto_calculate_content_length=True)
    with raises_clean(errors.BadResponse, client) as info:
        client.list_interactions(limit=10)
    assert f"{len(body)} bytes" in info.value.detail


def test_streamed_body_over_the_cap_is_refused(rsps) -> None:
    client = CxEngageClient(make_config(max_response_bytes=1000))
    add_token(rsps)
    body = json.dumps(small_list(one_result())) + " " * 1500
    rsps.get(LIST_URL, body=body)  # no Content-Length header
    with raises_clean(errors.BadResponse, client) as info:
        client.list_interactions(limit=10)
    assert "exceeds the 1000-byte cap" in info.value.detail


def test_token_response_over_the_cap_is_refused(rsps) -> None:
    client = CxEngageClient(make_config(max_response_bytes=1000))
    rsps.post(TOKEN_URL, body=json.dumps({"token": TOKEN, "expiresIn": 60}) + " " * 5000)
    with raises_clean(errors.BadResponse, client):
        client.list_interactions(limit=10)
    assert calls_to(rsps, "GET", LIST_URL) == 0


def test_body_exactly_at_the_cap_is_read(rsps) -> None:
    client = CxEngageClient(make_config(max_response_bytes=1000))
    add_token(rsps)
    body = json.dumps(small_list(one_result()))
    body += " " * (1000 - len(body))
    rsps.get(LIST_URL, body=body, auto_calculate_content_length=True)
    assert len(client.list_interactions(limit=10).items) == 1


def test_results_without_an_interaction_id_are_skipped_and_counted(rsps, client) -> None:
    add_token(rsps)
    body = {
        "total": 40,
        "results": [
            one_result(),
            {"channelType": "voice"},  # no id at all
            {"interactionId": None},
            {"interactionId": "not-a-uuid"},
            "a string where an object belongs",
            one_result("e6952d50-eca3-11e7-ba92-25b49e03c3e7"),
        ],
    }
    rsps.get(LIST_URL, json=body)
    page = client.list_interactions(limit=10)
    assert [item.id for item in page.items] == [
        INTERACTION_ID,
        "e6952d50-eca3-11e7-ba92-25b49e03c3e7",
    ]
    assert page.skipped == 4
    assert page.total == 40


def test_crm_record_filters_are_sent_as_the_api_names_them(rsps, client) -> None:
    add_token(rsps)
    rsps.get(
        LIST_URL,
        json=small_list(one_result()),
        match=[
            matchers.query_param_matcher(
                {
                    "limit": "10",
                    "offset": "0",
                    "hookType": "zendesk",
                    "hookSubType": "ticket",
                    "hookId": "415&limit=1",
                }
            )
        ],
    )
    page = client.list_interactions(
        limit=10, hook_type="zendesk", hook_sub_type="ticket", hook_id="415&limit=1"
    )
    assert [item.id for item in page.items] == [INTERACTION_ID]


def test_crm_record_filters_left_out_are_not_sent(rsps, client) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, json=small_list())
    client.list_interactions(limit=10, hook_type="zendesk", hook_sub_type="", hook_id=None)
    get = next(c.request for c in rsps.calls if c.request.method == "GET")
    names = [name for name, _ in parse_qsl(urlsplit(get.url).query)]
    assert names == ["limit", "offset", "hookType"]


# --- empty, bare and total-less answers -------------------------------------------------------


@pytest.mark.parametrize("offset", [0, 5000])
def test_null_results_are_an_empty_page(rsps, client, offset) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, json={"total": 127, "limit": 10, "offset": offset, "results": None})
    page = client.list_interactions(limit=10, offset=offset)
    assert page.items == ()
    assert page.total == 127
    assert page.total_known is True
    assert page.received == 0


def test_a_bare_interaction_answer_is_a_one_row_result(rsps, client) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, body=reference_sample("search-by-custom-attribute.txt"))
    page = client.list_interactions(limit=10, attribute_values=["valueOne"])
    assert page.bare is True
    assert [item.id for item in page.items] == ["c506eb9b-f523-4616-8839-fbce3fd89c17"]
    assert page.total == 1
    assert page.items[0].all_attributes  # the attributes of the match came with it


def test_a_missing_total_is_a_lower_bound(rsps, client) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, json={"limit": 10, "offset": 20, "results": [one_result()] * 10})
    page = client.list_interactions(limit=10, offset=20)
    assert page.total_known is False
    assert page.total == 30
    assert len(page.items) == 10


# --- what the upstream said, in the log -------------------------------------------------------

UPSTREAM_REQUEST_ID = "1-67a2f0c3-4d1e2b3a4c5d6e7f8a9b0c1d"


@pytest.mark.parametrize(
    ("body", "content_type", "said"),
    [
        pytest.param(
            {"error": "Request limit reached."}, None, "Request limit reached.", id="string"
        ),
        pytest.param(
            {"error": ["Invalid limit.", "Invalid offset."]},
            None,
            "Invalid limit.; Invalid offset.",
            id="array",
        ),
        pytest.param(
            {"error": {"code": 400, "message": "Bad query", "attribute": {"limit": ["too big"]}}},
            None,
            "400: Bad query (limit: too big)",
            id="code-message-attribute",
        ),
        pytest.param(
            {"error": {"code": 500, "body": {"errors": [{"code": 503, "title": "DB busy"}]}}},
            None,
            "503: DB busy",
            id="nested-body-errors",
        ),
        pytest.param(
            "<html><head><title>503 Service Temporarily Unavailable</title></head>"
            "<body><h1>503 Service Temporarily Unavailable</h1></body></html>",
            "text/html",
            "not JSON (text/html): 503 Service Temporarily Unavailable 503 Service",
            id="html-under-load",
        ),
        pytest.param({"message": "Too Many Requests"}, None, "Too Many Requests", id="gateway"),
    ],
)
def test_every_error_body_shape_is_logged_short_with_the_request_id(
    rsps, client, caplog, body, content_type, said
) -> None:
    add_token(rsps)
    headers = {"X-Amzn-RequestId": UPSTREAM_REQUEST_ID}
    if isinstance(body, dict):
        rsps.get(LIST_URL, status=503, json=body, headers=headers)
    else:
        rsps.get(LIST_URL, status=503, body=body, content_type=content_type, headers=headers)
    with raises_clean(errors.UpstreamServerError, client) as info:
        client.list_interactions(limit=10)
    [line] = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "answered 503" in r.getMessage()
    ]
    assert said in line
    assert f"(upstream request id {UPSTREAM_REQUEST_ID})" in line
    assert said in info.value.detail  # whoever logs the error logs what the upstream said
    assert info.value.message == errors.UpstreamServerError.message  # the page stays friendly


def test_error_bodies_are_cut_short_and_kept_on_one_line(rsps, client, caplog) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, status=502, json={"error": "line one\nline two\r\n" + "x" * 5000})
    with raises_clean(errors.UpstreamServerError, client):
        client.list_interactions(limit=10)
    [line] = [r.getMessage() for r in caplog.records if "answered 502" in r.getMessage()]
    said = line.split("answered 502: ", 1)[1]
    assert said.startswith("line one line two x")
    assert said.endswith("…") and len(said) == 200
    assert "\n" not in line and "\r" not in line


def test_error_bodies_echoing_credentials_are_scrubbed(rsps, client, caplog) -> None:
    add_token(rsps)
    echo = f"bad token {TOKEN} for key {KEY} (Authorization: Token {TOKEN}, Basic {BASIC})"
    rsps.get(LIST_URL, status=400, json={"error": {"code": 400, "message": echo}})
    with raises_clean(errors.BadRequest, client) as info:
        client.list_interactions(limit=10)
    assert KEY not in info.value.detail
    assert "[redacted]" in info.value.detail
    # the autouse log check fails the test if TOKEN, SECRET or BASIC reached a record


def test_token_rejection_logs_what_was_said_without_credentials(rsps, client, caplog) -> None:
    rsps.post(TOKEN_URL, status=401, json={"error": f"user {KEY} with password {SECRET} denied"})
    with raises_clean(errors.Unauthorized, client):
        client.list_interactions(limit=10)
    [line] = [r.getMessage() for r in caplog.records if "token request rejected" in r.getMessage()]
    assert "denied" in line and KEY not in line


# --- a real server on 127.0.0.1, for what only urllib3 does -----------------------------------

Step = Callable[[http.server.BaseHTTPRequestHandler], None]


class Upstream:
    """A scripted API: each GET takes the next step (the last one repeats); POST is /tokens."""

    def __init__(self, steps: list[Step]) -> None:
        self.steps = steps
        self.gets: list[str] = []
        self.posts = 0
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream.posts += 1
                send(self, 200, json.dumps({"token": TOKEN, "expiresIn": 3600}).encode())

            def do_GET(self) -> None:
                index = len(upstream.gets)
                upstream.gets.append(self.path)
                step = upstream.steps[min(index, len(upstream.steps) - 1)]
                with contextlib.suppress(OSError):  # the client gave up on us (timeouts)
                    step(self)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/v1"

    def __enter__(self) -> Upstream:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def send(handler, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def ok_list(handler) -> None:
    send(handler, 200, json.dumps(small_list(one_result())).encode())


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy from the environment may carry these requests off the host."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


def real_client(upstream: Upstream, **overrides) -> CxEngageClient:
    return CxEngageClient(make_config(api_url=upstream.url, **overrides))


@pytest.mark.usefixtures("loopback_only")
def test_real_503_retry_after_is_honoured_but_capped() -> None:
    def busy(handler) -> None:
        send(handler, 503, b"{}", {"Retry-After": "3"})

    with Upstream([busy, busy, ok_list]) as upstream:
        client = real_client(upstream)
        started = time.monotonic()
        page = client.list_interactions(limit=10)
        elapsed = time.monotonic() - started
        client.close()
    assert len(page.items) == 1
    assert len(upstream.gets) == 3
    assert upstream.posts == 1
    assert elapsed < 1.5  # two Retry-After: 3 sleeps, each capped at 0.05 s


@pytest.mark.usefixtures("loopback_only")
def test_real_429_retry_after_60_is_one_call_answered_at_once() -> None:
    """The issue's measurement: against ``429 Retry-After: 60`` one request used to make 3
    upstream calls in ~6 s (each Retry-After capped, then retried). Now: one call, at once."""

    def limited(handler) -> None:
        send(handler, 429, b'{"message": "slow down"}', {"Retry-After": "60"})

    with Upstream([limited]) as upstream:
        client = real_client(upstream, max_retry_after=3.0)
        started = time.monotonic()
        with raises_clean(errors.RateLimited, client) as info:
            client.list_interactions(limit=10, attribute_values=["a&limit=5"])
        elapsed = time.monotonic() - started
        client.close()
    assert len(upstream.gets) == 1
    assert info.value.retry_after == 60.0
    assert elapsed < 0.5
    query = parse_qsl(urlsplit(upstream.gets[0]).query)
    assert ("attribute-value", "a&limit=5") in query
    assert ("limit", "10") in query


@pytest.mark.usefixtures("loopback_only")
def test_real_429_within_the_cap_waits_then_retries_once() -> None:
    def limited(handler) -> None:
        send(handler, 429, b'{"message": "slow down"}', {"Retry-After": "1"})

    with Upstream([limited, ok_list]) as upstream:
        client = real_client(upstream, max_retry_after=1.5)
        started = time.monotonic()
        page = client.list_interactions(limit=10)
        elapsed = time.monotonic() - started
        client.close()
    assert len(page.items) == 1
    assert len(upstream.gets) == 2
    assert 0.9 < elapsed < 1.5  # it waited what the upstream asked, once


@pytest.mark.usefixtures("loopback_only")
def test_real_read_timeout_is_upstream_timeout_and_not_retried() -> None:
    def slow(handler) -> None:
        time.sleep(0.6)
        ok_list(handler)

    with Upstream([slow]) as upstream:
        client = real_client(upstream, read_timeout=0.2)
        with raises_clean(errors.UpstreamTimeout, client):
            client.list_interactions(limit=10)
        client.close()
    assert len(upstream.gets) == 1


@pytest.mark.usefixtures("loopback_only")
def test_real_stall_in_the_middle_of_the_body_is_upstream_timeout() -> None:
    def stall(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "5000")
        handler.end_headers()
        handler.wfile.write(b'{"results": [')
        handler.wfile.flush()
        time.sleep(0.6)

    with Upstream([stall]) as upstream:
        client = real_client(upstream, read_timeout=0.2)
        with raises_clean(errors.UpstreamTimeout, client):
            client.list_interactions(limit=10)
        client.close()


@pytest.mark.usefixtures("loopback_only")
def test_real_chunked_body_over_the_cap_is_refused() -> None:
    def chunked(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b" " * 4096
        for _ in range(16):
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        handler.wfile.write(b"0\r\n\r\n")

    with Upstream([chunked]) as upstream:
        client = real_client(upstream, max_response_bytes=10_000)
        with raises_clean(errors.BadResponse, client) as info:
            client.list_interactions(limit=10)
        client.close()
    assert "cap" in info.value.detail


@pytest.mark.usefixtures("loopback_only")
def test_real_connection_refused_is_unreachable() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = CxEngageClient(make_config(api_url=f"http://127.0.0.1:{port}/v1"))
    with raises_clean(errors.UpstreamUnreachable, client):
        client.list_interactions(limit=10)


@pytest.mark.usefixtures("loopback_only")
def test_real_token_auth_sends_token_header_and_no_credentials_in_the_url(caplog) -> None:
    seen: list[str] = []

    def record(handler) -> None:
        seen.append(handler.headers.get("Authorization", ""))
        ok_list(handler)

    with Upstream([record]) as upstream:
        client = real_client(upstream)
        client.list_interactions(limit=10)
        client.list_interactions(limit=10)
        client.close()
    assert seen == [f"Token {TOKEN}", f"Token {TOKEN}"]
    assert upstream.posts == 1
    assert_no_secrets(*upstream.gets)
    # the log check of this module really sees urllib3's DEBUG lines (not a vacuous check)
    assert any(r.name.startswith("urllib3") and r.levelno == logging.DEBUG for r in caplog.records)


# --- the per-process cap on calls in flight ---------------------------------------------------


class InFlight:
    """A GET step that counts how many requests the server holds at once."""

    def __init__(self, hold: float = 0.15) -> None:
        self.hold = hold
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, handler) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.hold)
        with self.lock:
            self.now -= 1
        ok_list(handler)


def _in_parallel(calls: list[Callable[[], object]]) -> list[object]:
    results: list[object] = [None] * len(calls)

    def run(n: int) -> None:
        try:
            results[n] = calls[n]()
        except Exception as exc:  # reported by the caller's asserts
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


@pytest.mark.usefixtures("loopback_only")
def test_calls_in_flight_are_capped_across_clients_with_the_same_settings() -> None:
    step = InFlight()
    with Upstream([step]) as upstream:
        first = real_client(upstream, max_concurrency=2, read_timeout=2.0)
        second = real_client(upstream, max_concurrency=2, read_timeout=2.0)  # a rebuilt client
        calls = [lambda c=c: c.list_interactions(limit=10) for c in (first, second) * 3]
        results = _in_parallel(calls)
        first.close()
        second.close()
    assert all(isinstance(r, Page) for r in results), results
    assert len(upstream.gets) == 6
    assert step.most == 2


@pytest.mark.usefixtures("loopback_only")
def test_a_client_with_another_cap_does_not_share_the_old_one() -> None:
    step = InFlight()
    with Upstream([step]) as upstream:
        old = real_client(upstream, max_concurrency=1, read_timeout=2.0)
        new = real_client(upstream, max_concurrency=3, read_timeout=2.0)
        assert old._slots is not new._slots
        results = _in_parallel([lambda: new.list_interactions(limit=10)] * 3)
        old.close()
        new.close()
    assert all(isinstance(r, Page) for r in results), results
    assert step.most == 3


def test_waiting_for_a_slot_is_bounded_and_friendly(rsps) -> None:
    client = CxEngageClient(make_config(max_concurrency=1, connect_timeout=0.05, read_timeout=0.1))
    add_token(rsps)
    rsps.get(LIST_URL, json=small_list())
    assert client._slots.acquire(timeout=1)  # every slot busy elsewhere
    try:
        started = time.monotonic()
        with raises_clean(errors.UpstreamTimeout, client) as info:
            client.list_interactions(limit=10)
        assert time.monotonic() - started < 1.0
        assert "slots stayed busy" in info.value.detail
        assert calls_to(rsps, "GET", LIST_URL) == 0
    finally:
        client._slots.release()
    client.list_interactions(limit=10)  # free again, it goes through


def test_a_failed_call_gives_its_slot_back(rsps) -> None:
    client = CxEngageClient(
        make_config(max_concurrency=1, retries=0, connect_timeout=0.05, read_timeout=0.1)
    )
    add_token(rsps)
    rsps.get(LIST_URL, status=500)
    rsps.get(LIST_URL, body=requests.ConnectionError("refused"))
    rsps.get(LIST_URL, json=small_list(one_result()))
    with raises_clean(errors.UpstreamServerError, client):
        client.list_interactions(limit=10)
    with raises_clean(errors.UpstreamUnreachable, client):
        client.list_interactions(limit=10)
    assert len(client.list_interactions(limit=10).items) == 1


# --- two requests re-authenticating at the same moment ------------------------------------------


class TokenRace:
    """An API whose first token has just expired, under two requests at once.

    Both requests arrive with the old token and both are answered 401; the second 401 is held
    back until the first request has come back with its new token, so the second request sees
    its 401 only after the first has logged in again. POST /tokens hands out ``TOKEN`` first,
    then ``OTHER_TOKEN``.
    """

    def __init__(self) -> None:
        self.posts = 0
        self.old_gets = 0
        self.both_arrived = threading.Event()
        self.renewed_get = threading.Event()
        self.lock = threading.Lock()
        race = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with race.lock:
                    race.posts += 1
                    token = TOKEN if race.posts == 1 else OTHER_TOKEN
                send(self, 200, json.dumps({"token": token, "expiresIn": 3600}).encode())

            def do_GET(self) -> None:
                if self.headers.get("Authorization") == f"Token {OTHER_TOKEN}":
                    race.renewed_get.set()
                    ok_list(self)
                    return
                with race.lock:
                    race.old_gets += 1
                    second = race.old_gets == 2
                if second:
                    race.both_arrived.set()
                    race.renewed_get.wait(5)  # the first request has its new token by now
                else:
                    race.both_arrived.wait(5)
                send(self, 401, b'{"message": "token expired"}')

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"

    def __enter__(self) -> TokenRace:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.usefixtures("loopback_only")
def test_two_401s_at_once_log_in_again_once() -> None:
    with TokenRace() as race:
        client = CxEngageClient(make_config(api_url=race.url, read_timeout=5.0))
        client._current_token()  # the token both requests are about to be refused with
        assert race.posts == 1
        results = _in_parallel([lambda: client.list_interactions(limit=10)] * 2)
        client.close()
    assert all(isinstance(r, Page) for r in results), results
    assert race.old_gets == 2 and race.renewed_get.is_set()
    assert race.posts == 2  # one re-login, its token reused by the second request
    assert client._token == OTHER_TOKEN
