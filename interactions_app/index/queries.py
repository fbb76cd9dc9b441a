"""Reading the index: ``IndexQuery`` and what pages, exports, facets and prev/next ask of it.

Semantics: a parameter repeated is ORed (``channels=("voice", "sms")``), different parameters
are ANDed. ``agents``, ``queues`` and ``flows`` match the name as shown, ignoring case;
``customers`` the whole identifier (phone numbers whatever their punctuation: ``keys``). The
results are the same typed ``Interaction`` objects the API layer gives (with what lists need:
queues, agents, flag, completeness; attributes for exports), so the same templates render them.

Which table drives a query: with one agent (or one queue) the agent (queue) rows, whose
``(tenant, key, start)`` index carries the columns the other filters read; otherwise the
interaction rows. So "Grace Kim's voice calls" counts and pages from one index range, without
a join per row.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, tzinfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..caching.keys import cache_key
from ..cxengage.models import Agent, Hook, Interaction, Queue
from ..flags import flag_key
from .keys import customer_key, name_key
from .models import (
    IndexedAgent,
    IndexedAttribute,
    IndexedInteraction,
    IndexedName,
    IndexedQueue,
    IndexState,
)
from .store import SEPARATOR

CHANNELS = ("voice", "sms", "email", "messaging", "work-item")
DIRECTIONS = ("inbound", "outbound")
STATUSES = ("in-progress", "complete")
SORTS = ("-start", "start", "-duration", "duration")
FACET_KINDS = ("agent", "queue", "flow")
MAX_VALUES = 50  # values of one parameter


class InvalidQuery(ValueError):
    """A filter value the index cannot answer (an unknown channel, a bad sort...): the page
    shows it as a form error (400), never an empty result."""


def _tuple(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


@dataclass(frozen=True)
class IndexQuery:
    tenant_id: str
    channels: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    flows: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    status: str | None = None  # None, "in-progress" or "complete"
    flags: tuple[str, ...] = ()  # flag keys (flags.flag_key); any of them, so flagged
    flagged_only: bool = False
    start: datetime | None = None  # start <= interaction start < end
    end: datetime | None = None
    sort: str = "-start"

    def __post_init__(self) -> None:
        for name in ("channels", "directions", "agents", "queues", "flows", "customers", "flags"):
            values = _tuple(getattr(self, name))
            if len(values) > MAX_VALUES:
                raise InvalidQuery(f"At most {MAX_VALUES} values of {name} at once.")
            object.__setattr__(self, name, values)
        channels = tuple(c.lower() for c in self.channels)
        if unknown := [c for c in channels if c not in CHANNELS]:
            raise InvalidQuery(
                f"Unknown channel {unknown[0]!r}: choose from {', '.join(CHANNELS)}."
            )
        directions = tuple(d.lower() for d in self.directions)
        if unknown := [d for d in directions if d not in DIRECTIONS]:
            raise InvalidQuery(f"Unknown direction {unknown[0]!r}: inbound or outbound.")
        object.__setattr__(self, "channels", channels)
        object.__setattr__(self, "directions", directions)
        object.__setattr__(self, "flags", tuple(dict.fromkeys(flag_key(f) for f in self.flags)))
        if self.status not in (None, *STATUSES):
            raise InvalidQuery(f"Unknown status {self.status!r}: in-progress or complete.")
        if self.sort not in SORTS:
            raise InvalidQuery(f"Unknown sort {self.sort!r}: choose from {', '.join(SORTS)}.")
        if self.start and self.end and self.start >= self.end:
            raise InvalidQuery("The start must be before the end.")
        for moment in (self.start, self.end):
            if moment is not None and moment.tzinfo is None:
                raise InvalidQuery("Start and end need a time zone.")

    @property
    def agent_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for k in map(name_key, self.agents) if k))

    @property
    def queue_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for k in map(name_key, self.queues) if k))

    @property
    def flow_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for k in map(name_key, self.flows) if k))

    @property
    def customer_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for k in map(customer_key, self.customers) if k))

    def key_parts(self) -> tuple[str, ...]:
        """The query as strings (cache keys)."""
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = "\x1f".join(value)
            elif isinstance(value, datetime):
                value = value.isoformat()
            parts.append(f"{f.name}={value}")
        return tuple(parts)


# --- the filtered set -------------------------------------------------------------------------


def _scalar_filters(query: IndexQuery, *, on_interaction: bool) -> Q:
    q = Q(tenant_id=query.tenant_id)
    if query.start:
        q &= Q(start__gte=query.start)
    if query.end:
        q &= Q(start__lt=query.end)
    if query.channels:
        q &= Q(channel__in=query.channels)
    if query.directions:
        q &= Q(direction__in=query.directions)
    if query.flows:
        q &= Q(flow_key__in=query.flow_keys or ("\x00",))
    if query.flagged_only or query.flags:
        q &= Q(flagged=True)
    if query.flags:
        q &= Q(flag_key__in=query.flags)
    if query.status == "complete":
        q &= Q(data_complete=True)
    elif query.status == "in-progress":
        q &= Q(data_complete=False)
    if query.customers:
        keys = query.customer_keys or ("\x00",)
        q &= Q(customer_key__in=keys) if on_interaction else Q(interaction__customer_key__in=keys)
    return q


def _has(model: type[IndexedAgent | IndexedQueue], keys: Sequence[str], ref: str) -> Exists:
    return Exists(model.objects.filter(interaction_id=OuterRef(ref), key__in=keys or ("\x00",)))


def _matching(query: IndexQuery) -> QuerySet:
    """The rows matching ``query``: agent rows, queue rows or interaction rows (whichever
    drives it), one per interaction, each with ``interaction_id``, ``start`` and ``duration``."""
    agents, queues = query.agent_keys, query.queue_keys
    if query.agents and len(agents) == 1:
        rows = IndexedAgent.objects.filter(
            _scalar_filters(query, on_interaction=False), key=agents[0]
        )
        if query.queues:
            rows = rows.filter(_has(IndexedQueue, queues, "interaction_id"))
        return rows
    if query.queues and len(queues) == 1 and not query.agents:
        return IndexedQueue.objects.filter(
            _scalar_filters(query, on_interaction=False), key=queues[0]
        )
    rows = IndexedInteraction.objects.filter(_scalar_filters(query, on_interaction=True))
    if query.agents:
        rows = rows.filter(_has(IndexedAgent, agents, "interaction_id"))
    if query.queues:
        rows = rows.filter(_has(IndexedQueue, queues, "interaction_id"))
    return rows


# Running interactions (no duration yet) count as the longest: last shortest-first, first
# longest-first. That is PostgreSQL's own NULL order in both directions, so one index
# (tenant, duration, id), read forwards or backwards, serves both sorts.
_ORDERS = {
    "-start": (F("start").desc(), F("interaction_id").desc()),
    "start": (F("start").asc(), F("interaction_id").asc()),
    "-duration": (F("duration").desc(nulls_first=True), F("interaction_id").desc()),
    "duration": (F("duration").asc(nulls_last=True), F("interaction_id").asc()),
}


def _ordering(sort: str) -> tuple:
    return _ORDERS[sort]


def _ids(query: IndexQuery) -> QuerySet:
    return (
        _matching(query).order_by(*_ordering(query.sort)).values_list("interaction_id", flat=True)
    )


# --- rows as typed interactions ----------------------------------------------------------------

_ROW_FIELDS = (
    "interaction_id",
    "tenant_id",
    "start",
    "end",
    "channel",
    "direction",
    "customer",
    "contact_point",
    "flow_id",
    "flow_name",
    "flagged",
    "flag_type",
    "data_complete",
    "duration",
    "disposition_name",
    "disposition_id",
    "agent_names",
    "queue_names",
    "updated",
)


def _split(names: str) -> list[str]:
    return names.split(SEPARATOR) if names else []


def _typed(ids: Sequence[str], *, attributes: bool = False) -> list[Interaction]:
    """The interactions ``ids``, in that order, as the typed model the templates render (its
    agents and queues by name; with ``attributes``, its custom attributes too)."""
    if not ids:
        return []
    rows = {
        r["interaction_id"]: r
        for r in IndexedInteraction.objects.filter(interaction_id__in=ids).values(*_ROW_FIELDS)
    }
    hooks: dict[str, list[Hook]] = defaultdict(list)
    if attributes:
        for interaction_id, key, value in (
            IndexedAttribute.objects.filter(interaction_id__in=ids)
            .order_by("id")
            .values_list("interaction_id", "key", "value")
        ):
            hooks[interaction_id].append(
                Hook(None, key or None, value, sub_type="interaction-attribute")
            )
    typed = []
    for interaction_id in ids:
        r = rows.get(interaction_id)
        if r is None:  # deleted between the two reads
            continue
        typed.append(
            Interaction(
                id=interaction_id,
                tenant_id=r["tenant_id"],
                start=r["start"],
                end=r["end"],
                channel=r["channel"] or None,
                direction=r["direction"] or None,
                customer=r["customer"] or None,
                contact_point=r["contact_point"] or None,
                flow_id=r["flow_id"] or None,
                flow_name=r["flow_name"] or None,
                interaction_seconds=r["duration"],
                flagged=r["flagged"],
                flag_type=r["flag_type"] or None,
                data_complete=r["data_complete"],
                disposition_name=r["disposition_name"] or None,
                disposition_id=r["disposition_id"] or None,
                updated=r["updated"],
                queues=tuple(
                    Queue(None, None, name, None, None) for name in _split(r["queue_names"])
                ),
                agents=tuple(
                    Agent(None, None, name, None, None) for name in _split(r["agent_names"])
                ),
                attributes=tuple(hooks.get(interaction_id, ())),
            )
        )
    return typed


# --- what pages ask ---------------------------------------------------------------------------


def index_page(query: IndexQuery, *, offset: int, limit: int) -> tuple[list[Interaction], int]:
    """Rows ``offset``..``offset + limit`` of the result in the query's order, and how many
    rows it has."""
    if limit < 1 or offset < 0:
        raise InvalidQuery("offset must be >= 0 and limit >= 1")
    total = _cached("total", query, lambda: _matching(query).count())
    ids = list(_ids(query)[offset : offset + limit]) if offset < total else []
    return _typed(ids), total


def index_rows(query: IndexQuery, *, chunk_size: int = 1000) -> Iterator[Interaction]:
    """Every row of the result in order, ``chunk_size`` at a time (constant memory; exports),
    with their custom attributes."""
    batch: list[str] = []
    for interaction_id in _ids(query).iterator(chunk_size=chunk_size):
        batch.append(interaction_id)
        if len(batch) >= chunk_size:
            yield from _typed(batch, attributes=True)
            batch = []
    if batch:
        yield from _typed(batch, attributes=True)


def facet_counts(query: IndexQuery, kind: str, *, limit: int = 20) -> QuerySet:
    """The query counting ``kind`` (``agent``, ``queue``, ``flow``) within the result: rows
    of ``shown`` (a name as shown) and ``n``, most first."""
    if kind not in FACET_KINDS:
        raise InvalidQuery(f"Unknown facet {kind!r}")
    if kind == "flow":
        return (
            _matching(query)
            .exclude(flow_key="")
            .values("flow_key")
            .annotate(n=Count("*"), shown=Min("flow_name"))
            .order_by("-n", "flow_key")[:limit]
        )
    model = IndexedAgent if kind == "agent" else IndexedQueue
    if query.agents or query.queues or query.customers:
        # the result's interactions, then their agents (queues): one index lookup each
        within = Q(tenant_id=query.tenant_id)
        if query.start:
            within &= Q(start__gte=query.start)
        if query.end:
            within &= Q(start__lt=query.end)
        rows = model.objects.filter(
            within, interaction_id__in=_matching(query).values("interaction_id")
        )
    else:
        # every filter is on columns the agent (queue) rows carry themselves: no join
        rows = model.objects.filter(_scalar_filters(query, on_interaction=False))
    return (
        rows.values("key").annotate(n=Count("*"), shown=Min("name")).order_by("-n", "key")[:limit]
    )


def index_facets(
    query: IndexQuery, *, kinds: Sequence[str] = FACET_KINDS, limit: int = 20
) -> dict[str, list[tuple[str, int]]]:
    """For each kind (``agent``, ``queue``, ``flow``) the names within the current result and
    how many of its interactions each has, most first (at most ``limit``).

    A result narrowed by agent, queue or customer is counted from its own rows' name columns
    (read with the rows from the covering index: no join); a wider one by grouping the agent
    (queue) rows, which carry every other filter's column. Cached until the index changes."""
    for kind in kinds:
        if kind not in FACET_KINDS:
            raise InvalidQuery(f"Unknown facet {kind!r}")
    kinds = tuple(kinds)

    def count() -> dict[str, list[tuple[str, int]]]:
        if query.agents or query.queues or query.customers:
            return _facets_of_rows(query, kinds, limit)
        return {
            kind: [(row["shown"], row["n"]) for row in facet_counts(query, kind, limit=limit)]
            for kind in kinds
        }

    return _cached(f"facets:{','.join(kinds)}:{limit}", query, count)


def _facets_of_rows(
    query: IndexQuery, kinds: Sequence[str], limit: int
) -> dict[str, list[tuple[str, int]]]:
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in kinds}
    shown: dict[str, dict[str, str]] = {kind: {} for kind in kinds}
    rows = _matching(query).values_list("agent_names", "queue_names", "flow_name")
    for agent_names, queue_names, flow_name in rows.iterator(chunk_size=5000):
        for kind, names in (
            ("agent", _split(agent_names)),
            ("queue", _split(queue_names)),
            ("flow", [flow_name] if flow_name else []),
        ):
            if kind in counts:
                for name in names:
                    key = name_key(name)
                    counts[kind][key] += 1
                    shown[kind].setdefault(key, name)
    return {
        kind: [
            (shown[kind][key], n)
            for key, n in sorted(counts[kind].items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        ]
        for kind in kinds
    }


# Counts and facets are cached until the index changes (``IndexState.version``, bumped by
# every write) or for CACHE_SECONDS; the key is a hash of the query (no customer in clear).
CACHE_SECONDS = 300


def _cached(what: str, query: IndexQuery, produce):  # type: ignore[no-untyped-def]
    state = (
        IndexState.objects.filter(tenant_id=query.tenant_id)
        .values_list("version", "pass_started")
        .first()
    )
    parts = [p for p in query.key_parts() if not p.startswith("sort=")]
    key = cache_key("index", what, *(state or ()), *parts)
    value = cache.get(key)
    if value is None:
        value = produce()
        cache.set(key, value, CACHE_SECONDS)
    return value


def index_choices(*, tenant_id: str, kinds: Sequence[str] = FACET_KINDS) -> dict[str, list[str]]:
    """Every agent, queue and flow name the index has seen for the tenant, by name."""
    choices: dict[str, list[str]] = {kind: [] for kind in kinds}
    for kind, name in (
        IndexedName.objects.filter(tenant_id=tenant_id, kind__in=kinds)
        .order_by("kind", "key")
        .values_list("kind", "name")
    ):
        choices[kind].append(name)
    return choices


@dataclass(frozen=True)
class FlagCounts:
    by_flag: dict[str, int] = field(default_factory=dict)  # flag key -> count
    by_day: dict[date, dict[str, int]] = field(default_factory=dict)  # day in tz -> key -> n

    @property
    def total(self) -> int:
        return sum(self.by_flag.values())


def index_flag_counts(query: IndexQuery, *, tz: tzinfo) -> FlagCounts:
    """The flagged interactions of the result counted by flag key and by day (in ``tz``);
    cached until the index changes."""
    return _cached(f"flags:{tz}", query, lambda: _flag_counts(query, tz=tz))


def _flag_counts(query: IndexQuery, *, tz: tzinfo) -> FlagCounts:
    flagged = IndexQuery(**{**_as_dict(query), "flagged_only": True})
    by_flag: Counter[str] = Counter()
    by_day: dict[date, Counter[str]] = defaultdict(Counter)
    for row in (
        _matching(flagged)
        .annotate(day=TruncDate("start", tzinfo=tz))
        .values("day", "flag_key")
        .annotate(n=Count("*"))
        .order_by()
    ):
        by_flag[row["flag_key"]] += row["n"]
        by_day[row["day"]][row["flag_key"]] += row["n"]
    return FlagCounts(
        by_flag=dict(by_flag.most_common()),
        by_day={day: dict(counts) for day, counts in sorted(by_day.items())},
    )


def _as_dict(query: IndexQuery) -> dict[str, object]:
    return {f.name: getattr(query, f.name) for f in fields(query)}


def index_neighbours(query: IndexQuery, *, interaction_id: str) -> tuple[str | None, str | None]:
    """The ids before and after ``interaction_id`` in the result's order (None at either end,
    or both when it is not in the result). Each is one index range read from the anchor on
    (two where running interactions meet finished ones in a duration sort)."""
    rows = _matching(query)
    anchor = rows.filter(interaction_id=interaction_id).values("start", "duration").first()
    if anchor is None:
        return None, None
    base = query.sort.lstrip("-")  # "start" or "duration": the ascending order
    after, before = _after(base, anchor, interaction_id), _before(base, anchor, interaction_id)
    if query.sort.startswith("-"):
        after, before = before, after
    return _first(rows, before), _first(rows, after)


def _first(rows: QuerySet, tiers: list[tuple[Q, tuple]]) -> str | None:
    for condition, order in tiers:
        found = rows.filter(condition).order_by(*order).values_list("interaction_id", flat=True)
        if (first := found.first()) is not None:
            return first
    return None


_ID_UP, _ID_DOWN = F("interaction_id").asc(), F("interaction_id").desc()


def _after(base: str, anchor: dict, pk: str) -> list[tuple[Q, tuple]]:
    """The rows after the anchor in the ascending order of ``base`` (start, or duration with
    running interactions last), nearest first: (condition, order) tiers."""
    if base == "start":
        s = anchor["start"]
        return [
            (
                Q(start__gte=s) & (Q(start__gt=s) | Q(interaction_id__gt=pk)),
                (F("start").asc(), _ID_UP),
            )
        ]
    d = anchor["duration"]
    if d is None:
        return [(Q(duration__isnull=True, interaction_id__gt=pk), (_ID_UP,))]
    longer = Q(duration__gte=d) & (Q(duration__gt=d) | Q(interaction_id__gt=pk))
    return [(longer, (F("duration").asc(), _ID_UP)), (Q(duration__isnull=True), (_ID_UP,))]


def _before(base: str, anchor: dict, pk: str) -> list[tuple[Q, tuple]]:
    """The rows before the anchor in the ascending order of ``base``, nearest first."""
    if base == "start":
        s = anchor["start"]
        return [
            (
                Q(start__lte=s) & (Q(start__lt=s) | Q(interaction_id__lt=pk)),
                (F("start").desc(), _ID_DOWN),
            )
        ]
    d = anchor["duration"]
    finished = (F("duration").desc(nulls_last=True), _ID_DOWN)
    if d is None:
        return [
            (Q(duration__isnull=True, interaction_id__lt=pk), (_ID_DOWN,)),
            (Q(duration__isnull=False), finished),
        ]
    return [(Q(duration__lte=d) & (Q(duration__lt=d) | Q(interaction_id__lt=pk)), finished)]


def index_coverage(*, tenant_id: str, start: datetime | None, end: datetime | None) -> bool:
    """Whether the index holds every interaction of ``start``..``end`` (None: open): its
    backfill has reached ``start`` (for an open start: it is complete) and a pass has
    succeeded since. The period's newest part is as fresh as the last pass (``index_status``)."""
    state = IndexState.objects.filter(tenant_id=tenant_id).first()
    if state is None or state.synced_at is None or state.backfill_cursor is None:
        return False
    if start is None:
        return state.backfill_done
    kept = timezone.now() - timedelta(days=settings.CXENGAGE_INDEX_DAYS)
    return start >= max(state.backfill_cursor, kept)
