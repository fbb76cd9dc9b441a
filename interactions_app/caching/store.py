"""The shared cache as the rooms of ``caching`` use it: an outage costs speed, never a page.

With ``CACHE_URL=redis://…`` and Redis down, Django's cache raises on every call (the production
profile's short socket timeouts make that quick). Here such a failure is logged once, when the
outage begins, and the operation goes to a small cache in this process instead, so everything
keyed in the cache keeps its meaning per process: a page's data and region, the single flight's
lock, a background scan's progress and result. Coalescing degrades to per process, which is what
the in-memory cache of the default profile gives anyway. While the shared cache is down it is
asked again at most every ``RETRY_SECONDS`` (not on every call: a host that drops packets would
cost a socket timeout each time); the first answer is logged, and it is used again from then on.

Only the cache's own failures are taken: a value that cannot be pickled raises, as it always did.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from typing import Any

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
_FAILED = object()
_local = LocMemCache("cxengage-outage", {"OPTIONS": {"MAX_ENTRIES": 200}})
_state = threading.Lock()
_down_since: float | None = None  # monotonic time of the first failure of this outage
_next_try = 0.0


def get(key: str) -> Any:
    """The value under ``key``, or None."""
    value = _shared("get", key)
    return _local.get(key) if value is _FAILED else value


def set(key: str, value: Any, timeout: float) -> None:
    if _shared("set", key, value, timeout) is _FAILED:
        _local.set(key, value, timeout)


def add(key: str, value: Any, timeout: float) -> bool:
    """Store ``value`` unless ``key`` holds one already; whether it was stored (a lock taken)."""
    added = _shared("add", key, value, timeout)
    return _local.add(key, value, timeout) if added is _FAILED else bool(added)


def delete(key: str) -> None:
    _shared("delete", key)
    _local.delete(key)  # an entry (a lock) kept here during an outage that has just ended


def touch(key: str, timeout: float) -> None:
    if _shared("touch", key, timeout) is _FAILED:
        _local.touch(key, timeout)


def _shared(operation: str, *args: Any) -> Any:
    """``cache.<operation>(*args)``, or ``_FAILED`` when the shared cache did not answer."""
    global _down_since, _next_try
    if _down_since is not None and time.monotonic() < _next_try:
        return _FAILED
    try:
        result = getattr(cache, operation)(*args)
    except (pickle.PicklingError, TypeError, AttributeError):
        raise  # the value, not the cache: the process's cache would refuse it too
    except Exception as error:
        with _state:
            began = _down_since is None
            if began:
                _down_since = time.monotonic()
            _next_try = time.monotonic() + RETRY_SECONDS
        if began:
            logger.warning(
                "shared cache unavailable (%s): pages are answered without it, each process "
                "keeping its own entries and locks, until it answers again",
                type(error).__name__,
            )
        return _FAILED
    if _down_since is not None:
        with _state:
            since, _down_since = _down_since, None
        if since is not None:
            logger.info("shared cache answers again after %.0f s", time.monotonic() - since)
    return result


def retry_now() -> None:
    """Ask the shared cache at the next call even during an outage (tests)."""
    global _next_try
    with _state:
        _next_try = 0.0


def reset() -> None:
    """Forget an outage and everything kept in this process meanwhile (tests)."""
    global _down_since, _next_try
    with _state:
        _down_since, _next_try = None, 0.0
    _local.clear()
