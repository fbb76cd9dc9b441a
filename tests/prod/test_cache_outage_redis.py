"""A cache outage on the production cache (django-redis): pages answer, never a 500.

With ``CACHE_URL=redis://…`` and Redis unreachable, every page answers from the upstream with
one log line saying the shared cache is down; identical requests still make one upstream call
per process (the single flight's lock and values are held in the process meanwhile), and a
flagged scan still finishes and shows its result. Two ways to lose Redis: a port nobody listens
on, and a ``redis-server`` this module starts itself and stops (by its pid) in the middle of a
test; started again on the same port, the shared cache is used again.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import caches
from django.urls import reverse

from interactions_app import services
from interactions_app.caching import store
from interactions_app.caching.single_flight import settle

from .conftest import free_port

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
SEARCH = reverse("interactions:search")
FLAGGED = reverse("interactions:flagged")
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
OUTAGE = "shared cache unavailable"
RECOVERED = "shared cache answers again"
REDIS_SERVER = shutil.which("redis-server")


def redis_cache(url: str) -> dict:
    """The production profile's cache on ``url``, with its short socket timeouts."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
            "KEY_PREFIX": "cxengage-dashboard",
        }
    }


@pytest.fixture
def fresh_store() -> Iterator[None]:
    store.reset()
    yield
    settle()
    store.reset()


@pytest.fixture
def closed_port(settings, live_api, fresh_store) -> Iterator[str]:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there
    usual = settings.CACHES
    settings.CACHES = redis_cache(url)
    yield url
    settle()
    settings.CACHES = usual  # before ``live_api`` clears the cache


class OwnRedis:
    """A ``redis-server`` on a loopback port of its own, no persistence; stopped by its pid."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
            finally:
                client.close()

    def keys(self) -> list[bytes]:
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            return client.keys("*")
        finally:
            client.close()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture
def own_redis(settings, live_api, fresh_store, tmp_path) -> Iterator[OwnRedis]:
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not installed (Debian: apt-get install redis-server)")
    server = OwnRedis(tmp_path)
    server.start()
    usual = settings.CACHES
    settings.CACHES = redis_cache(server.url)
    try:
        yield server
    finally:
        settle()
        server.stop()
        settings.CACHES = usual  # before ``live_api`` clears the cache


def outage_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if OUTAGE in r.getMessage()]


def list_calls(sandbox) -> int:
    return sandbox.stats()["paths"].get(f"/v1/tenants/{sandbox.TENANT_A}/interactions", 0)


def scan_finished(client, query: dict) -> str:
    """The flagged region, asked for again as the page's own poll does until the scan ends."""
    deadline = time.monotonic() + 30
    while True:
        html = client.get(FLAGGED, query, **HX).content.decode()
        if "Scanning:" not in html or time.monotonic() > deadline:
            return html
        time.sleep(0.1)


def test_every_page_answers_with_the_cache_on_a_closed_port(closed_port, sup_client, caplog):
    caplog.set_level(logging.INFO, logger="interactions_app")
    assert type(caches["default"]).__module__ == "django_redis.cache"
    first = sup_client.get(LIST, {"limit": 10})
    assert first.status_code == 200, first.content.decode()[:2000]
    html = first.content.decode()
    assert 'class="upstream-error"' not in html
    row = re.search(r'data-href="/interactions/([0-9a-f-]{36})/', html).group(1)
    pages = [
        sup_client.get(LIST, {"limit": 10}, **HX),
        sup_client.get(SEARCH, {"kind": "attribute-value", "value": "VIP"}),
        sup_client.get(reverse("interactions:detail", args=[row])),
        sup_client.get(FLAGGED),
    ]
    for page in pages:
        assert page.status_code == 200, page.content.decode()[:2000]
        assert 'class="upstream-error"' not in page.content.decode()
    assert "Scanned the most recent" in scan_finished(sup_client, {})
    # one line when the outage began, not one per cache operation
    assert len(outage_lines(caplog)) == 1, outage_lines(caplog)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_identical_requests_still_make_one_call_per_process(closed_port, live_api):
    live_api.set_faults(latency_ms=300)  # every caller arrives while the first is in flight
    before = list_calls(live_api)
    barrier = threading.Barrier(10)
    results: list[object] = []

    def one() -> None:
        barrier.wait()
        try:
            results.append(services.interaction_list(page=3, limit=25))
        except Exception as error:  # reported below
            results.append(error)

    threads = [threading.Thread(target=one) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(isinstance(r, services.ResultPage) for r in results), results
    assert len({r.items[0].id for r in results}) == 1
    assert list_calls(live_api) - before == 1


def test_a_redis_stopped_midway_then_started_again(own_redis, live_api, sup_client, caplog):
    caplog.set_level(logging.INFO, logger="interactions_app")
    query = {"limit": 10, "page": 2}
    warm = sup_client.get(LIST, query)
    settle()  # the page's data is written to the cache after the answer
    assert warm.status_code == 200 and own_redis.keys()  # the shared cache was in use
    calls = list_calls(live_api)
    assert sup_client.get(LIST, query).status_code == 200
    assert list_calls(live_api) == calls  # served from Redis

    own_redis.stop()
    cold = sup_client.get(LIST, query)
    assert cold.status_code == 200, cold.content.decode()[:2000]
    assert 'class="upstream-error"' not in cold.content.decode()
    assert len(outage_lines(caplog)) == 1, outage_lines(caplog)
    flagged = sup_client.get(FLAGGED, {"start": "2026-11-20T00:00"})
    assert flagged.status_code == 200
    assert "Scanned the most recent" in scan_finished(sup_client, {"start": "2026-11-20T00:00"})

    own_redis.start()  # the same port, empty
    store.retry_now()  # rather than wait out the pause between two tries of a down cache
    assert sup_client.get(LIST, {"limit": 10, "page": 3}).status_code == 200
    settle()
    assert any(RECOVERED in r.getMessage() for r in caplog.records)
    assert own_redis.keys()  # written to Redis again
