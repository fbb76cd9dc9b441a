"""Debian's Chromium through Playwright's sync API: one browser for the whole test session.

Every browser test (tests/browser, tests/security) shares this fixture: two sync Playwright
instances in one process would clash over the event loop. Playwright's own browser download
does not work here, so /usr/bin/chromium is always used.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing, so the browser tests cannot run."
        if os.environ.get("CI"):
            pytest.fail(f"{message} Run `make test`, which apt-installs Debian's chromium.")
        warnings.warn(f"{message} Skipping them; `make test` installs it.", stacklevel=1)
        pytest.skip(f"BROWSER TESTS SKIPPED: {message} Run `make test` to install it.")

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the main thread; without this, Django's DB
    # access from that thread (fixtures, transactional_db teardown) raises
    # SynchronousOnlyOperation.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
