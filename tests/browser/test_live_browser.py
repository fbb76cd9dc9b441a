"""Live refresh in Debian's Chromium: an unfinished interaction finishes without a page reload.

The first polling interval is 1 s here (``LIVE_REFRESH_FIRST_SECONDS``); the sandbox clock is
advanced through ``/_sandbox/clock`` (``live_api`` resets it afterwards).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = 86_400
WAIT_MS = 15_000

# Fire "live-resume" (what showing the tab again does) and count the requests htmx starts for
# it: htmx issues them synchronously from the event, so 0 means no region polls any more.
RESUME_NOW = """() => {
  let started = 0;
  const count = () => { started += 1; };
  document.addEventListener("htmx:beforeRequest", count);
  document.dispatchEvent(new CustomEvent("live-resume"));
  document.removeEventListener("htmx:beforeRequest", count);
  return started;
}"""


def until(page, condition, what: str, timeout_ms: int = WAIT_MS) -> None:
    """Let the page run (its events reach our handlers) until ``condition()`` holds."""
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def fast_polls(settings):
    settings.LIVE_REFRESH_FIRST_SECONDS = 1


@pytest.fixture
def finishes_flagged(live_api) -> str:
    """An interaction unfinished at the anchor that finishes flagged once the clock moves."""
    unfinished = [
        i["interactionId"]
        for i in live_api.interactions(limit=100)["results"]
        if i["dataComplete"] is False
    ]
    live_api.clock(advance_seconds=DAY)
    flagged = [i for i in unfinished if live_api.interactions(f"/{i}").get("flagged")]
    live_api.reset()
    assert flagged
    return flagged[0]


def test_detail_badges_change_without_a_reload(
    make_page, supervisor, live_api, fast_polls, finishes_flagged
):
    page = make_page(logged_in=True)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"/interactions/{finishes_flagged}/")
    region = page.locator("#live-detail")
    expect(region.locator(".badge.live")).to_have_text(re.compile(r"^In progress"))
    expect(region.locator(".badge.flag")).to_have_count(0)
    page.evaluate("window.__notReloaded = true")
    polls, answered = [], []
    page.on("request", lambda r: polls.append(r.url) if "poll=" in r.url else None)
    page.on("requestfinished", lambda r: answered.append(r.url) if "poll=" in r.url else None)
    until(page, lambda: answered, "a poll answered while still unfinished")
    expect(region.locator(".badge.live")).to_have_count(1)  # still live after it

    live_api.clock(advance_seconds=DAY)
    expect(page.locator("#live-detail .badge.flag")).to_have_count(1, timeout=WAIT_MS)
    expect(page.locator("#live-detail .badge.live")).to_have_count(0)
    # a flagged interaction wears its flag alone: no "Data complete" / "Reporting finished"
    expect(page.locator("#live-detail .badge.done, #live-detail .badge.ok")).to_have_count(0)
    # polling stopped: no region polls, and a resume (which polls any live region at once)
    # starts no request
    expect(page.locator("[data-live-poll]")).to_have_count(0)
    count = len(polls)
    assert page.evaluate(RESUME_NOW) == 0
    assert len(polls) == count
    assert page.evaluate("window.__notReloaded") is True
    assert errors == []  # no CSP violation (htmx runs with allowEval: false)


@pytest.fixture
def finishes_plain(live_api) -> str:
    """An interaction unfinished at the anchor that finishes unflagged, every part ended, with
    more segments, queues or agent legs than it has at the anchor."""
    unfinished = [
        i for i in live_api.interactions(limit=100)["results"] if i["dataComplete"] is False
    ]
    now = {i["interactionId"]: live_api.interactions(f"/{i['interactionId']}") for i in unfinished}
    live_api.clock(advance_seconds=DAY)
    later = {i: live_api.interactions(f"/{i}") for i in now}
    live_api.reset()

    def parts(record):
        return sum(len(record.get(k) or ()) for k in ("segments", "queues", "agents"))

    def all_ended(record):
        ends = [
            p.get("endTimestamp")
            for k in ("segments", "queues", "agents")
            for p in record.get(k) or ()
        ]
        return all(ends)

    grown = [
        i
        for i in now
        if not later[i].get("flagged") and all_ended(later[i]) and parts(later[i]) > parts(now[i])
    ]
    assert grown
    return grown[0]


def _counts(page) -> dict[str, int]:
    """What the timeline and the tables each say the interaction has."""
    return page.evaluate(
        """() => {
          const rows = (title) => {
            const h = [...document.querySelectorAll("#detail-tables h2")]
              .find((e) => e.textContent.trim().startsWith(title));
            const table = h && h.parentElement.querySelector("table");
            return table ? table.tBodies[0].rows.length : 0;
          };
          const lanes = (kind) => document.querySelectorAll(`#live-detail .tl-row--${kind}`).length;
          return {
            segments: rows("Segments"), segmentLanes: lanes("segment"),
            queues: rows("Queues"), queueLanes: lanes("queue"),
            agents: rows("Agents"), agentLanes: lanes("agent"),
          };
        }"""
    )


def test_the_whole_page_refreshes_when_it_finishes(
    make_page, supervisor, live_api, fast_polls, finishes_plain
):
    """Header, timeline and every table change together; afterwards nothing on the page says
    "end not received" or "still open", the tables agree with the timeline, and the finish is
    announced once to screen readers."""
    page = make_page(logged_in=True)
    page.goto(f"/interactions/{finishes_plain}/")
    body = page.locator("main")
    assert body.get_by_text("end not received").count() == 0  # running is not missing
    assert body.locator(".still-open, .tl-pill--open").count() >= 1
    assert (
        "in progress: the whole page refreshes by itself" in page.locator(".refreshed").inner_text()
    )
    before = _counts(page)
    assert before["segments"] == before["segmentLanes"]
    page.evaluate(
        """() => {
          window.__notReloaded = true;
          window.__announced = [];
          const status = document.getElementById("live-status");
          new MutationObserver(() => window.__announced.push(status.textContent.trim()))
            .observe(status, {childList: true, subtree: true, characterData: true});
        }"""
    )
    page.locator("#detail-tables details.raw summary").click()  # a reader opened the raw JSON

    live_api.clock(advance_seconds=DAY)
    page.locator("#live-detail .badge.done").wait_for(timeout=15_000)
    page.wait_for_timeout(300)  # the settle step of the same swap
    after = _counts(page)
    assert after["segments"] == after["segmentLanes"]
    assert after["queues"] == after["queueLanes"]
    assert after["agents"] == after["agentLanes"]
    assert sum(after.values()) > sum(before.values())  # the tables did change
    assert body.get_by_text("end not received").count() == 0
    assert body.locator(".still-open, .tl-pill--open, .badge.live").count() == 0
    assert page.locator("#detail-tables details.raw").evaluate("d => d.open") is True
    assert "finished while you watched" in page.locator(".refreshed").inner_text()
    assert page.evaluate("window.__notReloaded") is True
    page.wait_for_timeout(2500)  # polling has stopped: nothing more is announced
    announced = [text for text in page.evaluate("window.__announced") if text]
    assert len(set(announced)) == 1 and announced[0].startswith(
        "This interaction has just finished"
    )
    assert page.locator("#live-detail[data-live-poll]").count() == 0


def test_hidden_tab_pauses_then_resumes(make_page, supervisor, live_api, fast_polls):
    unfinished = next(
        i["interactionId"]
        for i in live_api.interactions(limit=100)["results"]
        if i["dataComplete"] is False
    )
    page = make_page(logged_in=True)
    page.goto(f"/interactions/{unfinished}/")
    expect(page.locator("#live-detail[data-live-poll]")).to_have_count(1)
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "poll=" in r.url else None)
    page.evaluate(
        """() => {
          window.__cancelled = 0;  // after app.js's own handler, which cancels hidden polls
          document.addEventListener("htmx:confirm", (event) => {
            if (event.defaultPrevented) window.__cancelled += 1;
          });
          Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    # hidden: the every-1s trigger fires (twice here) but each request is cancelled
    page.wait_for_function("() => window.__cancelled >= 2", timeout=WAIT_MS)
    assert polls == []
    started = page.evaluate(
        """() => {
          let started = 0;
          const count = () => { started += 1; };
          document.addEventListener("htmx:beforeRequest", count);
          Object.defineProperty(document, "hidden", {configurable: true, get: () => false});
          document.dispatchEvent(new Event("visibilitychange"));
          document.removeEventListener("htmx:beforeRequest", count);
          return started;
        }"""
    )
    assert started == 1  # shown again: polled at once, from the event, not the next interval
    until(page, lambda: polls, "the resumed poll")


def test_live_list_row_refreshes_in_place(make_page, supervisor, live_api, fast_polls):
    page = make_page(logged_in=True)
    page.goto("/interactions/?limit=50")
    live = page.locator("table.itable tbody tr.is-live[data-live-poll]")
    expect(live.first).to_be_attached()
    href = live.first.get_attribute("data-href")
    page.evaluate("window.__notReloaded = true")
    live_api.clock(advance_seconds=DAY)
    row = page.locator(f'table.itable tbody tr[data-href="{href}"]')
    page.wait_for_function(
        """(href) => {
          const row = document.querySelector(`tr[data-href="${href}"]`);
          return row && !row.classList.contains("is-live");
        }""",
        arg=href,
        timeout=15_000,
    )
    expect(row.locator(".badge.live")).to_have_count(0)
    expect(row).not_to_have_attribute("data-live-poll", re.compile(".*"))
    assert page.evaluate("window.__notReloaded") is True
