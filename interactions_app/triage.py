"""Flag triage: a flagged interaction marked reviewed (by whom, when), with a short note and an
owner among the dashboard's users. Kept in the dashboard's own database (``FlagReview``), one
row per tenant and interaction id; every change is in the audit log (the view records it).

Who may change a review: holders of ``interactions_app.triage_flags`` and staff users. Everyone
signed in sees reviews and filters the flagged page on them.

The flagged page's rows come from a background scan (``services.flagged_scan``); ``review_filter``
narrows those rows to the reviewed, the not reviewed or the viewer's own (``mine``: they own
it), and counts each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from .models import FlagReview

CHUNK = 500  # interaction ids per query
PERMISSION = "interactions_app.triage_flags"


def can_triage(user: Any) -> bool:
    """Whether ``user`` may mark reviewed, note and assign flagged interactions."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_staff or user.has_perm(PERMISSION))


def _tenant() -> str:
    return str(settings.CXENGAGE["TENANT_ID"] or "")


def review_owners() -> QuerySet:
    """The users a review may be given to: active, and able to triage themselves."""
    perm = Permission.objects.filter(
        codename="triage_flags", content_type__app_label="interactions_app"
    ).first()
    who = Q(is_staff=True) | Q(is_superuser=True)
    if perm is not None:
        who |= Q(user_permissions=perm) | Q(groups__permissions=perm)
    users = get_user_model().objects.filter(who, is_active=True).distinct()
    return users.order_by(get_user_model().USERNAME_FIELD)


def review_get(*, interaction_id: str) -> FlagReview | None:
    return (
        FlagReview.objects.filter(tenant_id=_tenant(), interaction_id=interaction_id)
        .select_related("owner")
        .first()
    )


def reviews_of(*, interaction_ids: Iterable[str]) -> dict[str, FlagReview]:
    """The reviews of these interactions, by id (those never triaged are absent)."""
    ids, found = list(interaction_ids), {}
    for at in range(0, len(ids), CHUNK):  # a scan may hold thousands: bounded IN lists
        rows = FlagReview.objects.filter(
            tenant_id=_tenant(), interaction_id__in=ids[at : at + CHUNK]
        )
        found.update({r.interaction_id: r for r in rows.select_related("owner")})
    return found


def review_stamp() -> tuple[object, ...]:
    """Changes whenever any review of the tenant changes: part of a cached page's key."""
    found = FlagReview.objects.filter(tenant_id=_tenant()).aggregate(
        n=Count("id"), at=Max("updated")
    )
    return (found["n"], found["at"] and found["at"].isoformat())


def _name(user: Any) -> str:
    return user.get_username() if user is not None else ""


@dataclass(frozen=True)
class ReviewChange:
    review: FlagReview
    changes: tuple[str, ...]  # what changed, in words, for the audit log; empty: nothing


def review_save(
    *, interaction_id: str, user: Any, reviewed: bool, note: str, owner: Any | None
) -> ReviewChange:
    """Store the triage of one interaction as ``user`` set it; says what changed."""
    with transaction.atomic():
        review, _ = FlagReview.objects.select_for_update().get_or_create(
            tenant_id=_tenant(), interaction_id=interaction_id
        )
        changes = []
        if review.reviewed != reviewed:
            changes.append("marked reviewed" if reviewed else "marked not reviewed")
            review.reviewed = reviewed
            review.reviewed_by = user if reviewed else None
            review.reviewed_by_name = _name(user) if reviewed else ""
            review.reviewed_at = timezone.now() if reviewed else None
        if review.note != note:
            changes.append(f"note: “{note}”" if note else "note removed")
            review.note = note
        if review.owner_id != (owner.pk if owner else None):
            changes.append(f"owner: {_name(owner)}" if owner else "owner removed")
            review.owner = owner
        if changes:
            review.updated_by_name = _name(user)
            review.save()
    return ReviewChange(review, tuple(changes))


@dataclass(frozen=True)
class ReviewCounts:
    open: int
    reviewed: int
    mine: int


def review_filter(
    items: Sequence[Any], *, review: str, user_id: int | None
) -> tuple[list[Any], ReviewCounts]:
    """``items`` (interactions) narrowed to ``review`` ("open", "reviewed", "mine"; "" keeps
    them all), and how many of them are in each."""
    reviews = reviews_of(interaction_ids=[i.id for i in items])

    def state(item: Any) -> tuple[bool, bool]:
        r = reviews.get(item.id)
        return (bool(r and r.reviewed), bool(r and user_id and r.owner_id == user_id))

    states = [state(i) for i in items]
    counts = ReviewCounts(
        open=sum(1 for done, _ in states if not done),
        reviewed=sum(1 for done, _ in states if done),
        mine=sum(1 for _, mine in states if mine),
    )
    keep = {
        "open": lambda s: not s[0],
        "reviewed": lambda s: s[0],
        "mine": lambda s: s[1],
    }.get(review)
    if keep is None:
        return list(items), counts
    return [i for i, s in zip(items, states, strict=True) if keep(s)], counts
