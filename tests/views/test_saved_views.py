"""Saved views and the share bar: only local result pages are saved, per user, shared
read-only; the header lists them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from interactions_app.models import SavedView
from interactions_app.saved_views import local_result_url

pytestmark = pytest.mark.django_db

NEW = reverse("saved_view_new")
LIST = reverse("saved_views")
FLAGGED_OPEN = "/interactions/flagged/?depth=1000&review=open"


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user(username="ann", password="pw-for-tests-2")


@pytest.fixture
def others_shared(other):
    return SavedView.objects.create(
        owner=other, name="Ann's morning", url=FLAGGED_OPEN, shared=True
    )


@pytest.mark.parametrize(
    "url",
    [
        "/interactions/",
        "/interactions/?limit=50&start=2026-11-20T09:00",
        FLAGGED_OPEN,
        "/interactions/search/?kind=attribute-value&value=VIP",
        "/interactions/find/?q=ORD-000123",
        "http://testserver/interactions/flagged/?flag=queue",
    ],
)
def test_local_result_pages_are_saved_as_path_and_query(url):
    kept = local_result_url(url, host="testserver")
    assert kept.startswith("/interactions/") and "testserver" not in kept


@pytest.mark.parametrize(
    "url",
    [
        "",
        "javascript:alert(1)",
        "JavaScript:alert(1)//interactions/",
        "//evil.example/interactions/",
        "https://evil.example/interactions/",
        "http://testserver.evil.example/interactions/",
        "/\\evil.example/interactions/",
        "/admin/",
        "/views/",
        "/interactions/00000000-0000-4000-8000-000000000000/",
        "/interactions/?q=\nx",
        "interactions/",
        "/interactions/?" + "x" * 2100,
    ],
)
def test_anything_else_is_refused(url):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        local_result_url(url, host="testserver")


def test_save_the_page_and_find_it_in_the_header(sup_client, supervisor, live_api):
    form = sup_client.get(NEW, {"url": FLAGGED_OPEN})
    assert form.status_code == 200
    assert FLAGGED_OPEN.replace("&", "&amp;") in form.content.decode()
    response = sup_client.post(NEW, {"name": "Morning check", "url": FLAGGED_OPEN})
    assert response.status_code == 302 and response["Location"] == FLAGGED_OPEN
    view = SavedView.objects.get(owner=supervisor)
    assert (view.name, view.url, view.shared) == ("Morning check", FLAGGED_OPEN, False)
    header = sup_client.get(LIST).content.decode()
    assert f'<a href="{FLAGGED_OPEN.replace("&", "&amp;")}">Morning check</a>' in header


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "https://evil.example/interactions/", "/admin/"]
)
def test_saving_a_foreign_url_is_a_400_and_stores_nothing(sup_client, url):
    assert sup_client.get(NEW, {"url": url}).status_code == 400
    response = sup_client.post(NEW, {"name": "x", "url": url})
    assert response.status_code == 400
    assert "Only a page of this dashboard" in response.content.decode()
    assert not SavedView.objects.exists()


def test_names_are_required_unique_per_user_and_short(sup_client, supervisor, others_shared):
    assert sup_client.post(NEW, {"name": "  ", "url": FLAGGED_OPEN}).status_code == 400
    assert sup_client.post(NEW, {"name": "x" * 81, "url": FLAGGED_OPEN}).status_code == 400
    # the other user's name is free for this one
    assert sup_client.post(NEW, {"name": "Ann's morning", "url": FLAGGED_OPEN}).status_code == 302
    again = sup_client.post(NEW, {"name": "ann's MORNING", "url": "/interactions/"})
    assert again.status_code == 400
    assert "already have a view with this name" in again.content.decode()
    assert SavedView.objects.filter(owner=supervisor).count() == 1


def test_rename_share_and_delete_your_own(sup_client, supervisor):
    view = SavedView.objects.create(owner=supervisor, name="Old", url="/interactions/")
    change = reverse("saved_view_change", args=[view.pk])
    response = sup_client.post(change, {f"v{view.pk}-name": "New", f"v{view.pk}-shared": "on"})
    assert response.status_code == 302
    view.refresh_from_db()
    assert (view.name, view.shared) == ("New", True)
    bad = sup_client.post(change, {f"v{view.pk}-name": ""})
    assert bad.status_code == 400 and "Give the view a name" in bad.content.decode()
    assert sup_client.post(reverse("saved_view_delete", args=[view.pk])).status_code == 302
    assert not SavedView.objects.exists()


def test_a_shared_view_is_read_only_for_others(sup_client, others_shared, other):
    page = sup_client.get(LIST).content.decode()
    assert "Ann&#x27;s morning" in page and "by ann · read-only" in page
    assert f'action="{reverse("saved_view_delete", args=[others_shared.pk])}"' not in page
    change = reverse("saved_view_change", args=[others_shared.pk])
    assert sup_client.post(change, {f"v{others_shared.pk}-name": "Mine now"}).status_code == 403
    delete = reverse("saved_view_delete", args=[others_shared.pk])
    assert sup_client.post(delete).status_code == 403
    others_shared.refresh_from_db()
    assert others_shared.name == "Ann's morning"


def test_a_private_view_of_someone_else_is_not_there(sup_client, other):
    private = SavedView.objects.create(owner=other, name="Secret", url="/interactions/")
    assert "Secret" not in sup_client.get(LIST).content.decode()
    assert sup_client.post(reverse("saved_view_delete", args=[private.pk])).status_code == 404
    assert SavedView.objects.filter(pk=private.pk).exists()


def test_the_change_routes_take_posts_only_and_need_login(client, sup_client, supervisor):
    view = SavedView.objects.create(owner=supervisor, name="A", url="/interactions/")
    assert sup_client.get(reverse("saved_view_delete", args=[view.pk])).status_code == 405
    client.logout()
    for url in (LIST, NEW, reverse("saved_view_delete", args=[view.pk])):
        response = client.post(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_result_pages_carry_the_share_bar(sup_client, live_api):
    html = sup_client.get("/interactions/", {"limit": 10, "junk": "x"}).content.decode()
    assert 'value="http://testserver/interactions/?limit=10"' in html  # canonical: no junk
    assert f'href="{NEW}?url=%2Finteractions%2F%3Flimit%3D10"' in html
    assert "data-copy-link hidden" in html  # the button appears with JavaScript only


def test_deleting_a_user_deletes_their_views(other, others_shared):
    get_user_model().objects.filter(pk=other.pk).delete()
    assert not SavedView.objects.exists()
