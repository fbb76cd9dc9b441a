"""Quick find: the header's box opens an interaction by id, finds customers through the index
(or says it cannot), attribute values exactly (trying case variants), and says what it
searched when it finds nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from interactions_app.models import AuditEvent
from interactions_app.services.interactions import interaction_rows

pytestmark = pytest.mark.django_db

FIND = reverse("interactions:find")
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def ids_in(html: str) -> list[str]:
    return re.findall(r'data-href="/interactions/([0-9a-f-]{36})/', html)


def _order_number(live_api) -> str:
    for record in live_api.interactions(limit=500)["results"]:
        for hook in record.get("hooks") or ():
            if str(hook.get("hookName", "")).startswith("ORD-"):
                return hook["hookName"]
    raise AssertionError("no order number in the first 500")


def test_every_page_has_the_box(sup_client, live_api):
    html = sup_client.get(reverse("interactions:list")).content.decode()
    assert f'action="{FIND}"' in html and 'name="q"' in html


@pytest.mark.parametrize(
    "spelling", [str.upper, lambda i: "{" + i + "}", lambda i: i.replace("-", "")]
)
def test_an_interaction_id_opens_it(sup_client, live_api, spelling):
    interaction_id = live_api.interactions(limit=1)["results"][0]["interactionId"]
    response = sup_client.get(FIND, {"q": f"  {spelling(interaction_id)} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("interactions:detail", args=[interaction_id])


def test_an_unknown_id_says_so_and_what_else_it_searched(sup_client, live_api):
    response = sup_client.get(FIND, {"q": UNKNOWN_ID})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Nothing found for “{UNKNOWN_ID}”" in html
    assert "<strong>Interaction id</strong>" in html and "no interaction has it" in html
    assert "<strong>Attribute value</strong>" in html and "exact match, case-sensitive" in html


def test_an_attribute_value_is_found_whatever_its_case(sup_client, live_api):
    order = _order_number(live_api)
    html = sup_client.get(FIND, {"q": order.lower()}).content.decode()
    ids = ids_in(html)
    assert ids, html[-3000:]
    assert f"attribute value “{order}”" in html  # the variant that matched
    assert "exact match, case-sensitive" in html
    assert f"“{order.lower()}”: 0 found" in html  # as typed, said and counted
    for interaction_id in ids:
        record = live_api.interactions(f"/{interaction_id}")
        assert order in {h.get("hookName") for h in record.get("hooks") or ()}


def test_results_page_through_htmx_with_the_query_in_the_url(sup_client, live_api):
    html = sup_client.get(FIND, {"q": "VIP", "limit": 10}).content.decode()
    assert len(ids_in(html)) == 10
    nexts = re.findall(r'href="(\?[^"]*page=2[^"]*)"', html)
    assert nexts and all("q=VIP" in n for n in nexts)
    fragment = sup_client.get(FIND, {"q": "VIP", "limit": 10, "page": 2}, **HX).content.decode()
    assert fragment.lstrip().startswith('<section id="results"') and len(ids_in(fragment)) == 10


def test_customers_cannot_be_searched_without_the_index(sup_client, live_api, settings):
    settings.CXENGAGE_INDEX = False
    for text in ("+1 (555) 300-5556", "Someone@Example.com"):
        html = sup_client.get(FIND, {"q": text}).content.decode()
        assert "not searched" in html
        assert "cannot search customers: the interaction index is off" in html


def test_customers_are_found_through_the_index_ignoring_punctuation_and_case(
    sup_client, live_api, settings
):
    from interactions_app.index.store import upsert

    rows = list(interaction_rows(max_rows=300))
    upsert(settings.CXENGAGE["TENANT_ID"], rows, read_at=timezone.now())
    settings.CXENGAGE_INDEX = True
    phone = next(r.customer for r in rows if r.customer and r.customer.startswith("+1"))
    digits = phone[2:]
    typed = f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    html = sup_client.get(FIND, {"q": typed, "limit": 1000}).content.decode()
    expected = {r.id for r in rows if r.customer == phone}
    assert set(ids_in(html)) == expected
    assert "customer phone" in html and "ignoring case and punctuation" in html
    email = next(r.customer for r in rows if r.customer and "@" in r.customer)
    html = sup_client.get(FIND, {"q": email.upper(), "limit": 1000}).content.decode()
    assert set(ids_in(html)) == {r.id for r in rows if r.customer == email}


def test_an_empty_box_is_idle_and_asks_nothing(sup_client, live_api):
    sup_client.get(reverse("interactions:list"))
    before = live_api.stats()
    response = sup_client.get(FIND, {"q": "   "})
    assert response.status_code == 200 and "Type an interaction id" in response.content.decode()
    assert live_api.stats() == before


@pytest.mark.parametrize(("q", "message"), [("x" * 201, "under 200"), ("a\x07b", "control")])
def test_bad_input_is_a_400(sup_client, live_api, q, message):
    response = sup_client.get(FIND, {"q": q})
    assert response.status_code == 400 and message in response.content.decode()


def test_quick_find_is_in_the_audit_log(sup_client, live_api):
    sup_client.get(FIND, {"q": "VIP"})
    assert AuditEvent.objects.filter(action="search", query="q=VIP").exists()


def test_the_export_has_the_listed_search(sup_client, live_api):
    response = sup_client.get(
        reverse("interactions:export", args=["find"]), {"q": "callback-requested"}
    )
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200 and body.count("\n") > 2
