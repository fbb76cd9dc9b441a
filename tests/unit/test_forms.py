"""Query-string forms: time ranges read in the tenant's zone, paging bounds, search rows."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict
from django.utils import timezone

from interactions_app.forms import MAX_ROWS, PagingForm, SearchForm, TimeRangeForm

EASTERN = ZoneInfo("US/Eastern")


def query(*pairs: tuple[str, str]) -> QueryDict:
    return QueryDict(urlencode(pairs))


def time_form(tz=EASTERN, **params: str) -> TimeRangeForm:
    return TimeRangeForm(query(*params.items()), tz=tz)


# --- TimeRangeForm --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "utc"),
    [
        ("2026-07-01T09:00", datetime(2026, 7, 1, 13, 0, tzinfo=UTC)),  # EDT, -4
        ("2026-01-15T09:00:30", datetime(2026, 1, 15, 14, 0, 30, tzinfo=UTC)),  # EST, -5
        ("2026-01-15", datetime(2026, 1, 15, 5, 0, tzinfo=UTC)),  # local midnight
        # 02:30 does not exist on 2026-03-08 (clocks jump 02:00 -> 03:00): read with the
        # offset in force before the jump, i.e. as 03:30 EDT
        ("2026-03-08T02:30", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
        # 01:30 happens twice on 2026-11-01: the first (EDT) one
        ("2026-11-01T01:30", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
    ],
)
def test_start_is_read_on_the_tenant_wall_clock(typed, utc) -> None:
    form = time_form(start=typed)
    assert form.is_valid(), form.errors
    start = form.time_range()["start"]
    assert start.tzinfo is EASTERN
    assert start.astimezone(UTC) == utc
    assert form.time_range()["end"] is None


def test_same_input_in_another_zone_is_another_instant() -> None:
    tokyo = time_form(tz=ZoneInfo("Asia/Tokyo"), start="2026-07-01T09:00")
    assert tokyo.is_valid()
    assert tokyo.time_range()["start"].astimezone(UTC) == datetime(2026, 7, 1, 0, 0, tzinfo=UTC)


def test_the_active_django_time_zone_does_not_change_the_reading() -> None:
    # 2026-03-08T02:30 does not exist in US/Eastern; the tenant here is UTC, where it does
    with timezone.override(EASTERN):
        form = time_form(tz=UTC, start="2026-03-08T02:30", end="2026-03-08T03:00")
        assert form.is_valid(), form.errors
    assert form.time_range()["start"] == datetime(2026, 3, 8, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-07-01T09:00", "2026-07-01T09:00"),
        ("2026-07-01T09:00", "2026-07-01T08:59"),
        ("2026-07-02", "2026-07-01T23:00"),
    ],
)
def test_end_must_be_after_start(start, end) -> None:
    form = time_form(start=start, end=end)
    assert not form.is_valid()
    assert list(form.errors) == ["end"]


def test_end_after_start_across_the_dst_gap_is_valid() -> None:
    form = time_form(start="2026-03-08T01:59", end="2026-03-08T03:00")
    assert form.is_valid(), form.errors
    span = form.time_range()["end"].astimezone(UTC) - form.time_range()["start"].astimezone(UTC)
    assert span.total_seconds() == 60  # one real minute across the jump


def test_end_before_start_in_real_time_is_refused_even_if_the_wall_clock_says_after() -> None:
    # 02:30 does not exist that day and reads as 07:30 UTC; 03:10 EDT is 07:10 UTC
    form = time_form(start="2026-03-08T02:30", end="2026-03-08T03:10")
    assert not form.is_valid()
    assert list(form.errors) == ["end"]


@pytest.mark.parametrize("typed", ["yesterday", "2026-02-30T10:00", "2026-07-01T25:00", "1e9"])
def test_unreadable_times_are_field_errors(typed) -> None:
    form = time_form(start=typed)
    assert not form.is_valid()
    assert "start" in form.errors


@pytest.mark.parametrize("page", ["-1", "0", "abc", str(10**12), "1.5"])
def test_bad_page_is_a_field_error(page) -> None:
    form = time_form(page=page)
    assert not form.is_valid()
    assert list(form.errors) == ["page"]


@pytest.mark.parametrize("limit", ["0", "7", "1000000", "abc", "-25"])
def test_bad_limit_is_a_field_error(limit) -> None:
    form = time_form(limit=limit)
    assert not form.is_valid()
    assert list(form.errors) == ["limit"]


def test_defaults_are_page_1_and_25_rows() -> None:
    form = time_form()
    assert form.is_valid()
    assert form.paging() == {"page": 1, "limit": 25}
    assert form.time_range() == {"start": None, "end": None}


def test_blank_parameters_use_the_defaults() -> None:
    form = time_form(page="", limit="", start="", end="")
    assert form.is_valid(), form.errors
    assert form.paging() == {"page": 1, "limit": 25}


@pytest.mark.parametrize(("page", "limit"), [("3", "100"), ("10000000", "1000"), ("1", "10")])
def test_valid_paging(page, limit) -> None:
    form = PagingForm(query(("page", page), ("limit", limit)))
    assert form.is_valid(), form.errors
    assert form.paging() == {"page": int(page), "limit": int(limit)}


# --- SearchForm -----------------------------------------------------------------------------------


def rows(*pairs: tuple[str, str], extra: tuple[tuple[str, str], ...] = ()) -> SearchForm:
    params: list[tuple[str, str]] = []
    for kind, value in pairs:
        params += [("kind", kind), ("value", value)]
    return SearchForm(query(*params, *extra))


def test_repeatable_rows_become_criteria() -> None:
    form = rows(("attribute-value", "VIP"), ("hook-name", "ORD-1"), ("attribute-value", "cb"))
    assert form.is_valid()
    assert form.criteria() == (("VIP", "cb"), ("ORD-1",))
    assert form.terms == {"vip", "cb", "ord-1"}
    assert form.submitted


def test_value_without_kind_defaults_to_attribute_value() -> None:
    form = SearchForm(query(("value", "VIP")))
    assert form.is_valid()
    assert form.criteria() == (("VIP",), ())


def test_add_appends_a_blank_row() -> None:
    form = rows(("hook-name", "h"), extra=(("add", "1"),))
    assert len(form.rows) == 2
    assert form.rows[1].data == {"kind": "attribute-value", "value": ""}
    assert form.is_valid()
    assert form.criteria() == ((), ("h",))
    assert form.focus_row == 1  # the cursor goes to the new row


def test_without_add_the_first_row_has_the_focus() -> None:
    assert rows(("hook-name", "h"), ("attribute-value", "v")).focus_row == 0


@pytest.mark.parametrize(
    ("remove", "left"), [("0", ("b", "c")), ("1", ("a", "c")), ("2", ("a", "b"))]
)
def test_remove_drops_that_row(remove, left) -> None:
    form = rows(
        ("attribute-value", "a"),
        ("attribute-value", "b"),
        ("attribute-value", "c"),
        extra=(("remove", remove),),
    )
    assert form.is_valid()
    assert form.criteria()[0] == left


@pytest.mark.parametrize("remove", ["3", "-1", "x", "²", "٣", "1.0", ""])
def test_remove_ignores_what_is_not_a_row_number(remove) -> None:
    form = rows(("attribute-value", "a"), ("attribute-value", "b"), extra=(("remove", remove),))
    assert form.is_valid()
    assert form.criteria()[0] == ("a", "b")


def test_removing_the_only_row_leaves_a_blank_one() -> None:
    form = rows(("attribute-value", "a"), extra=(("remove", "0"),))
    assert len(form.rows) == 1
    assert not form.submitted


def test_blank_rows_are_ignored() -> None:
    form = rows(("attribute-value", ""), ("hook-name", "  ORD-9  "), ("attribute-value", "   "))
    assert form.is_valid()
    assert form.criteria() == ((), ("ORD-9",))
    assert form.query_string() == "kind=hook-name&value=ORD-9"


@pytest.mark.parametrize(
    "params",
    [(), (("kind", "attribute-value"), ("value", "")), (("value", "  "), ("value", "\t "))],
)
def test_all_blank_is_a_non_field_error(params) -> None:
    form = SearchForm(query(*params))
    assert not form.submitted
    assert not form.is_valid()
    assert form.non_field_errors == [
        "Enter at least one attribute value, hook name or CRM record id."
    ]


def test_values_up_to_200_characters_pass_and_longer_fail() -> None:
    assert rows(("attribute-value", "x" * 200)).is_valid()
    form = rows(("attribute-value", "ok"), ("hook-name", "x" * 201))
    assert not form.is_valid()
    assert not form.rows[0].errors
    assert list(form.rows[1].errors) == ["value"]


@pytest.mark.parametrize("value", ["a\nb", "a\x00b", "a\u202eb", "a\tb", "a\u2028b", "a\x7fb"])
def test_control_characters_are_field_errors(value) -> None:
    form = rows(("attribute-value", "fine"), ("attribute-value", value))
    assert not form.is_valid()
    assert list(form.rows[1].errors) == ["value"]
    assert not form.rows[0].errors


def test_unknown_kind_is_a_field_error() -> None:
    form = rows(("contact-id", "x"))
    assert not form.is_valid()
    assert list(form.rows[0].errors) == ["kind"]


def test_ampersands_and_percent_escapes_stay_literal() -> None:
    form = SearchForm(QueryDict("kind=hook-name&value=a%26limit%3D5&value=x%2526y&value=%3Fq%3D1"))
    assert form.is_valid()
    assert form.criteria() == (("x%26y", "?q=1"), ("a&limit=5",))
    round_trip = QueryDict(form.query_string())
    assert round_trip.getlist("value") == ["a&limit=5", "x%26y", "?q=1"]
    assert round_trip.getlist("kind") == ["hook-name", "attribute-value", "attribute-value"]
    assert "limit" not in round_trip


def test_six_rows_pass_and_seven_are_refused() -> None:
    six = rows(*[("attribute-value", f"v{i}") for i in range(MAX_ROWS)])
    assert six.is_valid()
    assert len(six.criteria()[0]) == 6
    seven = rows(*[("attribute-value", f"v{i}") for i in range(MAX_ROWS + 1)])
    assert not seven.is_valid()
    assert seven.non_field_errors == ["Search on at most 6 conditions at once."]
    assert len(seven.rows) == MAX_ROWS


def test_adding_a_seventh_row_is_refused() -> None:
    form = rows(*[("attribute-value", f"v{i}") for i in range(MAX_ROWS)], extra=(("add", ""),))
    assert not form.is_valid()
    assert form.non_field_errors


def test_search_paging_is_validated() -> None:
    form = rows(("attribute-value", "VIP"), extra=(("page", "abc"),))
    assert not form.is_valid()
    assert "page" in form.paging_form.errors
    ok = rows(("attribute-value", "VIP"), extra=(("page", "4"), ("limit", "50")))
    assert ok.is_valid()
    assert ok.paging() == {"page": 4, "limit": 50}


# --- the CRM-record condition (issue 10, point 5) ----------------------------------------------


def crm_search(*extra: tuple[str, str]) -> SearchForm:
    return SearchForm(query(("kind", "crm"), ("value", " 415 "), *extra))


def test_a_crm_row_is_the_crm_record_with_its_crm_and_record_type() -> None:
    form = crm_search(("crm", "zendesk"), ("record-type", "ticket"))
    assert form.is_valid() and form.submitted
    assert form.filters() == {
        "attribute_values": (),
        "hook_names": (),
        "hook_type": "zendesk",
        "hook_sub_type": "ticket",
        "hook_id": "415",
    }
    assert form.conditions() == [("CRM record", "Zendesk ticket 415")]
    assert form.query_string() == "kind=crm&value=415&crm=zendesk&record-type=ticket"
    assert form.terms == {"415"}


def test_the_crm_and_record_type_are_optional() -> None:
    form = crm_search()
    assert form.is_valid()
    assert (form.filters()["hook_type"], form.filters()["hook_sub_type"]) == (None, None)
    assert form.conditions() == [("CRM record", "CRM record 415")]
    assert form.query_string() == "kind=crm&value=415"


def test_a_crm_record_goes_with_attribute_conditions() -> None:
    form = SearchForm(
        query(
            *(("kind", "attribute-value"), ("value", "VIP"), ("kind", "crm"), ("value", "9")),
            *(("crm", "salesforce-lightning"), ("record-type", "Case")),
        )
    )
    assert form.is_valid()
    assert form.criteria() == (("VIP",), ())
    assert form.filters()["hook_id"] == "9"
    assert form.conditions() == [
        ("Attribute value", "VIP"),
        ("CRM record", "Salesforce Lightning Case 9"),
    ]


def test_one_crm_record_at_a_time() -> None:
    form = SearchForm(query(("kind", "crm"), ("value", "1"), ("kind", "crm"), ("value", "2")))
    assert not form.is_valid()
    assert form.non_field_errors == ["Search on one CRM record at a time."]


def test_a_blank_crm_row_leaves_the_crm_record_to_the_one_with_an_id() -> None:
    form = SearchForm(
        query(("kind", "crm"), ("value", " "), ("kind", "crm"), ("value", "2"), ("crm", "zendesk"))
    )
    assert form.is_valid() and form.crm_row == 1
    assert form.conditions() == [("CRM record", "Zendesk record 2")]


@pytest.mark.parametrize(
    ("name", "value"),
    [("crm", "zen<desk>"), ("crm", "x" * 65), ("record-type", "tick\net"), ("record-type", "-a")],
)
def test_a_bad_crm_or_record_type_is_a_field_error(name, value) -> None:
    form = crm_search((name, value))
    assert not form.is_valid()
    field = "crm" if name == "crm" else "record_type"
    assert list(form.crm_form.errors) == [field]


def test_crm_parameters_without_a_crm_row_are_ignored() -> None:
    form = rows(("attribute-value", "VIP"), extra=(("crm", "zendesk"), ("record-type", "user")))
    assert form.is_valid()
    assert (
        form.filters()["hook_type"] is None
        and form.query_string() == "kind=attribute-value&value=VIP"
    )


def test_a_crm_the_list_does_not_know_is_kept_as_a_choice() -> None:
    form = crm_search(("crm", "freshdesk"))
    assert form.is_valid() and form.filters()["hook_type"] == "freshdesk"
    assert ("freshdesk", "freshdesk") in form.crm_form.crm_choices
    assert ("zendesk", "Zendesk") in crm_search().crm_form.crm_choices


def test_a_row_that_changes_kind_reshapes_the_form_and_keeps_the_cursor_on_it() -> None:
    form = SearchForm(
        query(
            ("kind", "attribute-value"),
            ("value", "a"),
            ("kind", "crm"),
            ("value", ""),
            ("reshape", "1"),
        )
    )
    assert form.reshaped and form.focus_kind and form.focus_row == 1 and form.crm_row == 1
    assert not crm_search().reshaped
