"""Browser fixtures: Debian's Chromium driven by Playwright (sync API) against a live server.

The live server (pytest-django's ``live_server``, which brings ``transactional_db``) talks to the
session's sandbox through ``live_api``. One Chromium per session; every test gets fresh contexts.
Playwright's own browser download does not work here, so /usr/bin/chromium is always used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 - re-exported

DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000
USERNAME = "sup"
PASSWORD = "pw-for-tests-1"  # the `supervisor` fixture's password


def log_in(page: Any, base_url: str, username: str = USERNAME, password: str = PASSWORD) -> None:
    """Sign in through the real login form and wait to land on the interactions pages."""
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/interactions/.*"))


@pytest.fixture
def make_page(browser, live_server, live_api) -> Iterator[Callable[..., Any]]:
    """``make_page(logged_in=False, **context_options)``: a page in a new browser context.

    Context options go to ``browser.new_context`` (viewport, java_script_enabled...);
    ``logged_in=True`` needs the ``supervisor`` user (request it in the test or fixture).
    """
    contexts = []

    def make(*, logged_in: bool = False, **options: Any) -> Any:
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(base_url=live_server.url, **options)
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        if logged_in:
            log_in(page, live_server.url)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(make_page) -> Any:
    """An anonymous page at desktop size."""
    return make_page()


@pytest.fixture
def logged_in_page(make_page, supervisor) -> Any:
    """A page signed in as ``sup`` through the login form, at desktop size."""
    return make_page(logged_in=True)
