"""Cache-backed single flight: N concurrent requests for the same upstream data cost one call.

Within a process, followers wait on the leader's Future (and share its result or its error).
Across processes and instances, the leader holds a short lock in the cache (``cache.add`` is
atomic in Redis) and followers poll the cache for the value it stores. If the leader fails or
its value is not cacheable, a follower in another process makes its own call.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

logger = logging.getLogger(__name__)
_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-writer")
_lock = threading.Lock()
_inflight: dict[str, Future] = {}

POLL_SECONDS = 0.02


def cache_key(*parts: object) -> str:
    """A fixed-length key from every part of a query (never credentials)."""
    raw = "\x1f".join("" if p is None else str(p) for p in parts)
    return "cxengage:" + hashlib.sha256(raw.encode()).hexdigest()


def fetch_once(
    key: str,
    produce: Callable[[], T],
    *,
    ttl: int,
    wait: float,
    keep: Callable[[T], bool] = lambda value: True,
) -> T:
    """The cached value for ``key``, or ``produce()`` run once for all concurrent callers.

    ``ttl`` seconds of caching (0: share in-flight calls only), ``keep`` decides whether a value
    may be cached, ``wait`` bounds how long a follower waits for a leader.
    """
    if ttl > 0:
        value = cache.get(key)
        if value is not None:
            return value
    with _lock:
        future = _inflight.get(key)
        leader = future is None
        if leader:
            future = Future()
            _inflight[key] = future
    if not leader:
        return future.result(timeout=wait)
    try:
        value = _produce_across_processes(key, produce, ttl=ttl, wait=wait, keep=keep)
    except BaseException as error:
        future.set_exception(error)
        raise
    else:
        future.set_result(value)
        return value
    finally:
        with _lock:
            _inflight.pop(key, None)


def _produce_across_processes(
    key: str, produce: Callable[[], T], *, ttl: int, wait: float, keep: Callable[[T], bool]
) -> T:
    if ttl <= 0:
        return produce()
    lock_key = key + ":lock"
    deadline = time.monotonic() + wait
    while not cache.add(lock_key, 1, timeout=max(1, int(wait) + 1)):
        # another process is fetching this: take its value when it lands
        time.sleep(POLL_SECONDS)
        value = cache.get(key)
        if value is not None:
            return value
        if time.monotonic() >= deadline:
            return produce()  # the other process is stuck; do not wait for ever
    # We hold the lock, but a leader may have stored the value and released the lock between our
    # first miss and our add: look once more before calling the upstream.
    value = cache.get(key)
    if value is not None:
        cache.delete(lock_key)
        return value
    try:
        value = produce()
    except BaseException:
        cache.delete(lock_key)
        raise
    if keep(value):
        # Pickling a 1000-row page costs ~100 ms: do it after the answer, not before it. The
        # lock is released once the value is stored, so other processes keep waiting for it.
        _writer.submit(_store, key, value, ttl, lock_key)
    else:
        cache.delete(lock_key)
    return value


def _store(key: str, value: object, ttl: int, lock_key: str) -> None:
    try:
        cache.set(key, value, ttl)
    except Exception:  # a cache outage costs a later upstream call, never the request
        logger.warning("could not store %s in the cache", key, exc_info=True)
    finally:
        cache.delete(lock_key)


def wait_for_writes(timeout: float = 10.0) -> None:
    """Block until every cache write queued so far has landed (tests and benchmarks)."""
    _writer.submit(lambda: None).result(timeout=timeout)
