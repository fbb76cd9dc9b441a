"""axe-core (npm, ``node_modules/axe-core``) run inside a Playwright page: WCAG 2.0/2.1 A and AA.

The script is evaluated through the DevTools protocol rather than added as a ``<script>``, so
the page keeps its own Content-Security-Policy (no inline script) while it is checked.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""


@cache
def _source() -> str:
    if not AXE.exists():
        message = f"{AXE} is missing: run `npm ci` (make test does)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def violations(page: Any) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A+AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(f"() => {{ {_source()}\n }}")
    return page.evaluate(_RUN, WCAG_A_AA)


def assert_accessible(page: Any) -> None:
    found = violations(page)
    assert not found, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in found
    )
