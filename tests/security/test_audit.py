"""Audit trail: who opened which interaction and who searched for what; admin is read-only."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interactions_app.admin import AuditEventAdmin
from interactions_app.audit import audit_record
from interactions_app.models import AuditEvent
from tests.security.support import recent_interaction_ids

pytestmark = pytest.mark.django_db

SEARCH = reverse("interactions:search")
CHANGELIST = reverse("admin:interactions_app_auditevent_changelist")


def test_detail_view_records_one_event_with_user_and_id(live_api, sup_client, supervisor, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # the request id below comes from "our proxy"
    [interaction_id] = recent_interaction_ids(live_api)
    response = sup_client.get(
        reverse("interactions:detail", args=[interaction_id]), HTTP_X_REQUEST_ID="audit-test-0001"
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert event.user == supervisor
    assert event.username == "sup"
    assert event.action == AuditEvent.Action.VIEW_INTERACTION
    assert event.interaction_id == interaction_id
    assert event.query == ""
    assert event.request_id == "audit-test-0001"
    assert event.ip == "127.0.0.1"
    assert event.at is not None


def test_detail_id_is_stored_canonical(live_api, sup_client):
    [interaction_id] = recent_interaction_ids(live_api)
    sup_client.get(reverse("interactions:detail", args=[interaction_id.upper()]))
    assert AuditEvent.objects.get().interaction_id == interaction_id


@pytest.mark.parametrize(
    "path",
    [
        "/interactions/not-a-uuid/",
        "/interactions/00000000-0000-4000-8000-000000000000/",  # unknown: 404
    ],
)
def test_detail_that_shows_nothing_records_nothing(live_api, sup_client, path):
    assert sup_client.get(path).status_code in (400, 404)
    assert not AuditEvent.objects.exists()


def test_detail_upstream_failure_records_nothing(live_api, sup_client):
    [interaction_id] = recent_interaction_ids(live_api)
    live_api.set_faults(mode="status", status=500)
    response = sup_client.get(reverse("interactions:detail", args=[interaction_id]))
    assert response.status_code >= 500
    assert not AuditEvent.objects.exists()


def test_search_records_the_canonical_query(live_api, sup_client, supervisor):
    response = sup_client.get(
        SEARCH,
        {"kind": ["attribute-value", "hook-name"], "value": [" VIP ", "Gold"], "page": "1"},
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert event.action == AuditEvent.Action.SEARCH
    assert event.user == supervisor
    assert event.interaction_id is None
    # the form's canonical query string: stripped values, rows kept in order per key, no paging
    assert event.query == "kind=attribute-value&kind=hook-name&value=VIP&value=Gold"


@pytest.mark.parametrize(
    "params",
    [
        {},  # the empty form: nothing submitted
        {"kind": "attribute-value", "value": "x" * 500},  # too long
        {"kind": "attribute-value", "value": "VIP\x00"},  # control character
        {"kind": ["attribute-value"] * 7, "value": ["VIP"] * 7},  # too many rows
        {"kind": "attribute-value", "value": "VIP", "limit": "0"},  # bad paging
    ],
    ids=["empty", "too-long", "control-char", "too-many-rows", "bad-limit"],
)
def test_invalid_search_records_nothing(live_api, sup_client, params):
    response = sup_client.get(SEARCH, params)
    assert response.status_code in (200, 400)
    assert not AuditEvent.objects.exists()


def test_audit_record_never_raises_on_database_error(rf: RequestFactory, supervisor, caplog):
    request = rf.get("/interactions/search/")
    request.user = supervisor
    with mock.patch.object(AuditEvent.objects, "create", side_effect=DatabaseError("locked")):
        audit_record(request=request, action="search", query="kind=attribute-value&value=VIP")
    assert "audit event not recorded" in caplog.text
    assert not AuditEvent.objects.exists()


def test_a_failed_insert_is_rolled_back_to_its_savepoint(rf: RequestFactory, supervisor, caplog):
    """A real failing INSERT (its table is missing) inside the page's transaction: rolled back
    to a savepoint of its own, so the surrounding transaction stays usable. (PostgreSQL would
    refuse every later statement of a transaction whose INSERT failed without one; SQLite
    would not, so the statements themselves are checked.)"""
    request = rf.get("/interactions/search/")
    request.user = supervisor
    with transaction.atomic(), CaptureQueriesContext(connection) as sql:
        with mock.patch.object(AuditEvent._meta, "db_table", "no_such_audit_table"):
            audit_record(request=request, action="search", query="kind=attribute-value&value=VIP")
        statements = [q["sql"] for q in sql.captured_queries]
        insert = next(n for n, q in enumerate(statements) if "no_such_audit_table" in q)
        assert statements[insert].startswith("INSERT INTO")  # the SQL really ran, and failed
        assert statements[insert - 1].startswith("SAVEPOINT")
        assert statements[insert + 1].startswith("ROLLBACK TO SAVEPOINT")
        assert not transaction.get_rollback()  # the page's transaction goes on
        audit_record(request=request, action="search", query="after the failure")
    assert "audit event not recorded" in caplog.text
    assert list(AuditEvent.objects.values_list("query", flat=True)) == ["after the failure"]


def test_audit_record_survives_a_deleted_user(rf: RequestFactory, supervisor):
    request = rf.get("/", REMOTE_ADDR="not-an-ip")
    request.user = supervisor
    audit_record(request=request, action="view_interaction", interaction_id="abc")
    supervisor.delete()
    event = AuditEvent.objects.get()
    assert event.user is None
    assert event.username == "sup"
    assert event.ip is None


def test_admin_lists_events_for_a_staff_superuser(admin_client, supervisor, rf):
    request = rf.get("/")
    request.user = supervisor
    audit_record(request=request, action="search", query="kind=attribute-value&value=Gold")
    audit_record(request=request, action="view_interaction", interaction_id="1234-abcd")
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "kind=attribute-value&amp;value=Gold" in body
    assert "1234-abcd" in body
    assert "Add audit event" not in body
    # filters and search work
    assert admin_client.get(CHANGELIST, {"action__exact": "search"}).status_code == 200
    found = admin_client.get(CHANGELIST, {"q": "1234-abcd"})
    assert found.status_code == 200
    assert "1234-abcd" in found.content.decode()
    assert "value=Gold" not in found.content.decode()


def test_admin_is_read_only(admin_client, admin_user, supervisor, rf):
    request = rf.get("/")
    request.user = supervisor
    audit_record(request=request, action="search", query="kind=attribute-value&value=VIP")
    event = AuditEvent.objects.get()
    assert admin_client.get(reverse("admin:interactions_app_auditevent_add")).status_code == 403
    delete = reverse("admin:interactions_app_auditevent_delete", args=[event.pk])
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:interactions_app_auditevent_change", args=[event.pk])
    page = admin_client.get(change)
    assert page.status_code == 200  # the view permission: a read-only page
    assert 'name="_save"' not in page.content.decode()
    admin_client.post(change, {"query": "tampered"})
    event.refresh_from_db()
    assert event.query == "kind=attribute-value&value=VIP"
    model_admin = AuditEventAdmin(AuditEvent, admin_site=None)  # type: ignore[arg-type]
    staff_request = rf.get("/")
    staff_request.user = admin_user
    assert not model_admin.has_add_permission(staff_request)
    assert not model_admin.has_change_permission(staff_request, event)
    assert not model_admin.has_delete_permission(staff_request, event)


def test_admin_refuses_a_plain_user(sup_client):
    response = sup_client.get(CHANGELIST)
    # a signed-in non-staff user is sent to the admin's own login page
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_refuses_staff_without_permission(client, django_user_model):
    staff = django_user_model.objects.create_user(username="staff", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(CHANGELIST).status_code == 403
