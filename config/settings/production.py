"""Production profile: behind a TLS-terminating proxy, under gunicorn (see gunicorn.conf.py).

Required: ``DJANGO_SECRET_KEY`` (not the development default) and ``DJANGO_ALLOWED_HOSTS``.
Usual: ``DATABASE_URL=postgres://…`` and ``CACHE_URL=redis://…`` (a shared cache is what lets
several gunicorn workers and instances share cached pages and coalesce identical upstream calls;
the default in-memory cache is per process). Static files are collected into ``STATIC_ROOT``
(``manage.py collectstatic``) and served compressed, with hashed names, by WhiteNoise.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

from .base import *  # noqa: F403
from .base import BASE_DIR, CACHES, DATABASES, MIDDLEWARE

_DEV_SECRET_KEY = "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"  # noqa: S105

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value in production (for example "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)"
        + (", not the development default." if SECRET_KEY else ".")
    )

if env_str("DJANGO_ALLOWED_HOSTS") is None:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must be set in production: the host names the dashboard is "
        "served under, comma-separated (e.g. review.example.com)."
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=[])
# Origins allowed to POST (login, preferences) when they differ from the Host header, e.g.
# https://review.example.com behind a proxy that rewrites Host. Usually not needed.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- static files: collected, hashed, compressed, served by WhiteNoise -------------------------
STATIC_ROOT = env_str("DJANGO_STATIC_ROOT") or str(BASE_DIR / "staticfiles")
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- compressed HTML: a 25-row list page is ~38 KB raw, ~6 KB gzipped. Django's GZipMiddleware
# pads each response with random bytes (the "Heal the Breach" BREACH mitigation) and the CSRF
# token in forms is masked per response. Static files come precompressed from WhiteNoise, which
# stays right after SecurityMiddleware as it asks; this goes right after WhiteNoise, so it
# compresses what every later middleware and view produced (streamed CSV exports included),
# except files served in byte ranges (recordings, attachments: CompressionMiddleware).
MIDDLEWARE = list(MIDDLEWARE)
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "interactions_app.middleware.CompressionMiddleware",
)

# --- HTTPS: TLS ends at the proxy, which must set X-Forwarded-Proto (and strip it from clients) --
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = 365 * 24 * 3600
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True  # no script reads the token from the cookie; forms carry it

# --- database: persistent, health-checked connections (one per gunicorn thread) ----------------
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DJANGO_DB_CONNECT_TIMEOUT", default=5, minimum=1)
    )

# --- cache: short socket timeouts so an unreachable Redis fails fast, with its address ---------
# (not IGNORE_EXCEPTIONS: coalescing relies on cache.add; a silently failing cache would make
# every request wait for a lock that can never be taken. interactions_app/caching/store.py
# takes the failure instead: logged once, the process's own entries until Redis answers again)
_cache = CACHES["default"]
_cache_timeout = env_int("CACHE_SOCKET_TIMEOUT", default=5, minimum=1)
if _cache["BACKEND"] == "django_redis.cache.RedisCache":
    _cache.setdefault("OPTIONS", {}).update(
        {"SOCKET_CONNECT_TIMEOUT": _cache_timeout, "SOCKET_TIMEOUT": _cache_timeout}
    )
elif _cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    _cache.setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": _cache_timeout, "socket_timeout": _cache_timeout}
    )
_cache.setdefault("KEY_PREFIX", "cxengage-dashboard")
