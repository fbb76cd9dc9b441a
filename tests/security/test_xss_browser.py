"""Hostile upstream text in a real browser: it must show up as text and never run.

The sandbox's ``xss`` fault fills every displayed string of every interaction with HTML/script
payloads that set ``window.__xss`` if executed, gives CRM records a hostile ``hookId`` and
``javascript:`` and ``data:`` ``hookUrl``s (which the dashboard never links). Each page is
loaded in Chromium and checked: nothing ran, no dialog opened, no hostile link is clickable, and
the payload text is visible (so it was rendered, escaped). CSP violation reports are recorded
and printed, not asserted: escaping, not the CSP, is the first line of defence, and a violation
would mean an injection got as far as the parser.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from sandbox.faults import XSS_PAYLOADS, XSS_URLS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USERNAME = "sup"
PASSWORD = "pw-for-tests-1"  # the `supervisor` fixture's password
TIMEOUT_MS = 30_000
PAYLOADS = sorted(set(XSS_PAYLOADS.values())) + list(XSS_URLS)

# Runs before any page script (Playwright injects it; the page's CSP does not apply to it).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
});
"""

HOSTILE_LINKS = """() => {
  const bad = [];
  const check = (el, attr) => {
    const v = (el.getAttribute(attr) || '').trim().toLowerCase();
    if (v.startsWith('javascript:') || v.startsWith('data:') || v.startsWith('vbscript:'))
      bad.push(`${el.tagName} ${attr}=${v.slice(0, 60)}`);
  };
  document.querySelectorAll('[href]').forEach((el) => check(el, 'href'));
  document.querySelectorAll('[src]').forEach((el) => check(el, 'src'));
  document.querySelectorAll('[action]').forEach((el) => check(el, 'action'));
  document.querySelectorAll('[formaction]').forEach((el) => check(el, 'formaction'));
  document.querySelectorAll('*').forEach((el) => {
    for (const a of el.attributes) if (a.name.startsWith('on')) bad.push(`${el.tagName} ${a.name}`);
  });
  document.querySelectorAll('script').forEach((el) => {
    if (el.textContent.includes('__xss')) bad.push('injected <script>');
  });
  document.querySelectorAll('iframe, object, embed, img[src="x"]').forEach(
    (el) => bad.push(`injected <${el.tagName.toLowerCase()}>`));
  return bad;
}"""


class Recorder:
    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.console_csp: list[str] = []
        self.page_errors: list[str] = []

    def attach(self, page: Any) -> None:
        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_console(message: Any) -> None:
            if "Content Security Policy" in message.text or "Content-Security-Policy" in (
                message.text
            ):
                self.console_csp.append(message.text[:300])

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)[:300]))


def _log_in(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/interactions/.*"))


def _settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    if page.locator(".scan-progress").count():
        page.wait_for_selector(".scan-progress", state="detached", timeout=TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
    page.wait_for_timeout(150)  # let any onerror/onload of a broken <img>/<svg> fire


def _check_page(page: Any, recorder: Recorder, name: str) -> dict[str, Any]:
    _settle(page)
    assert page.evaluate("typeof window.__xss") == "undefined", (
        f"{name}: a payload ran (window.__xss = {page.evaluate('window.__xss')})"
    )
    assert not recorder.dialogs, f"{name}: dialogs opened: {recorder.dialogs}"
    assert page.locator('a[href^="javascript:"]').count() == 0, name
    assert page.locator('a[href^="data:"]').count() == 0, name
    hostile = page.evaluate(HOSTILE_LINKS)
    assert not hostile, f"{name}: hostile markup in the DOM ({len(hostile)}): {hostile[:10]}"
    text = page.inner_text("body")  # rendered and not hidden by CSS
    visible = [p for p in PAYLOADS if p in text]
    dom_text = page.evaluate("document.body.textContent")  # every text node, hidden or not
    rendered = [p for p in PAYLOADS if p in dom_text]
    svg_titles = page.eval_on_selector_all("svg title", "els => els.map(e => e.textContent)")
    in_titles = [p for p in PAYLOADS if any(p in t for t in svg_titles)]
    assert visible, f"{name}: no payload is visible as text, so nothing was rendered"
    return {
        "visible": visible,
        "rendered": rendered,
        "svg_titles": in_titles,
        "csp": page.evaluate("window.__cspViolations"),
        "status": page.evaluate("document.readyState"),
    }


def _grant_pii(user) -> bool:
    """Let the user see customer addresses unmasked (the riskier rendering), if that exists."""
    permission = Permission.objects.filter(codename="view_customer_pii").first()
    if permission is None:
        return False
    user.user_permissions.add(permission)
    return True


CRM_LINKS = {
    "zendesk": "https://crm.example/z/{id}",
    "salesforce-lightning": "https://crm.example/s/{id}",
}


def _crm_linked(sandbox) -> str:
    """An interaction linked to a real CRM record, whose hookId the xss mode makes hostile."""
    for record in sandbox.interactions(limit=100)["results"]:
        if any(h.get("hookType") in CRM_LINKS for h in record.get("hooks") or ()):
            return record["interactionId"]
    raise AssertionError("no CRM-linked interaction in the first 100")


def test_hostile_upstream_text_never_runs(chromium, live_server, live_api, supervisor, settings):
    sees_customer = _grant_pii(supervisor)
    # the operator's link templates: a hostile record id must stay inside their https URL
    settings.CXENGAGE = {**settings.CXENGAGE, "CRM_LINKS": CRM_LINKS}
    crm_detail = f"/interactions/{_crm_linked(live_api)}/"
    live_api.set_faults(mode="xss")
    context = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 1600, "height": 900},  # every column shown
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    recorder = Recorder()
    recorder.attach(page)
    results: dict[str, dict[str, Any]] = {}
    try:
        _log_in(page, live_server.url)

        page.goto("/interactions/?limit=25")
        results["list"] = _check_page(page, recorder, "list")
        assert XSS_PAYLOADS["contactPoint"] in results["list"]["visible"]
        if sees_customer:
            assert XSS_PAYLOADS["customer"] in results["list"]["visible"]
        detail_href = page.locator("table.itable tbody tr[data-href]").first.get_attribute(
            "data-href"
        )

        page.goto("/interactions/flagged/")
        results["flagged"] = _check_page(page, recorder, "flagged")

        page.goto(detail_href)
        results["detail"] = _check_page(page, recorder, "detail")
        detail_visible = set(results["detail"]["rendered"])
        for key in ("contactPoint", "flowName", "hookName", *(["customer"] * sees_customer)):
            assert XSS_PAYLOADS[key] in detail_visible, f"detail: {key} payload not shown as text"
        assert results["detail"]["svg_titles"], "the timeline's <title>s carry no payload"

        # CRM records: the hostile hookId shows as text in the label, and the only links are
        # the operator's templates, the id percent-encoded in their path (hookUrls never linked)
        page.goto(crm_detail)
        results["detail with CRM records"] = _check_page(page, recorder, "detail with CRM")
        labels = page.locator(".crm-records li").all_inner_texts()
        assert any(XSS_PAYLOADS["hookId"] in label for label in labels), labels
        hrefs = page.eval_on_selector_all(
            ".crm-records a[target=_blank]", "els => els.map(e => e.getAttribute('href'))"
        )
        assert hrefs, "no CRM record is linked through the configured templates"
        searches = page.eval_on_selector_all(
            ".crm-records a:not([target])", "els => els.map(e => e.getAttribute('href'))"
        )
        assert searches and all(h.startswith("/interactions/search/?kind=crm&") for h in searches)
        assert not any(c in h for h in searches for c in '<>"'), searches
        assert all(
            h.startswith(("https://crm.example/z/", "https://crm.example/s/")) for h in hrefs
        )
        assert any("/415%22%3E%3Cscript%3Ewindow.__xss%3D15%3C%2Fscript%3E" in h for h in hrefs)
        assert not any(c in h for h in hrefs for c in '<>"'), hrefs

        page.goto("/interactions/search/?kind=attribute-value&value=VIP")
        results["search"] = _check_page(page, recorder, "search")
        assert page.locator("table.itable tbody tr[data-href]").count() > 0, "no VIP results"

        # a second look after htmx paging: swapped-in rows are escaped too
        page.goto("/interactions/?limit=10")
        _settle(page)
        page.locator(".pager-top a[rel=next]").first.click()
        page.wait_for_url(re.compile(r".*page=2.*"))
        results["list page 2 (htmx)"] = _check_page(page, recorder, "list page 2 (htmx)")
    finally:
        context.close()

    assert not recorder.page_errors, f"script errors: {recorder.page_errors}"
    pages = len(results)
    print(
        f"\nXSS: {len(PAYLOADS)} distinct payloads ({len(XSS_PAYLOADS)} fields + "
        f"{len(XSS_URLS)} URLs) on {pages} pages = {len(PAYLOADS) * pages} page×payload checks"
    )
    for name, result in results.items():
        print(
            f"  {name}: {len(result['visible'])} payloads visible as text, "
            f"{len(result['rendered'])} in the DOM as text, {len(result['svg_titles'])} in SVG "
            f"<title>, CSP violations: {result['csp'] or 'none'}"
        )
        print(f"    visible: {[p[:40] for p in result['visible']]}")
    print(f"  console CSP messages: {recorder.console_csp or 'none'}")
