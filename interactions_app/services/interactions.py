"""Interactions listed, searched, fetched and read row by row; the tenant's facts.

Caching lives here (through ``caching.single_flight``): a finished interaction never changes and
is cached long; pages of results briefly; tenant facts for an hour. Every key carries the tenant
and every filter (``caching.keys``), never credentials. Exports read past the cache, one upstream
page at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings

from ..caching.keys import tenant_key
from ..caching.single_flight import fetch_once
from ..cxengage.client import MAX_LIMIT
from ..cxengage.factory import client_from_settings
from ..cxengage.models import Interaction
from ..cxengage.models import Page as UpstreamPage
from ..index.services import index_enabled, index_note_interaction
from .types import InteractionQuery, ResultPage, Tenant

T = TypeVar("T")


def upstream_wait() -> float:
    """The longest one upstream call can take (timeouts and retries), plus a margin."""
    conf = settings.CXENGAGE
    return conf["READ_TIMEOUT"] * (conf["RETRIES"] + 1) + conf["CONNECT_TIMEOUT"] + 5


def _cached(
    key_parts: Sequence[object],
    seconds: int,
    produce: Callable[[], T],
    *,
    keep: Callable[[T], bool] = lambda value: True,
) -> T:
    """Cached for ``seconds`` and coalesced: concurrent identical calls make one upstream call."""
    key = tenant_key(*key_parts)
    return fetch_once(key, produce, ttl=seconds, wait=upstream_wait(), keep=keep)


def _tenant_from(page: UpstreamPage) -> Tenant:
    return Tenant(
        id=page.tenant_id or settings.CXENGAGE["TENANT_ID"],
        name=page.tenant_name or "CxEngage tenant",
        timezone_name=page.tenant_timezone or "UTC",
    )


def _fetch_page(query: InteractionQuery, *, limit: int, offset: int) -> UpstreamPage:
    """A page of a results table: its rows carry what a row shows (``rows_only``), the
    interaction itself is read in full when it is opened."""
    return _cached(
        ("rows", limit, offset, *query.key_parts()),
        settings.CXENGAGE["LIST_CACHE_SECONDS"],
        lambda: client_from_settings().list_interactions(
            limit=limit, offset=offset, rows_only=True, **query.as_kwargs()
        ),
    )


def _result_page(query: InteractionQuery, *, page: int, limit: int) -> ResultPage:
    def shown(number: int) -> ResultPage:
        fetched = _fetch_page(query, limit=limit, offset=(number - 1) * limit)
        return ResultPage.upstream(
            fetched.items,
            number=number,
            limit=limit,
            total=fetched.total if fetched.total_known else None,
            tenant=_tenant_from(fetched),
            skipped=fetched.skipped,
            received=fetched.received,
        )

    result = shown(page)
    if result.page.number != page and result.page.paginator.count:
        # e.g. a shared link to page 900 after the window shrank: show the last page instead
        result = shown(result.page.number)
    return result


def tenant_get() -> Tenant:
    """The tenant's name and time zone (from a one-row list call, cached for an hour)."""
    page = _cached(
        ("tenant",), 3600, lambda: client_from_settings().list_interactions(limit=1, offset=0)
    )
    return _tenant_from(page)


def interaction_list(
    *, page: int, limit: int, start: datetime | None = None, end: datetime | None = None
) -> ResultPage:
    return _result_page(InteractionQuery(start=start, end=end), page=page, limit=limit)


def interaction_search(
    *,
    attribute_values: Sequence[str] = (),
    hook_names: Sequence[str] = (),
    hook_type: str | None = None,
    hook_sub_type: str | None = None,
    hook_id: str | None = None,
    page: int,
    limit: int,
) -> ResultPage:
    """Interactions with every custom attribute given, linked to the CRM record given (any of
    its ``hook_type``/``hook_sub_type``/``hook_id``: ``zendesk``/``ticket``/``415``)."""
    query = InteractionQuery(
        attribute_values=tuple(attribute_values),
        hook_names=tuple(hook_names),
        hook_type=hook_type or None,
        hook_sub_type=hook_sub_type or None,
        hook_id=hook_id or None,
    )
    if not any((query.attribute_values, query.hook_names, hook_type, hook_sub_type, hook_id)):
        raise ValueError("a search needs an attribute value, a hook name or a CRM record")
    return _result_page(query, page=page, limit=limit)


def interaction_get(*, interaction_id: str) -> Interaction:
    conf = settings.CXENGAGE
    return _cached(
        ("interaction", interaction_id),
        conf["DETAIL_CACHE_SECONDS"],
        lambda: _read_and_note(interaction_id),
        # finished, it never changes; an outsized one (a huge debug trace) is not worth the
        # cache memory it would hold for a day
        keep=lambda interaction: (
            interaction.data_complete is True
            and interaction.wire_bytes <= conf["DETAIL_CACHE_MAX_BYTES"]
        ),
    )


def _read_and_note(interaction_id: str) -> Interaction:
    """The interaction as CxEngage has it now; the local index (when on) learns it on the spot,
    so a row that finished or was flagged since the last sync pass is right at once."""
    interaction = client_from_settings().get_interaction(interaction_id)
    if index_enabled():
        index_note_interaction(interaction=interaction)  # never raises
    return interaction


def interaction_rows(
    *, max_rows: int | None = None, page_size: int = MAX_LIMIT, **filters: Any
) -> Iterator[Interaction]:
    """Every interaction matching ``filters`` (the fields of ``InteractionQuery``: a time window,
    search criteria), most recent first, one upstream page at a time.

    Bypasses the page cache (an export of 120 pages must not fill it) and never holds more than
    one upstream page. The total is re-read from every page, so interactions that arrive during
    a long read push older ones down without losing them, and rows already given on the previous
    page are not given twice (only that page's ids are remembered); without a total, the rows
    end at the first short or empty page. ``max_rows`` stops early (the
    benchmark uses it). Errors are ``CxEngageError``s, raised on the ``next()`` that needed the
    page.
    """
    client = client_from_settings()
    query = InteractionQuery(**filters)
    offset = sent = 0
    previous_ids: frozenset[str] = frozenset()
    while max_rows is None or sent < max_rows:
        limit = page_size if max_rows is None else min(page_size, max_rows - sent)
        page = client.list_interactions(limit=limit, offset=offset, **query.as_kwargs())
        items, read = page.items, len(page.items) + page.skipped
        # without a total, the rows end at the first short (or null) page
        more = offset + read < page.total if page.total_known else read >= limit
        del page  # the items are all we keep of it
        offset += read
        ids = frozenset(item.id for item in items)
        for item in items:
            if item.id in previous_ids:
                continue  # shifted down from the previous page by newer interactions
            yield item
            sent += 1
            if max_rows is not None and sent >= max_rows:
                return
        previous_ids, items = ids, ()  # drop this page before fetching the next
        if read == 0 or not more:
            return
