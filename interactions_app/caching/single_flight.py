"""Single flight: N concurrent requests for the same upstream result cost one upstream call.

One mechanism for every cached upstream result, with the same keys for all of them: the value
under ``key``, the leader's lock under ``key:lock``, a background flight's progress under
``key:progress`` and its failure under ``key:error``.

- Within a process, the first caller leads and the others wait on its ``Future`` (sharing its
  value or its error).
- Across processes and instances, the leader also holds ``key:lock`` in the cache (``cache.add``
  is atomic in Redis); callers in other processes poll the cache for the value it stores, and
  make their own call only if it has not come after ``wait`` seconds.
- A page fetch runs ``produce()`` in the leader's own request. A flight with ``background=``
  (the flagged scan) runs ``produce(report)`` in a thread that outlives the request: each caller
  waits at most ``wait`` seconds and then gets ``background.pending(progress)``, built from what
  the producer last passed to ``report`` (None before the first report). Its failure is kept
  for ``background.error_seconds`` so the callers polling it, in any process, see it. It runs
  in a slot of a deployment-wide cap (``background.admit``, ``caching.slots``); when none is
  free it does not start, and its callers get ``background.busy()`` until one is.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..cxengage.errors import UpstreamTimeout
from . import store
from .slots import Slot

T = TypeVar("T")

logger = logging.getLogger(__name__)
_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-writer")
_lock = threading.Lock()
_inflight: dict[str, Future] = {}
_jobs: set[threading.Thread] = set()

POLL_SECONDS = 0.02


def _always(value: object) -> bool:
    return True


@dataclass(frozen=True)
class Background(Generic[T]):
    """How a flight that outlives its request behaves (see the module docstring)."""

    pending: Callable[[T | None], T]  # the answer while it runs, from its last progress report
    lock_seconds: int = 120  # the longest it may run before another process may start it again
    error_seconds: int = 2  # how long its failure is shown before the next caller retries
    # a slot of a deployment-wide cap to run in (caching.slots), None when all are taken; the
    # flight then does not start and every caller gets ``busy()`` (and tries again later)
    admit: Callable[[], Slot | None] = lambda: Slot(None)
    busy: Callable[[], T] | None = None


def fetch_once(
    key: str,
    produce: Callable[..., T],
    *,
    ttl: int,
    wait: float,
    keep: Callable[[T], bool] = _always,
    background: Background[T] | None = None,
) -> T:
    """The cached value for ``key``, or ``produce`` run once for every concurrent caller.

    ``ttl`` seconds of caching (0: share in-flight calls only), ``keep`` decides whether a value
    may be cached, ``wait`` bounds how long a caller waits for another's result.
    """
    value = _stored(key, errors=background is not None) if ttl > 0 else None
    if value is not None:
        return value
    with _lock:
        future = _inflight.get(key)
        leader = future is None
        if leader:
            future = _inflight[key] = Future()
    if leader:
        _lead(key, future, produce, ttl=ttl, wait=wait, keep=keep, background=background)
    try:
        return future.result(timeout=wait)
    except FutureTimeout:
        if background is None:  # the caller it waits for is still at it: the client's timeout
            message = f"the same upstream call was still running after {wait:.0f} s"
            raise UpstreamTimeout(message) from None
        return background.pending(store.get(key + ":progress"))


def _lead(
    key: str,
    future: Future,
    produce: Callable[..., T],
    *,
    ttl: int,
    wait: float,
    keep: Callable[[T], bool],
    background: Background[T] | None,
) -> None:
    """Resolve ``future`` (now, or from a background thread), then stop leading ``key``."""
    seconds = background.lock_seconds if background else max(1, int(wait) + 1)
    claimed = ttl <= 0 or store.add(key + ":lock", 1, timeout=seconds)
    if claimed and background is not None:
        slot = background.admit()
        if slot is None:  # as many run as the deployment allows: start nothing, say so
            store.delete(key + ":lock")
            future.set_result(background.busy())
            _leave(key)
            return
        _start(key, future, produce, ttl=ttl, keep=keep, background=background, slot=slot)
        return
    try:
        if claimed:
            value = _produce_here(key, produce, ttl=ttl, keep=keep)
        else:
            value = _follow_other_process(
                key, produce, ttl=ttl, wait=wait, keep=keep, background=background
            )
    except BaseException as error:
        future.set_exception(error)
        if not isinstance(error, Exception):
            raise
    else:
        future.set_result(value)
    finally:
        _leave(key)


def _produce_here(key: str, produce: Callable[[], T], *, ttl: int, keep: Callable[[T], bool]):
    if ttl <= 0:
        return produce()
    # A leader in another process may have stored the value and released the lock between our
    # first miss and our add: look once more before calling the upstream.
    value = store.get(key)
    if value is not None:
        store.delete(key + ":lock")
        return value
    try:
        value = produce()
    except BaseException:
        store.delete(key + ":lock")
        raise
    if keep(value):
        # Pickling a 1000-row page costs ~100 ms: do it after the answer, not before it. The
        # lock is released once the value is stored, so other processes keep waiting for it.
        _writer.submit(_store, key, value, ttl)
    else:
        store.delete(key + ":lock")
    return value


def _follow_other_process(
    key: str,
    produce: Callable[[], T],
    *,
    ttl: int,
    wait: float,
    keep: Callable[[T], bool],
    background: Background[T] | None,
) -> T:
    """Another process leads: take the value it stores (or its error) when it lands."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        value = _stored(key, errors=background is not None)
        if value is not None:
            return value
        if background is None and store.add(key + ":lock", 1, timeout=max(1, int(wait) + 1)):
            return _produce_here(key, produce, ttl=ttl, keep=keep)  # that leader gave up
    if background is not None:
        return background.pending(store.get(key + ":progress"))
    return produce()  # the other process is stuck; do not wait for ever


def _start(
    key: str,
    future: Future,
    produce: Callable[..., T],
    *,
    ttl: int,
    keep: Callable[[T], bool],
    background: Background[T],
    slot: Slot,
) -> None:
    def report(progress: T) -> None:
        store.set(key + ":progress", progress, background.lock_seconds)
        slot.renew()

    def job() -> None:
        try:
            value = produce(report)
        except Exception as error:  # shown to every caller, in any process, then forgotten
            store.set(key + ":error", error, background.error_seconds)
            future.set_exception(error)
        else:
            if keep(value):
                store.set(key, value, ttl)
            future.set_result(value)
        finally:
            slot.release()
            store.delete(key + ":progress")
            store.delete(key + ":lock")
            _leave(key)
            with _lock:
                _jobs.discard(threading.current_thread())

    # a copy of this context, so the job's log lines keep the request id that started it
    thread = threading.Thread(
        target=contextvars.copy_context().run, args=(job,), name="single-flight", daemon=True
    )
    with _lock:
        _jobs.add(thread)
    thread.start()


def _stored(key: str, *, errors: bool) -> Any:
    """The value kept under ``key`` (or None); ``errors``: raise the failure kept beside it."""
    value = store.get(key)
    if value is None and errors:
        error = store.get(key + ":error")
        if error is not None:
            raise error
    return value


def _leave(key: str) -> None:
    with _lock:
        _inflight.pop(key, None)


def _store(key: str, value: Any, ttl: int) -> None:
    try:
        store.set(key, value, ttl)
    except Exception:  # a value the cache refuses costs a later upstream call, never the request
        logger.warning("could not store %s in the cache", key, exc_info=True)
    finally:
        store.delete(key + ":lock")


def settle(timeout: float = 30.0) -> None:
    """Block until every background flight and queued cache write of this process has ended.

    For tests and benchmarks: a flight outlives the request that started it, so a test that
    starts one must not let its upstream calls land in the next test's counts.
    """
    deadline = time.monotonic() + timeout
    with _lock:
        running = list(_jobs)
    for job in running:
        job.join(max(0.0, deadline - time.monotonic()))
        if job.is_alive():
            raise TimeoutError(f"a background flight was still running after {timeout} s")
    _writer.submit(lambda: None).result(timeout=max(0.1, deadline - time.monotonic()))


def forget(key: str) -> None:
    """Drop the value kept under ``key`` (one that turned out stale: a refused download link),
    so the next ``fetch_once`` for it asks the upstream again."""
    store.delete(key)  # in an outage, the stale value expires by itself
