"""Issue 16, point 5: the live polls' unmasked reads are in the audit log.

The row poll and the live detail poll show the customer unmasked to a user holding
``view_customer_pii``, as the detail page does, which always wrote an event and they none. Now
an unmasked poll writes one, at most one per user, interaction and minute (``cache.add``); a
masked poll shows nothing the page view did not record. Auditing never breaks a poll: with the
cache out the read is recorded anyway; with the database out the poll is still served.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import DatabaseError
from django.test import Client

from interactions_app import audit
from interactions_app.models import AuditEvent

pytestmark = pytest.mark.django_db

LIVE_POLL = {"HX-Request": "true", "HX-Target": "live-detail"}
ROW_POLL = {"HX-Request": "true"}


@pytest.fixture
def unfinished(live_api) -> list[str]:
    results = live_api.interactions(limit=200)["results"]
    return [i["interactionId"] for i in results if i["dataComplete"] is False][:2]


@pytest.fixture
def clock(monkeypatch):
    """audit.py's wall clock, moved by hand (a minute boundary must not make the test flaky)."""

    class Clock:
        now = 1_794_999_960.0  # a minute's start (a multiple of 60)

        def time(self) -> float:
            return self.now

    fake = Clock()
    monkeypatch.setattr(audit, "time", fake)
    return fake


@pytest.fixture
def pii_user(supervisor):
    supervisor.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    return supervisor


def poll(client, interaction_id: str, n: int = 1) -> None:
    for poll_count in range(1, n + 1):
        live = client.get(f"/interactions/{interaction_id}/?poll={poll_count}", headers=LIVE_POLL)
        row = client.get(f"/interactions/{interaction_id}/row/?poll={poll_count}", headers=ROW_POLL)
        assert live.status_code == row.status_code == 200
        assert b"hx-trigger" in live.content and b"hx-trigger" in row.content  # still polling


def events(interaction_id: str):
    return AuditEvent.objects.filter(interaction_id=interaction_id)


def test_unmasked_polls_write_one_event_per_user_interaction_and_minute(
    sup_client, pii_user, unfinished, clock, django_user_model
):
    first, second = unfinished
    poll(sup_client, first, 3)  # six polls, two kinds, one minute
    [event] = events(first)
    assert event.action == "view_interaction" and event.pii_unmasked is True
    assert event.user == pii_user and event.query == "live refresh (live detail)"
    row = sup_client.get(f"/interactions/{second}/row/?poll=1", headers=ROW_POLL)
    assert row.status_code == 200  # another interaction, polled by its table row alone
    [row_event] = events(second)
    assert row_event.pii_unmasked and row_event.query == "live refresh (table row)"
    colleague = django_user_model.objects.create_user(username="colleague", password="x-pw-1234")
    colleague.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    other = Client()
    other.force_login(colleague)
    poll(other, first)  # another user: their own event
    assert events(first).filter(user=colleague).count() == 1
    clock.now += 59
    poll(sup_client, first)
    assert events(first).filter(user=pii_user).count() == 1
    clock.now += 1  # the next minute
    poll(sup_client, first, 2)
    assert events(first).filter(user=pii_user).count() == 2


def test_masked_polls_write_nothing(sup_client, unfinished, clock):
    poll(sup_client, unfinished[0], 2)
    assert not AuditEvent.objects.exists()


def test_with_the_cache_out_every_unmasked_poll_is_recorded(
    sup_client, pii_user, unfinished, clock, monkeypatch
):
    sup_client.get(f"/interactions/{unfinished[0]}/")  # tenant and interaction fetched once
    AuditEvent.objects.all().delete()

    class Down:
        def add(self, *args, **kwargs):
            raise ConnectionError("cache unreachable")

    # the audit's own cache calls only: a cache outage elsewhere is caching/'s to survive
    monkeypatch.setattr(audit, "cache", Down())
    poll(sup_client, unfinished[0], 2)
    assert events(unfinished[0]).count() == 4  # a duplicate beats a missing read


def test_with_the_database_out_the_poll_is_still_served(
    sup_client, pii_user, unfinished, clock, monkeypatch
):
    def broken(*args, **kwargs):
        raise DatabaseError("audit table locked")

    monkeypatch.setattr(AuditEvent.objects, "create", broken)
    poll(sup_client, unfinished[0])
