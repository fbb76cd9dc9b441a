"""Single flight: concurrent identical calls share one produce(); results cached by ttl/keep."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache

from interactions_app.coalesce import cache_key, fetch_once, wait_for_writes


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


class Counter:
    def __init__(self, value=None, delay=0.2, error=None):
        self.calls = 0
        self.value, self.delay, self.error = value, delay, error
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.calls += 1
        time.sleep(self.delay)
        if self.error:
            raise self.error
        return self.value


def _concurrently(n, fn):
    barrier = threading.Barrier(n)

    def run(_):
        barrier.wait()
        try:
            return fn()
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_fifty_concurrent_callers_make_one_call_and_share_the_value():
    produce = Counter(value={"rows": 3})
    results = _concurrently(50, lambda: fetch_once("k1", produce, ttl=30, wait=5))
    assert produce.calls == 1
    assert all(r == {"rows": 3} for r in results)
    wait_for_writes()
    assert fetch_once("k1", Counter(value="other"), ttl=30, wait=5) == {"rows": 3}  # cached


def test_an_error_is_shared_by_the_waiting_callers_and_not_cached():
    produce = Counter(error=ValueError("upstream down"))
    results = _concurrently(20, lambda: fetch_once("k2", produce, ttl=30, wait=5))
    assert produce.calls == 1
    assert all(isinstance(r, ValueError) for r in results)
    assert fetch_once("k2", Counter(value="ok", delay=0), ttl=30, wait=5) == "ok"


def test_values_refused_by_keep_are_coalesced_but_not_cached():
    produce = Counter(value="in progress")
    results = _concurrently(
        10, lambda: fetch_once("k3", produce, ttl=30, wait=5, keep=lambda v: False)
    )
    assert produce.calls == 1 and set(results) == {"in progress"}
    wait_for_writes()
    again = Counter(value="fresh", delay=0)
    assert fetch_once("k3", again, ttl=30, wait=5, keep=lambda v: False) == "fresh"
    assert again.calls == 1


def test_ttl_zero_still_coalesces_in_flight_calls():
    produce = Counter(value=1)
    _concurrently(10, lambda: fetch_once("k4", produce, ttl=0, wait=5))
    assert produce.calls == 1
    fetch_once("k4", produce, ttl=0, wait=5)
    assert produce.calls == 2  # nothing cached


def test_a_lock_held_elsewhere_is_waited_for_then_its_value_used():
    key = "k5"
    cache.add(key + ":lock", 1, timeout=5)  # as if another process were fetching

    def other_process_finishes():
        time.sleep(0.2)
        cache.set(key, "from the other process", 30)
        cache.delete(key + ":lock")

    threading.Thread(target=other_process_finishes).start()
    produce = Counter(value="ours", delay=0)
    assert fetch_once(key, produce, ttl=30, wait=5) == "from the other process"
    assert produce.calls == 0


def test_cache_key_depends_on_every_part():
    assert cache_key("a", "b") != cache_key("ab")
    assert cache_key("a", 1) != cache_key("a", 2)
    assert cache_key("x").startswith("cxengage:") and len(cache_key("x")) == len("cxengage:") + 64


def test_a_late_caller_that_wins_the_lock_after_the_leader_uses_the_stored_value():
    # the leader stored the value and released the lock between this caller's miss and its add
    from interactions_app.coalesce import _produce_across_processes

    cache.set("k6", "stored by the leader", 30)
    produce = Counter(value="second upstream call", delay=0)
    value = _produce_across_processes("k6", produce, ttl=30, wait=5, keep=lambda v: True)
    assert value == "stored by the leader" and produce.calls == 0
    assert cache.get("k6:lock") is None
