"""Recordings, transcripts and emails in Chromium: the section arrives after the page, a
recording plays through the dashboard (its length known, its time advancing), a transcript
reads as a conversation, an email opens; hostile text in the files is shown as text, never as
markup (the CSP would stop a handler that got in, so the DOM is checked as well)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from sandbox.faults import XSS_PAYLOADS
from tests.security.test_xss_browser import HOSTILE_LINKS
from tests.support.artifacts import with_artifact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAY = """async () => {
  const audio = document.querySelector('#artifacts audio');
  audio.muted = true;
  await audio.play();
  const started = performance.now();
  while (audio.currentTime < 0.6 && performance.now() - started < 10000) {
    await new Promise((done) => setTimeout(done, 100));
  }
  const error = audio.error && audio.error.code;
  return {duration: audio.duration, time: audio.currentTime, error};
}"""


def grant(user: Any, *codenames: str) -> None:
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))


def open_section(page: Any, interaction_id: str) -> Any:
    page.goto(f"/interactions/{interaction_id}/")
    expect(page.locator(".detail-head")).to_be_visible()
    section = page.locator("#artifacts:not([aria-busy])")
    expect(section).to_be_visible()
    return section


def test_a_recording_plays_through_the_dashboard(make_page, supervisor, live_api):
    grant(supervisor, "listen_recordings")
    page = make_page(logged_in=True)
    files = []
    page.on("request", lambda r: files.append(r.url) if "/artifacts/" in r.url else None)
    interaction_id = with_artifact(live_api.api_url, "recording")
    section = open_section(page, interaction_id)
    expect(section.locator("audio")).to_have_count(1)
    assert not [u for u in files if u.count("/") > 6]  # preload="none": nothing fetched yet
    state = page.evaluate(PLAY)
    assert state["error"] is None
    assert state["duration"] > 1 and state["time"] >= 0.6
    label = section.locator(".rec-title").first.inner_text()
    assert "Recording 1" in label
    assert all(u.startswith(page.url.split("/interactions/")[0]) for u in files)  # never upstream
    assert not any("/files/" in u or "signature=" in u for u in files)


def test_a_transcript_reads_as_a_conversation(logged_in_page, live_api):
    page = logged_in_page
    section = open_section(page, with_artifact(live_api.api_url, "transcript"))
    messages = section.locator(".chat li.msg")
    expect(messages.first).to_be_visible()
    assert messages.count() >= 3
    expect(section.locator(".chat li.msg.customer").first).to_be_visible()
    expect(section.locator(".chat li.msg.agent").first).to_be_visible()
    expect(messages.first.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))


def test_an_email_opens_with_its_headers_and_body(logged_in_page, live_api):
    page = logged_in_page
    section = open_section(page, with_artifact(live_api.api_url, "email", channel="email"))
    expect(section.locator("article.email h3").first).to_contain_text("Email: ")
    expect(section.locator("article.email .email-body").first).not_to_be_empty()
    expect(section.locator("article.email dt", has_text="From").first).to_be_visible()


def test_hostile_text_in_transcripts_and_emails_never_runs(logged_in_page, live_api, supervisor):
    grant(supervisor, "view_customer_pii")
    page = logged_in_page
    chat = with_artifact(live_api.api_url, "transcript")
    mail = with_artifact(live_api.api_url, "email", channel="email")
    live_api.set_faults(mode="xss")
    for interaction_id in (chat, mail):
        section = open_section(page, interaction_id)
        expect(section.locator(".chat, article.email").first).to_be_visible()
        page.wait_for_timeout(300)  # an injected onerror/onload would have fired by now
        assert page.evaluate("() => window.__xss") is None
        # the CSP would stop an injected handler too: what must hold is that none got in
        assert page.evaluate(HOSTILE_LINKS) == []
        assert XSS_PAYLOADS["messageText"] in section.inner_text()  # shown, as text
    assert XSS_PAYLOADS["emailSubject"] in section.locator("article.email h3").first.inner_text()
