"""DJANGO_PROXY_COUNT and DJANGO_SESSION_AGE_HOURS (issue 16, points 1 and 10): their defaults,
and a value that is set but wrong stops start-up naming the variable (settings are read once per
process, so each case starts one)."""

from __future__ import annotations

import json

import pytest

from tests.unit.test_config import run

SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.TRUSTED_PROXY_COUNT, s.SESSION_COOKIE_AGE, s.AXES_CLIENT_IP_CALLABLE]))"
)


def test_defaults_trust_no_proxy_and_sessions_last_twelve_hours():
    result = run(["-c", SHOW])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [0, 12 * 3600, "interactions_app.proxy.client_ip"]


def test_values_are_read():
    result = run(["-c", SHOW], DJANGO_PROXY_COUNT="2", DJANGO_SESSION_AGE_HOURS="8")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[:2] == [2, 8 * 3600]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DJANGO_PROXY_COUNT", "one"),
        ("DJANGO_PROXY_COUNT", "-1"),
        ("DJANGO_SESSION_AGE_HOURS", "0"),
        ("DJANGO_SESSION_AGE_HOURS", "12h"),
    ],
)
def test_a_wrong_value_stops_start_up_naming_it(name, value):
    result = run(["-c", SHOW], **{name: value})
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line and name in last_line, result.stderr[-1500:]
