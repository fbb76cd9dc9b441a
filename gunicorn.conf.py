"""gunicorn settings for the dashboard: ``gunicorn -c gunicorn.conf.py config.wsgi:application``.

Every value can be overridden from the environment (or on the command line, which wins):

- ``BIND`` (full address, e.g. ``0.0.0.0:8000`` in a container) or ``HOST``/``PORT``; default
  ``127.0.0.1:8000``: put a TLS-terminating proxy in front.
- ``WEB_CONCURRENCY``: worker processes; default ``2 * cores + 1`` capped at 8.
- ``GUNICORN_THREADS``: threads per worker (gthread); default 4. Views spend most of their time
  waiting on CxEngage, so threads give concurrency cheaply; each thread may hold one database
  connection (``CONN_MAX_AGE``): size Postgres' ``max_connections`` for workers x threads.
- ``GUNICORN_TIMEOUT``: seconds; default derived from the CxEngage client's timeouts and retries.
- ``GUNICORN_PRELOAD``: ``true`` (default) or ``false``.

``preload_app``: the application is imported once in the master and forked. This is safe here
because nothing opens a connection at import: the CxEngage client (and its ``requests.Session``)
is created lazily, per process, by the first request that needs it; Django opens database and
cache connections lazily too. Preloading makes a configuration error (``ImproperlyConfigured``)
stop the master once with the message, instead of every worker failing to boot, shares the
imported code between workers and makes worker restarts fast. Keep it that way: do not call the
upstream, the database or the cache at import time.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

# Under this config file the production profile is the default.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_number(name: str, default: float, cast=int):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return cast(raw)
    except ValueError:
        raise SystemExit(f"gunicorn.conf.py: {name} must be a number, not {raw!r}") from None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # respects CPU pinning (containers, taskset)
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


wsgi_app = "config.wsgi:application"
bind = [_env("BIND", f"{_env('HOST', '127.0.0.1')}:{_env('PORT', '8000')}")]

worker_class = "gthread"
workers = max(1, _env_number("WEB_CONCURRENCY", min(2 * _cores() + 1, 8)))
threads = max(1, _env_number("GUNICORN_THREADS", 4))

# A request may wait for (connect + read timeout) x attempts on one upstream call, plus
# Retry-After pauses. gthread workers heartbeat from their main loop, so a long request (a CSV
# export) does not get its worker killed; the timeout catches a wedged worker.
_read = _env_number("CXENGAGE_READ_TIMEOUT", 20.0, float)
_connect = _env_number("CXENGAGE_CONNECT_TIMEOUT", 3.05, float)
_attempts = _env_number("CXENGAGE_RETRIES", 2) + 1
_retry_pause = _env_number("CXENGAGE_MAX_RETRY_AFTER", 3.0, float)
timeout = _env_number("GUNICORN_TIMEOUT", int((_read + _connect + _retry_pause) * _attempts) + 15)
graceful_timeout = _env_number("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_number("GUNICORN_KEEPALIVE", 5)

preload_app = _env("GUNICORN_PRELOAD", "true").lower() in {"1", "true", "yes", "on"}

# heartbeat files in memory, not on a (possibly slow, overlay) disk
if os.path.isdir("/dev/shm"):  # noqa: S108
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Logs on stdout/stderr. The access line has the request time in ms (%(M)s) and the request id
# the dashboard puts on every response; the path is logged without its query string, which can
# carry searched attribute values (customer data). %(h)s is the peer (behind a proxy: the
# proxy); client= is the address the dashboard resolved (interactions_app/proxy.py, with
# DJANGO_PROXY_COUNT), the one django-axes and the audit log use ("-" for static files).
accesslog = "-"
errorlog = "-"
access_log_format = (
    '%(h)s client=%({dashboard.client_ip}e)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms '
    'req=%({x-request-id}o)s "%(a)s"'
)
proxy_protocol = False
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def on_starting(server) -> None:
    """Refuse to start when CACHE_URL names a Redis that does not answer, saying which."""
    url = os.environ.get("CACHE_URL", "").strip()
    if urlsplit(url).scheme not in {"redis", "rediss"}:
        return
    import redis  # installed with django-redis

    parts = urlsplit(url)
    where = f"{parts.scheme}://{parts.hostname or ''}:{parts.port or 6379}{parts.path}"
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        server.log.error("CACHE_URL %s: Redis is not reachable (%s)", where, error)
        raise SystemExit(f"CACHE_URL {where}: Redis is not reachable ({error})") from None
    finally:
        client.close()
