"""Issue 16, points 1 and 10 through a real gunicorn of the production profile, as a proxy would
reach it: every request comes from 127.0.0.1 (the "proxy") with ``X-Forwarded-For``.

With ``DJANGO_PROXY_COUNT=1`` (an instance of its own), five wrong passwords for a colleague's
username from one forwarded client do not lock out that username from another; the audit event,
django-axes' record and gunicorn's access line carry the forwarded address; the proxy's
``X-Request-ID`` is kept. With the default (0; instance A of the stack) the header is ignored:
everyone is the proxy, and a client's ``X-Request-ID`` is replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
import requests

from .conftest import LOOPBACK, Gunicorn, manage

VICTIM = "203.0.113.20"
ATTACKER = "198.51.100.66"
PASSWORD = "colleague-pw-2026-x"
SEARCH = "/interactions/search/?kind=attribute-value&value=VIP"


@dataclass
class Proxied:
    instance: Gunicorn
    database_url: str


@pytest.fixture(scope="module")
def proxied(prod_stack, tmp_path_factory) -> Iterator[Proxied]:
    """A third gunicorn of the stack, told that one proxy stands in front; two more users."""
    created = manage(
        prod_stack.env,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; U = get_user_model(); "
        f"[U.objects.create_user(n, password={PASSWORD!r}) "
        "for n in ('colleague-1', 'colleague-0')]",
    )
    assert created.returncode == 0, created.stderr
    env = {**prod_stack.env, "DJANGO_PROXY_COUNT": "1", "WEB_CONCURRENCY": "1"}
    log = tmp_path_factory.mktemp("proxied") / "gunicorn-proxied.log"
    instance = Gunicorn("proxied", env, log).start()
    try:
        yield Proxied(instance, prod_stack.database_url)
    finally:
        instance.stop()


def log_in(instance: Gunicorn, username: str, password: str, forwarded: str) -> requests.Response:
    """The login form, GET then POST, both through the "proxy" with this X-Forwarded-For."""
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": forwarded}
    page = requests.get(instance.root + "/login/", headers=headers, proxies=LOOPBACK, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    origin = f"https://127.0.0.1:{instance.port}"
    return requests.post(
        instance.root + "/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={
            **headers,
            "Origin": origin,
            "Referer": origin + "/login/",
            "Cookie": f"csrftoken={page.cookies['csrftoken']}",
        },
        proxies=LOOPBACK,
        timeout=30,
        allow_redirects=False,
    )


def query(database_url: str, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(database_url, connect_timeout=3) as conn:
        return conn.execute(sql, params).fetchall()


def test_a_lockout_behind_the_proxy_is_per_client(proxied):
    spoofed = f"{VICTIM}, {ATTACKER}"  # the attacker claims the victim's address; the proxy
    for n in range(5):  # appends the attacker's real one
        assert log_in(proxied.instance, "colleague-1", f"wrong-{n}", spoofed).status_code in (
            200,
            429,
        )
    assert log_in(proxied.instance, "colleague-1", PASSWORD, spoofed).status_code == 429

    colleague = log_in(proxied.instance, "colleague-1", PASSWORD, VICTIM)
    assert colleague.status_code == 302, colleague.text[:300]
    attempts = query(
        proxied.database_url,
        "SELECT host(ip_address) FROM axes_accessattempt WHERE username = %s",
        "colleague-1",
    )
    assert attempts == [(ATTACKER,)]

    # the colleague's reads are audited with their address and the proxy's request id
    session = colleague.cookies["sessionid"]
    read = proxied.instance.get(
        SEARCH,
        headers={
            "Cookie": f"sessionid={session}",
            "X-Forwarded-For": VICTIM,
            "X-Request-ID": "proxy-req-000001",
        },
    )
    assert read.status_code == 200
    assert read.headers["X-Request-ID"] == "proxy-req-000001"
    events = query(
        proxied.database_url,
        "SELECT username, host(ip) FROM interactions_app_auditevent WHERE request_id = %s",
        "proxy-req-000001",
    )
    assert events == [("colleague-1", VICTIM)]
    lines = [line for line in proxied.instance.output().splitlines() if "proxy-req-000001" in line]
    assert lines and f"client={VICTIM} " in lines[-1], lines


def test_without_proxy_count_the_header_is_ignored(proxied, prod_stack):
    """Instance A runs with the default (0): the X-Forwarded-For header is the client's own word."""
    a = prod_stack.a
    for n in range(5):
        log_in(a, "colleague-0", f"wrong-{n}", ATTACKER)
    # "another client" is still the proxy's address: the username is locked for everyone
    assert log_in(a, "colleague-0", PASSWORD, VICTIM).status_code == 429
    attempts = query(
        prod_stack.database_url,
        "SELECT host(ip_address) FROM axes_accessattempt WHERE username = %s",
        "colleague-0",
    )
    assert attempts == [("127.0.0.1",)]

    read = a.get(SEARCH, headers={"X-Forwarded-For": VICTIM, "X-Request-ID": "client-chosen-01"})
    assert read.status_code == 200
    minted = read.headers["X-Request-ID"]
    assert minted != "client-chosen-01" and re.fullmatch(r"[0-9a-f]{16}", minted)
    events = query(
        prod_stack.database_url,
        "SELECT host(ip) FROM interactions_app_auditevent WHERE request_id = %s",
        minted,
    )
    assert events == [("127.0.0.1",)]
