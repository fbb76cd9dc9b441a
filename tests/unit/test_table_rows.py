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


# the flagged table's triage cell as the Django engine rendered it before the rows moved to
# Jinja2 (integration's _review_cell.html), the reference for the Jinja2 one
DJANGO_REVIEW_CELL = Template(
    '{% load tz triage %}{% with r=reviews|review_for:i.id %}<td class="c-review">'
    '{% if r.reviewed %}<span class="badge reviewed">Reviewed</span> <span class="small">by '
    '{{ r.reviewed_by_name|default:"a former user" }}{% if r.reviewed_at %}, <time datetime="'
    '{{ r.reviewed_at|date:\'c\' }}">{{ r.reviewed_at|timezone:tz|date:"M j, H:i" }}</time>'
    '{% endif %}</span>{% else %}<span class="muted">Not reviewed</span>{% endif %}{% if r.owner %}'
    '<br><span class="small">Owner: {{ r.owner.get_username }}</span>{% endif %}{% if r.note %}'
    '<br><span class="small review-note" title="{{ r.note }}">“{{ r.note|truncatechars:60 }}”'
    "</span>{% endif %}</td>{% endwith %}"
)


class _Owner:
    def __init__(self, name: str) -> None:
        self.name = name

    def get_username(self) -> str:
        return self.name


class _Review:
    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)


HOSTILE = "<script>alert(1)</script>\"'&"


@pytest.mark.parametrize(
    "review",
    [
        None,
        _Review(reviewed=False, reviewed_by_name="", reviewed_at=None, owner=None, note=""),
        _Review(
            reviewed=True,
            reviewed_by_name="",
            reviewed_at=datetime(2026, 3, 1, 2, 5, tzinfo=UTC),
            owner=None,
            note="",
        ),
        _Review(
            reviewed=True,
            reviewed_by_name=HOSTILE,
            reviewed_at=datetime(2026, 11, 30, 23, 59, 30, tzinfo=UTC),
            owner=_Owner(HOSTILE),
            note="n" * 70 + HOSTILE,
        ),
        _Review(reviewed=False, reviewed_by_name="x", reviewed_at=None, owner=None, note=HOSTILE),
    ],
)
def test_the_review_cell_is_the_django_one(review):
    from django.template import engines

    cell = engines["jinja2"].get_template("interactions/partials/_review_cell.html").template
    zone = ZoneInfo("Australia/Lord_Howe")
    context = {"i": _Review(id="a1"), "reviews": {"a1": review} if review else {}, "tz": zone}
    expected = DJANGO_REVIEW_CELL.render(Context(context))
    assert cell.render(**context) == expected
    assert "<script>" not in expected
