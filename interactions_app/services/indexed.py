"""Lists answered from the local interaction index (``interactions_app.index``), when it is on.

The index holds what lists and filters need (``CXENGAGE_INDEX``; ``manage.py index_sync`` keeps
it), so these services filter by channel, direction, agent, queue, flow, customer, status and
flag, sort by start or duration, count facets and list every flagged interaction of a period,
none of which the API can. They take the filters as keyword arguments (the result form's
``filters()``) and return the same typed pages as the API's services, so the table, the pager,
the export and prev/next do not know where the rows came from. Details stay upstream: a detail
page still asks CxEngage (``interaction_get``), which tells the index what it learnt.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from typing import Any

from django.conf import settings
from django.core.paginator import Page
from django.db import DatabaseError

from ..cxengage.errors import CxEngageError
from ..cxengage.models import Interaction
from ..flags import flag_key
from ..index import services as index_services
from ..index.queries import (
    IndexQuery,
    InvalidQuery,
    index_coverage,
    index_facets,
    index_flag_counts,
    index_page,
    index_rows,
)
from .interactions import tenant_get
from .types import Remote, ResultPage, page_of

__all__ = ["InvalidQuery"]  # re-exported: the forms turn it into a form error

logger = logging.getLogger(__name__)


class IndexUnavailable(CxEngageError):
    """The index's database failed mid-request: the page shows it as it shows CxEngage's
    failures (the one error type), and the next request may read CxEngage instead."""

    title = "The local index could not be read"
    message = (
        "The dashboard's own copy of the interaction list did not answer. Try again in a moment; "
        "if it persists, an administrator should check the database and the index sync."
    )
    status_code = 503


FACET_KINDS = ("agent", "queue", "flow")
FACET_LIMIT = 50  # choices shown per kind, the most frequent first
# the filters of IndexQuery a facet kind stands for: its own filter is left out of its counts
_FACET_FILTER = {"agent": "agents", "queue": "queues", "flow": "flows"}


def indexed_enabled() -> bool:
    """Whether the local index is on (``CXENGAGE_INDEX``)."""
    return index_services.index_enabled()


def _tenant_id() -> str:
    return settings.CXENGAGE["TENANT_ID"]


def indexed_query(
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    channels: Sequence[str] = (),
    directions: Sequence[str] = (),
    agents: Sequence[str] = (),
    queues: Sequence[str] = (),
    flows: Sequence[str] = (),
    customers: Sequence[str] = (),
    status: str | None = None,
    flags: Sequence[str] = (),
    flagged_only: bool = False,
    sort: str = "-start",
) -> IndexQuery:
    """The index's query for a result form's filters (this deployment's tenant)."""
    return IndexQuery(
        tenant_id=_tenant_id(),
        channels=tuple(channels),
        directions=tuple(directions),
        agents=tuple(agents),
        queues=tuple(queues),
        flows=tuple(flows),
        customers=tuple(customers),
        status=status or None,
        flags=tuple(flags),
        flagged_only=flagged_only,
        start=start,
        end=end,
        sort=sort or "-start",
    )


def indexed_covers(*, start: datetime | None, end: datetime | None) -> bool:
    """Whether the index is on and holds every interaction of ``start``..``end`` (None: the
    period the index keeps)."""
    if not indexed_enabled():
        return False
    try:
        return index_coverage(tenant_id=_tenant_id(), start=start, end=end)
    except DatabaseError:  # read from CxEngage, as without the index
        logger.exception("index: coverage could not be read")
        return False


def indexed_status() -> index_services.IndexStatus:
    """How fresh the index is (its ``sentence(tz=...)`` is what index-backed pages say)."""
    return index_services.index_status(tenant_id=_tenant_id())


@dataclass(frozen=True, kw_only=True)
class IndexedPage(ResultPage):
    """A page of interactions read from the index."""

    indexed: bool = True


@dataclass(frozen=True, kw_only=True)
class DayCounts:
    """The flagged interactions of one day (in the viewer's zone), by flag key."""

    day: date
    counts: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class IndexedFlaggedPage(IndexedPage):
    """A page of every flagged interaction of a period, from the index: with the counts by flag
    type and by day over the whole period (not one page), whatever flag type is shown."""

    flag_filter: str  # the flag key shown ("" for every flag)
    counts: dict[str, int]  # flag key -> flagged interactions in the period, most first
    days: tuple[DayCounts, ...]  # by day, oldest first (every indexed row has a start)
    total_in_period: int | None = None  # every interaction of the period, flagged or not

    @property
    def flagged_total(self) -> int:
        return sum(self.counts.values())

    @property
    def flagged_percent(self) -> float | None:
        whole = self.total_in_period
        return 100.0 * self.flagged_total / whole if whole else None


def indexed_list(*, page: int, limit: int, **filters: Any) -> IndexedPage:
    """Page ``page`` of the interactions matching ``filters`` (``indexed_query``'s)."""
    query = indexed_query(**filters)
    return _page(query, number=page, limit=limit)


def _page(
    query: IndexQuery,
    *,
    number: int,
    limit: int,
    cls: type[IndexedPage] = IndexedPage,
    **extra: Any,
) -> Any:
    """Page ``number`` of ``query`` as ``cls`` (``extra``: its other fields)."""
    with _readable():
        rows, total = index_page(query, offset=(number - 1) * limit, limit=limit)
        shown = page_of(Remote(total), number=number, limit=limit)
        if shown.number != number and total:
            # a shared link past the end after the period shrank: the last page instead
            number = shown.number
            rows, total = index_page(query, offset=(number - 1) * limit, limit=limit)
            shown = page_of(Remote(total), number=number, limit=limit)
    return cls(page=Page(list(rows), shown.number, shown.paginator), tenant=tenant_get(), **extra)


@contextmanager
def _readable() -> Iterator[None]:
    try:
        yield
    except DatabaseError as error:
        logger.exception("index: could not be read")
        raise IndexUnavailable(type(error).__name__) from error


def _rows(query: IndexQuery) -> Iterator[Interaction]:
    with _readable():
        yield from index_rows(query)


def indexed_rows(*, tz: tzinfo | None = None, **filters: Any) -> Iterator[Interaction]:
    """Every interaction matching ``filters``, in the query's order, for an export (the index
    reads them in batches: memory stays flat whatever the count)."""
    return _rows(indexed_query(**filters))


def indexed_flagged(
    *, page: int, limit: int, tz: tzinfo, flag_filter: str = "", **filters: Any
) -> IndexedFlaggedPage:
    """A page of the flagged interactions matching ``filters`` (of type ``flag_filter`` if
    given), with the counts by flag type and by day (in ``tz``) over all of them."""
    key = flag_key(flag_filter)
    every_flag = indexed_query(**filters, flagged_only=True)
    query = replace(every_flag, flags=(key,) if key else ())
    with _readable():
        counted = index_flag_counts(every_flag, tz=tz)
    return _page(
        query,
        number=page,
        limit=limit,
        cls=IndexedFlaggedPage,
        flag_filter=key,
        counts=dict(counted.by_flag),
        days=tuple(DayCounts(day=d, counts=dict(c)) for d, c in counted.by_day.items()),
        total_in_period=_whole_index(**filters),
    )


def _whole_index(**filters: Any) -> int | None:
    """How many interactions the flagged ones are among, when that is the whole index (no
    period, no filter: its status counts them); None otherwise (not worth a count)."""
    if any(value for name, value in filters.items() if name != "sort"):
        return None
    return indexed_status().rows or None


def indexed_flagged_rows(
    *, tz: tzinfo | None = None, flag_filter: str = "", **filters: Any
) -> Iterator[Interaction]:
    """Every flagged interaction matching ``filters`` (of type ``flag_filter`` if given)."""
    key = flag_key(flag_filter)
    return _rows(indexed_query(**filters, flagged_only=True, flags=(key,) if key else ()))


def indexed_facets(*, flagged_only: bool = False, **filters: Any) -> dict[str, list]:
    """For each of agent, queue and flow: its names in the current result with how many
    interactions each would give, the most frequent first. A kind's own filter is left out of
    its counts (choosing a second agent adds to the result: its count says how much)."""
    found: dict[str, list] = {}
    for kind in FACET_KINDS:
        own = _FACET_FILTER[kind]
        query = indexed_query(**{**filters, own: ()}, flagged_only=flagged_only)
        try:  # counted once until the index changes (the index caches them)
            found[kind] = index_facets(query, kinds=(kind,), limit=FACET_LIMIT).get(kind, [])
        except DatabaseError:  # the filters are drawn without counts; the page still answers
            logger.exception("index: %s facet could not be counted", kind)
            found[kind] = []
    return found
