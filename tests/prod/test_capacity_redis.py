"""Issue 16, point 4 on the production cache: the scan and export caps counted in Redis.

The scenarios of ``tests/security/test_capacity.py`` on a real Redis (``CXENGAGE_TEST_REDIS_URL``,
flushed before and after), then four scans asked for at once through the two gunicorn instances
of ``prod_stack``, which only Redis lets count the same slots.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches

from tests.security.test_capacity import (  # noqa: F401 - fixtures
    four_scans_at_once,
    nine_exports,
    running,
    slow,
    warm,
)

from .conftest import flush_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(settings, redis_url):
    """Django's cache on the test Redis, as the production profile has it."""
    flush_redis(redis_url)
    settings.CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_url}
    }
    yield redis_url
    flush_redis(redis_url)


def test_four_concurrent_scans_run_two_at_a_time_on_redis(redis_cache, slow, running):  # noqa: F811
    assert type(caches["default"]).__module__ == "django_redis.cache"  # the slots are in Redis
    four_scans_at_once(slow, running)


def test_nine_exports_against_the_caps_on_redis(redis_cache, live_api, django_user_model, settings):
    nine_exports(django_user_model, settings)


def test_four_scans_through_two_instances_run_two_at_a_time(prod_stack):
    """Four supervisors open four different flagged scans at once, two on each instance: two
    scans run, two pages say they wait; once the first two are done, the others start."""
    windows = [f"/interactions/flagged/?depth=5000&start=2026-11-01T{h:02d}:00" for h in range(4)]
    instances = [prod_stack.a, prod_stack.b, prod_stack.a, prod_stack.b]
    prod_stack.sandbox.set_faults(latency_ms=1500)  # each scan reads for several seconds
    try:
        with ThreadPoolExecutor(4) as pool:
            began = time.monotonic()
            pages = list(pool.map(lambda n: instances[n].get(windows[n]), range(4)))
            took = time.monotonic() - began
        assert [p.status_code for p in pages] == [200] * 4
        assert took < 10, "a page waited for a slot instead of saying so"
        waiting = [n for n, p in enumerate(pages) if "Waiting to start" in p.text]
        scanning = [n for n, p in enumerate(pages) if "Scanning:" in p.text]
        assert len(waiting) == 2 and len(scanning) == 2, [p.text[-3000:] for p in pages]
        prod_stack.sandbox.set_faults()
        for n in scanning:
            _finished(instances[n], windows[n])
        for n in waiting:  # their refresh: the slots are free now
            again = instances[n].get(windows[n])
            assert "Waiting to start" not in again.text
            _finished(instances[n], windows[n])
    finally:
        prod_stack.sandbox.set_faults()


def _finished(instance, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "Scanned the most recent" in instance.get(path).text:
            return
        time.sleep(0.5)
    raise AssertionError(f"{path} did not finish in {timeout} s")
