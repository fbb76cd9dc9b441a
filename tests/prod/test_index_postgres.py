"""The interaction index's tests (tests/index) run again on a real PostgreSQL.

The same sync and brute-force filter tests as on SQLite, plus the EXPLAIN checks that only
PostgreSQL runs, in a pytest subprocess whose ``DATABASE_URL`` is this run's fresh database
(pytest-django makes its ``test_`` copy beside it and drops it afterwards).
"""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import REPO_ROOT


def test_the_index_tests_pass_on_postgresql(ci_database: str) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "PYTEST_"))
    }
    env.update(
        {
            "DATABASE_URL": ci_database,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CXENGAGE_INDEX_EXPECT_VENDOR": "postgresql",
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "tests/index"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
    assert " passed" in result.stdout and "skipped" not in result.stdout, output


def days_back_to_the_sandbox_month() -> int:
    from datetime import UTC, datetime, timedelta

    from tests.support.sandbox_process import ANCHOR

    month_start = datetime.fromisoformat(ANCHOR.replace("Z", "+00:00")) - timedelta(days=31)
    return (datetime.now(UTC) - month_start).days + 1


def test_two_syncers_started_at_once_one_backfills_the_other_waits(ci_database: str) -> None:
    """Two ``index_sync`` processes on one PostgreSQL: the lease lets one backfill while the
    other waits, then the other's pass finds nothing left to write."""
    from tests.support.sandbox_process import start_sandbox

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "PYTEST_", "CXENGAGE_"))
    }
    with start_sandbox(per_tenant=3000) as sandbox:
        env.update(
            {
                "DATABASE_URL": ci_database,
                "DJANGO_SETTINGS_MODULE": "config.settings.local",
                "CXENGAGE_INDEX": "true",
                "CXENGAGE_API_URL": sandbox.api_url,
                "CXENGAGE_API_KEY": sandbox.API_KEY,
                "CXENGAGE_API_SECRET": sandbox.API_SECRET,
                # the sandbox's month ends at its fixed anchor: keep all of it from today
                "CXENGAGE_INDEX_DAYS": str(days_back_to_the_sandbox_month()),
            }
        )
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stderr[-2000:]
        command = [sys.executable, "manage.py", "index_sync", "--no-progress", "--wait", "120"]
        syncers = [
            subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=300)[0] for p in syncers]
        assert [p.returncode for p in syncers] == [0, 0], outputs
        lines = sorted(
            next(line for line in out.splitlines() if line.startswith("index pass"))
            for out in outputs
        )
        modes = sorted(line.split(" mode=")[1].split()[0] for line in lines)
        assert modes == ["backfill", "incremental"], lines
        incremental = next(line for line in lines if "mode=incremental" in line)
        assert " written=0 " in incremental, lines
        listed = sum(
            n for path, n in sandbox.stats()["paths"].items() if path.endswith("/interactions")
        )
        backfill = next(line for line in lines if "mode=backfill" in line)
        backfill_calls = int(backfill.split(" calls=")[1].split()[0])
        assert listed <= backfill_calls + 5, (listed, lines)  # the month was read once
