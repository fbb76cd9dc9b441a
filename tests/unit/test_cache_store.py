"""``caching.store``: a shared cache that fails is logged once, skipped for a while, and stood in
for by the process's own entries (so locks, values and progress keep their meaning per process);
once it answers again it is used again. Against a cache backend that fails on demand; the same
with a real Redis stopped and on a closed port is ``tests/prod/test_cache_outage_redis.py``."""

from __future__ import annotations

import logging
import pickle

import pytest
from django.core.cache.backends.locmem import LocMemCache

from interactions_app.caching import store


class FlakyCache(LocMemCache):
    """The in-memory cache, failing like an unreachable Redis while ``DOWN`` is set."""

    DOWN = False
    calls = 0

    def _maybe_fail(self) -> None:
        type(self).calls += 1
        if type(self).DOWN:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def get(self, *args, **kwargs):
        self._maybe_fail()
        return super().get(*args, **kwargs)

    def set(self, *args, **kwargs):
        self._maybe_fail()
        return super().set(*args, **kwargs)

    def add(self, *args, **kwargs):
        self._maybe_fail()
        return super().add(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._maybe_fail()
        return super().delete(*args, **kwargs)

    def touch(self, *args, **kwargs):
        self._maybe_fail()
        return super().touch(*args, **kwargs)


@pytest.fixture
def flaky(settings, caplog):
    caplog.set_level(logging.INFO, logger="interactions_app.caching.store")
    settings.CACHES = {
        "default": {"BACKEND": f"{__name__}.FlakyCache", "LOCATION": "flaky-store-test"}
    }
    FlakyCache.DOWN, FlakyCache.calls = False, 0
    store.reset()
    yield FlakyCache
    FlakyCache.DOWN = False
    store.reset()


def lines(caplog, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


def test_an_outage_is_a_miss_then_the_process_keeps_its_own_entries(flaky, caplog):
    store.set("a", "shared", 30)
    assert store.get("a") == "shared"
    flaky.DOWN = True
    assert store.get("a") is None  # not an exception
    store.set("b", "kept here", 30)
    assert store.get("b") == "kept here"
    assert store.add("lock", 1, 30) is True  # this process leads...
    assert store.add("lock", 1, 30) is False  # ...and only one caller in it
    store.delete("lock")
    assert store.add("lock", 1, 30) is True
    [warning] = lines(caplog, "shared cache unavailable")
    assert "ConnectionError" in warning and "6379" not in warning  # no address, no password


def test_a_down_cache_is_asked_again_only_after_the_pause_then_used_again(flaky, caplog):
    flaky.DOWN = True
    store.get("x")
    asked = flaky.calls
    for _ in range(20):
        store.get("x")
        store.set("x", 1, 30)
    assert flaky.calls == asked  # skipped during the pause, not asked 40 more times
    store.retry_now()
    store.get("x")
    assert flaky.calls == asked + 1  # still down: asked once, not logged again
    assert len(lines(caplog, "shared cache unavailable")) == 1
    flaky.DOWN = False
    store.retry_now()
    store.set("y", "in the shared cache", 30)
    assert lines(caplog, "shared cache answers again")
    store.reset()  # drop what the process kept: the value is read from the shared cache
    assert store.get("y") == "in the shared cache"


def test_a_value_that_cannot_be_pickled_raises_and_is_no_outage(flaky, caplog):
    with pytest.raises((AttributeError, TypeError, pickle.PicklingError)) as info:
        store.set("f", lambda: None, 30)
    assert "pickle" in str(info.value).lower()
    assert not lines(caplog, "shared cache unavailable")
    assert store.get("f") is None
