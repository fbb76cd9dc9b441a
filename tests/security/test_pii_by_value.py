"""Masking by value (issue 16, point 2): a crafted upstream record carries the customer's number
and email address in fields the dashboard does not know, in ``messagingTranscript``, a note, an
attribute and a CRM link. A supervisor without ``view_customer_pii`` sees none of it, in the page,
the live poll, the raw JSON or the CSV export; one with the right sees all of it; what only looks
like a number (timestamps, ids, order and ticket numbers, the tenant's contact point) stays.

The upstream is ``responses`` at the HTTP boundary of the real client (nothing leaves the host:
port 9 on loopback), so the record can hold exactly what the sandbox never sends.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator

import pytest
import responses
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from interactions_app.models import AuditEvent

pytestmark = pytest.mark.django_db

API = "http://127.0.0.1:9/v1"
TENANT = "2336d1ec-c956-47e1-b3b1-fe8fde81b2b4"
INTERACTION = "b2109780-db83-11e7-9709-c2b07aa3bee9"
DETAIL_URL = f"{API}/tenants/{TENANT}/interactions/{INTERACTION}"
LIST_URL = re.compile(re.escape(f"{API}/tenants/{TENANT}/interactions") + r"(\?.*)?$")

CUSTOMER = "+15559876543"
CONTACT_POINT = "+15065551111"
EMAIL = "Jane.Doe@home.example"
TRANSCRIPT = f"… {EMAIL.lower()} - call me back on {CUSTOMER} …"

# every way the customer's number and address are written in the record below
LEAKS = (
    "5559876543",
    "555 987 6543",
    "(555) 987-6543",
    "555-987-6543",
    "555.987.6543",
    "jane.doe@",
    "Jane.Doe@",
)
# what must survive masking: ids, times, order and ticket numbers, the tenant's own number
KEPT = (
    INTERACTION,
    "ORD-123456",
    "00482130",
    "2017-12-07T19:22:07.638Z",
    "17:07:44.120Z",
    "1512674527638",
    "https://crm.example/tickets/00482130",
    "203.0.113.45",
)


def crafted_record() -> dict:
    """The reference's sample interaction with the customer's details where nobody expects them."""
    return {
        "tenantId": TENANT,
        "interactionId": INTERACTION,
        "startTimestamp": "2017-12-07T19:20:33.394Z",
        "endTimestamp": "2017-12-07T19:22:07.638Z",
        "channelType": "sms",
        "direction": "inbound",
        "customer": CUSTOMER,
        "contactPoint": CONTACT_POINT,
        "flowName": "Basic Flow",
        "dataComplete": True,
        "flagged": False,
        "dispositionName": f"Call back on 555-987-6543 (caller asked, line {CONTACT_POINT})",
        "messagingTranscript": TRANSCRIPT,
        "callbackNumber": "(555) 987-6543",
        "smsThread": [
            {"from": "customer", "text": f"this is {EMAIL}, text me at 555.987.6543"},
            {"from": "agent", "text": "Noted. Order ORD-123456, ticket 00482130."},
        ],
        "routingDebug": {"receivedAtMs": 1512674527638, "edge": "203.0.113.45"},
        "segments": [
            {
                "segmentNumber": 0,
                "interactionSegmentId": "b2233520-db83-11e7-b86d-6aa612aefe9d",
                "startTimestamp": "2017-12-07T19:20:33.394Z",
                "endTimestamp": "2017-12-07T19:22:07.560Z",
                "segmentStartType": "interaction",
                "segmentEndType": "customer-disconnect",
                "dialedFrom": "15559876543",
            }
        ],
        "notes": [
            {
                "noteId": "6f1c0a52-18c4-4c39-9d6e-2a3c9b7f0e11",
                "title": "Callback for 555 987 6543",
                "body": f"Customer wrote from {EMAIL}; confirmed +1 (555) 987-6543.",
                "created": "2017-12-07T19:21:10.000Z",
                "updated": "2017-12-07T19:21:10.000Z",
            }
        ],
        "hooks": [
            {
                "hookId": "8a0d1c2e-3b4f-4a5b-9c6d-7e8f9a0b1c2d",
                "hookName": EMAIL,
                "hookType": "customAttributeUsingIvrInput ",
                "hookSubType": "interaction-attribute",
                "hookBy": "flow",
                "hookTimestamp": "2017-12-07T19:20:40.000Z",
            },
            {
                "hookId": "9b1e2d3f-4c5a-4b6c-8d7e-8f9a0b1c2d3e",
                "hookName": "00482130",
                "hookType": "salesforce",
                "hookSubType": "ticket",
                "hookTimestamp": "2017-12-07T19:21:00.000Z",
                "hookUrl": "https://crm.example/tickets/00482130",
            },
            {
                "hookId": "0c2f3e4a-5d6b-4c7d-9e8f-9a0b1c2d3e4f",
                "hookName": "contact",
                "hookType": "zendesk",
                "hookSubType": "contact",
                "hookTimestamp": "2017-12-07T19:21:05.000Z",
                "hookUrl": "https://crm.example/contacts?phone=%2B15559876543&n=15559876543",
            },
        ],
        "interactionAttributes": [
            {
                "hookId": "1d3a4f5b-6e7c-4d8e-8f9a-0b1c2d3e4f5a",
                "hookName": "ORD-123456",
                "hookType": "customAttributeUsingIvrInput ",
                "hookSubType": "interaction-attribute",
                "hookTimestamp": "2017-12-07T19:20:45.000Z",
            }
        ],
        "details": {
            "interactionId": INTERACTION,
            "contactPoint": CONTACT_POINT,
            "customer": CUSTOMER,
            "startTimestamp": "2017-12-07T19:20:33.394Z",
            "endTimestamp": "2017-12-07T19:22:07.638Z",
            "direction": "inbound",
            "channelType": "sms",
            "csat": None,
            "contactId": None,
            "agents": [],
            "callerNumber": "+1 555 987 6543",
            "ani": 15559876543,
            "customerEmail": EMAIL,
            "receivedAt": "17:07:44.120Z",
        },
    }


def envelope(*results: dict) -> dict:
    return {
        "total": len(results),
        "limit": 1000,
        "offset": 0,
        "page": None,
        "tenantId": TENANT,
        "tenantName": "Crafted",
        "tenantTimezone": "US/Eastern",
        "results": [{k: v for k, v in r.items() if k != "details"} for r in results],
    }


@pytest.fixture
def crafted_api(settings) -> Iterator[responses.RequestsMock]:
    settings.CXENGAGE = {
        **settings.CXENGAGE,
        "API_URL": API,
        "TENANT_ID": TENANT,
        "API_KEY": "k",
        "API_SECRET": "s",
        "USERNAME": None,
        "PASSWORD": None,
        "RETRIES": 0,
    }
    cache.clear()
    record = crafted_record()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(f"{API}/tokens", json={"token": "t-crafted", "expiresIn": 3600})
        mock.get(DETAIL_URL, json=copy.deepcopy(record))
        mock.get(LIST_URL, json=envelope(record))
        yield mock
    cache.clear()


@pytest.fixture
def pii_client(django_user_model):
    """A client of its own (``client`` is sup_client's), signed in with view_customer_pii."""
    user = django_user_model.objects.create_user(username="pii", password="pw-for-tests-2")
    user.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    client = Client()
    client.force_login(user)
    return client


def leaks_in(text: str) -> list[str]:
    folded = text.casefold()
    return [leak for leak in LEAKS if leak.casefold() in folded]


def detail(client, **query) -> str:
    response = client.get(reverse("interactions:detail", args=[INTERACTION]), query)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_the_crafted_record_really_carries_the_customer_everywhere(crafted_api, pii_client):
    """The control: with the right, every planted copy reaches the page (so the test can fail)."""
    html = detail(pii_client)
    assert set(leaks_in(html)) == set(LEAKS)
    for field in ("callerNumber", "ani", "customerEmail", "messagingTranscript", "smsThread"):
        assert field in html
    assert AuditEvent.objects.get().pii_unmasked


def test_detail_page_masks_the_customer_by_value(crafted_api, sup_client):
    html = detail(sup_client)
    assert leaks_in(html) == []
    # the planted copies are there, masked in the usual formats
    assert "+1 555 ••• ••43" in html
    assert "j•••@home.example" in html
    assert "callerNumber" in html and "customerEmail" in html and "messagingTranscript" in html
    for kept in (*KEPT, CONTACT_POINT):
        assert kept in html, kept
    assert "+1 506 ••• ••11" not in html  # the tenant's own number is not the customer's
    assert not AuditEvent.objects.get().pii_unmasked


def test_messaging_transcript_is_masked_as_text_not_as_one_address(crafted_api, sup_client):
    html = detail(sup_client)
    transcript = "… j•••@home.example - call me back on +1 555 ••• ••43 …"
    assert json.dumps(transcript, ensure_ascii=False)[1:-1] in html  # raw JSON and extra fields
    assert "call me back on" in html


def test_other_fields_show_the_fields_the_dashboard_does_not_know_masked(
    crafted_api, sup_client, pii_client
):
    def other_fields(html: str) -> str:
        return html.split("<h2>Other fields</h2>", 1)[1].split("</section>", 1)[0]

    masked = other_fields(detail(sup_client))
    assert "<code>messagingTranscript</code>" in masked
    assert "call me back on +1 555 ••• ••43" in masked and leaks_in(masked) == []
    assert f"call me back on {CUSTOMER}" in other_fields(detail(pii_client))


def test_live_detail_poll_is_masked_too(crafted_api, sup_client, settings):
    record = crafted_record()
    record["dataComplete"] = False
    crafted_api.replace(responses.GET, DETAIL_URL, json=record)
    response = sup_client.get(
        reverse("interactions:detail", args=[INTERACTION]),
        {"poll": 1},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="live-detail",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="live-detail"' in html and "Callback for" in html  # the timeline's note marker
    assert leaks_in(html) == []


def test_csv_export_masks_attributes_and_dispositions(crafted_api, sup_client, pii_client):
    url = reverse("interactions:export", args=["list"])
    masked = b"".join(sup_client.get(url).streaming_content).decode("utf-8-sig")
    assert masked.count("\n") == 2, masked  # header + the crafted row
    assert leaks_in(masked) == []
    assert "J•••@home.example" in masked and "Call back on 555 ••• ••43" in masked
    assert "'+1 555 ••• ••43" in masked  # the Customer column, formula-neutralised as before
    assert CONTACT_POINT in masked and "ORD-123456" in masked
    full = b"".join(pii_client.get(url).streaming_content).decode("utf-8-sig")
    assert "555-987-6543" in full and EMAIL in full
