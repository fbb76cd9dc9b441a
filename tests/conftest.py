"""Shared fixtures: a live sandbox over real HTTP, the dashboard pointed at it, and users."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase

from interactions_app.caching.html import Fragment
from interactions_app.caching.single_flight import settle
from tests.support.browser import browser  # noqa: F401 - the session-wide browser fixture
from tests.support.sandbox_process import SandboxProcess, start_sandbox

# Hypothesis (tests/reliability/test_fuzz.py): CI replays the same derandomised examples every
# run, so a red build is the code's doing; `make test` on a machine draws fresh ones each run and
# keeps what failed in .hypothesis/ (not in git), so a failure found locally is replayed first.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile(
    "dev",
    derandomize=False,
    database=DirectoryBasedExampleDatabase(Path(__file__).resolve().parents[1] / ".hypothesis"),
)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def sandbox() -> SandboxProcess:
    with start_sandbox() as process:
        yield process


@pytest.fixture
def live_api(sandbox: SandboxProcess, settings) -> SandboxProcess:
    """Point the dashboard at the session's sandbox (token auth), with clean faults and cache."""
    settings.CXENGAGE = {
        **settings.CXENGAGE,
        "API_URL": sandbox.api_url,
        "TENANT_ID": sandbox.TENANT_A,
        "API_KEY": sandbox.API_KEY,
        "API_SECRET": sandbox.API_SECRET,
        "USERNAME": None,
        "PASSWORD": None,
    }
    sandbox.reset()
    cache.clear()
    yield sandbox
    # scans and cache writes outlive their request: without the test's faults, let them end
    # before the next test counts upstream calls
    sandbox.reset()
    settle()
    sandbox.reset()
    cache.clear()


@pytest.fixture
def supervisor(django_user_model):
    return django_user_model.objects.create_user(username="sup", password="pw-for-tests-1")


@pytest.fixture
def sup_client(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def stored(monkeypatch) -> list[str]:
    """Every text value written to the cache from here on (the rendered regions)."""
    values: list[str] = []
    original = cache.set

    def spy(key, value, *args, **kwargs):
        if isinstance(value, Fragment):  # a region, kept compressed
            values.append(value.inflated().decode())
        elif isinstance(value, str):
            values.append(value)
        return original(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    return values
