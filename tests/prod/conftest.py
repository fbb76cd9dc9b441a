"""The production profile for real: PostgreSQL, Redis, collectstatic and gunicorn subprocesses.

PostgreSQL (``CXENGAGE_TEST_POSTGRES_URL``, default ``postgres://root@127.0.0.1:5432/test``) and
Redis (``CXENGAGE_TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/7``; that db is flushed)
must be reachable. When one is not, these tests are skipped with the reason, or fail when
``CXENGAGE_REQUIRE_SERVICES=1`` (CI sets it). Each run migrates a fresh database
``cxengage_ci_<random>`` and drops it afterwards; the rest of the suite keeps using SQLite.
Everything binds to loopback; every process started here is stopped here, by its own pid.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from tests.support.sandbox_process import SandboxProcess, start_sandbox

REPO_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
POSTGRES_URL = os.environ.get("CXENGAGE_TEST_POSTGRES_URL", "postgres://root@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CXENGAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
REQUIRED = os.environ.get("CXENGAGE_REQUIRE_SERVICES", "").strip() == "1"
SUBPROCESS_TIMEOUT = 90
START_TIMEOUT = 30
LOOPBACK = {"http": None, "https": None}  # requests: never through a proxy


def service_missing(name: str, url: str, error: object) -> None:
    message = (
        f"{name} is not reachable at {url} ({error}). The production-profile tests in "
        "tests/prod need it"
    )
    if REQUIRED:
        pytest.fail(f"{message}; CXENGAGE_REQUIRE_SERVICES=1 makes that a failure.")
    pytest.skip(f"!!! SKIPPED: {message}; set CXENGAGE_REQUIRE_SERVICES=1 to fail instead.")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    import psycopg

    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.Error as error:
        service_missing("PostgreSQL", POSTGRES_URL, str(error).strip().splitlines()[0])
    return POSTGRES_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        service_missing("Redis", REDIS_URL, error)
    finally:
        client.close()
    return REDIS_URL


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)
    try:
        client.flushdb()
    finally:
        client.close()


@pytest.fixture(scope="package")  # dropped once tests/prod is done
def ci_database(postgres_url: str) -> Iterator[str]:
    """A fresh database ``cxengage_ci_<random>``; yields its URL and drops it afterwards."""
    import psycopg
    from psycopg import sql

    name = f"cxengage_ci_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_url, connect_timeout=3, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(postgres_url)
    try:
        yield urlunsplit(parts._replace(path="/" + name))
    finally:
        with psycopg.connect(postgres_url, connect_timeout=3, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def production_env(**overrides: str) -> dict[str, str]:
    """A production environment (TLS at a proxy) without anything of the caller's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CXENGAGE_", "DATABASE_URL", "CACHE_URL"))
        and key.lower() not in {"http_proxy", "https_proxy", "all_proxy"}
    }
    env.update(
        {
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "true",
        }
    )
    env.update(overrides)
    return env


def run_python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``python *args`` in the repository with ``env``, output captured, bounded in time."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run_python(env, "manage.py", *args)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Gunicorn:
    name: str
    env: dict[str, str]
    log_path: Path
    port: int = 0
    process: subprocess.Popen | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Gunicorn:
        for _attempt in range(3):  # a free port can be taken between probing and binding
            self.port = free_port()
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [GUNICORN, "-c", "gunicorn.conf.py"],
                    cwd=REPO_ROOT,
                    env={**self.env, "BIND": f"127.0.0.1:{self.port}"},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            if self._wait_healthy():
                return self
            self.stop()
        raise RuntimeError(f"gunicorn {self.name} did not start:\n{self.output()[-4000:]}")

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                if requests.get(self.root + "/healthz", timeout=2, proxies=LOOPBACK).ok:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # --- HTTP, as if behind the TLS proxy ----------------------------------------------------

    def get(
        self, path: str, *, https: bool = True, anonymous: bool = False, **kwargs
    ) -> requests.Response:
        headers = {"X-Forwarded-Proto": "https"} if https else {}
        headers.update(kwargs.pop("headers", {}))
        if self.cookies and not anonymous:
            # the cookies are Secure: a cookie jar would not send them over plain http
            headers.setdefault("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        return requests.get(  # noqa: S113 - the timeout is in kwargs
            self.root + path, headers=headers, proxies=LOOPBACK, **kwargs
        )

    def log_in(self, username: str, password: str) -> requests.Response:
        page = self.get("/login/", anonymous=True)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert page.status_code == 200 and token, page.text[:500]
        origin = f"https://127.0.0.1:{self.port}"
        answer = requests.post(
            self.root + "/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
            headers={
                "X-Forwarded-Proto": "https",
                "Origin": origin,
                "Referer": origin + "/login/",
                "Cookie": f"csrftoken={page.cookies['csrftoken']}",
            },
            proxies=LOOPBACK,
            timeout=30,
            allow_redirects=False,
        )
        assert answer.status_code == 302, (answer.status_code, answer.text[:500])
        self.cookies = {"csrftoken": page.cookies["csrftoken"], **answer.cookies.get_dict()}
        assert "sessionid" in self.cookies, self.cookies
        return answer


@dataclass
class ProdStack:
    sandbox: SandboxProcess
    env: dict[str, str]
    database_url: str
    redis_url: str
    migrate: subprocess.CompletedProcess
    static_root: Path
    a: Gunicorn
    b: Gunicorn
    username: str = "prod-supervisor"
    password: str = ""

    def upstream_list_calls(self) -> int:
        path = f"/v1/tenants/{self.sandbox.TENANT_A}/interactions"
        return self.sandbox.stats()["paths"].get(path, 0)


@pytest.fixture(scope="package")  # stopped once tests/prod is done
def prod_stack(
    ci_database: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProdStack]:
    """Sandbox + migrated Postgres + collected static + two gunicorn instances on one Redis."""
    tmp = tmp_path_factory.mktemp("prod")
    flush_redis(redis_url)
    password = secrets.token_urlsafe(16)
    with start_sandbox() as sandbox:
        env = production_env(
            DATABASE_URL=ci_database,
            CACHE_URL=redis_url,
            DJANGO_STATIC_ROOT=str(tmp / "static"),
            CXENGAGE_API_URL=sandbox.api_url,
            CXENGAGE_TENANT_ID=sandbox.TENANT_A,
            CXENGAGE_API_KEY=sandbox.API_KEY,
            CXENGAGE_API_SECRET=sandbox.API_SECRET,
            WEB_CONCURRENCY="2",
            GUNICORN_THREADS="4",
        )
        migrate = manage(env, "migrate", "--noinput")
        if migrate.returncode != 0:
            pytest.fail(f"migrate on PostgreSQL failed:\n{migrate.stdout}{migrate.stderr}")
        for args in (
            ("collectstatic", "--noinput"),
            (
                "shell",
                "-c",
                "from django.contrib.auth import get_user_model; "
                f"get_user_model().objects.create_user('prod-supervisor', password={password!r})",
            ),
        ):
            done = manage(env, *args)
            if done.returncode != 0:
                pytest.fail(f"manage.py {args[0]} failed:\n{done.stdout}{done.stderr}")
        a = Gunicorn("A", env, tmp / "gunicorn-a.log")
        b = Gunicorn("B", env, tmp / "gunicorn-b.log")
        try:
            a.start()
            b.start()
            a.log_in("prod-supervisor", password)
            b.log_in("prod-supervisor", password)
            yield ProdStack(
                sandbox=sandbox,
                env=env,
                database_url=ci_database,
                redis_url=redis_url,
                migrate=migrate,
                static_root=tmp / "static",
                a=a,
                b=b,
                password=password,
            )
        finally:
            a.stop()
            b.stop()
            flush_redis(redis_url)
