"""Screenshot every page at desktop and phone width into docs/screenshots/.

Run against a dashboard started with `make run`:  .venv/bin/python scripts/screenshots.py
(BASE_URL, USERNAME_DEMO and PASSWORD_DEMO may be set in the environment; SANDBOX_URL, default
http://127.0.0.1:8765/v1, is where it finds a call with a recording, a chat and an email, and an
interaction with CRM records, monitors and hold time with the search for its Zendesk ticket;
start it with CXENGAGE_CRM_LINKS='zendesk/ticket=https://acme.zendesk.com/agent/tickets/{id}'
to show the link.) `scripts/screenshots.py team` takes only flag triage, saved views and
quick find.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import urllib.request
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
SANDBOX_TENANT = "5b1c3f7e-2a4d-4e8b-9c61-0f3a7d2e9b14"  # its published demo tenant and login
SANDBOX_LOGIN = base64.b64encode(b"sandbox-user:sandbox-pass").decode()


def sandbox_results(*, limit: int, offset: int = 0) -> list | None:
    """The newest interactions as the sandbox lists them; None when it is not there."""
    url = f"{SANDBOX}/tenants/{SANDBOX_TENANT}/interactions?limit={limit}&offset={offset}"
    auth = {"Authorization": f"Basic {SANDBOX_LOGIN}"}
    request = urllib.request.Request(url, headers=auth)  # noqa: S310 - the local sandbox
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - ours
            return json.loads(response.read())["results"] or []
    except OSError:
        return None


def crm_sample() -> tuple[str, str] | None:
    """An interaction linked to a Zendesk ticket, monitored, with hold time: (its id, the
    ticket's id); None when the sandbox is not there or has none in its first 3,000."""
    for offset in range(0, 3000, 1000):
        results = sandbox_results(limit=1000, offset=offset)
        if results is None:
            return None
        for record in results:
            tickets = [h for h in record.get("hooks") or () if h.get("hookSubType") == "ticket"]
            if tickets and record.get("monitors") and record.get("customerHoldTime"):
                return record["interactionId"], tickets[0]["hookId"]
    return None


def index_shots(page, name: str) -> None:
    """The pages the local index answers: the list filtered by channel and the busiest agent
    among those calls (read from the facet counts), longest first, and the flagged page with
    every flagged interaction of the index's period; on a phone the filters unfolded too."""
    page.goto(f"{BASE}/interactions/?channel=voice&sort=-duration&limit=25")
    if name == "phone":  # folded there until asked for
        page.locator("details[data-facets] > summary").click()
    agent = page.locator("#facet-agent input").first.get_attribute("value")
    page.locator("#facet-agent input").first.check()
    page.wait_for_url(re.compile(r".*[?&]agent="))
    if name == "phone":
        page.evaluate("document.querySelector('#facets').scrollIntoView()")
        page.screenshot(path=OUT / f"list-filters-open-{name}.png")
        page.reload()
    page.screenshot(path=OUT / f"list-filtered-{name}.png", full_page=name == "desktop")
    page.goto(f"{BASE}/interactions/flagged/?limit=25")
    page.screenshot(path=OUT / f"flagged-index-{name}.png", full_page=name == "desktop")
    print(f"index-backed pages ({name}): voice calls of {agent}, longest first; flagged")


def live_sample() -> str | None:
    """An interaction still in progress with an agent on it, or None."""
    results = sandbox_results(limit=100) or []
    running = [r for r in results if r.get("dataComplete") is False and r.get("agents")]
    return running[0]["interactionId"] if running else None


def main() -> int:
    if sys.argv[1:] == ["team"]:
        return team_only()
    OUT.mkdir(parents=True, exist_ok=True)
    artifacts = {
        "detail-recording": with_artifact(SANDBOX, "recording"),
        "detail-chat": with_artifact(SANDBOX, "transcript", channel="messaging"),
        "detail-email": with_artifact(SANDBOX, "email", channel="email"),
    }
    sample = crm_sample()
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
            if sample:
                interaction_id, ticket = sample
                shots["detail-crm-monitors"] = f"/interactions/{interaction_id}/"
                shots["search-crm"] = (
                    f"/interactions/search/?kind=crm&value={ticket}&crm=zendesk&record-type=ticket"
                )
            page.goto(f"{BASE}/interactions/?limit=25")
            if page.locator("#facets").count():  # the local index is on (make run turns it on)
                index_shots(page, name)
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
            # quick ranges: a preset chosen; a link made in another zone (both zones shown);
            # the flagged page of the last 7 days (partial on a busy tenant), on a phone its
            # first screen
            for shot, path in {
                "presets": "/interactions/?preset=yesterday&limit=10",
                "shared-link-zone": "/interactions/?preset=today&tz=Europe/London&limit=10",
                "flagged-last-7-days": "/interactions/flagged/?preset=last-7-days",
            }.items():
                page.goto(BASE + path)
                page.wait_for_selector(".scan-progress", state="detached", timeout=60000)
                page.screenshot(path=OUT / f"{shot}-{name}.png")
            live = live_sample()
            if live:  # in progress: "still open" parts, the whole page refreshing by itself
                page.goto(f"{BASE}/interactions/{live}/")
                page.screenshot(path=OUT / f"detail-live-{name}.png", full_page=True)
            page.goto(BASE + "/preferences/time-zone/")
            page.screenshot(path=OUT / f"time-zone-{name}.png")
            team_pages(page, name)
            page.close()
        browser.close()
    print(f"screenshots written to {OUT}")
    return 0


def order_number() -> str:
    """An order number some interaction carries (ORD-…), for quick find; a made-up one when the
    sandbox is not there."""
    results = sandbox_results(limit=200) or []
    names = (str(h.get("hookName", "")) for r in results for h in r.get("hooks") or ())
    return next((n for n in names if n.startswith("ORD-")), "ORD-000000")


def team_pages(page, name: str) -> None:
    """Flag triage, saved views and quick find (the demo supervisor may triage)."""
    flagged = f"{BASE}/interactions/flagged/?depth=1000&limit=10"
    page.goto(flagged)
    page.wait_for_selector(".scan-progress", state="detached", timeout=60000)
    page.click("table.itable tbody tr:first-child td.c-when a")
    page.fill("#id_note", "Queue end lost on the IVR transfer; raised with telephony (OPS-12)")
    page.select_option("#id_owner", label=USERNAME)
    page.locator("#triage .actions button").first.click()  # "Mark reviewed" (or save again)
    page.wait_for_selector("#triage .notice.ok")
    page.locator("#triage").scroll_into_view_if_needed()
    page.screenshot(path=OUT / f"triage-{name}.png")
    page.goto(f"{flagged}&review=reviewed")
    page.wait_for_selector(".scan-progress", state="detached", timeout=60000)
    page.screenshot(path=OUT / f"flagged-triage-{name}.png", full_page=True)
    page.goto(f"{flagged}&review=open")
    page.click("[data-save-view]")
    page.fill("#id_name", "Morning check: flagged, not reviewed")
    page.check("#id_shared")
    page.screenshot(path=OUT / f"save-view-{name}.png")
    page.click("button:has-text('Save view')")  # a second run: "already have" (kept as it is)
    page.goto(f"{BASE}/views/")
    page.click(".views-menu summary")
    page.screenshot(path=OUT / f"saved-views-{name}.png")
    page.goto(f"{BASE}/interactions/find/?q={order_number().lower()}")
    page.screenshot(path=OUT / f"quick-find-{name}.png", full_page=True)
    page.goto(f"{BASE}/interactions/find/?q=%2B1+(555)+300-5556")
    page.screenshot(path=OUT / f"quick-find-nothing-{name}.png")


def team_only() -> int:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport)
            page.goto(f"{BASE}/login/")
            page.fill("#id_username", USERNAME)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r".*/interactions/.*"))
            team_pages(page, name)
            page.close()
        browser.close()
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
