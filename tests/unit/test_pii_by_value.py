"""pii.Masker: what is masked by value, what only looks like a number and stays (issue 16, 2)."""

from __future__ import annotations

import dataclasses
import time

import pytest

from interactions_app.cxengage.parsing import parse_interaction
from interactions_app.pii import (
    DOT,
    Masked,
    Masker,
    interaction_for_viewer,
    mask_contact,
    mask_interaction,
    mask_raw,
)

CUSTOMER = "+15559876543"
CONTACT_POINT = "+15065551111"


@pytest.fixture
def masker() -> Masker:
    return Masker(customer=CUSTOMER, contact_point=CONTACT_POINT)


# --- masked ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the transcript: not one address, but text with an address and a number in it
        (
            "… jane@home.example - call me back on +15559876543 …",
            "… j•••@home.example - call me back on +1 555 ••• ••43 …",
        ),
        ("call 555-987-6543 today", "call 555 ••• ••43 today"),
        ("call (555) 987-6543", "call 555 ••• ••43"),
        ("555.987.6543", "555 ••• ••43"),
        ("1 555 987 6543", "1 555 ••• ••43"),
        ("+1 (555) 987-6543.", "+1 555 ••• ••43."),
        # not the customer's: masked by shape all the same
        ("other +44 20 7946 0958", "other +44 207 ••• ••58"),
        ("020 7946 0958", "0 207 ••• ••58"),
        ("2125550123", "212 ••• ••23"),
        ("12125550123", "1 212 ••• ••23"),
        ("+4930123456", "+493 ••• ••56"),
        ("tel:+15551112222", "tel:+1 555 ••• ••22"),
        ("?phone=+15551112222&n=5551112222", "?phone=+1 555 ••• ••22&n=555 ••• ••22"),
        # several numbers in one run: none of them shows
        ("2125550123 2125550199", "•••••••••• ••••••••••"),
        # the customer's own number, even glued into a token or short of an area code
        ("ID15559876543", "ID1 555 ••• ••43"),
        ("x5559876543y", "x555 ••• ••43y"),
        # addresses anywhere, any case
        ("From: Jane.Doe@Home.Example", "From: J•••@Home.Example"),
        ("<bob+tag@x.example.org>", "<b•••@x.example.org>"),
    ],
)
def test_masked_by_value(masker, text, expected):
    assert masker.text(text) == expected
    assert isinstance(masker.text(text), Masked)


def test_a_customer_that_is_neither_phone_nor_email_is_masked_literally():
    masker = Masker(customer="visitor-8812")
    assert masker.text("chat with Visitor-8812 today") == "chat with Vi•••• today"


def test_an_email_customer_is_masked_wherever_it_appears():
    masker = Masker(customer="jane@home.example", contact_point="support@tenant.example")
    assert masker.text("cc JANE@home.example") == "cc J•••@home.example"
    assert masker.text("write to support@tenant.example") == "write to support@tenant.example"


def test_unknown_fields_numbers_and_keys_are_masked(masker):
    data = {
        "callerNumber": "+1 555 987 6543",
        "ani": 15559876543,  # a JSON number equal to the customer's
        "customerEmail": "Jane.Doe@home.example",
        "customer": "visitor-handle",  # by key: masked whatever it looks like
        "+15551230000": "a number as a key",
        "nested": [{"text": "call 555.987.6543"}],
        "flag": True,
        "count": 3,
    }
    masked = masker.data(data)
    assert masked == {
        "callerNumber": "+1 555 ••• ••43",
        "ani": "1 555 ••• ••43",
        "customerEmail": "J•••@home.example",
        "customer": "vi••••",
        "+1 555 ••• ••00": "a number as a key",
        "nested": [{"text": "call 555 ••• ••43"}],
        "flag": True,
        "count": 3,
    }


def test_two_keys_masked_alike_are_both_kept(masker):
    masked = masker.data({"+15551230000": 1, "+15551230100": 2})
    assert sorted(masked.values()) == [1, 2]
    assert all("555" in key and DOT in key for key in masked)


def test_mask_raw_takes_the_customer_from_the_record_itself():
    raw = {
        "customer": CUSTOMER,
        "contactPoint": CONTACT_POINT,
        "n": 15559876543,
        "id": "ID5559876543",
    }
    masked = mask_raw(raw)
    assert masked["n"] == "1 555 ••• ••43" and masked["id"] == "ID555 ••• ••43"
    assert masked["contactPoint"] == CONTACT_POINT


# --- kept -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2017-12-07T19:22:07.638Z",
        "2017-12-07 19:22:07",
        "07/12/2017 19:22",
        "07-12-2017 1922",
        "b2109780-db83-11e7-9709-c2b07aa3bee9",
        "81234567-8901-4abc-8def-123456789012",  # digits first: still one token
        "12345678-9012-abcd-8def-123456789012",
        "12345678-1234-4234-8234-123456789012",  # all digits
        "94.166",
        "00:01:34",
        "1m 33.99s",
        "ORD-123456",
        "00482130",  # Salesforce ticket
        "48213",  # Zendesk ticket
        "1701970000",  # Unix seconds
        "1701970000000",  # Unix milliseconds
        "192.168.100.200",
        "v2.10.1234567890",
        "https://crm.example/tickets/00482130",
        "https://crm.example/r/5551230000",  # a path segment is part of the address
        "queue 743, priority 10",
        "987-6543",  # a local number without an area code: not recognised by shape (documented)
    ],
)
def test_what_only_looks_like_a_number_stays(masker, text):
    assert masker.text(text) == text
    assert not isinstance(masker.text(text), Masked)


def test_the_contact_point_stays_visible_in_any_format(masker):
    text = "you called +1 (506) 555-1111, i.e. 5065551111"
    assert masker.text(text) == text
    assert masker.data({"contactPoint": CONTACT_POINT}) == {"contactPoint": CONTACT_POINT}


def test_a_contact_point_equal_to_the_customer_is_the_customers():
    masker = Masker(customer=CUSTOMER, contact_point="+1 555 987 6543")
    assert masker.text("line +1 555 987 6543") == "line +1 555 ••• ••43"


def test_numbers_are_masked_only_when_they_are_the_customers(masker):
    assert masker.data(1512674527638) == 1512674527638
    assert masker.data(5559876543) == "555 ••• ••43"
    assert Masker().data(5559876543) == 5559876543  # no customer to compare with


# --- formats, idempotence, the interaction ------------------------------------------------------


def test_whole_value_formats_are_unchanged():
    assert mask_contact("+15558164555") == "+1 555 ••• ••55"
    assert mask_contact("casey@mail.example.com") == "c•••@mail.example.com"
    assert mask_contact("12") == "••••"


def test_masking_twice_changes_nothing(masker):
    once = masker.text("call +15559876543 or jane@home.example")
    assert masker.text(once) is once
    assert mask_contact(mask_contact(CUSTOMER)) == "+1 555 ••• ••43"


def record() -> dict:
    return {
        "interactionId": "b2109780-db83-11e7-9709-c2b07aa3bee9",
        "startTimestamp": "2017-12-07T19:20:33.394Z",
        "customer": CUSTOMER,
        "contactPoint": CONTACT_POINT,
        "notes": [{"noteId": "n1", "title": "Call 555 987 6543", "body": "from jane@home.example"}],
        "hooks": [
            {"hookId": "h1", "hookName": "jane@home.example", "hookUrl": "https://x/5559876543"}
        ],
        "details": {"customer": CUSTOMER, "callerNumber": "15559876543"},
        "messagingTranscript": [{"from": "customer", "text": "ring 555-987-6543"}],
    }


class _User:
    is_authenticated = True

    def __init__(self, allowed: bool) -> None:
        self.allowed = allowed

    def has_perm(self, perm: str) -> bool:
        return self.allowed


def test_mask_interaction_masks_every_text_and_keeps_the_original():
    original = parse_interaction(record())
    masked = mask_interaction(original)
    assert masked.customer == "+1 555 ••• ••43" and masked.contact_point == CONTACT_POINT
    assert masked.notes[0].title == "Call 555 ••• ••43"
    assert masked.notes[0].body == "from j•••@home.example"
    assert masked.hooks[0].name == "j•••@home.example"
    assert masked.hooks[0].url == "https://x/555 ••• ••43"  # the customer's own digits
    assert masked.details.extra["callerNumber"] == "1 555 ••• ••43"
    assert masked.extra["messagingTranscript"] == [
        {"from": "customer", "text": "ring 555 ••• ••43"}
    ]
    assert masked.raw["details"]["customer"] == "+1 555 ••• ••43"
    assert "5559876543" not in repr(dataclasses.asdict(masked))
    assert original.notes[0].title == "Call 555 987 6543"  # frozen original untouched


def test_interaction_for_viewer_follows_the_permission():
    interaction = parse_interaction(record())
    assert interaction_for_viewer(interaction, _User(allowed=True)) is interaction
    assert interaction_for_viewer(interaction, _User(allowed=False)).customer == "+1 555 ••• ••43"
    assert interaction_for_viewer(None, _User(allowed=False)) is None


def test_hostile_sizes_stay_linear(masker):
    """No catastrophic backtracking: megabytes of digit/separator soup in well under a second."""
    soup = ("5 5-5.5 (5) " * 100_000) + ("a." * 200_000) + "@" + ("b-" * 200_000)
    started = time.perf_counter()
    masker.text(soup)
    assert time.perf_counter() - started < 2.0
