"""Quick find: one box for what a supervisor has at hand, searched in this order.

1. An interaction id, in any spelling of a UUID (braces, ``urn:uuid:``, upper case, no
   dashes): when CxEngage has it, it opens (``quick_find_open``).
2. A customer phone number or email address: through the local interaction index
   (``interactions_app.index``), which matches phone numbers whatever their punctuation and
   email addresses ignoring case. The API cannot filter on the customer, so without the index
   (``CXENGAGE_INDEX`` off) the answer says customers cannot be searched.
3. A custom attribute value: the API's attribute search (``interaction_search``), which matches
   exactly, case included. The value is tried as typed, then in upper and lower case, and the
   first that finds something is listed.

What was searched is always said (``Searched``), so "nothing found" names every place looked.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from ..cxengage.errors import NotFound
from ..cxengage.models import Interaction
from ..index.queries import IndexQuery, index_page, index_rows
from ..index.services import index_enabled
from .interactions import interaction_get, interaction_rows, interaction_search, tenant_get
from .types import ResultPage

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[\d\s().\-/]+$")
MIN_PHONE_DIGITS = 5
ATTRIBUTE_NOTE = "exact match, case-sensitive (the API's custom-attribute search)"


@dataclass(frozen=True)
class Searched:
    """One search quick find made: what, for which value, how many it found (None: it could
    not search), and a word on how it matches."""

    what: str  # "Interaction id", "Customer phone", "Customer email", "Attribute value"
    value: str
    found: int | None
    note: str = ""
    search_url: str = ""  # the page that has this search with its own filters, if any


@dataclass(frozen=True, kw_only=True)
class QuickFindPage(ResultPage):
    """A page of the first search that found something, and every search made."""

    text: str
    searched: tuple[Searched, ...]
    listed: Searched | None  # whose rows are on the page (None: nothing found)


def _as_id(text: str) -> str | None:
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        return None


def _customer_kind(text: str) -> str | None:
    if EMAIL.match(text):
        return "Customer email"
    if PHONE.match(text) and len(re.sub(r"\D", "", text)) >= MIN_PHONE_DIGITS:
        return "Customer phone"
    return None


def quick_find_open(*, text: str) -> str | None:
    """The id of the interaction ``text`` names, if it is an id CxEngage knows."""
    interaction_id = _as_id(text)
    if interaction_id is None:
        return None
    try:
        interaction_get(interaction_id=interaction_id)
    except NotFound:
        return None
    return interaction_id


# --- the index: the one call point for customer lookups ----------------------------------------


def _customer_query(value: str) -> IndexQuery:
    return IndexQuery(tenant_id=str(settings.CXENGAGE["TENANT_ID"]), customers=(value,))


def _customer_page(value: str, *, page: int, limit: int) -> ResultPage:
    items, total = index_page(_customer_query(value), offset=(page - 1) * limit, limit=limit)
    tenant = tenant_get()
    result = ResultPage.upstream(items, number=page, limit=limit, total=total, tenant=tenant)
    if result.page.number != page and total:  # past the end: the last page
        return _customer_page(value, page=result.page.number, limit=limit)
    return result


def _customer_rows(value: str) -> Iterator[Interaction]:
    return index_rows(_customer_query(value))


# --- the searches -----------------------------------------------------------------------------


def _variants(text: str) -> list[str]:
    """The attribute values to try: as typed, then upper and lower case."""
    return list(dict.fromkeys((text, text.upper(), text.lower())))


def _attribute_url(value: str) -> str:
    query = urlencode({"kind": "attribute-value", "value": value})
    return f"{reverse('interactions:search')}?{query}"


def quick_find(*, text: str, page: int, limit: int) -> QuickFindPage:
    """Page ``page`` of what ``text`` finds, and every search made (see the module)."""
    text = " ".join(text.split())
    searched: list[Searched] = []
    interaction_id = _as_id(text)
    if interaction_id is not None:  # not opened by quick_find_open: no such interaction
        searched.append(Searched("Interaction id", interaction_id, 0, "no interaction has it"))
    kind = _customer_kind(text)
    if kind is not None:
        if not index_enabled():
            note = (
                "cannot search customers: the interaction index is off "
                "(an administrator turns it on with CXENGAGE_INDEX)"
            )
            searched.append(Searched(kind, text, None, note))
        else:
            result = _customer_page(text, page=page, limit=limit)
            found = Searched(kind, text, result.total, "ignoring case and punctuation (index)")
            searched.append(found)
            if result.total:
                return _page(result, text=text, searched=searched, listed=found)
    for value in _variants(text):
        result = interaction_search(attribute_values=(value,), page=page, limit=limit)
        found = Searched(
            "Attribute value", value, result.total, ATTRIBUTE_NOTE, _attribute_url(value)
        )
        searched.append(found)
        if result.items or result.total:
            return _page(result, text=text, searched=searched, listed=found)
    return _page(result, text=text, searched=searched, listed=None)


def _page(
    result: ResultPage, *, text: str, searched: list[Searched], listed: Searched | None
) -> QuickFindPage:
    return QuickFindPage(
        page=result.page,
        tenant=result.tenant,
        skipped=result.skipped,
        total_known=result.total_known,
        text=text,
        searched=tuple(searched),
        listed=listed,
    )


def quick_find_rows(*, text: str) -> Iterator[Interaction]:
    """Every row of the search whose page quick find lists (for the CSV export)."""
    listed = quick_find(text=text, page=1, limit=1).listed
    if listed is None:
        return iter(())
    if listed.what.startswith("Customer"):
        return _customer_rows(listed.value)
    return interaction_rows(attribute_values=(listed.value,))
