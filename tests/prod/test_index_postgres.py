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
