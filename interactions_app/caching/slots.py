"""Deployment-wide caps on long work: at most ``limit`` holders of one kind of work at once.

A cap is ``limit`` slot keys in the shared cache (Redis in production, so every process of every
instance counts the same slots; the in-memory cache of the default profile and the tests counts
one process). A holder takes a free slot with ``cache.add`` (atomic in Redis and in locmem),
renews it while it works and deletes it when done; a holder that dies frees its slot when the
key expires ``seconds`` after its last renewal. Used by the flagged scan (``CXENGAGE_MAX_SCANS``)
and the CSV export (one per user, ``CXENGAGE_MAX_EXPORTS`` in all).

A cache that cannot answer admits the work, with a log line: the caps protect capacity, and an
outage should not also switch scans and exports off (``CXENGAGE_MAX_CONCURRENCY`` still bounds
each process's upstream calls).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

from django.core.cache import cache

from .keys import tenant_key

logger = logging.getLogger(__name__)

RENEW_EVERY = 10.0  # seconds between two renewals of a held slot


class Slot:
    """One held slot (``key`` None: admitted without one, the cache could not answer)."""

    def __init__(self, key: str | None, *, token: str = "", seconds: int = 0) -> None:
        self.key, self.token, self.seconds = key, token, seconds
        self._renewed = time.monotonic()
        self._released = False
        self._lock = threading.Lock()

    def renew(self) -> None:
        """Push the slot's expiry back (at most every ``RENEW_EVERY`` seconds)."""
        if self.key is None or self._released or time.monotonic() - self._renewed < RENEW_EVERY:
            return
        self._renewed = time.monotonic()
        try:
            cache.touch(self.key, self.seconds)
        except Exception:
            logger.warning("could not renew %s: it expires on its own", self.key, exc_info=True)

    def release(self) -> None:
        """Free the slot if it is still ours; a second call does nothing."""
        with self._lock:
            if self.key is None or self._released:
                return
            self._released = True
        try:
            if cache.get(self.key) == self.token:  # not one another holder took after expiry
                cache.delete(self.key)
        except Exception:
            logger.warning("could not release %s: it expires on its own", self.key, exc_info=True)


def slot_take(name: str, *, limit: int, seconds: int) -> Slot | None:
    """A free slot of the cap ``name`` (``limit`` of them), held for ``seconds`` unless renewed;
    None when all are taken."""
    token = secrets.token_hex(8)
    try:
        for index in range(limit):
            key = tenant_key("slot", name, index)
            if cache.add(key, token, timeout=seconds):
                return Slot(key, token=token, seconds=seconds)
    except Exception:
        logger.warning("cap %r not enforced: the cache did not answer", name, exc_info=True)
        return Slot(None)
    return None
