"""The Jinja2 side of a results table (templatetags/rows.py) against the Django engine it
stands in for: the same times, the same escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils.html import conditional_escape, format_html
from django.utils.translation import override
from hypothesis import given, settings
from hypothesis import strategies as st

from interactions_app.templatetags.rows import _escaped, when

DJANGO = Template('{% load tz %}{{ value|timezone:tz|date:"M j, H:i:s" }}')
ZONES = ["UTC", "US/Eastern", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Kiritimati"]


@settings(max_examples=300, deadline=None, database=None)
@given(
    moment=st.datetimes(
        min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES).map(ZoneInfo)
    | st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes))),
)
def test_when_is_the_django_timezone_and_date_filters(moment, zone):
    assert when(moment, zone) == DJANGO.render(Context({"value": moment, "tz": zone}))


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_when_names_the_month_in_the_active_language(language):
    moment = datetime(2026, 3, 5, 7, 8, 9, tzinfo=UTC)
    with override(language):
        assert when(moment, UTC) == DJANGO.render(Context({"value": moment, "tz": UTC}))


@pytest.mark.parametrize(
    "value",
    [
        "<script>alert(1)</script>",
        "\"'&<>",
        "plain",
        None,
        12.5,
        format_html("<b>{}</b>", "<i>"),
        "&amp; already",
    ],
)
def test_values_are_escaped_as_the_django_engine_escapes_them(value):
    assert _escaped(value) == conditional_escape(value)
