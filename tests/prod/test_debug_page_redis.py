"""Issue 16, point 8 against a real Redis: a cache that rejects its password leaves it unshown.

``CACHE_URL`` with credentials Redis refuses makes every page fail inside redis-py, which holds
the password in its connection settings: the DEBUG page of that failure must not show it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.urls import reverse

from config.env import env_cache

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
    with override_settings(CACHES={"default": env_cache("TEST_CACHE_URL", default="")}):
        yield


def test_the_debug_page_of_a_refused_cache_password_does_not_show_it(
    refused_cache, sup_client, settings
):
    settings.DEBUG = True
    sup_client.raise_request_exception = False
    response = sup_client.get(reverse("interactions:list"))
    html = response.content.decode()
    assert response.status_code == 500 and "Traceback" in html
    assert "redis" in html.lower() and ("AuthenticationError" in html or "AUTH" in html)
    assert "django_redis" in html  # frames inside the cache client were shown
    assert WRONG_PASSWORD not in html
