"""config.settings.production: what it refuses, and `check --deploy` clean (no services needed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPO_ROOT, SUBPROCESS_TIMEOUT, manage, production_env, run_python

DEV_KEY = "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"

LOAD_SETTINGS = (
    "import django; from django.conf import settings; django.setup(); "
    "import json; print(json.dumps({"
    "'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, "
    "'cache': settings.CACHES['default']['BACKEND'], "
    "'cache_options': settings.CACHES['default'].get('OPTIONS', {}), "
    "'db': settings.DATABASES['default']['ENGINE'], "
    "'conn_max_age': settings.DATABASES['default'].get('CONN_MAX_AGE'), "
    "'health': settings.DATABASES['default'].get('CONN_HEALTH_CHECKS'), "
    "'static': settings.STORAGES['staticfiles']['BACKEND'], "
    "'finders': settings.WHITENOISE_USE_FINDERS, 'ssl_redirect': settings.SECURE_SSL_REDIRECT}))"
)


def load(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_python(env, "-c", LOAD_SETTINGS)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "  "}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": DEV_KEY}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DJANGO_SECURE_SSL_REDIRECT": "sometimes"}, "DJANGO_SECURE_SSL_REDIRECT"),
    ],
)
def test_refuses_to_start_without_what_production_needs(change, named):
    env = production_env()
    for key, value in change.items():
        if value is None:
            env.pop(key)
        else:
            env[key] = value
    result = load(env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line and named in last_line, result.stderr[-2000:]


def test_production_values():
    result = load(
        production_env(
            DATABASE_URL="postgres://root@127.0.0.1:5432/test",
            CACHE_URL="redis://127.0.0.1:6379/1",
        )
    )
    assert result.returncode == 0, result.stderr[-2000:]
    values = __import__("json").loads(result.stdout.strip().splitlines()[-1])
    assert values["debug"] is False
    assert values["hosts"] == ["127.0.0.1", "localhost"]
    assert values["db"] == "django.db.backends.postgresql"
    assert values["conn_max_age"] > 0 and values["health"] is True
    assert values["cache"].endswith("RedisCache")
    assert values["cache_options"]  # socket timeouts: an unreachable Redis fails fast
    assert values["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["finders"] is False
    assert values["ssl_redirect"] is True


def test_debug_can_be_turned_on_but_defaults_off():
    result = load(production_env(DJANGO_DEBUG="true", DJANGO_SECURE_SSL_REDIRECT="false"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"debug": true' in result.stdout and '"ssl_redirect": false' in result.stdout


def test_check_deploy_is_clean():
    result = manage(
        production_env(
            DATABASE_URL="postgres://root@127.0.0.1:5432/test",
            CACHE_URL="redis://127.0.0.1:6379/1",
        ),
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_gunicorn_config_resolves():
    env = production_env(BIND="127.0.0.1:8123", WEB_CONCURRENCY="3", GUNICORN_THREADS="6")
    result = run_python(env, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--print-config")
    assert result.returncode == 0, result.stderr[-2000:]
    config = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            config[key.strip()] = value.strip()
    assert config["bind"] == "['127.0.0.1:8123']"
    assert config["workers"] == "3" and config["threads"] == "6"
    assert config["worker_class"] == "gthread"
    # above one upstream call's worst case (connect + read timeout, retried)
    assert int(config["timeout"]) > 20
    assert "%(M)s" in config["access_log_format"]


def test_gunicorn_defaults_to_loopback_and_a_capped_worker_count():
    env = production_env()
    for key in ("BIND", "HOST", "PORT", "WEB_CONCURRENCY"):
        env.pop(key, None)
    result = run_python(env, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--print-config")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "bind                               = ['127.0.0.1:8000']" in result.stdout
    workers = next(
        int(line.split("=")[1])
        for line in result.stdout.splitlines()
        if line.startswith("workers ")
    )
    assert 1 <= workers <= 8


def test_gunicorn_refuses_an_unreachable_redis_naming_cache_url(tmp_path):
    env = production_env(
        CACHE_URL="redis://127.0.0.1:1/0",  # port 1: nothing listens there
        BIND="127.0.0.1:0",
        DJANGO_STATIC_ROOT=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    assert result.returncode != 0
    assert "CACHE_URL redis://127.0.0.1:1/0: Redis is not reachable" in result.stderr
