"""What a viewer's pages depend on besides the URL, read from the database once and kept.

Every page needs the viewer's right to customer addresses (masking, and the results cache's
key) and their display zone preference: three queries (the user's permissions, their groups'
permissions, the preference). ``viewer_facts`` reads them once, keeps them in the cache under the
user's id, and on the request's user object for the rest of the request. Signals drop the entry
the moment either changes: a permission or group given or taken, from either side; a group's
permissions; the user saved or deleted (superuser, active); the preference saved or deleted.
A change made behind Django's back (raw SQL) shows after ``SECONDS``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from .keys import cache_key

logger = logging.getLogger(__name__)

SECONDS = 600
_MEMO = "_viewer_facts"  # the request's user object keeps what it read


@dataclass(frozen=True)
class ViewerFacts:
    pii: bool  # holds interactions_app.view_customer_pii (directly, by a group, as superuser)
    zone_mode: str  # Preference.zone_mode ("tenant" when there is no preference)
    viewer_zone: str  # Preference.viewer_zone ("" when there is none)


def viewer_facts(user: Any) -> ViewerFacts:
    """The signed-in ``user``'s facts: from the request, the cache, else the database."""
    facts = getattr(user, _MEMO, None)
    if facts is not None:
        return facts
    key = _key(user.pk)
    try:
        facts = cache.get(key)
    except Exception:  # a cache outage costs the three queries, never the page
        logger.warning("viewer facts not read from the cache", exc_info=True)
        facts = None
    if not isinstance(facts, ViewerFacts):
        facts = _read(user)
        try:
            cache.set(key, facts, SECONDS)
        except Exception:
            logger.warning("viewer facts not kept in the cache", exc_info=True)
    setattr(user, _MEMO, facts)
    return facts


def forget(user_ids: Iterable[Any]) -> None:
    """Drop the kept facts of these users (their rights or preference changed)."""
    keys = [_key(pk) for pk in user_ids if pk is not None]
    if not keys:
        return
    try:
        cache.delete_many(keys)
    except Exception:  # expiring on their own after SECONDS
        logger.warning("viewer facts of %d user(s) not dropped", len(keys), exc_info=True)


def _key(user_id: Any) -> str:
    return cache_key("viewer-facts", user_id)


def _read(user: Any) -> ViewerFacts:
    from ..models import Preference  # models import this package's neighbours
    from ..pii import PII_PERMISSION

    preference = Preference.objects.filter(user_id=user.pk).first()
    return ViewerFacts(
        pii=bool(user.has_perm(PII_PERMISSION)),
        zone_mode=preference.zone_mode if preference else Preference.ZoneMode.TENANT,
        viewer_zone=preference.viewer_zone if preference else "",
    )


# --- what drops them -------------------------------------------------------------------------


def _group_users(group_ids: Iterable[Any]) -> list[Any]:
    users = get_user_model().objects.filter(groups__in=list(group_ids))
    return list(users.values_list("pk", flat=True).distinct())


def _on_user_relation(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """user.user_permissions / user.groups changed, or permission.user_set / group.user_set."""
    if not action.startswith(("post_", "pre_clear")):
        return
    if not reverse:  # instance is the user
        forget([instance.pk])
    elif action == "pre_clear":  # instance is the permission or group: its users, before
        forget(instance.user_set.values_list("pk", flat=True))
    else:
        forget(pk_set or ())


def _on_group_permissions(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """group.permissions or permission.group_set changed: every member of the groups."""
    if not action.startswith(("post_", "pre_clear")):
        return
    if not reverse:  # instance is the group
        forget(_group_users([instance.pk]))
    elif action == "pre_clear":  # instance is the permission: the groups that had it
        forget(_group_users(instance.group_set.values_list("pk", flat=True)))
    else:
        forget(_group_users(pk_set or ()))


def _on_user_saved(sender, instance, **kwargs) -> None:  # type: ignore[no-untyped-def]
    forget([instance.pk])


def _on_preference_saved(sender, instance, **kwargs) -> None:  # type: ignore[no-untyped-def]
    forget([instance.user_id])


def _on_group_deleted(sender, instance, **kwargs) -> None:  # type: ignore[no-untyped-def]
    forget(_group_users([instance.pk]))


def _on_permission_deleted(sender, instance, **kwargs) -> None:  # type: ignore[no-untyped-def]
    forget(instance.user_set.values_list("pk", flat=True))
    forget(_group_users(instance.group_set.values_list("pk", flat=True)))


def connect() -> None:
    """Hook the signals up (``apps.InteractionsAppConfig.ready``)."""
    from ..models import Preference

    user = get_user_model()
    uid = "interactions_app.viewer_facts"
    m2m_changed.connect(_on_user_relation, sender=user.user_permissions.through, dispatch_uid=uid)
    m2m_changed.connect(_on_user_relation, sender=user.groups.through, dispatch_uid=uid + ".g")
    m2m_changed.connect(_on_group_permissions, sender=Group.permissions.through, dispatch_uid=uid)
    for signal in (post_save, post_delete):
        signal.connect(_on_user_saved, sender=user, dispatch_uid=uid)
        signal.connect(_on_preference_saved, sender=Preference, dispatch_uid=uid)
    pre_delete.connect(_on_group_deleted, sender=Group, dispatch_uid=uid)
    pre_delete.connect(_on_permission_deleted, sender=Permission, dispatch_uid=uid)
