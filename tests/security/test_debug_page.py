"""Issue 16, point 8: with DEBUG on, the error page shows no credential.

Django's technical 500 page showed ``settings.CXENGAGE`` held as a local variable (the API key
and secret), whatever a library held (an ``Authorization`` header, a token request's body) and
the cache password inside ``CACHE_URL``. Now ``config.error_reports`` filters every report, DEBUG
or not; secrets read from the environment are ``config.secrets.Secret`` (a repr that hides
them); a Redis password leaves ``LOCATION`` for the backend's options; and ``make run`` (the
local profile) runs without DEBUG unless ``DJANGO_DEBUG=true`` asks for it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import urllib3
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import technical_500_response

from config.env import env_cache, env_db
from config.secrets import Secret
from interactions_app.cxengage import factory
from interactions_app.cxengage.factory import client_from_settings

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
ROOT = Path(__file__).resolve().parents[2]
# Values to look for; the error page shows source lines around each frame, so they stay here,
# away from every line that raises.
KEY, SECRET = "key-7f3a9c51d2", "secret-b81d4476e2"
CACHE_PASSWORD, DB_PASSWORD = "cache-pass-93c1e", "db-pass-5d20a"
CACHE_URL = f"redis://:{CACHE_PASSWORD}@10.0.0.9:6379/1"
DB_URL = f"postgres://review:{DB_PASSWORD}@10.0.0.8:5432/review"


@pytest.fixture
def debug_client(sup_client, settings):
    """The signed-in client, DEBUG on, answered with Django's error page instead of raising."""
    settings.DEBUG = True
    sup_client.raise_request_exception = False
    yield sup_client
    client_from_settings.cache_clear()


def error_page(client, path: str = LIST) -> str:
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 500
    assert "Traceback" in html and "Local vars" in html, html[:500]  # the DEBUG page itself
    return html


def broken_factory(config):
    raise RuntimeError("a bug while building the client")


def failing_urlopen(original, failing: str, held: dict):
    """urllib3's ``urlopen``, failing on ``failing`` requests while it holds their headers and
    body, as a bug inside the library would."""

    def urlopen(self, method, url, body=None, headers=None, **kwargs):
        if method == failing:
            held["headers"], held["body"] = dict(headers or {}), body
            raise RuntimeError("a bug inside the HTTP library")
        return original(self, method, url, body=body, headers=headers, **kwargs)

    return urlopen


def connect(cache_config: dict) -> None:
    """What a library does with the cache settings: the URL with its password, then a failure."""
    location, options = cache_config["LOCATION"], cache_config["OPTIONS"]
    url = f"redis://:{options['PASSWORD']}@{location.split('//')[1]}"
    raise ConnectionError(f"cannot reach {url}")


@pytest.mark.parametrize("wrap", [Secret, str], ids=["as-settings-read-them", "plain"])
def test_a_crash_in_the_client_factory_shows_no_credential(
    debug_client, live_api, settings, monkeypatch, wrap
):
    settings.CXENGAGE = {**settings.CXENGAGE, "API_KEY": wrap(KEY), "API_SECRET": wrap(SECRET)}
    monkeypatch.setattr(factory, "CxEngageClient", broken_factory)
    client_from_settings.cache_clear()
    html = error_page(debug_client)
    assert "client_from_settings" in html and "a bug while building the client" in html
    assert KEY not in html and SECRET not in html


@pytest.mark.parametrize("wrap", [Secret, str], ids=["as-settings-read-them", "plain"])
@pytest.mark.parametrize("failing", ["POST", "GET"], ids=["token-request", "with-the-token"])
def test_a_crash_inside_the_http_library_shows_no_credential(
    debug_client, live_api, settings, monkeypatch, wrap, failing
):
    """A bug inside urllib3 while it holds the token request's body (key and secret) or a
    request's ``Authorization: Token …`` header."""
    settings.CXENGAGE = {
        **settings.CXENGAGE,
        "API_KEY": wrap(live_api.API_KEY),
        "API_SECRET": wrap(live_api.API_SECRET),
    }
    client_from_settings.cache_clear()
    held: dict = {}
    original = urllib3.HTTPConnectionPool.urlopen
    monkeypatch.setattr(
        urllib3.HTTPConnectionPool, "urlopen", failing_urlopen(original, failing, held)
    )
    html = error_page(debug_client)
    assert "a bug inside the HTTP library" in html
    if failing == "POST":
        assert live_api.API_SECRET.encode() in held["body"]  # it was there to be shown
    else:
        token = client_from_settings()._token
        assert token and token in held["headers"]["Authorization"]
        assert token not in html and "Authorization" in html
    assert live_api.API_SECRET not in html and live_api.API_KEY not in html


def test_the_cache_and_database_passwords_stay_out_of_the_page(settings, monkeypatch):
    monkeypatch.setenv("TEST_CACHE_URL", CACHE_URL)
    monkeypatch.setenv("TEST_DB_URL", DB_URL)
    cache_config = env_cache("TEST_CACHE_URL", default="")
    assert cache_config["LOCATION"] == "redis://10.0.0.9:6379/1"  # what connection errors show
    assert cache_config["OPTIONS"]["PASSWORD"] == CACHE_PASSWORD  # what django-redis sends
    settings.CACHES = {**settings.CACHES, "shared": cache_config}
    settings.REPORTING_DATABASE = env_db("TEST_DB_URL", default="")  # shown like DATABASES
    settings.DEBUG = True
    request = RequestFactory().get("/interactions/")
    try:
        connect(cache_config)
    except ConnectionError:
        html = technical_500_response(request, *sys.exc_info()).content.decode()
    assert "CACHES" in html and "10.0.0.9" in html and "cannot reach" in html
    assert CACHE_PASSWORD not in html and DB_PASSWORD not in html


# --- the local profile: DEBUG is an explicit opt-in --------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_serves_without_debug_and_with_its_static_files(tmp_path):
    """``scripts/dev.sh`` no longer sets DJANGO_DEBUG: the local profile under runserver answers
    without DEBUG (a 404 is the site's page, not Django's) and still serves static files."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CXENGAGE_"))} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    env.pop("CACHE_URL", None)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    log = (tmp_path / "runserver.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                css = opener.open(f"http://127.0.0.1:{port}/static/css/app.css", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "runserver.log").read_text()
                time.sleep(0.2)
        assert css.status == 200 and b"{" in css.read()
        with pytest.raises(urllib.error.HTTPError) as missing:
            opener.open(f"http://127.0.0.1:{port}/no-such-page/", timeout=5)
        page = missing.value.read().decode()
        assert missing.value.code == 404
        assert "DEBUG = True" not in page and "URLconf" not in page
    finally:
        server.terminate()
        server.wait(10)
        log.close()
