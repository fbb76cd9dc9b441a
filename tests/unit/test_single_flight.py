"""Single flight: concurrent identical calls share one produce(); results cached by ttl/keep;
a background flight (the flagged scan's kind) answers with its progress, then its value."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache

from interactions_app.caching.keys import cache_key, tenant_key
from interactions_app.caching.single_flight import Background, fetch_once, settle


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
    settle()
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
    settle()
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
    from interactions_app.caching.single_flight import _produce_here

    cache.set("k6", "stored by the leader", 30)
    produce = Counter(value="second upstream call", delay=0)
    value = _produce_here("k6", produce, ttl=30, keep=lambda v: True)
    assert value == "stored by the leader" and produce.calls == 0
    assert cache.get("k6:lock") is None


def test_the_tenant_prefix_is_the_upstream_and_the_tenant(settings):
    conf = settings.CXENGAGE
    assert tenant_key("page", 1) == cache_key(conf["API_URL"], conf["TENANT_ID"], "page", 1)
    settings.CXENGAGE = {**conf, "TENANT_ID": "00000000-0000-4000-8000-000000000001"}
    assert tenant_key("page", 1) != cache_key(conf["API_URL"], conf["TENANT_ID"], "page", 1)


# --- background flights ---------------------------------------------------------------------------


class Job:
    """A background producer: reports ``steps`` progress values, then returns ``value``."""

    def __init__(self, value="done", steps=(), delay=0.15, error=None):
        self.value, self.steps, self.delay, self.error = value, steps, delay, error
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, report):
        with self.lock:
            self.calls += 1
        for step in self.steps:
            time.sleep(self.delay)
            report(step)
        time.sleep(self.delay)
        if self.error:
            raise self.error
        return self.value


def background(**kwargs):
    return Background(pending=lambda progress: progress or "nothing yet", **kwargs)


def test_a_background_flight_answers_with_its_progress_then_its_value():
    job = Job(steps=("10%", "50%"), delay=0.2)
    assert fetch_once("b1", job, ttl=30, wait=0.05, background=background()) == "nothing yet"
    time.sleep(0.25)
    assert fetch_once("b1", job, ttl=30, wait=0.01, background=background()) in {"10%", "50%"}
    assert fetch_once("b1", job, ttl=30, wait=5, background=background()) == "done"
    settle()
    assert job.calls == 1  # one job served every caller
    assert cache.get("b1") == "done" and cache.get("b1:progress") is None


def test_concurrent_callers_share_one_background_job():
    job = Job(delay=0.2)
    results = _concurrently(
        20, lambda: fetch_once("b2", job, ttl=30, wait=5, background=background())
    )
    settle()
    assert job.calls == 1 and set(results) == {"done"}


def test_a_job_running_in_another_process_is_not_started_again():
    cache.add("b3:lock", 1, timeout=5)  # as if another process were scanning
    cache.set("b3:progress", "theirs, 40%", 5)
    job = Job()
    assert fetch_once("b3", job, ttl=30, wait=0.1, background=background()) == "theirs, 40%"
    cache.set("b3", "theirs, done", 30)
    assert fetch_once("b3", job, ttl=30, wait=0.1, background=background()) == "theirs, done"
    assert job.calls == 0


def test_a_failed_background_job_is_shown_briefly_then_retried():
    failing = Job(error=ValueError("upstream down"), delay=0.05)
    with pytest.raises(ValueError):
        fetch_once("b4", failing, ttl=30, wait=5, background=background(error_seconds=1))
    settle()
    assert cache.get("b4:lock") is None and cache.get("b4:progress") is None
    with pytest.raises(ValueError):  # another caller (any process) sees the same failure
        fetch_once("b4", Job(), ttl=30, wait=5, background=background(error_seconds=1))
    time.sleep(1.1)
    assert fetch_once("b4", Job(delay=0), ttl=30, wait=5, background=background()) == "done"


def test_a_background_value_refused_by_keep_is_not_cached():
    job = Job(value="unfinished", delay=0)
    flight = {"ttl": 30, "wait": 5, "keep": lambda v: False, "background": background()}
    assert fetch_once("b5", job, **flight) == "unfinished"
    settle()
    assert cache.get("b5") is None
    assert fetch_once("b5", job, **flight) == "unfinished" and job.calls == 2


# --- the lock is always released; a stuck or slow leader is not waited for forever --------------


def test_the_lock_is_released_when_the_leader_fails():
    with pytest.raises(ValueError):
        fetch_once("k7", Counter(error=ValueError("upstream down"), delay=0), ttl=30, wait=5)
    assert cache.get("k7:lock") is None  # another process may lead at once
    assert cache.get("k7") is None


def test_the_lock_is_released_when_keep_refuses_the_value():
    value = fetch_once("k8", Counter(value="partial", delay=0), ttl=30, wait=5, keep=lambda v: 0)
    assert value == "partial"
    assert cache.get("k8:lock") is None  # released at once, not left to expire
    assert cache.get("k8") is None


def test_a_leader_in_another_process_that_never_stores_is_not_waited_for_beyond_wait():
    cache.add("k9:lock", 1, timeout=60)  # another process leads, then hangs
    produce = Counter(value="our own call", delay=0)
    started = time.monotonic()
    assert fetch_once("k9", produce, ttl=30, wait=0.3) == "our own call"
    assert produce.calls == 1
    assert time.monotonic() - started >= 0.3  # it did wait for the other process first


def test_a_leader_in_another_process_that_gave_up_is_replaced():
    cache.add("k10:lock", 1, timeout=60)
    threading.Timer(0.1, cache.delete, args=("k10:lock",)).start()  # it failed: lock released
    produce = Counter(value="ours", delay=0)
    assert fetch_once("k10", produce, ttl=30, wait=30) == "ours"
    assert produce.calls == 1
    settle()
    # led here, lock and all (a caller that merely stopped waiting would not store its value)
    assert cache.get("k10") == "ours" and cache.get("k10:lock") is None


def test_a_follower_that_outwaits_its_wait_gets_the_clients_timeout_error():
    from interactions_app.cxengage.errors import UpstreamTimeout

    in_flight, release = threading.Event(), threading.Event()

    def slow():
        in_flight.set()
        release.wait(10)
        return "slow"

    leader = threading.Thread(target=fetch_once, args=("k11", slow), kwargs={"ttl": 30, "wait": 30})
    leader.start()
    assert in_flight.wait(10)
    with pytest.raises(UpstreamTimeout) as info:
        fetch_once("k11", Counter(value="never called", delay=0), ttl=30, wait=0.1)
    assert "still running after" in info.value.detail
    release.set()
    leader.join(10)
    settle()
    assert cache.get("k11") == "slow"
