"""Prev/next within the result set a detail page was opened from (any source of ``sources.py``).

The origin travels in the detail URL as ``from=<that page's path and query>``. Only the pages of
registered sources are accepted, and their query is validated by the source's own form (read in
the viewer's zone, as the page read it) and rebuilt from its canonical query, so ``from`` can
neither redirect elsewhere, nor reach the upstream with anything the page would not send, nor
bring anything else back into the links. Neighbours come from the same (cached) page fetches
that rendered the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.http import QueryDict
from django.urls import reverse

from .forms import MAX_ORIGIN_LENGTH
from .preferences import DisplayZone
from .services import CxEngageError, ResultPage
from .sources import Source, source_at

NAV_WAIT = 1.0  # seconds a detail page waits for a flagged scan still running


@dataclass(frozen=True, slots=True)
class Neighbours:
    back_url: str  # the page the supervisor came from
    label: str  # "All interactions", "Flagged", "Search"
    position: int  # 1-based position in the whole result set
    total: int | None  # None when the upstream did not say
    previous_url: str | None
    next_url: str | None


@dataclass(frozen=True)
class _Origin:
    source: Source
    query: QueryDict  # the source form's canonical query, without the page
    zone: DisplayZone
    user: Any  # who reads it (a query may be for staff only)

    def _query(self, page: int) -> QueryDict:
        query = self.query.copy()
        if page > 1:
            query["page"] = str(page)
        return query

    def url(self, page: int) -> str:
        query = self._query(page).urlencode()
        return f"{self.source.path}?{query}" if query else self.source.path

    def fetch(self, page: int) -> ResultPage | None:
        form = self.source.form(self._query(page), tz=self.zone.tz, user=self.user)
        if not (form.submitted and form.is_valid()):
            return None
        return self.source.page(form, NAV_WAIT)

    def detail_url(self, interaction_id: str, page: int) -> str:
        detail = reverse("interactions:detail", args=[interaction_id])
        return f"{detail}?{urlencode({'from': self.url(page)})}"


def _origin(origin: str, zone: DisplayZone, user: Any) -> tuple[_Origin, int] | None:
    """The result page ``origin`` names, as its own form reads it, and its page number."""
    if not origin or len(origin) > MAX_ORIGIN_LENGTH:
        return None
    parts = urlsplit(origin)
    source = None if parts.scheme or parts.netloc else source_at(parts.path)
    if source is None:
        return None
    form = source.form(QueryDict(parts.query), tz=zone.tz, user=user)
    if not (form.submitted and form.is_valid()):
        return None
    query = form.canonical_query().copy()
    query.pop("page", None)
    return _Origin(source, query, zone, user), form.paging()["page"]


def origin_url(*, origin: str, zone: DisplayZone, user: Any) -> str:
    """``origin`` (a detail link's ``from``) rebuilt from what its source's form understood:
    nothing else it carried is echoed; "" when it is not a result page of ours."""
    found = _origin(origin, zone, user)
    return found[0].url(found[1]) if found else ""


def interaction_neighbours(
    *, origin: str, interaction_id: str, zone: DisplayZone, user: Any
) -> Neighbours | None:
    """Where this interaction sits in the origin's results, and its neighbours' detail URLs."""
    found = _origin(origin, zone, user)
    if found is None:
        return None
    where, page_number = found
    try:
        results = where.fetch(page_number)
        ids = [item.id for item in results.items] if results else []
        if interaction_id not in ids:
            return None
        index, page = ids.index(interaction_id), results.page
        previous_url = next_url = None
        if index > 0:
            previous_url = where.detail_url(ids[index - 1], page.number)
        elif page.has_previous():
            before = where.fetch(page.previous_page_number())
            if before and before.items:
                previous_url = where.detail_url(before.items[-1].id, page.previous_page_number())
        if index < len(ids) - 1:
            next_url = where.detail_url(ids[index + 1], page.number)
        elif page.has_next():
            after = where.fetch(page.next_page_number())
            if after and after.items:
                next_url = where.detail_url(after.items[0].id, page.next_page_number())
    except CxEngageError:
        return None  # navigation is a convenience: the detail page itself still renders
    return Neighbours(
        back_url=where.url(page.number),
        label=where.source.label,
        position=page.start_index() + index,
        total=results.total,
        previous_url=previous_url,
        next_url=next_url,
    )
