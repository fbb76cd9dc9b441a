"""Query-string forms: list filters, paging, the flagged scan and attribute search rows.

Every page's state lives in its GET parameters, so these forms are what turns a URL into service
arguments. Times typed into the filters are read in the zone the pages show times in.

The forms of result sources (``sources.py``) share one protocol: built as ``form(query, *, tz,
user)`` (the zone times are typed in, and who asks), ``submitted`` (False: nothing
asked yet, the page is idle), ``is_valid()``, ``paging()`` and ``filters()`` (the service's
keyword arguments), ``terms`` (values to highlight), ``reshaped`` (the request changed the form
itself, not the results) and ``canonical_query()``: the query the form stands for, which keys the
HTML cache and builds every link of the results.
"""

from __future__ import annotations

import unicodedata
import zoneinfo
from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.forms.fields import BaseTemporalField
from django.http import QueryDict

from . import time_ranges
from .live import MAX_POLL, MAX_TERMS
from .services.flagged_scan import flagged_scan_allowed
from .services.types import CRM_NAMES, Hook
from .time_ranges import PRESETS, PRESETS_BY_NAME, Preset, preset_range, zone_name, zone_named

PAGE_SIZES = (10, 25, 50, 100, 250, 1000)
DEFAULT_PAGE_SIZE = 25
MAX_PAGE = 10_000_000
SCAN_DEPTHS = (1_000, 5_000, 10_000, 20_000, 50_000, 100_000)
MAX_VALUE_LENGTH = 200
MAX_ROWS = 6
FIRST_YEAR, LAST_YEAR = 1970, 2999  # interactions cannot predate the epoch the API counts from
MAX_ORIGIN_LENGTH = 4000  # a detail page's ``from``: the result page it was opened from

SEARCH_KINDS = (
    ("attribute-value", "Attribute value"),
    ("hook-name", "Hook name"),
    ("crm", "CRM record"),
)
# a CRM's hookType or a record's hookSubType, as the CRM integrations write them
CRM_WORD = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._ -]*$", "Use letters, digits, dots or dashes, e.g. ticket or Case."
)
# hookSubTypes the CRM integrations write (SDK zendesk.cljs, salesforce_lightning.cljs)
CRM_RECORD_TYPES = ("ticket", "user", "Case", "Contact", "Account", "Lead", "Opportunity")


def reject_control_characters(value: str) -> None:
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in value):
        raise ValidationError("Remove line breaks, tabs and other invisible control characters.")


def _as_text(value: object) -> str:
    """A cleaned value as it is typed in a URL (wall-clock times to the minute or second)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S" if value.second else "%Y-%m-%dT%H:%M")
    return str(value)


class PagingForm(forms.Form):
    submitted = True  # every query asks for results (search forms may be idle)
    reshaped = False  # no request changes the shape of this form
    terms: frozenset[str] = frozenset()  # nothing to highlight

    page = forms.IntegerField(
        min_value=1,
        max_value=MAX_PAGE,
        required=False,
        error_messages={"invalid": "The page must be a whole number."},
    )
    limit = forms.TypedChoiceField(
        label="Rows per page",
        choices=[(n, str(n)) for n in PAGE_SIZES],
        coerce=int,
        required=False,
        error_messages={"invalid_choice": "Choose one of 10, 25, 50, 100, 250 or 1000 rows."},
    )

    def __init__(self, data: QueryDict | None = None, *, user: Any = None, **kwargs: Any) -> None:
        self.user = user  # who asks: some queries are for staff only (a deep flagged scan)
        super().__init__(self._with_defaults(data), **kwargs)

    def defaults(self) -> dict[str, object]:
        """Values in effect when the URL leaves a parameter out, so widgets show them."""
        return {"limit": DEFAULT_PAGE_SIZE}

    def _with_defaults(self, data: QueryDict | None) -> QueryDict | None:
        if data is None:
            return None
        missing = {k: v for k, v in self.defaults().items() if not data.get(k)}
        if not missing:
            return data
        data = data.copy()
        for key, value in missing.items():
            data[key] = str(value)
        return data

    def clean_page(self) -> int:
        return self.cleaned_data.get("page") or 1

    def clean_limit(self) -> int:
        return self.cleaned_data.get("limit") or DEFAULT_PAGE_SIZE

    def paging(self) -> dict[str, int]:
        return {"page": self.cleaned_data["page"], "limit": self.cleaned_data["limit"]}

    def filters(self) -> dict[str, Any]:
        return {}

    def canonical_query(self) -> QueryDict:
        """The cleaned values that differ from the defaults, in field order (valid forms only).

        Unknown parameters, defaults and other spellings of one value (``page=٣``) fall away.
        """
        query = QueryDict(mutable=True)
        implied = {"page": 1, **self.defaults()}
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if value not in (None, "") and value != implied.get(name):
                query[name] = _as_text(value)
        return query


class WallClockDateTimeField(forms.DateTimeField):
    """A datetime-local value as typed: naive, not run through the active time zone.

    Django's DateTimeField makes the value aware in the *active* zone and rejects wall-clock
    times that zone skips or repeats (DST), even though the form reads them in the tenant's zone.
    """

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        # the input_formats loop (strptime), without DateTimeField's from_current_timezone
        return BaseTemporalField.to_python(self, str(value))


class TimeRangeForm(PagingForm):
    """A time range: typed ``start``/``end`` or a ``preset``, read in the zone ``tz`` names
    (``time_ranges.py``: a link selects the same interactions for every reader). Without
    ``tz`` the times are read in ``tz=`` given here (the reader's display zone), and the
    canonical query names it."""

    start = WallClockDateTimeField(
        label="From",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end = WallClockDateTimeField(
        label="To",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    preset = forms.ChoiceField(
        choices=[("", "Any time"), *((p.name, p.label) for p in PRESETS)],
        required=False,
        error_messages={"invalid_choice": "Choose one of the quick ranges."},
    )
    tz = forms.CharField(required=False, max_length=64)

    presets = PRESETS

    def __init__(self, data: QueryDict | None = None, *, tz: tzinfo, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.link_tz = tz  # the zone of this link's times: the URL's ``tz``, else the reader's
        self.zone_name = zone_name(tz)
        self.range_start: datetime | None = None  # the range asked for, typed or a preset
        self.range_end: datetime | None = None

    def clean_tz(self) -> str:
        name = (self.cleaned_data.get("tz") or "").strip()
        if not name:
            return self.zone_name
        zone = zone_named(name)
        if zone is None:
            raise ValidationError("This link names a time zone that does not exist.")
        self.link_tz, self.zone_name = zone, name
        return name

    def _in_tenant_zone(self, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        # The supervisor meant the wall clock of the link's zone, whatever zone the request runs in.
        return value.replace(tzinfo=None).replace(tzinfo=self.link_tz)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ("start", "end"):
            value = self._in_tenant_zone(cleaned.get(name))
            if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
                # year 9999 in one zone is year 10000 in UTC, which no datetime can hold
                self.add_error(name, f"Choose a date between {FIRST_YEAR} and {LAST_YEAR}.")
                value = None
            cleaned[name] = value
        # compare instants: within one zone Python compares wall clocks, which a DST jump skews
        start, end = cleaned["start"], cleaned["end"]
        if start and end and start.astimezone(UTC) >= end.astimezone(UTC):
            self.add_error("end", "The end must be after the start.")
        if start or end or "start" in self.errors or "end" in self.errors:
            cleaned["preset"] = ""  # a time typed in wins over a quick range
        elif cleaned.get("preset"):
            now = time_ranges.current_time()
            start, end = preset_range(cleaned["preset"], tz=self.link_tz, now=now)
        self.range_start, self.range_end = start, end
        return cleaned

    @property
    def active_preset(self) -> Preset | None:
        """The quick range this (valid) form selects, if any."""
        cleaned = getattr(self, "cleaned_data", {})
        return PRESETS_BY_NAME.get(cleaned.get("preset") or "")

    @property
    def has_range(self) -> bool:
        return self.range_start is not None or self.range_end is not None

    def time_range(self) -> dict[str, datetime | None]:
        return {"start": self.range_start, "end": self.range_end}

    def filters(self) -> dict[str, Any]:
        return self.time_range()

    def canonical_query(self) -> QueryDict:
        """As for every form, and the zone the times are in only when there are times."""
        query = super().canonical_query()
        if not (query.get("start") or query.get("end") or query.get("preset")):
            query.pop("tz", None)
        return query


class FlaggedForm(TimeRangeForm):
    depth = forms.TypedChoiceField(
        label="Scan",
        choices=[(n, f"most recent {n:,}") for n in SCAN_DEPTHS],
        coerce=int,
        required=False,
    )
    flag = forms.CharField(required=False, max_length=64, validators=[reject_control_characters])

    def __init__(self, *args: Any, default_depth: int | None = None, **kwargs: Any) -> None:
        self.default_depth = default_depth or settings.CXENGAGE["FLAGGED_SCAN_DEPTH"]
        super().__init__(*args, **kwargs)
        if self.default_depth not in SCAN_DEPTHS:
            field = self.fields["depth"]
            field.choices = sorted(
                [*field.choices, (self.default_depth, f"most recent {self.default_depth:,}")]
            )

    def defaults(self) -> dict[str, object]:
        return {**super().defaults(), "depth": self.default_depth}

    def clean_depth(self) -> int:
        return self.cleaned_data.get("depth") or self.default_depth

    def next_depth(self) -> int | None:
        """The next larger scan depth offered to this user, for the 'scan further' link."""
        current = self.cleaned_data.get("depth", self.default_depth)
        deeper = next((n for n, _ in self.fields["depth"].choices if n > current), None)
        return deeper if deeper and self._may_scan(deeper) else None

    def _may_scan(self, depth: int) -> bool:
        return flagged_scan_allowed(depth=depth, user=self.user, **self.time_range())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("depth") and not self._may_scan(cleaned["depth"]):
            limit = settings.CXENGAGE["FLAGGED_SCAN_DEPTH"]
            self.add_error("depth", f"Scans deeper than the most recent {limit:,} are for staff.")
        return cleaned

    def clean_flag(self) -> str:
        return (self.cleaned_data.get("flag") or "").strip()

    def filters(self) -> dict[str, Any]:
        return {
            **self.time_range(),
            "depth": self.cleaned_data["depth"],
            "flag_filter": self.cleaned_data["flag"],
        }


class SearchRowForm(forms.Form):
    kind = forms.ChoiceField(choices=SEARCH_KINDS, initial="attribute-value", required=False)
    value = forms.CharField(
        required=False,
        strip=True,
        max_length=MAX_VALUE_LENGTH,
        validators=[reject_control_characters],
        error_messages={"max_length": f"Keep it under {MAX_VALUE_LENGTH} characters."},
        widget=forms.TextInput(attrs={"placeholder": "e.g. VIP or ORD-123456", "maxlength": 200}),
    )

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or "attribute-value"


class CrmRecordForm(forms.Form):
    """The CRM and the kind of record of a search's CRM-record row (its id is the row's value):
    ``?kind=crm&value=415&crm=zendesk&record-type=ticket``. Either may be left out."""

    crm = forms.CharField(
        label="CRM",
        required=False,
        max_length=64,
        validators=[reject_control_characters, CRM_WORD],
    )
    record_type = forms.CharField(
        label="Record type",
        required=False,
        max_length=64,
        validators=[reject_control_characters, CRM_WORD],
    )

    def __init__(self, data: QueryDict) -> None:
        super().__init__({"crm": data.get("crm", ""), "record_type": data.get("record-type", "")})

    @property
    def crm_choices(self) -> list[tuple[str, str]]:
        """The CRMs to choose from; one the URL names that is not among them is kept."""
        current = self.data["crm"].strip()
        known = [("", "Any CRM"), *CRM_NAMES.items()]
        if current and current not in CRM_NAMES:
            known.append((current, current))
        return known

    record_types = CRM_RECORD_TYPES


class SearchForm:
    """Rows of (kind, value) read from parallel repeatable ``kind``/``value`` parameters.

    ``?kind=attribute-value&value=VIP&kind=attribute-value&value=callback-requested`` is two
    rows, ANDed by the API. A row of kind ``crm`` is a CRM record: its value is the record's id
    (``hookId``); ``crm`` and ``record-type`` (the ``hookType`` and ``hookSubType``, each
    optional) go with it, so there is one such row at most. ``add`` appends a blank row;
    ``remove=N`` drops row N; ``reshape=N`` redraws the form after row N changed kind. A search
    has no times and no query reserved to staff, so ``tz`` and ``user`` are accepted (the protocol
    of result forms) and not used.
    """

    def __init__(self, data: QueryDict, *, tz: tzinfo | None = None, user: Any = None) -> None:
        kinds = data.getlist("kind")
        values = data.getlist("value")
        count = max(len(kinds), len(values))
        rows = [
            {
                "kind": kinds[i] if i < len(kinds) else "",
                "value": values[i] if i < len(values) else "",
            }
            for i in range(count)
        ]
        remove = data.get("remove", "")
        # isdigit() alone accepts "²" or "٣", which int() rejects or reads unexpectedly
        removed = remove.isascii() and remove.isdigit() and len(remove) <= 3
        removed = removed and int(remove) < len(rows)
        if removed:
            del rows[int(remove)]
        # "+ Add condition", "Remove" and a row's new kind change the form, not the results
        reshape = data.get("reshape", "")
        reshape_row = int(reshape) if reshape.isascii() and reshape.isdigit() else None
        self.reshaped = removed or "add" in data or "reshape" in data
        if "add" in data or not rows:
            rows.append({"kind": "attribute-value", "value": ""})
        self.too_many = len(rows) > MAX_ROWS
        self.rows = [SearchRowForm(row, prefix=None) for row in rows[:MAX_ROWS]]
        # the row the cursor belongs in: the one just added or changed, else the first
        self.focus_row = len(self.rows) - 1 if "add" in data else 0
        # after a row changed kind, the cursor stays on its kind
        self.focus_kind = reshape_row is not None and reshape_row < len(self.rows)
        if self.focus_kind:
            self.focus_row = reshape_row
        self.submitted = any(row["value"].strip() for row in rows)
        # the CRM and record type belong to the CRM-record row: the first with an id, if any
        crm_rows = [n for n, row in enumerate(self.rows) if row.data["kind"] == "crm"]
        self.crm_ids = [n for n in crm_rows if self.rows[n].data["value"].strip()]
        self.crm_row = (self.crm_ids or crm_rows or [None])[0]
        self.crm_form = CrmRecordForm(data)
        self.paging_form = PagingForm(data)
        self.non_field_errors: list[str] = []

    def is_valid(self) -> bool:
        valid = all([row.is_valid() for row in self.rows]) and self.paging_form.is_valid()
        valid = self.crm_form.is_valid() and valid
        if self.too_many:
            self.non_field_errors.append(f"Search on at most {MAX_ROWS} conditions at once.")
        elif len(self.crm_ids) > 1:
            self.non_field_errors.append("Search on one CRM record at a time.")
        elif valid and not any((*self.criteria(), self.crm_record())):
            self.non_field_errors.append(
                "Enter at least one attribute value, hook name or CRM record id."
            )
        return valid and not self.non_field_errors

    def criteria(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The custom-attribute conditions: (attribute values, hook names)."""
        attribute_values, hook_names = [], []
        for row in self.rows:
            value = row.cleaned_data.get("value")
            kind = row.cleaned_data.get("kind")
            if value and kind != "crm":
                (hook_names if kind == "hook-name" else attribute_values).append(value)
        return tuple(attribute_values), tuple(hook_names)

    def crm_record(self) -> Hook | None:
        """The CRM record searched for (its id from the CRM-record row), if any."""
        row = None if self.crm_row is None else self.rows[self.crm_row]
        record_id = row.cleaned_data.get("value") if row is not None else None
        if not record_id:
            return None
        crm = self.crm_form.cleaned_data
        return Hook(
            id=None,
            hook_id=record_id,
            name=None,
            hook_type=crm.get("crm") or None,
            sub_type=crm.get("record_type") or None,
        )

    def conditions(self) -> list[tuple[str, str]]:
        """What the search asks for, as a supervisor reads it: ("CRM record", "Zendesk
        ticket 415"), ("Attribute value", "VIP"), ... in the order of the rows."""
        labels, record = dict(SEARCH_KINDS), self.crm_record()
        found = []
        for row in self.rows:
            kind, value = row.cleaned_data.get("kind"), row.cleaned_data.get("value")
            if value:
                found.append((labels[kind], record.label if kind == "crm" else value))
        return found

    def paging(self) -> dict[str, int]:
        return self.paging_form.paging()

    def filters(self) -> dict[str, Any]:
        attribute_values, hook_names = self.criteria()
        record = self.crm_record()
        return {
            "attribute_values": attribute_values,
            "hook_names": hook_names,
            "hook_type": record and record.hook_type,
            "hook_sub_type": record and record.sub_type,
            "hook_id": record and record.hook_id,
        }

    @property
    def terms(self) -> set[str]:
        """The searched values, for highlighting matched attributes and CRM records."""
        attribute_values, hook_names = self.criteria()
        record = self.crm_record()
        record_id = (record.hook_id,) if record else ()
        return {v.casefold() for v in (*attribute_values, *hook_names, *record_id)}

    def query_string(self) -> str:
        """The conditions alone (no paging), as the audit log records a search."""
        query = QueryDict(mutable=True)
        for row in self.rows:
            value = row.cleaned_data.get("value") if hasattr(row, "cleaned_data") else None
            if value:
                query.appendlist("kind", row.cleaned_data["kind"])
                query.appendlist("value", value)
        record = self.crm_record() if hasattr(self.crm_form, "cleaned_data") else None
        for name, value in (
            ("crm", record and record.hook_type),
            ("record-type", record and record.sub_type),
        ):
            if value:
                query[name] = value
        return query.urlencode()

    def canonical_query(self) -> QueryDict:
        """The conditions, then the paging that differs from the defaults (valid forms only)."""
        query = QueryDict(self.query_string(), mutable=True)
        query.update(self.paging_form.canonical_query())
        return query


class TermsField(forms.Field):
    """A repeatable text parameter (``?term=a&term=b``) as a list of its values."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        return [v for v in value or () if isinstance(v, str)]


class DetailQueryForm(forms.Form):
    """The query of an interaction's page and of its polls: ``poll`` (refreshes so far),
    ``term`` (search values a polled row highlights) and ``from`` (the result page it was
    opened from, for prev/next and the row's detail link). None of them is worth a 400: a value
    that does not clean (``poll=²``, an origin past ``MAX_ORIGIN_LENGTH``) reads as absent."""

    poll = forms.IntegerField(min_value=0, required=False)
    term = TermsField(required=False)

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        self.fields["from"] = forms.CharField(required=False, max_length=MAX_ORIGIN_LENGTH)

    def clean_term(self) -> list[str]:
        """At most ``MAX_TERMS`` search values, each as short and clean as a search field's."""
        kept = []
        for term in self.cleaned_data["term"]:
            try:
                reject_control_characters(term)
            except ValidationError:
                continue
            if term and len(term) <= MAX_VALUE_LENGTH:
                kept.append(term)
        return kept[:MAX_TERMS]

    def _value(self, name: str) -> Any:
        self.is_valid()  # cleans once; a field that does not clean is left out of cleaned_data
        return self.cleaned_data.get(name)

    def poll_count(self) -> int:
        """Refreshes so far (0 on page load), capped where the interval stops growing."""
        return min(self._value("poll") or 0, MAX_POLL)

    def terms(self) -> frozenset[str]:
        return frozenset(self._value("term") or ())

    def origin(self) -> str:
        return self._value("from") or ""


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class ZonePreferenceForm(forms.Form):
    """Show times in the tenant's zone or the supervisor's own (an IANA name from the browser)."""

    mode = forms.ChoiceField(
        choices=[("tenant", "The tenant's time zone"), ("viewer", "My own time zone")]
    )
    zone = forms.CharField(required=False, max_length=64)
    next = forms.CharField(required=False, max_length=2000)

    def __init__(
        self, data: QueryDict | None = None, *, mode: str, zone: str = "", next_url: str = ""
    ) -> None:
        """``mode`` and ``zone``: the current choice (``zone`` only for the viewer's own)."""
        super().__init__(data, initial={"mode": mode, "zone": zone, "next": next_url})

    def preference(self) -> dict[str, str]:
        """The choice as ``preference_set_zone`` takes it."""
        return {"mode": self.cleaned_data["mode"], "zone": self.cleaned_data["zone"]}

    def clean_zone(self) -> str:
        zone = (self.cleaned_data.get("zone") or "").strip()
        if zone and zone not in _zone_names():
            # browsers may report a legacy alias (Asia/Calcutta); accept any key tzdata resolves
            try:
                zoneinfo.ZoneInfo(zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValidationError(
                    "Choose a time zone from the list, such as Europe/Paris."
                ) from None
        return zone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("mode") == "viewer" and not cleaned.get("zone"):
            self.add_error("zone", "Choose your time zone.")
        return cleaned

    @staticmethod
    def zone_choices() -> list[str]:
        skip = ("Etc/", "SystemV/")
        return ["UTC", *sorted(n for n in _zone_names() if "/" in n and not n.startswith(skip))]
