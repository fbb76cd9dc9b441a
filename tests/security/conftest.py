"""Security test fixtures: sandbox look-ups and Debian's Chromium for the XSS checks.

The browser fixtures live here (not in tests/browser/, which has its own conftest) so this
directory runs on its own: ``.venv/bin/pytest tests/security -q``.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def chromium(browser: Any) -> Any:
    """The session's one Chromium (tests/support/browser.py), under this suite's old name."""
    return browser
