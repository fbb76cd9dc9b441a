"""How typed names and customer identifiers are matched (no database)."""

from __future__ import annotations

import pytest

from interactions_app.index.keys import customer_key, name_key


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+1 (555) 300-5556", "+15553005556"),
        ("1-555-300-5556", "+15553005556"),
        ("+1.555.300.5556", "+1 555 300 5556"),
        ("Grace.Kim@Example.com", "grace.kim@example.com"),
        ("  kim.lee@example.org ", "KIM.LEE@EXAMPLE.ORG"),
        ("Guest 42", "guest 42"),
    ],
)
def test_the_same_customer_whatever_the_punctuation_or_case(typed, stored):
    assert customer_key(typed) == customer_key(stored) != ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+1 555 300 555", "+15553005556"),  # a part of the number is not the number
        ("+15553005556", "+15553005557"),
        ("grace@example.com", "grace@example.org"),
        ("12", "+12"),  # too short to be a phone number: matched as text
    ],
)
def test_other_customers_do_not_match(typed, stored):
    assert customer_key(typed) != customer_key(stored)


def test_names_match_as_shown_ignoring_case_and_spacing():
    assert name_key("Grace  Kim") == name_key(" grace kim ") == "grace kim"
    assert name_key("Liam O'Brien") != name_key("Liam OBrien")
    assert name_key(None) == name_key("") == ""
