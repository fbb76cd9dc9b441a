"""Issue 16, point 8 against a real Redis: a cache that rejects its password leaves it unshown.

``CACHE_URL`` with credentials Redis refuses is a cache outage: pages answer without the cache
(``interactions_app/caching/store.py``) and the log line does not show the password. A failure
inside redis-py that does reach the DEBUG page (the store is bypassed here to make one: redis-py
holds the password in its connection settings) must not show it either.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.urls import reverse

from config.env import env_cache
from interactions_app.caching import store

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "wrong-cache-pass-4e7a21"
# Redis 7 accepts any password for its password-less default user: name a user it lacks
USER = "no-such-cache-user"


@pytest.fixture
def refused_cache(live_api, redis_url, monkeypatch):
    """The cache on credentials Redis refuses, for this test only (the sandbox's fixture
    clears the real cache before and after)."""
    parts = urlsplit(redis_url)
    where = f"{parts.hostname}:{parts.port or 6379}{parts.path}"
    monkeypatch.setenv("TEST_CACHE_URL", f"redis://{USER}:{WRONG_PASSWORD}@{where}")
    store.reset()
    with override_settings(CACHES={"default": env_cache("TEST_CACHE_URL", default="")}):
        yield
    store.reset()


def test_a_refused_cache_password_is_an_outage_that_shows_no_password(
    refused_cache, sup_client, caplog
):
    caplog.set_level(logging.INFO)
    response = sup_client.get(reverse("interactions:list"))
    assert response.status_code == 200
    assert WRONG_PASSWORD not in response.content.decode()
    assert any("shared cache unavailable" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if WRONG_PASSWORD in r.getMessage()]


def test_the_debug_page_of_a_refused_cache_password_does_not_show_it(
    refused_cache, sup_client, settings, monkeypatch
):
    from django.core.cache import cache

    # a cache call that lets the failure through, as code outside caching/ would
    monkeypatch.setattr(store, "_shared", lambda operation, *args: getattr(cache, operation)(*args))
    settings.DEBUG = True
    sup_client.raise_request_exception = False
    response = sup_client.get(reverse("interactions:list"))
    html = response.content.decode()
    assert response.status_code == 500 and "Traceback" in html
    assert "redis" in html.lower() and ("AuthenticationError" in html or "AUTH" in html)
    assert "django_redis" in html  # frames inside the cache client were shown
    assert WRONG_PASSWORD not in html
