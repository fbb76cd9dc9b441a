"""Strict readers for the environment contract.

django-environ parses the values; these wrappers make a set-but-wrong value fail at start-up with
an ImproperlyConfigured naming the variable, instead of being silently read as something else.
"""

from __future__ import annotations

import os
import re
import uuid
from urllib.parse import SplitResult, urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from config.secrets import Secret

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


API_VERSION_PATH = "/v1"


def env_api_url(name: str, *, default: str) -> str:
    """The CxEngage API base, always ending in ``/v1``.

    Public clients take the host alone (``https://api.cxengage.net``, Pearson-ICC/CxAdmin) or
    the host with the version (``https://api.cxengage.net/v1/``, the JavaScript SDK's default);
    both are accepted, with or without a trailing slash. Any other path is a mistake that would
    only show later as a 404 page, so it stops start-up here.
    """
    value = env_http_url(name, default=default)
    parts = urlsplit(value)
    path = parts.path.rstrip("/")
    if path not in ("", API_VERSION_PATH):
        raise _fail(
            name,
            "must be the API host, with or without /v1 (https://api.cxengage.net or "
            f"https://api.cxengage.net/v1), not {value!r}.",
        )
    return f"{parts.scheme}://{parts.netloc}{API_VERSION_PATH}"


_CRM_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")
CRM_ID_PLACEHOLDER = "{id}"


def env_crm_links(name: str) -> dict[str, str]:
    """``zendesk=https://acme.zendesk.com/agent/tickets/{id},salesforce-lightning/Case=...``.

    One link template per CRM ``hookType`` (or ``hookType/hookSubType``), comma-separated. Each
    must be an https URL without credentials whose path, query or fragment holds ``{id}``
    (where the record's hookId goes, percent-encoded), so a record id can never change the
    host the link points at. Keys are matched case-insensitively.
    """
    value = _raw(name)
    if value is None:
        return {}
    links: dict[str, str] = {}
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        key, sep, template = (piece.strip() for piece in entry.partition("="))
        if not sep or not _CRM_KEY.match(key):
            raise _fail(
                name,
                "must list CRM=https://...{id} entries separated by commas, e.g. "
                f"zendesk=https://acme.zendesk.com/agent/tickets/{{id}}; not {entry!r}.",
            )
        parts = urlsplit(template)
        try:
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            parts = parts._replace(netloc="")
        if parts.scheme != "https" or not parts.hostname or "@" in parts.netloc:
            raise _fail(name, f"links must be https URLs without credentials ({key}).")
        if CRM_ID_PLACEHOLDER in parts.netloc:
            raise _fail(name, f"{{id}} must not be part of the host ({key}).")
        if CRM_ID_PLACEHOLDER not in template:
            raise _fail(name, f"each link must contain {{id}} where the record id goes ({key}).")
        rest = template.replace(CRM_ID_PLACEHOLDER, "")
        if re.search(r"\s", template) or "{" in rest or "}" in rest:
            raise _fail(name, f"links may contain no spaces and no placeholder but {{id}} ({key}).")
        links[key.lower()] = template
    if not links:
        raise _fail(name, "must list at least one CRM=https://...{id} entry.")
    return links


_ORIGIN = re.compile(r"^https?://(\*\.)?[a-z0-9.-]+(:[0-9]{1,5})?$")


def env_origins(name: str) -> tuple[str, ...]:
    """``https://recordings.example.com,https://*.s3.amazonaws.com``: origins (scheme, host and
    port, nothing else) that artifact download links may point at besides the API's host.
    ``*.`` allows every subdomain of what follows it. Unset: none."""
    value = _raw(name)
    if value is None:
        return ()
    origins = tuple(o.strip().lower().rstrip("/") for o in value.split(",") if o.strip())
    for origin in origins:
        if not _ORIGIN.match(origin):
            shown = "one with credentials" if "@" in origin else repr(origin)  # never echo them
            raise _fail(
                name,
                "must list origins such as https://files.example.com or https://*.example.com "
                f"(scheme and host, no path or credentials), not {shown}.",
            )
    if not origins:
        raise _fail(name, "must list at least one origin (comma-separated).")
    return origins


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
    if config.get("PASSWORD"):
        config["PASSWORD"] = Secret(config["PASSWORD"])
    return config


# where each Redis backend takes a password besides the URL (django-redis: its OPTIONS;
# Django's own: the connection pool's keyword arguments)
_CACHE_PASSWORD_OPTION = {
    "django_redis.cache.RedisCache": "PASSWORD",
    "django.core.cache.backends.redis.RedisCache": "password",
}


def env_cache(name: str, *, default: str) -> dict:
    """The cache; a Redis password leaves the URL for the backend's options, as a ``Secret``,
    so ``LOCATION`` (which error pages and connection errors show) never carries it."""
    value = _raw(name) or default
    try:
        config = environ.Env.cache_url_config(value)
    except Exception:  # its message would repeat the URL, password and all
        raise _fail(name, "is not a cache URL Django can use.") from None
    option = _CACHE_PASSWORD_OPTION.get(config.get("BACKEND", ""))
    location = config.get("LOCATION")
    if option and isinstance(location, str):
        servers = [urlsplit(server) for server in location.split(",")]
        passwords = {parts.password for parts in servers if parts.password}
        if len(passwords) > 1:
            raise _fail(name, "must use one password for every server.")
        if passwords:
            config["LOCATION"] = ",".join(urlunsplit(_without_password(p)) for p in servers)
            config.setdefault("OPTIONS", {})[option] = Secret(passwords.pop())
    return config


def _without_password(parts: SplitResult) -> SplitResult:
    user = f"{parts.username}@" if parts.username else ""
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=user + host)


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
