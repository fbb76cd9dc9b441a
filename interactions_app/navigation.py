"""Prev/next within the result set a detail page was opened from (list, flagged scan or search).

The origin travels in the detail URL as ``from=<that page's path and query>``. Only the three
result pages are accepted, and their query is validated by the same form that page uses, so
``from`` can neither redirect elsewhere nor reach the upstream with anything the page would not
send. Neighbours come from the same (cached) services that rendered the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import QueryDict
from django.urls import reverse

from . import services
from .cxengage.errors import CxEngageError
from .forms import FlaggedForm, SearchForm, TimeRangeForm

MAX_ORIGIN_LENGTH = 4000


@dataclass(frozen=True, slots=True)
class Neighbours:
    back_url: str  # the page the supervisor came from
    label: str  # "All interactions", "Flagged", "Search"
    position: int  # 1-based position in the whole result set
    total: int
    previous_url: str | None
    next_url: str | None


def _page_url(path: str, query: QueryDict, page: int) -> str:
    query = query.copy()
    query["page"] = str(page)
    return f"{path}?{query.urlencode()}"


def _detail_url(interaction_id: str, origin: str) -> str:
    detail = reverse("interactions:detail", args=[interaction_id])
    return f"{detail}?{urlencode({'from': origin})}"


def _fetch(path: str, query: QueryDict, tenant: services.Tenant, page: int):
    """The origin page's ResultPage for ``page``, or None when the origin is not one we know."""
    query = query.copy()
    query["page"] = str(page)
    if path == reverse("interactions:list"):
        form = TimeRangeForm(query, tz=tenant.tz)
        if form.is_valid():
            return "All interactions", services.interaction_list(
                **form.paging(), **form.time_range()
            )
    elif path == reverse("interactions:flagged"):
        form = FlaggedForm(
            query, tz=tenant.tz, default_depth=settings.CXENGAGE["FLAGGED_SCAN_DEPTH"]
        )
        if form.is_valid():
            flagged = services.flagged_page(
                depth=form.cleaned_data["depth"],
                flag_filter=form.cleaned_data["flag"],
                wait=1.0,
                **form.paging(),
                **form.time_range(),
            )
            return "Flagged", flagged.page
    elif path == reverse("interactions:search"):
        form = SearchForm(query)
        if form.submitted and form.is_valid():
            attribute_values, hook_names = form.criteria()
            return "Search", services.interaction_search(
                attribute_values=attribute_values, hook_names=hook_names, **form.paging.paging()
            )
    return None


def interaction_neighbours(
    *, origin: str, interaction_id: str, tenant: services.Tenant
) -> Neighbours | None:
    """Where this interaction sits in the origin's results, and its neighbours' detail URLs."""
    if not origin or len(origin) > MAX_ORIGIN_LENGTH:
        return None
    parts = urlsplit(origin)
    if parts.scheme or parts.netloc:
        return None
    query = QueryDict(parts.query)
    try:
        page_number = max(1, int(query.get("page", "1")))
    except ValueError:
        return None
    try:
        found = _fetch(parts.path, query, tenant, page_number)
        if found is None:
            return None
        label, results = found
        ids = [item.id for item in results.items]
        if interaction_id not in ids:
            return None
        index = ids.index(interaction_id)
        p = results.pagination
        here = _page_url(parts.path, query, p.page)
        previous_url = next_url = None
        if index > 0:
            previous_url = _detail_url(ids[index - 1], here)
        elif p.has_previous:
            _, before = _fetch(parts.path, query, tenant, p.previous_page)
            if before.items:
                previous_url = _detail_url(
                    before.items[-1].id, _page_url(parts.path, query, p.previous_page)
                )
        if index < len(ids) - 1:
            next_url = _detail_url(ids[index + 1], here)
        elif p.has_next:
            _, after = _fetch(parts.path, query, tenant, p.next_page)
            if after.items:
                next_url = _detail_url(after.items[0].id, _page_url(parts.path, query, p.next_page))
    except CxEngageError:
        return None  # navigation is a convenience: the detail page itself still renders
    return Neighbours(
        back_url=here,
        label=label,
        position=p.offset + index + 1,
        total=p.total,
        previous_url=previous_url,
        next_url=next_url,
    )
