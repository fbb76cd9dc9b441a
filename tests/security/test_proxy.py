"""Issue 16, points 1 and 10 in-process: the client address behind proxies (django-axes and the
audit log alike), the request id only from a trusted proxy, the session's age. The same through a
real gunicorn of the production profile: tests/prod/test_proxy_gunicorn.py.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.urls import reverse

from interactions_app.audit import audit_record
from interactions_app.models import AuditEvent
from interactions_app.proxy import client_ip

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"  # every request reaches the dashboard from the proxy
VICTIM = "203.0.113.20"
ATTACKER = "198.51.100.66"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- the client address -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, f"{VICTIM}", PROXY),  # no proxy configured: the header is the client's own words
        (1, f"{VICTIM}", VICTIM),
        (1, f"{VICTIM}, {ATTACKER}", ATTACKER),  # the client wrote the left entry
        (1, f"  {VICTIM} ,{ATTACKER}:51234 ", ATTACKER),  # port and spaces
        (2, f"{VICTIM}, {ATTACKER}, 10.0.0.9", ATTACKER),  # two proxies: second from the right
        (2, f"{ATTACKER}", ATTACKER),  # shorter than the chain: the first proxy's view
        (1, "[2001:DB8::1]:443", "2001:db8::1"),
        (1, "", PROXY),
        (1, "unknown", PROXY),  # not an address: the peer is the only certain one
    ],
)
def test_client_ip(rf: RequestFactory, settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_axes_and_the_audit_log_use_the_same_address():
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "interactions_app.proxy.client_ip"


def test_audit_event_records_the_forwarded_client(rf: RequestFactory, settings, supervisor):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{VICTIM}, {ATTACKER}")
    request.user = supervisor
    audit_record(request=request, action="search", query="kind=attribute-value&value=VIP")
    assert AuditEvent.objects.get().ip == ATTACKER


def _login(client: Client, username: str, password: str, forwarded: str):
    page = client.get(reverse("login"), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    token = _CSRF_INPUT.search(page.content.decode())[1]
    return client.post(
        reverse("login"),
        {"username": username, "password": password, "csrfmiddlewaretoken": token},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.parametrize("count", [0, 1])
def test_wrong_passwords_lock_only_their_own_client(settings, supervisor, count):
    """The attack: five wrong passwords for a colleague's username, sent through the proxy and
    claiming to come from the colleague's address. Behind a configured proxy only the attacker's
    address is locked; without DJANGO_PROXY_COUNT everyone is the proxy, as before (the header
    is not believed, so the lockout stays per proxy address)."""
    settings.TRUSTED_PROXY_COUNT = count
    attacker = Client(enforce_csrf_checks=True)
    spoofed = f"{VICTIM}, {ATTACKER}"  # the proxy appended the attacker's real address
    for n in range(5):
        _login(attacker, "sup", f"wrong-{n}", spoofed)
    locked = _login(attacker, "sup", "pw-for-tests-1", spoofed)
    assert locked.status_code == 429
    colleague = _login(Client(enforce_csrf_checks=True), "sup", "pw-for-tests-1", VICTIM)
    assert colleague.status_code == (302 if count else 429)


# --- the request id -----------------------------------------------------------------------------


def test_a_client_chosen_request_id_is_ignored_without_a_trusted_proxy(sup_client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    response = sup_client.get(reverse("healthz"), HTTP_X_REQUEST_ID="chosen-by-client-1")
    assert re.fullmatch(r"[0-9a-f]{16}", response["X-Request-ID"])


def test_the_proxys_request_id_is_kept(sup_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = sup_client.get(reverse("healthz"), HTTP_X_REQUEST_ID="set-by-proxy-0001")
    assert response["X-Request-ID"] == "set-by-proxy-0001"
    unsafe = sup_client.get(reverse("healthz"), HTTP_X_REQUEST_ID="bad id\nforged line")
    assert re.fullmatch(r"[0-9a-f]{16}", unsafe["X-Request-ID"])


# --- sessions -----------------------------------------------------------------------------------


def test_the_session_cookie_lasts_twelve_hours(client, supervisor):
    response = _login(Client(), "sup", "pw-for-tests-1", "")
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == 12 * 3600
