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

import hashlib
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.forms.fields import BaseTemporalField
from django.http import QueryDict
from django.utils.text import slugify

from . import time_ranges
from .flags import FLAGS, flag_key
from .live import MAX_POLL, MAX_TERMS
from .pii import can_see_pii
from .services.flagged_scan import flagged_scan_allowed
from .services.indexed import (
    InvalidQuery,
    indexed_covers,
    indexed_enabled,
    indexed_facets,
    indexed_query,
    indexed_status,
)
from .services.types import CRM_NAMES, Hook
from .time_ranges import PRESETS, PRESETS_BY_NAME, Preset, preset_range, zone_name, zone_named
from .triage import review_stamp

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
        self.tz = tz  # the reader's display zone: the index's status and its flagged days
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


CHANNEL_CHOICES = (
    ("voice", "Voice"),
    ("sms", "SMS"),
    ("email", "Email"),
    ("messaging", "Messaging"),
    ("work-item", "Work item"),
)
DIRECTION_CHOICES = (("inbound", "Inbound"), ("outbound", "Outbound"))
STATUS_CHOICES = (("", "Any"), ("in-progress", "In progress"), ("complete", "Complete"))
SORT_CHOICES = (
    ("-start", "Newest first"),
    ("start", "Oldest first"),
    ("-duration", "Longest first"),
    ("duration", "Shortest first"),
)
DEFAULT_SORT = "-start"
MAX_NAMES = 20  # values of one repeated filter (agent=...&agent=...)
FLAGGED_ANY = "any"  # the list's flag=any: flagged, whatever the type
INDEX_FILTER_LABELS = {
    "channel": "channel",
    "direction": "direction",
    "agent": "agent",
    "queue": "queue",
    "flow": "flow",
    "customer": "customer",
    "status": "status",
    "sort": "sort order",
    "flag": "flag",
}


def _choices_text(choices: tuple[tuple[str, str], ...]) -> str:
    labels = [label for value, label in choices if value]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


class NamesField(forms.Field):
    """A repeatable text parameter (``?agent=a&agent=b``): its values, stripped, without
    duplicates (ignoring case), each as short and clean as a search field's."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, noun: str, **kwargs: Any) -> None:
        self.noun = noun
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> tuple[str, ...]:
        values = [value] if isinstance(value, str) else list(value or ())
        kept: dict[str, str] = {}
        for raw in values:
            text = " ".join(str(raw).split())
            if text:
                kept.setdefault(text.casefold(), text)
        return tuple(kept.values())

    def validate(self, value: tuple[str, ...]) -> None:
        if len(value) > MAX_NAMES:
            raise ValidationError(f"Choose at most {MAX_NAMES} {self.noun}s at once.")
        for text in value:
            reject_control_characters(text)
            if len(text) > MAX_VALUE_LENGTH:
                raise ValidationError(f"Keep each {self.noun} under {MAX_VALUE_LENGTH} characters.")


@dataclass(frozen=True)
class FacetChoice:
    name: str
    count: int | None  # None: not counted (the form has errors)
    checked: bool
    id: str  # the checkbox's id: stable across redraws, so focus stays on it


@dataclass(frozen=True)
class FacetGroup:
    kind: str  # agent, queue, flow: the URL parameter
    title: str
    field: Any  # the bound field (its errors)
    choices: tuple[FacetChoice, ...]


def _input_id(kind: str, name: str, *, taken: set[str]) -> str:
    """A checkbox id made of the name (stable across redraws), unique among ``taken``."""
    slug = slugify(name)
    if not slug or len(slug) > 40:
        slug = hashlib.blake2s(name.encode(), digest_size=5).hexdigest()
    found = f"f-{kind}-{slug}"
    if found in taken:  # "Grace Kim" and "grace-kim"
        found += "-" + hashlib.blake2s(name.encode(), digest_size=5).hexdigest()
    taken.add(found)
    return found


class IndexFilters:
    """The filters and sort only the local index can answer (``services/indexed.py``), mixed
    into a result form: present only while ``CXENGAGE_INDEX`` is on; ``customer`` only for
    users who may see customers. The form answers from the index (``indexed``) when the index
    holds the whole period asked; when it does not, it answers as without the index, and any
    of these filters in the URL is a form error (their answer would be wrong, not empty)."""

    index_on = False  # the index's filters are part of this form
    indexed = False  # valid, and answered from the index
    flag_field = True  # the list's own flag filter (the flagged page has its own)

    def _add_index_fields(self) -> None:
        self.index_on = indexed_enabled()
        self.customer_refused = False
        if not self.index_on:
            return
        multiple = {"required": False, "widget": forms.CheckboxSelectMultiple}
        fields = {
            "channel": forms.MultipleChoiceField(
                label="Channel",
                choices=CHANNEL_CHOICES,
                error_messages={
                    "invalid_choice": "%(value)s is not a channel: choose "
                    + _choices_text(CHANNEL_CHOICES)
                    + "."
                },
                **multiple,
            ),
            "direction": forms.MultipleChoiceField(
                label="Direction",
                choices=DIRECTION_CHOICES,
                error_messages={
                    "invalid_choice": "%(value)s is not a direction: choose "
                    + _choices_text(DIRECTION_CHOICES)
                    + "."
                },
                **multiple,
            ),
            "status": forms.ChoiceField(
                label="Status",
                choices=STATUS_CHOICES,
                required=False,
                error_messages={
                    "invalid_choice": "%(value)s is not a status: choose in-progress or complete."
                },
            ),
            "agent": NamesField(label="Agent", noun="agent"),
            "queue": NamesField(label="Queue", noun="queue"),
            "flow": NamesField(label="Flow", noun="flow"),
        }
        if can_see_pii(self.user):
            fields["customer"] = NamesField(label="Customer", noun="customer")
        else:
            asked = self.data.getlist("customer") if hasattr(self.data, "getlist") else ()
            self.customer_refused = any(asked)
        if self.flag_field:
            fields["flag"] = NamesField(label="Flag", noun="flag type")
        fields["sort"] = forms.ChoiceField(
            label="Sort",
            choices=SORT_CHOICES,
            required=False,
            error_messages={
                "invalid_choice": "%(value)s is not a sort order: choose newest, oldest, "
                "longest or shortest first (-start, start, -duration or duration)."
            },
        )
        self.fields.update(fields)

    def clean_sort(self) -> str:
        return self.cleaned_data.get("sort") or DEFAULT_SORT

    def _index_clean(self, cleaned: dict[str, Any]) -> None:
        if self.customer_refused:
            self.add_error(
                None,
                "Only users allowed to see customer details may filter by customer: remove "
                "the customer from the address.",
            )
        if not self.index_on or self.errors:
            return
        asked = [name for name in self.index_filters_asked() if name in self.fields]
        if indexed_covers(start=cleaned.get("start"), end=cleaned.get("end")):
            try:
                indexed_query(**self.index_filters())
            except InvalidQuery as error:  # the forms' own checks should catch it first
                self.add_error(None, str(error))
                return
            self.indexed = True
        elif asked:
            names = ", ".join(INDEX_FILTER_LABELS[n] for n in asked)
            self.add_error(
                None,
                f"Filtering by {names} needs the local index, which does not hold the whole "
                f"of this period ({self.index_sentence()}). Choose a period inside it, or "
                "remove these filters.",
            )

    def index_filters_asked(self) -> list[str]:
        """The index's filters this form was given (the default sort is no filter)."""
        asked = []
        for name in INDEX_FILTER_LABELS:
            value = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
            if name == "sort" and value == DEFAULT_SORT:
                continue
            if name == "flag" and not self.flag_field:
                continue
            if value:
                asked.append(name)
        return asked

    def index_filters_chosen(self) -> list[str]:
        """The filters beside the results this form was given (the order is not one)."""
        return [name for name in self.index_filters_asked() if name != "sort"]

    def index_sentence(self) -> str:
        """How fresh the index is, as pages say it ("Index: 1,204,311 interactions, ...")."""
        return self._index_status().sentence(tz=self.tz)

    def index_behind(self) -> bool:
        """The index's last sync pass failed: its page says so as a warning."""
        return self._index_status().behind

    def _index_status(self) -> Any:
        if not hasattr(self, "_status"):
            self._status = indexed_status()
        return self._status

    def index_filters(self) -> dict[str, Any]:
        """The index's query, as ``services.indexed`` takes it (valid, indexed forms only)."""
        data = self.cleaned_data
        filters: dict[str, Any] = {
            **self.time_range(),
            "channels": tuple(data.get("channel") or ()),
            "directions": tuple(data.get("direction") or ()),
            "agents": data.get("agent") or (),
            "queues": data.get("queue") or (),
            "flows": data.get("flow") or (),
            "customers": data.get("customer") or (),
            "status": data.get("status") or None,
            "sort": data.get("sort") or DEFAULT_SORT,
        }
        if self.flag_field:
            flags = data.get("flag") or ()
            filters["flagged_only"] = any(f.casefold() == FLAGGED_ANY for f in flags)
            filters["flags"] = tuple(f for f in flags if f.casefold() != FLAGGED_ANY)
        return filters

    @property
    def facets(self) -> dict[str, list[tuple[str, int | None]]]:
        """Agent, queue and flow choices with their counts in the current result; a chosen
        name not among them (none in the result, or past the most frequent 50 counted) is
        listed without a count, so it can be unticked."""
        if not self.indexed:
            return {}
        if not hasattr(self, "_facets"):
            found = indexed_facets(**self.facet_filters())
            for kind in found:
                chosen = self.cleaned_data.get(kind) or ()
                listed = {name.casefold() for name, _ in found[kind]}
                found[kind] = [
                    *found[kind],
                    *((name, None) for name in chosen if name.casefold() not in listed),
                ]
            self._facets = found
        return self._facets

    @property
    def facet_groups(self) -> list[FacetGroup]:
        """Agent, queue and flow as _facets.html lists them: the names of the current result
        with their counts, the chosen ones ticked (a valid indexed form); otherwise the names
        the URL gave, so a form with errors still shows what was asked."""
        groups, ids = [], set()
        for kind in ("agent", "queue", "flow"):
            bound = self[kind]
            chosen = self.chosen(kind)
            if self.indexed:
                names = self.facets.get(kind, [])
            else:
                names = [(name, None) for name in bound.value() or ()]
                chosen = {name.casefold() for name, _ in names}
            choices = sorted(
                (
                    FacetChoice(
                        name=name,
                        count=count,
                        checked=name.casefold() in chosen,
                        id=_input_id(kind, name, taken=ids),
                    )
                    for name, count in names
                ),
                key=lambda choice: not choice.checked,  # the chosen first, in view
            )
            groups.append(
                FacetGroup(kind=kind, title=bound.label, field=bound, choices=tuple(choices))
            )
        return groups

    @property
    def flag_choices(self) -> list[tuple[str, str]]:
        return [(key, info.label) for key, info in FLAGS.items()]

    def cleared_query(self) -> str:
        """``?...`` of this page without the index's filters (its period and size kept)."""
        if not self.is_valid():
            return ""
        query = self.canonical_query().copy()
        for name in INDEX_FILTER_LABELS:
            if name != "flag" or self.flag_field:
                query.pop(name, None)
        query.pop("page", None)
        return f"?{query.urlencode()}" if query else ""

    def facet_filters(self) -> dict[str, Any]:
        """The current result's query, as facet counts read it (no order)."""
        return {k: v for k, v in self.index_filters().items() if k != "sort"}

    def chosen(self, name: str) -> frozenset[str]:
        """The values of filter ``name`` in effect, folded for comparison."""
        values = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
        if isinstance(values, str):
            values = (values,)
        return frozenset(v.casefold() for v in values or ())

    def canonical_list(self, query: QueryDict) -> QueryDict:
        """``query`` with the repeated filters written once per value."""
        if not self.index_on:
            return query
        for name in ("channel", "direction", "agent", "queue", "flow", "customer", "flag"):
            values = self.cleaned_data.get(name) if name in self.fields else None
            if values and not isinstance(values, str):
                query.setlist(name, [str(v) for v in values])
            elif not values:
                query.pop(name, None)
        if query.get("sort") == DEFAULT_SORT:
            del query["sort"]
        return query


class ListForm(IndexFilters, TimeRangeForm):
    """The list's filters: the time range, and the index's filters while it is on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_index_fields()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._index_clean(cleaned)
        return cleaned

    def filters(self) -> dict[str, Any]:
        return self.index_filters() if self.indexed else self.time_range()

    def canonical_query(self) -> QueryDict:
        return self.canonical_list(super().canonical_query())


class FlaggedForm(IndexFilters, TimeRangeForm):
    flag_field = False  # its own: one flag type, chosen from the chips
    depth = forms.TypedChoiceField(
        label="Scan",
        choices=[(n, f"most recent {n:,}") for n in SCAN_DEPTHS],
        coerce=int,
        required=False,
    )
    flag = forms.CharField(required=False, max_length=64, validators=[reject_control_characters])
    # the triage filter (triage.py): not reviewed, reviewed, owned by the viewer
    review = forms.ChoiceField(
        label="Review",
        choices=[("", "Any"), ("open", "Not reviewed"), ("reviewed", "Reviewed"), ("mine", "Mine")],
        required=False,
        error_messages={"invalid_choice": "Choose reviewed, not reviewed or mine."},
    )

    def __init__(self, *args: Any, default_depth: int | None = None, **kwargs: Any) -> None:
        self.default_depth = default_depth or settings.CXENGAGE["FLAGGED_SCAN_DEPTH"]
        super().__init__(*args, **kwargs)
        self._add_index_fields()
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
        self._index_clean(cleaned)
        if self.indexed:  # every flagged interaction of the period: no scan, no depth
            return cleaned
        if cleaned.get("depth") and not self._may_scan(cleaned["depth"]):
            limit = settings.CXENGAGE["FLAGGED_SCAN_DEPTH"]
            self.add_error("depth", f"Scans deeper than the most recent {limit:,} are for staff.")
        return cleaned

    def clean_flag(self) -> str:
        return (self.cleaned_data.get("flag") or "").strip()

    def cache_vary(self) -> tuple[object, ...]:
        """What the cached region depends on besides the query, zone and rights: every row's
        triage (kept in the dashboard's database) and the viewer, whose "Mine" it shows."""
        return (*review_stamp(), getattr(self.user, "pk", None))

    def filters(self) -> dict[str, Any]:
        if self.indexed:
            return {**self.index_filters(), "flag_filter": self.cleaned_data["flag"], "tz": self.tz}
        return {
            **self.time_range(),
            "depth": self.cleaned_data["depth"],
            "flag_filter": self.cleaned_data["flag"],
            "review": self.cleaned_data["review"],  # triage.py: "open", "reviewed", "mine"
            "reviewer_id": getattr(self.user, "pk", None),
        }

    def facet_filters(self) -> dict[str, Any]:
        flag = flag_key(self.cleaned_data.get("flag") or "")
        return {**super().facet_filters(), "flagged_only": True, "flags": (flag,) if flag else ()}

    def canonical_query(self) -> QueryDict:
        query = self.canonical_list(super().canonical_query())
        if self.indexed:
            query.pop("depth", None)
        return query


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


class QuickFindForm(PagingForm):
    """The header's quick find box: ``?q=`` (an interaction id, a customer phone or email, or
    an attribute value) and the paging of what it lists (``services.quick_find``)."""

    q = forms.CharField(
        label="Find",
        required=False,
        max_length=MAX_VALUE_LENGTH,
        validators=[reject_control_characters],
        error_messages={"max_length": f"Keep it under {MAX_VALUE_LENGTH} characters."},
    )

    def __init__(self, data: QueryDict | None = None, *, tz: tzinfo, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.submitted = bool(data is not None and (data.get("q") or "").strip())

    def clean_q(self) -> str:
        return " ".join((self.cleaned_data.get("q") or "").split())

    def filters(self) -> dict[str, Any]:
        return {"text": self.cleaned_data["q"]}

    def query_string(self) -> str:
        """What was looked for, as the audit log records it."""
        query = QueryDict(mutable=True)
        query["q"] = self.cleaned_data["q"]
        return query.urlencode()


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
