"""The index's tables: one row per interaction, its agents, queues and custom attributes, and
the sync's state and lease. Never the raw JSON: details stay upstream.

Writes are bulk upserts of 1,000 rows (``store``), so the interaction table carries few
indexes, each for a query the pages make (``queries``):

- ``(tenant, start)``: the list in time order, time windows, retention;
- ``(tenant, channel, start)``: channel filters and their counts;
- ``(tenant, customer_key, start)``: a customer's interactions;
- ``(tenant, duration, id)``: sorting by duration (either way: running ones count as longest);
- ``(tenant, start, flag_key)`` over flagged rows only: the flagged page and its counts;
- ``(tenant, start)`` over unfinished rows only: what the sync re-reads.

The agent and queue rows repeat the interaction's filterable columns (start, channel,
direction, flow, flag, completeness, duration, and the names of all its agents and queues), so
a filter by agent or queue, its count and its facets are answered from their ``(tenant, key,
start)`` index alone (covering on PostgreSQL) without a join per row.
One row per interaction and agent (or queue): an agent with two legs is one row, so counts
are counts of interactions.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

ID_LENGTH = 64
NAME_LENGTH = 255


class _Filterable(models.Model):
    """The interaction's columns every filter and sort reads, repeated on agent and queue rows."""

    tenant_id = models.CharField(max_length=ID_LENGTH)
    start = models.DateTimeField()
    channel = models.CharField(max_length=32, blank=True)
    direction = models.CharField(max_length=32, blank=True)
    flow_name = models.CharField(max_length=NAME_LENGTH, blank=True)
    flow_key = models.CharField(max_length=NAME_LENGTH, blank=True)
    flagged = models.BooleanField(default=False)
    flag_key = models.CharField(max_length=64, blank=True)
    data_complete = models.BooleanField(null=True)
    duration = models.FloatField(null=True)
    # every agent's and every queue's name as shown, "\x1f"-separated: the list's columns, and
    # what facets count, read from the row (or the covering index) without a join
    agent_names = models.TextField(blank=True)
    queue_names = models.TextField(blank=True)

    class Meta:
        abstract = True


class IndexedInteraction(_Filterable):
    interaction_id = models.CharField(max_length=ID_LENGTH, primary_key=True)
    end = models.DateTimeField(null=True)
    customer = models.CharField(max_length=NAME_LENGTH, blank=True)
    customer_key = models.CharField(max_length=NAME_LENGTH, blank=True)
    contact_point = models.CharField(max_length=NAME_LENGTH, blank=True)
    flow_id = models.CharField(max_length=ID_LENGTH, blank=True)
    disposition_name = models.CharField(max_length=NAME_LENGTH, blank=True)
    disposition_id = models.CharField(max_length=ID_LENGTH, blank=True)
    flag_type = models.CharField(max_length=64, blank=True)  # as sent; flag_key to match
    updated = models.DateTimeField(null=True)  # the upstream's ``updated``
    read_at = models.DateTimeField()  # when the index last read it from CxEngage

    class Meta:
        indexes = [
            models.Index(fields=["tenant_id", "start"], name="ix_int_tenant_start"),
            models.Index(fields=["tenant_id", "channel", "start"], name="ix_int_channel"),
            models.Index(fields=["tenant_id", "customer_key", "start"], name="ix_int_customer"),
            models.Index(
                fields=["tenant_id", "duration", "interaction_id"], name="ix_int_duration"
            ),
            models.Index(
                fields=["tenant_id", "start", "flag_key"],
                name="ix_int_flagged",
                condition=Q(flagged=True),
            ),
            models.Index(
                fields=["tenant_id", "start"],
                name="ix_int_unfinished",
                condition=Q(data_complete=False) | Q(data_complete__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.interaction_id


_COVERED = [
    "interaction_id",
    "channel",
    "direction",
    "flagged",
    "duration",
    "flow_name",
    "agent_names",
    "queue_names",
]


class IndexedAgent(_Filterable):
    """An agent who handled the interaction (one row per interaction and agent)."""

    interaction = models.ForeignKey(
        IndexedInteraction, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    agent_id = models.CharField(max_length=ID_LENGTH, blank=True)
    name = models.CharField(max_length=NAME_LENGTH, blank=True)
    key = models.CharField(max_length=NAME_LENGTH)

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant_id", "key", "start"], name="ix_agent_key", include=_COVERED
            ),
            models.Index(fields=["interaction"], name="ix_agent_interaction"),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.interaction_id}"


class IndexedQueue(_Filterable):
    """A queue the interaction went through (one row per interaction and queue name)."""

    interaction = models.ForeignKey(
        IndexedInteraction, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    queue_id = models.CharField(max_length=ID_LENGTH, blank=True)
    name = models.CharField(max_length=NAME_LENGTH, blank=True)
    key = models.CharField(max_length=NAME_LENGTH)
    abandoned = models.BooleanField(default=False)  # abandoned in (any visit to) this queue

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant_id", "key", "start"], name="ix_queue_key", include=_COVERED
            ),
            models.Index(fields=["interaction"], name="ix_queue_interaction"),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.interaction_id}"


class IndexedAttribute(models.Model):
    """A custom reporting attribute (its hookName as ``value``; ``key`` the hook's id)."""

    interaction = models.ForeignKey(
        IndexedInteraction, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    tenant_id = models.CharField(max_length=ID_LENGTH)
    key = models.CharField(max_length=NAME_LENGTH, blank=True)
    value = models.CharField(max_length=NAME_LENGTH, blank=True)

    class Meta:
        indexes = [models.Index(fields=["interaction"], name="ix_attr_interaction")]

    def __str__(self) -> str:
        return f"{self.value} on {self.interaction_id}"


class IndexState(models.Model):
    """Where the sync stands for one tenant: the backfill's progress, the high-water mark and
    how the last pass went (what ``index_status`` shows)."""

    tenant_id = models.CharField(max_length=ID_LENGTH, primary_key=True)
    # the backfill reads [backfill_floor, backfill_top) newest first; [backfill_cursor,
    # backfill_top) is done. Done when the cursor reaches the floor.
    backfill_top = models.DateTimeField(null=True)
    backfill_cursor = models.DateTimeField(null=True)
    backfill_floor = models.DateTimeField(null=True)
    backfill_done = models.BooleanField(default=False)
    high_water = models.DateTimeField(null=True)  # latest start read by a finished pass
    rows = models.BigIntegerField(default=0)
    oldest = models.DateTimeField(null=True)
    newest = models.DateTimeField(null=True)
    pass_started = models.DateTimeField(null=True)
    synced_at = models.DateTimeField(null=True)  # when the last successful pass ended
    failed_at = models.DateTimeField(null=True)  # when the last failed pass ended
    error = models.CharField(max_length=500, blank=True)  # what the last failure said
    version = models.BigIntegerField(default=0)  # bumped by every write: keys cached counts

    def __str__(self) -> str:
        return self.tenant_id


class IndexedName(models.Model):
    """Every agent, queue and flow name the index has seen for a tenant: the filters' choices,
    read without scanning the big tables."""

    tenant_id = models.CharField(max_length=ID_LENGTH)
    kind = models.CharField(max_length=8)  # "agent", "queue" or "flow"
    key = models.CharField(max_length=NAME_LENGTH)
    name = models.CharField(max_length=NAME_LENGTH)
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant_id", "kind", "key"], name="uq_index_name")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class IndexLease(models.Model):
    """One syncer per tenant: whoever holds an unexpired lease syncs, the others wait."""

    tenant_id = models.CharField(max_length=ID_LENGTH, primary_key=True)
    holder = models.CharField(max_length=128)
    expires = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.tenant_id} held by {self.holder}"
