"""One sandbox process for the contract tests (plus a short-token-TTL one for expiry tests)."""

from __future__ import annotations

import pytest
import requests

from tests.support.sandbox_process import BASIC_PASSWORD, BASIC_USER, start_sandbox


@pytest.fixture(scope="session")
def sandbox():
    with start_sandbox() as process:
        yield process


@pytest.fixture(scope="session")
def short_ttl_sandbox():
    """Same seed and anchor as ``sandbox`` but tokens live 2 seconds."""
    with start_sandbox(token_ttl=2) as process:
        yield process


@pytest.fixture
def http():
    """A plain session (no proxies from the environment), no auth."""
    with requests.Session() as session:
        session.trust_env = False
        yield session


@pytest.fixture
def api(http, sandbox):
    """A session with HTTP Basic auth; faults are reset before and after each test."""
    sandbox.reset()
    http.auth = (BASIC_USER, BASIC_PASSWORD)
    yield http
    sandbox.reset()
