"""The interaction index against a real sandbox (``--per-tenant 3000``: small, so fast).

``index_sandbox`` is one sandbox for the package; ``raw`` is its own JSON for tenant A, read
straight over HTTP (the brute-force answers are computed from it, never from the index).
``synced`` builds the index once per module (outside the tests' transactions) with a syncer
whose clock is the sandbox's; the tests then only read it. Tests that sync themselves use
``index_api`` and the ``db`` fixture, and start from an empty index.

With ``CXENGAGE_INDEX_EXPECT_VENDOR=postgresql`` (tests/prod/test_index_postgres.py runs this
package against a real PostgreSQL that way) every test first checks it really runs there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from interactions_app.index.models import (
    IndexedAgent,
    IndexedAttribute,
    IndexedInteraction,
    IndexedName,
    IndexedQueue,
    IndexLease,
    IndexState,
)
from interactions_app.index.sync import Syncer
from tests.support.sandbox_process import ANCHOR, SandboxProcess, start_sandbox

PER_TENANT = 3000
ANCHOR_AT = datetime.fromisoformat(ANCHOR.replace("Z", "+00:00")).astimezone(UTC)
TABLES = (
    IndexedAgent,
    IndexedQueue,
    IndexedAttribute,
    IndexedInteraction,
    IndexedName,
    IndexState,
    IndexLease,
)


@pytest.fixture(autouse=True)
def _on_the_expected_database() -> None:
    expected = os.environ.get("CXENGAGE_INDEX_EXPECT_VENDOR")
    if expected:
        assert connection.vendor == expected


@pytest.fixture(scope="package")
def index_sandbox() -> Iterator[SandboxProcess]:
    with start_sandbox(per_tenant=PER_TENANT) as process:
        yield process


def sandbox_settings(sandbox: SandboxProcess, settings_module) -> dict:  # type: ignore[no-untyped-def]
    return {
        "CXENGAGE": {
            **settings_module.CXENGAGE,
            "API_URL": sandbox.api_url,
            "TENANT_ID": sandbox.TENANT_A,
            "API_KEY": sandbox.API_KEY,
            "API_SECRET": sandbox.API_SECRET,
            "USERNAME": None,
            "PASSWORD": None,
        },
        "CXENGAGE_INDEX": True,
        "CXENGAGE_INDEX_DAYS": 30,
    }


def read_all(sandbox: SandboxProcess) -> list[dict]:
    """Every interaction of tenant A as the sandbox sends it (list items, newest first)."""
    rows: list[dict] = []
    while True:
        page = sandbox.interactions(limit=1000, offset=len(rows))
        rows += page["results"] or []
        if len(rows) >= page["total"] or not page["results"]:
            return rows


def sandbox_now(sandbox: SandboxProcess) -> datetime:
    return ANCHOR_AT + timedelta(seconds=sandbox.clock()["offset_seconds"])


@pytest.fixture(scope="package")
def raw(index_sandbox: SandboxProcess) -> list[dict]:
    index_sandbox.reset()
    return read_all(index_sandbox)


def empty_index() -> None:
    for model in TABLES:
        model.objects.all().delete()


@pytest.fixture
def index_api(index_sandbox: SandboxProcess, settings) -> Iterator[SandboxProcess]:  # type: ignore[no-untyped-def]
    """The dashboard pointed at the index sandbox with the index on; clock and faults reset."""
    for name, value in sandbox_settings(index_sandbox, settings).items():
        setattr(settings, name, value)
    index_sandbox.reset()
    cache.clear()
    yield index_sandbox
    index_sandbox.reset()


@pytest.fixture(scope="module")
def synced(django_db_setup, django_db_blocker, index_sandbox: SandboxProcess) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The index built by one full pass at the sandbox's anchor; yields the tenant id."""
    from django.conf import settings as django_settings

    index_sandbox.reset()
    with (
        django_db_blocker.unblock(),
        override_settings(**sandbox_settings(index_sandbox, django_settings)),
    ):
        empty_index()
        cache.clear()
        result = Syncer(clock=lambda: ANCHOR_AT).run_pass()
        assert result.status == "ok", result
        yield index_sandbox.TENANT_A
        empty_index()
