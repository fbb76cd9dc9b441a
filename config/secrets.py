"""``Secret``: a configured secret that error pages, debuggers and logs' ``%r`` never show.

The settings wrap every secret they read from the environment (the CxEngage API key and secret
or password, the cache and database passwords) in ``Secret``. It is a ``str``, so everything
that uses it works unchanged, but its ``repr`` (what Django's DEBUG page, a ``pprint`` of the
settings or a local variable, and a debugger print) is ``Secret('********')``, and its value is
remembered so ``config.error_reports`` can blank it wherever it turns up inside other text (an
``Authorization`` header, a URL, a request body). Standard library only: settings import it.
"""

from __future__ import annotations

import threading

MASK = "********"
_MIN_LENGTH = 4  # shorter values would blank ordinary text; none of ours is that short
_known: set[str] = set()
_lock = threading.Lock()


class Secret(str):
    __slots__ = ()

    def __new__(cls, value: str) -> Secret:
        secret = super().__new__(cls, value)
        if len(value) >= _MIN_LENGTH:
            with _lock:
                _known.add(str.__str__(secret))
        return secret

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return (Secret, (str.__str__(self),))


def secret(value: str | None) -> Secret | None:
    """``value`` as a ``Secret`` (None and "" stay as they are)."""
    return Secret(value) if value else value


def known_secrets() -> frozenset[str]:
    """Every secret value made so far (longest first is the caller's business)."""
    with _lock:
        return frozenset(_known)
