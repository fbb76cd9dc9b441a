"""The sandbox clock: the anchor plus wall time since start (``--live``) plus advanced seconds.

Without ``--live`` and without an advance the clock stands at the anchor and the data is frozen
(the default). Interactions unfinished at the anchor finish as the clock passes them (see
``Generator.build``). ``POST /_sandbox/clock`` advances it deterministically for tests.
"""

from __future__ import annotations

import math
import threading
import time

from .data import fmt_ms

MAX_ADVANCE_SECONDS = 366 * 86_400
KEYS = frozenset({"advance_seconds", "offset_seconds", "live"})


class ClockSettingsError(ValueError):
    pass


def _seconds(raw: dict, key: str) -> float:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ClockSettingsError(f"{key} must be a number")
    if abs(value) > MAX_ADVANCE_SECONDS:
        raise ClockSettingsError(f"{key} must be within {MAX_ADVANCE_SECONDS} seconds")
    return float(value)


class Clock:
    def __init__(self, anchor_ms: int, live: bool = False):
        self.anchor_ms = anchor_ms
        self._lock = threading.Lock()
        self._live = live
        self._started = time.monotonic()
        self._advanced_ms = 0

    def _wall_ms(self) -> int:
        return int((time.monotonic() - self._started) * 1000) if self._live else 0

    def offset_ms(self) -> int:
        """Milliseconds past the anchor (0 unless --live or advanced)."""
        with self._lock:
            return self._wall_ms() + self._advanced_ms

    def get(self) -> dict:
        with self._lock:
            offset = self._wall_ms() + self._advanced_ms
            return {
                "live": self._live,
                "anchor": fmt_ms(self.anchor_ms),
                "now": fmt_ms(self.anchor_ms + offset),
                "offset_seconds": offset / 1000,
                "advanced_seconds": self._advanced_ms / 1000,
            }

    def set(self, raw: object) -> dict:
        """Apply ``{"advance_seconds": N}`` (add), ``{"offset_seconds": N}`` (set the advance)
        and/or ``{"live": bool}``; the clock never goes before the anchor."""
        if not isinstance(raw, dict):
            raise ClockSettingsError("body must be a JSON object")
        unknown = set(raw) - KEYS
        if unknown:
            raise ClockSettingsError(f"unknown key(s): {', '.join(sorted(unknown))}")
        if "live" in raw and not isinstance(raw["live"], bool):
            raise ClockSettingsError("live must be true or false")
        advance = _seconds(raw, "advance_seconds") if "advance_seconds" in raw else None
        offset = _seconds(raw, "offset_seconds") if "offset_seconds" in raw else None
        with self._lock:
            advanced = self._advanced_ms
            if offset is not None:
                advanced = round(offset * 1000)
            if advance is not None:
                advanced += round(advance * 1000)
            if advanced < 0 or advanced > MAX_ADVANCE_SECONDS * 1000:
                raise ClockSettingsError("the clock cannot go before the anchor or beyond a year")
            self._advanced_ms = advanced
            if "live" in raw and raw["live"] != self._live:
                if raw["live"]:
                    self._started = time.monotonic()
                else:  # freeze where it stands
                    self._advanced_ms += self._wall_ms()
                self._live = raw["live"]
        return self.get()

    def reset(self) -> dict:
        """Take back every advance (a --live clock keeps running from its start)."""
        with self._lock:
            self._advanced_ms = 0
        return self.get()
