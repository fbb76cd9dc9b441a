"""Strict readers for the environment contract.

django-environ parses the values; these wrappers make a set-but-wrong value fail at start-up with
an ImproperlyConfigured naming the variable, instead of being silently read as something else.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    # Read os.environ directly: django-environ's Env.str treats a value starting with "$" as a
    # reference to another variable, so a secret like "$ecret" was silently read as unset (or
    # as some other variable's value).
    value = os.environ.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _fail(name: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} {problem}")


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, *, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _fail(name, f"must be true or false (1/0, yes/no, on/off), not {value!r}.")


def env_float(name: str, *, default: float, minimum: float = 0.0) -> float:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise _fail(name, f"must be a number, not {value!r}.") from None
    if number < minimum:
        raise _fail(name, f"must be at least {minimum}, not {value!r}.")
    return number


def env_int(name: str, *, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _fail(name, f"must be a whole number, not {value!r}.") from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise _fail(name, f"must be {bound}, not {value!r}.")
    return number


def env_list(name: str, *, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise _fail(name, "must list at least one value (comma-separated).")
    return items


def env_http_url(name: str, *, default: str) -> str:
    value = _raw(name)
    if value is None:
        return default
    parts = urlsplit(value)
    if "@" in parts.netloc:
        # credentials in the URL would end up in log lines and error pages; never echo them
        raise _fail(name, "must not contain credentials; use CXENGAGE_API_KEY or _USERNAME.")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = parts._replace(netloc="")
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise _fail(
            name, f"must be an http(s) URL such as https://api.cxengage.net/v1, not {value!r}."
        )
    if parts.query or parts.fragment:
        raise _fail(name, f"must not have a query string or fragment, not {value!r}.")
    return value.rstrip("/")


def env_uuid(name: str, *, default: str) -> str:
    value = _raw(name)
    if value is None:
        return default
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise _fail(name, f"must be a UUID, not {value!r}.") from None


def env_db(name: str, *, default: str) -> dict:
    value = _raw(name) or default
    try:
        config = environ.Env.db_url_config(value)
    except Exception as exc:  # environ raises several types for bad URLs
        raise _fail(name, f"is not a database URL Django can use ({exc}).") from None
    # db_url_config passes an unknown scheme through as the ENGINE ("nosuch://x" -> "nosuch"),
    # which only failed later, at the first query, without naming the variable.
    if not config.get("ENGINE") or urlsplit(value).scheme not in environ.Env.DB_SCHEMES:
        raise _fail(name, f"has an unsupported scheme: {urlsplit(value).scheme!r}.")
    return config


def env_cache(name: str, *, default: str) -> dict:
    value = _raw(name) or default
    try:
        config = environ.Env.cache_url_config(value)
    except Exception as exc:
        raise _fail(name, f"is not a cache URL Django can use ({exc}).") from None
    return config


def env_credentials() -> dict[str, str]:
    """Token auth (key + secret) or Basic auth (username + password); both halves or neither."""
    pairs = (
        ("CXENGAGE_API_KEY", "CXENGAGE_API_SECRET"),
        ("CXENGAGE_USERNAME", "CXENGAGE_PASSWORD"),
    )
    found: dict[str, str] = {}
    for first, second in pairs:
        a, b = _raw(first), _raw(second)
        if bool(a) != bool(b):
            missing = second if a else first
            raise _fail(missing, f"must be set together with {first if a else second}.")
        if a and b:
            found[first], found[second] = a, b
    return found
