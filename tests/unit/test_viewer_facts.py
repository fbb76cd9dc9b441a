"""The viewer's PII right and zone preference are read once and kept until they change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from interactions_app.caching.viewer import viewer_facts
from interactions_app.pii import can_see_pii
from interactions_app.preferences import preference_set_zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def pii_permission():
    return Permission.objects.get(codename="view_customer_pii")


def fresh(user):
    """The user as the next request loads it (nothing kept on the object)."""
    return type(user).objects.get(pk=user.pk)


def test_read_once_then_kept(django_user_model, django_assert_num_queries):
    user = django_user_model.objects.create_user("facts-1", password="pw-facts-1")
    first = fresh(user)
    with django_assert_num_queries(3):  # user perms, group perms, preference
        viewer_facts(first)
    reloaded = fresh(user)
    with django_assert_num_queries(0):
        assert not can_see_pii(reloaded)
        assert viewer_facts(reloaded).zone_mode == "tenant"


@pytest.mark.parametrize("side", ["user", "permission"])
def test_a_right_given_or_taken_shows_on_the_next_request(django_user_model, pii_permission, side):
    user = django_user_model.objects.create_user("facts-2", password="pw-facts-2")
    assert not can_see_pii(fresh(user))
    if side == "user":
        user.user_permissions.add(pii_permission)
    else:
        pii_permission.user_set.add(user)
    assert can_see_pii(fresh(user))
    if side == "user":
        user.user_permissions.clear()
    else:
        pii_permission.user_set.clear()
    assert not can_see_pii(fresh(user))


def test_a_groups_right_and_membership_show_on_the_next_request(django_user_model, pii_permission):
    user = django_user_model.objects.create_user("facts-3", password="pw-facts-3")
    group = Group.objects.create(name="supervisors")
    user.groups.add(group)
    assert not can_see_pii(fresh(user))
    group.permissions.add(pii_permission)
    assert can_see_pii(fresh(user))
    user.groups.remove(group)
    assert not can_see_pii(fresh(user))
    group.user_set.add(user)
    assert can_see_pii(fresh(user))
    group.delete()
    assert not can_see_pii(fresh(user))


def test_superuser_and_preference_changes_show_on_the_next_request(django_user_model):
    user = django_user_model.objects.create_user("facts-4", password="pw-facts-4")
    assert not can_see_pii(fresh(user))
    user.is_superuser = True
    user.save()
    assert can_see_pii(fresh(user))
    preference_set_zone(user=user, mode="viewer", zone="Asia/Tokyo")
    facts = viewer_facts(fresh(user))
    assert (facts.zone_mode, facts.viewer_zone) == ("viewer", "Asia/Tokyo")
