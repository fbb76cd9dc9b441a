"""The detail page's "Other fields": every field of a record that no section shows (issue 10,
point 6)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from interactions_app.cxengage.models import Interaction
from interactions_app.record_fields import LABELS, SHOWN, other_fields


def test_every_field_of_the_model_is_shown_by_a_section_or_labelled_here():
    names = {f.name for f in dataclasses.fields(Interaction)}
    assert names >= SHOWN, SHOWN - names  # no stale name
    assert not SHOWN & LABELS.keys()
    assert names - SHOWN == LABELS.keys()


def test_fields_with_a_value_come_labelled_and_typed_then_the_unknown_ones():
    item = Interaction(
        id="i",
        tenant_id="t-1",
        start=None,
        end=None,
        flow_id="",  # empty: not shown
        customer_talk_seconds=61.5,
        customer_satisfaction_score=4,
        campaign_id=None,
        customer="+15550001111",  # the header shows it
        extra={"callerNumber": "+15550001111", "x-flag": True, "nested": {"a": 1}},
    )
    shown = [(f.label, f.value, f.kind, f.known) for f in other_fields(item)]
    assert shown == [
        ("Tenant id", "t-1", "text", True),
        ("Customer talk time", 61.5, "seconds", True),
        ("Customer satisfaction score", 4, "number", True),
        ("callerNumber", "+15550001111", "text", False),
        ("x-flag", True, "yes-no", False),
        ("nested", {"a": 1}, "data", False),
    ]


def test_times_are_times():
    when = datetime(2026, 11, 24, tzinfo=UTC)
    item = Interaction(id="i", tenant_id=None, start=None, end=None, extra={"at": when})
    assert [(f.kind, f.value) for f in other_fields(item)] == [("time", when)]
