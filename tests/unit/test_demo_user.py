"""`make run` creates the demo supervisor without DEBUG against the local sandbox; a dashboard
pointed at a real CxEngage refuses the published password."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from interactions_app.management.commands.demo_user import DEMO_PASSWORD, DEMO_USERNAME


def _cxengage(settings, url: str) -> None:
    settings.CXENGAGE = {**settings.CXENGAGE, "API_URL": url}


@pytest.mark.django_db
def test_the_local_sandbox_gets_a_demo_user_without_debug(settings):
    settings.DEBUG = False
    _cxengage(settings, "http://127.0.0.1:8765/v1")
    call_command("demo_user", stdout=io.StringIO())
    user = get_user_model().objects.get(username=DEMO_USERNAME)
    assert user.check_password(DEMO_PASSWORD)
    assert user.has_perm("interactions_app.listen_recordings")


@pytest.mark.django_db
def test_a_real_api_refuses_the_published_password(settings):
    settings.DEBUG = False
    _cxengage(settings, "https://api.cxengage.net/v1")
    with pytest.raises(CommandError, match="local sandbox"):
        call_command("demo_user")
    assert not get_user_model().objects.filter(username=DEMO_USERNAME).exists()


@pytest.mark.django_db
def test_debug_allows_it_whatever_the_api(settings):
    settings.DEBUG = True
    _cxengage(settings, "https://api.cxengage.net/v1")
    call_command("demo_user", stdout=io.StringIO())
    assert get_user_model().objects.filter(username=DEMO_USERNAME).exists()
