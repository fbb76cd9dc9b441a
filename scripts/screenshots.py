"""Screenshot every page at desktop and phone width into docs/screenshots/.

Run against a dashboard started with `make run`:  .venv/bin/python scripts/screenshots.py
(BASE_URL, USERNAME_DEMO and PASSWORD_DEMO may be set in the environment; SANDBOX_URL, default
http://127.0.0.1:8765/v1, is where it finds a call with a recording, a chat and an email.)
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.artifacts import interactions_with, with_artifact

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
USERNAME = os.environ.get("USERNAME_DEMO", "supervisor")
PASSWORD = os.environ.get("PASSWORD_DEMO", "review-demo-2026")
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SANDBOX = os.environ.get("SANDBOX_URL", "http://127.0.0.1:8765/v1")
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    artifacts = {
        "detail-recording": with_artifact(SANDBOX, "recording"),
        "detail-chat": with_artifact(SANDBOX, "transcript", channel="messaging"),
        "detail-email": with_artifact(SANDBOX, "email", channel="email"),
    }
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport)
            page.goto(f"{BASE}/login/")
            page.screenshot(path=OUT / f"login-{name}.png")
            page.fill("#id_username", USERNAME)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r".*/interactions/.*"))
            shots = {
                "list": "/interactions/?limit=25",
                "flagged": "/interactions/flagged/",
                "search": "/interactions/search/?kind=attribute-value&value=VIP"
                "&kind=attribute-value&value=callback-requested",
                "not-found": "/interactions/00000000-0000-4000-8000-000000000000/",
            }
            page.goto(f"{BASE}/interactions/flagged/?depth=50000&limit=10")
            if page.locator(".scan-progress").count():  # only while that scan is not cached
                page.screenshot(path=OUT / f"flagged-scanning-{name}.png")
            for shot, path in shots.items():
                page.goto(BASE + path)
                page.wait_for_selector(".scan-progress", state="detached", timeout=60000)
                page.screenshot(path=OUT / f"{shot}-{name}.png", full_page=shot != "list")
            page.goto(BASE + "/interactions/flagged/?flag=queue")
            page.click("table.itable tbody tr:first-child td.c-when a")
            page.wait_for_selector("#artifacts:not([aria-busy])")  # htmx filled it
            page.screenshot(path=OUT / f"detail-flagged-{name}.png", full_page=True)
            page.goto(BASE + "/interactions/?limit=10&page=40")
            page.click("table.itable tbody tr:first-child td.c-when a")
            page.wait_for_selector("#artifacts:not([aria-busy])")
            page.screenshot(path=OUT / f"detail-{name}.png", full_page=True)
            page.keyboard.press("?")
            page.screenshot(path=OUT / f"shortcuts-{name}.png")
            page.keyboard.press("Escape")
            for shot, interaction_id in artifacts.items():
                if shot == "detail-recording":  # one shorter than its talk, if one is near
                    interaction_id = next(
                        (
                            i
                            for i in interactions_with(SANDBOX, "recording", scan=400)[:60]
                            if "Shorter than the talk"
                            in page.request.get(f"{BASE}/interactions/{i}/artifacts/").text()
                        ),
                        interaction_id,
                    )
                page.goto(f"{BASE}/interactions/{interaction_id}/")
                page.wait_for_selector("#artifacts:not([aria-busy])")
                page.locator("#artifacts").scroll_into_view_if_needed()
                page.screenshot(path=OUT / f"{shot}-{name}.png", full_page=True)
            page.goto(BASE + "/preferences/time-zone/")
            page.screenshot(path=OUT / f"time-zone-{name}.png")
            page.close()
        browser.close()
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
