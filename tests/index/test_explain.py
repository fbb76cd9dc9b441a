"""Each query the benchmark times is served by an index on PostgreSQL (``EXPLAIN``).

Runs only on PostgreSQL (tests/prod/test_index_postgres.py runs this package there). With 3,000
rows the planner would rightly prefer reading whole tables, so sequential scans are priced out
(``enable_seqscan = off``): a plan that still has a ``Seq Scan`` on an index table is one no
index can serve. bench/index_bench.py prints the plans at 1,000,000 rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from interactions_app.index.queries import IndexQuery, _ids, _matching, facet_counts

from .conftest import ANCHOR_AT

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="EXPLAIN plans are PostgreSQL's"
    ),
]

TABLES = ("indexedinteraction", "indexedagent", "indexedqueue")


@pytest.fixture
def no_seqscan(synced):  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SET enable_seqscan = off")
    yield synced
    with connection.cursor() as cursor:
        cursor.execute("RESET enable_seqscan")


def assert_indexed(plan: str) -> None:
    assert "Index" in plan, plan
    for line in plan.splitlines():
        if "Seq Scan" in line:
            assert not any(table in line for table in TABLES), plan


def test_every_bench_query_uses_an_index(no_seqscan):
    tenant = no_seqscan
    month = {"start": ANCHOR_AT - timedelta(days=30), "end": ANCHOR_AT}
    agent = IndexQuery(tenant_id=tenant, agents=("Grace Kim",), channels=("voice",))
    flagged = IndexQuery(tenant_id=tenant, flagged_only=True, **month)
    customer = IndexQuery(tenant_id=tenant, customers=("+1 (555) 300-5556",))
    by_duration = IndexQuery(tenant_id=tenant, sort="-duration", **month)
    month_only = IndexQuery(tenant_id=tenant, channels=("voice",), **month)
    plans = {
        "list page": _ids(agent)[:25].explain(),
        "list count": _matching(agent).values("interaction_id").explain(),
        "flagged page": _ids(flagged)[:25].explain(),
        "flagged count": _matching(flagged).values("interaction_id").explain(),
        "facets (of the rows)": _matching(agent)
        .values_list("agent_names", "queue_names", "flow_name")
        .explain(),
        "facets (whole month, agent)": facet_counts(month_only, "agent").explain(),
        "facets (whole month, flow)": facet_counts(month_only, "flow").explain(),
        "customer": _ids(customer)[:25].explain(),
        "sort by duration": _ids(by_duration)[:25].explain(),
    }
    for name, plan in plans.items():
        print(f"--- {name}\n{plan}")
        assert_indexed(plan)
    assert "ix_agent_key" in plans["list page"]
    assert "ix_int_flagged" in plans["flagged page"]
    assert "ix_int_customer" in plans["customer"]
    assert "ix_int_duration" in plans["sort by duration"]
