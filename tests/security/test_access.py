"""Access control: every URL needs a login, POSTs need a CSRF token, wrong passwords lock out."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.urlwalk import ConcreteUrl, concrete_urls

pytestmark = pytest.mark.django_db

URLS = concrete_urls()
# Reachable anonymously on purpose: the two login pages, logout (POST only), the health check.
# Static files are served by WhiteNoise in front of the URLconf, so they have no pattern here.
PUBLIC = {"login", "logout", "admin:login", "admin:logout", "healthz"}
EXPECTED_MIN_PATTERNS = 50  # 56 with Django 5.2's admin, axes and the audit log registered

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _checked() -> list[ConcreteUrl]:
    return [u for u in URLS if u.name not in PUBLIC]


def test_every_url_pattern_is_covered():
    names = {u.name for u in URLS}
    assert {"interactions:list", "interactions:detail", "admin:index"} <= names
    assert names >= PUBLIC, f"allow-listed names that no longer exist: {PUBLIC - names}"
    assert len(URLS) >= EXPECTED_MIN_PATTERNS
    print(f"\nURL patterns: {len(URLS)}, checked anonymously: {len(_checked())}")


@pytest.mark.parametrize("target", _checked(), ids=lambda u: u.url)
def test_anonymous_request_is_sent_to_login(client: Client, target: ConcreteUrl):
    response = client.get(target.url)
    assert response.status_code == 302, f"{target.url} ({target.route}) answered anonymously"
    location = urlsplit(response["Location"])
    if target.url.startswith("/admin/"):
        # AdminSite views carry ``login_url`` for LoginRequiredMiddleware and go to the admin's
        # login; ModelAdmin views (changelists, change forms...) do not, so Django sends them to
        # settings.LOGIN_URL. Either is a login page that refuses non-staff afterwards.
        logins = {reverse("admin:login"), reverse("login")}
    else:
        logins = {reverse("login")}
    assert location.path in logins, f"{target.url} redirects to {response['Location']}"
    assert parse_qs(location.query).get("next") == [target.url]


def test_public_urls_really_are_public(client: Client):
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("admin:login")).status_code == 200
    # logout is POST-only: an anonymous GET is sent to the login page like any other URL
    assert client.get(reverse("logout")).status_code in (302, 405)


# --- CSRF ----------------------------------------------------------------------------------


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def _token(client: Client, url: str) -> str:
    page = client.get(url)
    match = _CSRF_INPUT.search(page.content.decode())
    assert match, f"no CSRF token in the form at {url}"
    return match[1]


@pytest.mark.parametrize("target", URLS, ids=lambda u: u.url)
def test_post_without_csrf_token_is_refused_anonymously(csrf_client: Client, target: ConcreteUrl):
    _token(csrf_client, reverse("login"))  # holds a valid CSRF cookie: only the token is missing
    assert "csrftoken" in csrf_client.cookies
    response = csrf_client.post(target.url, {"username": "sup", "password": "pw-for-tests-1"})
    assert response.status_code == 403, f"POST {target.url} without a token: {response.status_code}"


@pytest.mark.parametrize("target", URLS, ids=lambda u: u.url)
def test_post_without_csrf_token_is_refused_for_a_superuser(
    csrf_client: Client, admin_user, target: ConcreteUrl
):
    csrf_client.force_login(admin_user)
    _token(csrf_client, reverse("admin:password_change"))  # a valid cookie, no token in the POST
    assert "csrftoken" in csrf_client.cookies
    response = csrf_client.post(target.url, {"post": "yes", "action": "delete_selected"})
    assert response.status_code == 403, f"POST {target.url} without a token: {response.status_code}"
    # still signed in: not even logout went through
    assert csrf_client.get(reverse("admin:index")).status_code == 200


def test_logout_with_token_works(csrf_client: Client, supervisor):
    csrf_client.force_login(supervisor)
    token = _token(csrf_client, reverse("admin:login"))  # any page with a form gives a token
    response = csrf_client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert csrf_client.get(reverse("interactions:list")).status_code == 302


# --- login throttling (django-axes) --------------------------------------------------------


def _login(client: Client, username: str, password: str):
    token = _token(client, reverse("login"))
    return client.post(
        reverse("login"),
        {"username": username, "password": password, "csrfmiddlewaretoken": token},
    )


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(
    csrf_client: Client, supervisor, django_user_model
):
    django_user_model.objects.create_user(username="other", password="other-pw-2026")
    statuses = [_login(csrf_client, "sup", f"wrong-{n}").status_code for n in range(5)]
    # the first four re-show the form; axes locks at the fifth failure (its response may
    # already be the lockout page)
    assert statuses[:4] == [200] * 4, statuses
    assert statuses[4] in (200, 403, 429), statuses

    sixth = _login(csrf_client, "sup", "pw-for-tests-1")
    assert sixth.status_code in (403, 429)
    assert "Too many sign-in attempts" in sixth.content.decode()
    assert "_auth_user_id" not in csrf_client.session

    # the lock is per username + IP: another user from the same address still gets in
    other = _login(Client(enforce_csrf_checks=True), "other", "other-pw-2026")
    assert other.status_code == 302
    assert other["Location"] == reverse("interactions:list")


def test_right_password_before_the_limit_still_works(csrf_client: Client, supervisor):
    for n in range(3):
        assert _login(csrf_client, "sup", f"wrong-{n}").status_code == 200
    response = _login(csrf_client, "sup", "pw-for-tests-1")
    assert response.status_code == 302
