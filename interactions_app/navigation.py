"""Prev/next within the result set a detail page was opened from (any source of ``sources.py``).

The origin travels in the detail URL as ``from=<that page's path and query>``. Only the pages of
registered sources are accepted, and their query is validated by the source's own form (read in
the viewer's zone, as the page read it), so ``from`` can neither redirect elsewhere nor reach the
upstream with anything the page would not send. Neighbours come from the same (cached) page
fetches that rendered the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.http import QueryDict
from django.urls import reverse

from .preferences import DisplayZone
from .services import CxEngageError, ResultPage
from .sources import Source, source_at

MAX_ORIGIN_LENGTH = 4000
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
    path: str
    query: QueryDict
    zone: DisplayZone

    def url(self, page: int) -> str:
        query = self.query.copy()
        query["page"] = str(page)
        return f"{self.path}?{query.urlencode()}"

    def fetch(self, page: int) -> ResultPage | None:
        query = self.query.copy()
        query["page"] = str(page)
        form = self.source.form(query, tz=self.zone.tz)
        if not (form.submitted and form.is_valid()):
            return None
        return self.source.page(form, NAV_WAIT)

    def detail_url(self, interaction_id: str, page: int) -> str:
        detail = reverse("interactions:detail", args=[interaction_id])
        return f"{detail}?{urlencode({'from': self.url(page)})}"


def _origin(origin: str, zone: DisplayZone) -> tuple[_Origin, int] | None:
    if not origin or len(origin) > MAX_ORIGIN_LENGTH:
        return None
    parts = urlsplit(origin)
    source = None if parts.scheme or parts.netloc else source_at(parts.path)
    if source is None:
        return None
    query = QueryDict(parts.query)
    try:
        page_number = max(1, int(query.get("page", "1")))
    except ValueError:
        return None
    return _Origin(source, parts.path, query, zone), page_number


def interaction_neighbours(
    *, origin: str, interaction_id: str, zone: DisplayZone
) -> Neighbours | None:
    """Where this interaction sits in the origin's results, and its neighbours' detail URLs."""
    found = _origin(origin, zone)
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
