"""Issue 16, point 7 in Chromium: nothing a supervisor saw stays in the browser after sign-out.

htmx kept page snapshots in ``sessionStorage`` (``htmx-history-cache`` held 19 unmasked phone
numbers after sign-out). Now htmx keeps no snapshots at all (``historyCacheSize: 0``; back and
forward re-fetch the page), authenticated pages are ``no-store`` so back after sign-out asks the
server (which asks for a login), and the logout answer's ``Clear-Site-Data: "cache", "storage"``
empties the origin's storage.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 30_000
PHONE = re.compile(r"\+1555\d{7}")
STORAGE = """() => {
  const dump = (s) => Object.fromEntries(Object.keys(s).map((k) => [k, s.getItem(k)]));
  return {session: dump(sessionStorage), local: dump(localStorage)};
}"""


def _log_in(page: Any) -> None:
    page.goto("/login/")
    page.fill("#id_username", "sup")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/interactions/.*"))


def test_no_customer_data_stays_in_the_browser_after_sign_out(
    chromium, live_server, live_api, supervisor
):
    # the riskier case of the issue: a supervisor who sees numbers unmasked
    supervisor.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        _log_in(page)
        page.goto("/interactions/?limit=25")
        assert PHONE.search(page.inner_text("table.itable")), "the list shows no numbers"
        # htmx paging: the moment htmx used to snapshot the page into sessionStorage
        for expected in ("Showing 26–50", "Showing 51–75"):
            page.locator(".pager-top a[rel=next]").first.click()
            page.wait_for_function(
                "t => document.querySelector('.pager-top').textContent.includes(t)",
                arg=expected.split(" ", 1)[1],
            )
        stored = page.evaluate(STORAGE)
        assert "htmx-history-cache" not in stored["session"], "htmx kept a page snapshot"
        assert not PHONE.search(str(stored)), stored

        # back still works: the page comes from the server, whole
        page.go_back()
        page.wait_for_function(
            "() => document.querySelector('.pager-top').textContent.includes('26–50')"
        )
        assert page.locator("table.itable tbody tr").count() == 25

        # whatever a script left in the origin's storage, sign-out takes it away
        page.evaluate(
            "() => { sessionStorage.setItem('probe', '+15550000000');"
            " localStorage.setItem('probe', '+15550000000'); }"
        )
        with page.expect_response(lambda r: r.url.endswith("/logout/")) as logout:
            page.locator("form[action='/logout/'] button").click()
        assert logout.value.all_headers()["clear-site-data"] == '"cache", "storage"'
        page.wait_for_url(re.compile(r".*/login/$"))
        after = page.evaluate(STORAGE)
        # all that is left is what htmx writes on loading the login page: its path
        assert after["local"] == {}, after
        assert after["session"] in ({}, {"htmx-current-path-for-history": "/login/"}), after

        # back after sign-out: the server is asked again (no-store) and wants a login
        page.go_back()
        page.wait_for_load_state()
        assert "/login/" in page.url
        assert not PHONE.search(page.content())
    finally:
        context.close()
