"""Flag triage: the detail page's panel, who may change it, the audit trail, and the flagged
page's review filter (in the URL, through htmx paging, on the scanned rows)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from interactions_app.models import AuditEvent, FlagReview

pytestmark = pytest.mark.django_db

FLAGGED = reverse("interactions:flagged")
SCAN = {"depth": 1000, "limit": 1000}
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def ids_in(html: str) -> list[str]:
    return re.findall(r'data-href="/interactions/([0-9a-f-]{36})/', html)


def review_url(interaction_id: str) -> str:
    return reverse("interactions:review", args=[interaction_id])


@pytest.fixture
def triager(supervisor):
    supervisor.user_permissions.add(Permission.objects.get(codename="triage_flags"))
    return supervisor


@pytest.fixture
def colleague(django_user_model):
    user = django_user_model.objects.create_user(username="ann", password="pw-for-tests-2")
    user.is_staff = True  # staff may triage, so may own a review
    user.save()
    return user


@pytest.fixture
def flagged_ids(sup_client, live_api) -> list[str]:
    ids = ids_in(sup_client.get(FLAGGED, SCAN).content.decode())
    assert len(ids) >= 3
    return ids


def test_the_detail_page_offers_triage_to_whoever_may(sup_client, triager, flagged_ids):
    html = sup_client.get(reverse("interactions:detail", args=[flagged_ids[0]])).content.decode()
    assert 'id="triage"' in html and "Not reviewed" in html
    assert f'action="{review_url(flagged_ids[0])}"' in html
    assert ">Mark reviewed</button>" in html


def test_without_the_permission_the_panel_is_read_only_and_a_post_is_refused(
    sup_client, supervisor, flagged_ids
):
    html = sup_client.get(reverse("interactions:detail", args=[flagged_ids[0]])).content.decode()
    assert 'id="triage"' in html and "Mark reviewed</button>" not in html
    response = sup_client.post(review_url(flagged_ids[0]), {"reviewed": "on"})
    assert response.status_code == 403
    assert "triage_flags" in response.content.decode()
    assert not FlagReview.objects.exists()
    assert not AuditEvent.objects.filter(action="triage_flag").exists()


def test_staff_may_triage(client, colleague, flagged_ids):
    client.force_login(colleague)
    assert client.post(review_url(flagged_ids[0]), {"reviewed": "on"}).status_code == 302


def test_mark_reviewed_with_a_note_and_an_owner_is_stored_and_audited(
    sup_client, triager, colleague, flagged_ids
):
    target = flagged_ids[0]
    back = reverse("interactions:detail", args=[target]) + "?from=/interactions/flagged/"
    response = sup_client.post(
        review_url(target),
        {
            "reviewed": "on",
            "note": "Queue end lost: ticket OPS-12",
            "owner": colleague.pk,
            "next": back,
        },
    )
    assert response.status_code == 302 and response["Location"] == back
    review = FlagReview.objects.get(interaction_id=target)
    assert review.reviewed and review.reviewed_by == triager and review.reviewed_at
    assert (review.note, review.owner, review.reviewed_by_name) == (
        "Queue end lost: ticket OPS-12",
        colleague,
        "sup",
    )
    assert review.tenant_id == live_api_tenant()
    event = AuditEvent.objects.get(action="triage_flag")
    assert (event.username, event.interaction_id) == ("sup", target)
    assert "marked reviewed" in event.query and "owner: ann" in event.query
    assert "OPS-12" in event.query
    page = sup_client.get(back).content.decode()
    assert (
        "Reviewed</span> by <strong>sup</strong>" in page and "Owner: <strong>ann</strong>" in page
    )
    # undone: a second event, the state back to not reviewed
    sup_client.post(review_url(target), {"reviewed": "", "note": "", "owner": ""})
    review.refresh_from_db()
    assert not review.reviewed and review.reviewed_at is None and review.owner is None
    assert AuditEvent.objects.filter(action="triage_flag").count() == 2
    # saving the same again changes nothing and records nothing
    sup_client.post(review_url(target), {"reviewed": "", "note": "", "owner": ""})
    assert AuditEvent.objects.filter(action="triage_flag").count() == 2


def live_api_tenant() -> str:
    from django.conf import settings

    return settings.CXENGAGE["TENANT_ID"]


def test_htmx_swaps_the_panel_and_says_what_changed(sup_client, triager, flagged_ids):
    response = sup_client.post(
        review_url(flagged_ids[0]),
        {"reviewed": "on", "note": "checked"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="triage",
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<section id="triage"')
    assert "Saved: marked reviewed; note: “checked”." in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"note": "x" * 501}, "under 500 characters"),
        ({"note": "a\x07b"}, "control characters"),
        ({"owner": "999999"}, "Choose the owner from the list"),
        ({"owner": "not-a-number"}, "Choose the owner from the list"),
    ],
)
def test_bad_input_is_a_400_with_the_reason(sup_client, triager, flagged_ids, data, message):
    response = sup_client.post(review_url(flagged_ids[0]), {"reviewed": "on", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FlagReview.objects.exists()


def test_an_owner_must_be_able_to_triage(sup_client, triager, django_user_model, flagged_ids):
    plain = django_user_model.objects.create_user(username="bob", password="pw-for-tests-3")
    response = sup_client.post(review_url(flagged_ids[0]), {"owner": plain.pk})
    assert response.status_code == 400 and not FlagReview.objects.exists()


def test_an_interaction_that_is_not_flagged_is_not_triaged(sup_client, triager, live_api):
    results = live_api.interactions(limit=200)["results"]
    plain = next(i["interactionId"] for i in results if not i.get("flagType") and i["dataComplete"])
    response = sup_client.post(review_url(plain), {"reviewed": "on"})
    assert response.status_code == 400 and "not flagged" in response.content.decode()
    assert not FlagReview.objects.exists()


def test_an_unknown_interaction_is_not_triaged(sup_client, triager, live_api):
    response = sup_client.post(
        review_url("00000000-0000-4000-8000-000000000000"), {"reviewed": "on"}
    )
    assert response.status_code == 404 and not FlagReview.objects.exists()


def test_the_review_route_takes_posts_only(sup_client, triager, flagged_ids):
    assert sup_client.get(review_url(flagged_ids[0])).status_code == 405


def test_next_never_leads_elsewhere(sup_client, triager, flagged_ids):
    for bad in ("https://evil.example/", "//evil.example/", "/interactions/", "/admin/"):
        response = sup_client.post(review_url(flagged_ids[0]), {"next": bad})
        assert response["Location"] == reverse("interactions:detail", args=[flagged_ids[0]])


# --- the flagged page -------------------------------------------------------------------


def _mark(user, interaction_id: str, *, reviewed: bool, owner=None) -> None:
    from django.conf import settings

    FlagReview.objects.update_or_create(
        tenant_id=settings.CXENGAGE["TENANT_ID"],
        interaction_id=interaction_id,
        defaults={
            "reviewed": reviewed,
            "reviewed_by_name": user.username if reviewed else "",
            "owner": owner,
        },
    )


def test_the_flagged_page_filters_on_review_and_shows_who(
    sup_client, triager, colleague, flagged_ids
):
    one, two, three = flagged_ids[:3]
    _mark(colleague, one, reviewed=True)
    _mark(colleague, two, reviewed=False, owner=triager)
    _mark(colleague, three, reviewed=True, owner=triager)
    everything = sup_client.get(FLAGGED, SCAN).content.decode()
    assert '<th scope="col">Review</th>' in everything
    assert "by ann" in everything and "Owner: sup" in everything
    reviewed = ids_in(sup_client.get(FLAGGED, {**SCAN, "review": "reviewed"}).content.decode())
    assert set(reviewed) == {one, three}
    mine = ids_in(sup_client.get(FLAGGED, {**SCAN, "review": "mine"}).content.decode())
    assert set(mine) == {two, three}
    open_ = sup_client.get(FLAGGED, {**SCAN, "review": "open"}).content.decode()
    assert set(ids_in(open_)) == set(flagged_ids) - {one, three}
    assert re.search(r'aria-current="true">Not reviewed <span class="count">', open_)
    assert 'Reviewed <span class="count">2</span>' in open_


def test_mine_is_the_viewers_own_even_from_the_cache(
    client, sup_client, triager, colleague, django_user_model, flagged_ids
):
    _mark(colleague, flagged_ids[0], reviewed=False, owner=triager)
    assert ids_in(sup_client.get(FLAGGED, {**SCAN, "review": "mine"}).content.decode()) == [
        flagged_ids[0]
    ]
    mine_chip = 'Mine <span class="count">1</span>'
    assert mine_chip in sup_client.get(FLAGGED, SCAN).content.decode()
    # same URLs and rights, other viewer: not sup's cached regions
    client.force_login(django_user_model.objects.create_user(username="bob", password="pw-3"))
    assert ids_in(client.get(FLAGGED, {**SCAN, "review": "mine"}).content.decode()) == []
    assert 'Mine <span class="count">0</span>' in client.get(FLAGGED, SCAN).content.decode()


def test_a_change_shows_on_the_next_flagged_page_at_once(sup_client, triager, flagged_ids):
    before = sup_client.get(FLAGGED, SCAN).content.decode()  # cached from here on
    assert flagged_ids[0] in ids_in(before)
    sup_client.post(review_url(flagged_ids[0]), {"reviewed": "on"})
    after = sup_client.get(FLAGGED, {**SCAN, "review": "open"}).content.decode()
    assert flagged_ids[0] not in ids_in(after)
    again = sup_client.get(FLAGGED, SCAN).content.decode()
    assert 'Reviewed</span> <span class="small">by sup' in again


def test_the_review_filter_stays_in_paging_links_and_htmx_pages(sup_client, triager, flagged_ids):
    html = sup_client.get(FLAGGED, {"depth": 1000, "limit": 10, "review": "open"}).content.decode()
    pages = re.findall(r'href="(\?[^"]*page=2[^"]*)"', html)
    assert pages and all("review=open" in p for p in pages)
    fragment = sup_client.get(
        FLAGGED, {"depth": 1000, "limit": 10, "review": "open", "page": 2}, **HX
    )
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert body.lstrip().startswith('<section id="results"') and len(ids_in(body)) == 10
    assert (
        'name="review" value="open"' in sup_client.get(FLAGGED, {"review": "open"}).content.decode()
    )


def test_an_unknown_review_filter_is_a_400(sup_client, flagged_ids):
    response = sup_client.get(FLAGGED, {"review": "everything"})
    assert response.status_code == 400
    assert "Choose reviewed, not reviewed or mine" in response.content.decode()


def test_the_export_follows_the_review_filter(sup_client, triager, colleague, flagged_ids):
    _mark(colleague, flagged_ids[1], reviewed=True)
    response = sup_client.get(
        reverse("interactions:export", args=["flagged"]), {"depth": 1000, "review": "reviewed"}
    )
    body = b"".join(response.streaming_content).decode()
    assert flagged_ids[1] in body and flagged_ids[0] not in body


def test_a_polled_row_of_the_flagged_page_keeps_its_review_cell(sup_client, triager, flagged_ids):
    _mark(triager, flagged_ids[0], reviewed=True)
    row = reverse("interactions:row", args=[flagged_ids[0]])
    on_flagged = sup_client.get(row, {"from": "/interactions/flagged/?depth=1000"}, **HX)
    assert '<td class="c-review">' in on_flagged.content.decode()
    assert "by sup" in on_flagged.content.decode()
    on_list = sup_client.get(row, {"from": "/interactions/"}, **HX)
    assert "c-review" not in on_list.content.decode()  # the list has no review column
