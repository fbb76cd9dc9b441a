"""The environment contract: defaults start, set-but-wrong values stop start-up naming the variable.

Start-up is exercised in subprocesses (settings are read once per process); the readers in
``config.env`` are also checked in-process, which is faster and more precise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env as config_env

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {"CXENGAGE_API_KEY": "k-123", "CXENGAGE_API_SECRET": "s-456"}
REAL_API = "https://api.cxengage.net/v1"

SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
c = settings.CXENGAGE
print(json.dumps({
    "api_url": c["API_URL"], "tenant": c["TENANT_ID"], "key": c["API_KEY"],
    "secret": c["API_SECRET"], "username": c["USERNAME"], "password": c["PASSWORD"],
    "read_timeout": c["READ_TIMEOUT"], "retries": c["RETRIES"], "debug": settings.DEBUG,
    "max_concurrency": c["MAX_CONCURRENCY"], "crm_links": c["CRM_LINKS"],
    "db": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"], "hosts": settings.ALLOWED_HOSTS,
    "index": [settings.CXENGAGE_INDEX, settings.CXENGAGE_INDEX_DAYS,
              settings.CXENGAGE_INDEX_INTERVAL],
}))
"""


def clean_env(**overrides: str) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CXENGAGE_", "DJANGO_"))
        and name not in {"DATABASE_URL", "CACHE_URL", "PYTHONSTARTUP"}
    }
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    environment.update(overrides)
    return environment


def run(args: list[str], **overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean_env(**overrides),
        capture_output=True,
        text=True,
        timeout=60,
    )


def start(**overrides: str) -> subprocess.CompletedProcess[str]:
    return run(["-c", SHOW_SETTINGS], **overrides)


def started(**overrides: str) -> dict:
    result = start(**overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- start-up in a subprocess ---------------------------------------------------------------------


def test_defaults_run_against_the_sandbox_with_sqlite_and_locmem() -> None:
    values = started()
    assert values["api_url"] == "http://127.0.0.1:8765/v1"
    assert values["tenant"] == "5b1c3f7e-2a4d-4e8b-9c61-0f3a7d2e9b14"
    assert (values["key"], values["secret"]) == ("sandbox-key", "sandbox-secret")
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["db_name"].endswith("db.sqlite3")
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["debug"] is False  # the local profile too: DEBUG only when asked for
    assert values["read_timeout"] == 20.0
    assert values["retries"] == 2
    assert values["max_concurrency"] == 8
    assert values["crm_links"] == {}
    assert values["index"] == [False, 30, 30]  # the interaction index is off unless asked for


def test_the_api_host_alone_crm_links_and_concurrency_are_read() -> None:
    values = started(
        CXENGAGE_API_URL="https://eu-west-1-prod-api.cxengage.net",
        CXENGAGE_CRM_LINKS="Zendesk=https://acme.zendesk.com/agent/tickets/{id}",
        CXENGAGE_MAX_CONCURRENCY="3",
        **CREDENTIALS,
    )
    assert values["api_url"] == "https://eu-west-1-prod-api.cxengage.net/v1"
    assert values["crm_links"] == {"zendesk": "https://acme.zendesk.com/agent/tickets/{id}"}
    assert values["max_concurrency"] == 3


def test_explicit_values_are_read() -> None:
    values = started(
        CXENGAGE_API_URL=REAL_API + "/",
        CXENGAGE_TENANT_ID="2336D1EC-C956-47E1-B3B1-FE8FDE81B2B4",
        CXENGAGE_USERNAME="sup@example.com",
        CXENGAGE_PASSWORD="pw",
        CXENGAGE_READ_TIMEOUT="7.5",
        CXENGAGE_INDEX="true",
        CXENGAGE_INDEX_DAYS="7",
        CXENGAGE_INDEX_INTERVAL="120",
        DJANGO_DEBUG="on",
        DATABASE_URL="sqlite:////tmp/elsewhere.sqlite3",
        CACHE_URL="dummycache://",
        DJANGO_ALLOWED_HOSTS="dash.example.com, .example.org",
    )
    assert values["api_url"] == REAL_API
    assert values["tenant"] == "2336d1ec-c956-47e1-b3b1-fe8fde81b2b4"
    assert (values["key"], values["username"]) == (None, "sup@example.com")
    assert values["read_timeout"] == 7.5
    assert values["debug"] is True
    assert values["db_name"] == "/tmp/elsewhere.sqlite3"
    assert values["cache"] == "django.core.cache.backends.dummy.DummyCache"
    assert values["hosts"] == ["dash.example.com", ".example.org"]
    assert values["index"] == [True, 7, 120]


def test_secret_starting_with_a_dollar_is_read_literally() -> None:
    # django-environ would read "$HOME..." as a reference to the HOME variable
    values = started(CXENGAGE_API_KEY="k", CXENGAGE_API_SECRET="$HOME-not-a-reference")
    assert values["secret"] == "$HOME-not-a-reference"


@pytest.mark.parametrize(
    ("overrides", "variable", "hint"),
    [
        pytest.param(
            {"CXENGAGE_API_URL": "ftp://x", **CREDENTIALS}, "CXENGAGE_API_URL", "http", id="ftp"
        ),
        pytest.param(
            {"CXENGAGE_API_URL": "api.cxengage.net/v1", **CREDENTIALS},
            "CXENGAGE_API_URL",
            "http",
            id="no-scheme",
        ),
        pytest.param(
            {"CXENGAGE_API_URL": "https://api.cxengage.net:port/v1", **CREDENTIALS},
            "CXENGAGE_API_URL",
            "http",
            id="bad-port",
        ),
        pytest.param(
            {"CXENGAGE_API_URL": "https://api.cxengage.net/v2", **CREDENTIALS},
            "CXENGAGE_API_URL",
            "with or without /v1",
            id="another-path",
        ),
        pytest.param(
            {"CXENGAGE_TENANT_ID": "not-a-uuid"}, "CXENGAGE_TENANT_ID", "UUID", id="tenant"
        ),
        pytest.param(
            {"CXENGAGE_API_KEY": "k-only"}, "CXENGAGE_API_SECRET", "together", id="key-alone"
        ),
        pytest.param(
            {"CXENGAGE_API_SECRET": "s-only"}, "CXENGAGE_API_KEY", "together", id="secret-alone"
        ),
        pytest.param(
            {"CXENGAGE_USERNAME": "u-only"}, "CXENGAGE_PASSWORD", "together", id="user-alone"
        ),
        pytest.param(
            {"CXENGAGE_PASSWORD": "p-only"}, "CXENGAGE_USERNAME", "together", id="password-alone"
        ),
        pytest.param(
            {"CXENGAGE_API_URL": REAL_API},
            "CXENGAGE_API_KEY",
            "CXENGAGE_API_URL",
            id="url-no-creds",
        ),
        pytest.param({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG", "true or false", id="debug"),
        pytest.param({"DATABASE_URL": "nosuch://x"}, "DATABASE_URL", "nosuch", id="db-scheme"),
        pytest.param({"CACHE_URL": "bogus://x"}, "CACHE_URL", "cache URL", id="cache-scheme"),
        pytest.param(
            {"CXENGAGE_READ_TIMEOUT": "abc"}, "CXENGAGE_READ_TIMEOUT", "number", id="timeout"
        ),
        pytest.param(
            {"CXENGAGE_READ_TIMEOUT": "0"}, "CXENGAGE_READ_TIMEOUT", "at least", id="timeout-0"
        ),
        pytest.param({"CXENGAGE_RETRIES": "11"}, "CXENGAGE_RETRIES", "between", id="retries"),
        pytest.param(
            {"CXENGAGE_DETAIL_CACHE_MAX_KB": "-1"},
            "CXENGAGE_DETAIL_CACHE_MAX_KB",
            ">= 0",
            id="detail-cache-max",
        ),
        pytest.param(
            {"CXENGAGE_RETRIES": "2.5"}, "CXENGAGE_RETRIES", "whole number", id="retries-float"
        ),
        pytest.param(
            {"DJANGO_ALLOWED_HOSTS": " , ,"}, "DJANGO_ALLOWED_HOSTS", "at least one", id="hosts"
        ),
        pytest.param(
            {"CXENGAGE_INDEX": "sometimes"}, "CXENGAGE_INDEX", "true or false", id="index"
        ),
        pytest.param(
            {"CXENGAGE_INDEX_DAYS": "0"}, "CXENGAGE_INDEX_DAYS", "between", id="index-days"
        ),
        pytest.param(
            {"CXENGAGE_INDEX_INTERVAL": "30s"},
            "CXENGAGE_INDEX_INTERVAL",
            "whole number",
            id="index-interval",
        ),
    ],
)
def test_wrong_values_stop_start_up_naming_the_variable(overrides, variable, hint) -> None:
    result = start(**overrides)
    assert result.returncode != 0
    assert result.stdout == ""
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:"), result.stderr
    assert variable in last_line
    assert hint in last_line


def test_credentials_in_the_api_url_are_refused_without_being_echoed() -> None:
    result = start(CXENGAGE_API_URL="https://user:hunter2pw@api.cxengage.net/v1", **CREDENTIALS)
    assert result.returncode != 0
    assert "CXENGAGE_API_URL" in result.stderr
    assert "hunter2pw" not in result.stderr


def test_createsuperuser_noinput_against_a_temporary_sqlite(tmp_path: Path) -> None:
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}"}
    migrated = run(["manage.py", "migrate", "--noinput", "-v", "0"], **database)
    assert migrated.returncode == 0, migrated.stderr
    created = run(
        ["manage.py", "createsuperuser", "--noinput"],
        DJANGO_SUPERUSER_USERNAME="boss",
        DJANGO_SUPERUSER_EMAIL="boss@example.com",
        DJANGO_SUPERUSER_PASSWORD="a-long-Enough-passphrase-41",
        **database,
    )
    assert created.returncode == 0, created.stderr
    checked = run(
        [
            "-c",
            "import django; django.setup()\n"
            "from django.contrib.auth import get_user_model\n"
            "u = get_user_model().objects.get(username='boss')\n"
            "print(u.email, u.is_superuser, u.is_staff,"
            " u.check_password('a-long-Enough-passphrase-41'))",
        ],
        **database,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.split() == ["boss@example.com", "True", "True", "True"]


# --- the readers in-process -----------------------------------------------------------------------


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch):
    for name in list(os.environ):
        if name.startswith("CX_TEST_"):
            monkeypatch.delenv(name)

    def set_values(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_values


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[("1", True), ("TRUE", True), (" yes ", True), ("on", True)],
        *[("0", False), ("False", False), ("no", False), ("OFF", False)],
    ],
)
def test_env_bool_accepts(environ, raw, expected) -> None:
    environ(CX_TEST_FLAG=raw)
    assert config_env.env_bool("CX_TEST_FLAG", default=not expected) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "tru"])
def test_env_bool_rejects(environ, raw) -> None:
    environ(CX_TEST_FLAG=raw)
    with pytest.raises(ImproperlyConfigured, match="CX_TEST_FLAG"):
        config_env.env_bool("CX_TEST_FLAG", default=False)


def test_unset_and_blank_values_use_the_default(environ) -> None:
    environ(CX_TEST_BLANK="   ")
    assert config_env.env_bool("CX_TEST_BLANK", default=True) is True
    assert config_env.env_str("CX_TEST_BLANK", "d") == "d"
    assert config_env.env_int("CX_TEST_UNSET", default=4) == 4
    assert config_env.env_http_url("CX_TEST_UNSET", default="http://x/v1") == "http://x/v1"


def test_env_str_keeps_dollar_values_literally(environ) -> None:
    environ(CX_TEST_SECRET="$CX_TEST_OTHER", CX_TEST_OTHER="wrong")
    assert config_env.env_str("CX_TEST_SECRET") == "$CX_TEST_OTHER"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [("abc", "whole number"), ("-1", "between"), ("17", "between"), ("1e3", "whole number")],
)
def test_env_int_rejects(environ, raw, problem) -> None:
    environ(CX_TEST_INT=raw)
    with pytest.raises(ImproperlyConfigured, match=f"CX_TEST_INT must be .*{problem}"):
        config_env.env_int("CX_TEST_INT", default=1, minimum=0, maximum=16)


@pytest.mark.parametrize(
    "raw",
    [
        "ftp://x",
        "https://",
        "http:///v1",
        "//api.example.com/v1",
        "https://h:99999999/v1",
        "https://h/v1?tenant=x",
        "https://h/v1#frag",
        "https://u:p@h/v1",
    ],
)
def test_env_http_url_rejects(environ, raw) -> None:
    environ(CX_TEST_URL=raw)
    with pytest.raises(ImproperlyConfigured, match="CX_TEST_URL"):
        config_env.env_http_url("CX_TEST_URL", default="http://x")


def test_env_http_url_strips_the_trailing_slash(environ) -> None:
    environ(CX_TEST_URL="https://api.cxengage.net:8443/v1/")
    assert config_env.env_http_url("CX_TEST_URL", default="x") == "https://api.cxengage.net:8443/v1"


@pytest.mark.filterwarnings("ignore:Engine not recognized")
@pytest.mark.parametrize("raw", ["nosuch://x", "http://db.example.com/x", "not a url"])
def test_env_db_rejects_unknown_schemes(environ, raw) -> None:
    environ(CX_TEST_DB=raw)
    with pytest.raises(ImproperlyConfigured, match="CX_TEST_DB"):
        config_env.env_db("CX_TEST_DB", default="sqlite:///x")


def test_env_db_accepts_postgres(environ) -> None:
    environ(CX_TEST_DB="postgres://u:p@db.example.com:5432/dash")
    config = config_env.env_db("CX_TEST_DB", default="sqlite:///x")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["NAME"], config["PORT"]) == ("db.example.com", "dash", 5432)


def test_env_credentials_pairs(environ, monkeypatch) -> None:
    for name in ("KEY", "SECRET", "USERNAME", "PASSWORD"):
        prefix = "CXENGAGE_API_" if name in {"KEY", "SECRET"} else "CXENGAGE_"
        monkeypatch.delenv(prefix + name, raising=False)
    assert config_env.env_credentials() == {}
    environ(CXENGAGE_USERNAME="u", CXENGAGE_PASSWORD="$p")
    assert config_env.env_credentials() == {"CXENGAGE_USERNAME": "u", "CXENGAGE_PASSWORD": "$p"}
    environ(CXENGAGE_API_KEY="k")
    with pytest.raises(ImproperlyConfigured, match=r"^CXENGAGE_API_SECRET must be set"):
        config_env.env_credentials()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://api.cxengage.net", "https://api.cxengage.net/v1"),  # CxAdmin's form
        ("https://api.cxengage.net/", "https://api.cxengage.net/v1"),
        ("https://api.cxengage.net/v1", "https://api.cxengage.net/v1"),
        ("https://api.cxengage.net/v1/", "https://api.cxengage.net/v1"),  # the SDK's default
        ("https://eu-west-1-prod-api.cxengage.net", "https://eu-west-1-prod-api.cxengage.net/v1"),
        (
            "https://EU-West-1-prod-api.cxengage.net/v1/",
            "https://EU-West-1-prod-api.cxengage.net/v1",
        ),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765/v1"),
        ("http://127.0.0.1:8765/v1//", "http://127.0.0.1:8765/v1"),
    ],
)
def test_env_api_url_accepts_the_host_with_or_without_v1(environ, raw, expected) -> None:
    environ(CX_TEST_API=raw)
    assert config_env.env_api_url("CX_TEST_API", default="x") == expected


@pytest.mark.parametrize(
    "raw",
    [
        "api.cxengage.net",
        "api.cxengage.net/v1",
        "https://api.cxengage.net/v2",
        "https://api.cxengage.net/api/v1",
        "https://api.cxengage.net/v1/tenants",
        "https://api.cxengage.net/v1x",
        "https://api.cxengage.net/v1?x=1",
    ],
)
def test_env_api_url_rejects_anything_else_naming_the_variable(environ, raw) -> None:
    environ(CX_TEST_API=raw)
    with pytest.raises(ImproperlyConfigured, match=r"^CX_TEST_API "):
        config_env.env_api_url("CX_TEST_API", default="x")


def test_env_api_url_default_is_used_unchanged(environ) -> None:
    assert config_env.env_api_url("CX_TEST_UNSET", default="http://127.0.0.1:8765/v1") == (
        "http://127.0.0.1:8765/v1"
    )


def test_env_crm_links_reads_templates_per_crm_and_subtype(environ) -> None:
    environ(
        CX_TEST_CRM=" zendesk=https://acme.zendesk.com/agent/tickets/{id} , "
        "Zendesk/user=https://acme.zendesk.com/agent/users/{id},"
        "salesforce-lightning/Case=https://acme.lightning.force.com/lightning/r/Case/{id}/view,"
    )
    assert config_env.env_crm_links("CX_TEST_CRM") == {
        "zendesk": "https://acme.zendesk.com/agent/tickets/{id}",
        "zendesk/user": "https://acme.zendesk.com/agent/users/{id}",
        "salesforce-lightning/case": "https://acme.lightning.force.com/lightning/r/Case/{id}/view",
    }
    assert config_env.env_crm_links("CX_TEST_UNSET") == {}


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("zendesk", "CRM=https"),
        ("=https://a.example/{id}", "CRM=https"),
        ("zen desk=https://a.example/{id}", "CRM=https"),
        ("zendesk=http://a.example/{id}", "https"),
        ("zendesk=javascript:alert(1)//{id}", "https"),
        ("zendesk=https://user:pw@a.example/{id}", "credentials"),
        ("zendesk=https://{id}.example.com/x", "host"),
        ("zendesk=https://a.example:port/{id}", "https"),
        ("zendesk=https://a.example/tickets", "{id}"),
        ("zendesk=https://a.example/{id}/{name}", "placeholder"),
        ("zendesk=https://a.example/{id} x", "spaces"),
        (" , ,", "at least one"),
    ],
)
def test_env_crm_links_rejects(environ, raw, problem) -> None:
    environ(CX_TEST_CRM=raw)
    with pytest.raises(ImproperlyConfigured, match=r"^CX_TEST_CRM ") as info:
        config_env.env_crm_links("CX_TEST_CRM")
    assert problem in str(info.value)
    assert "pw@" not in str(info.value)


def test_env_origins_reads_file_hosts(environ) -> None:
    environ(
        CX_TEST_HOSTS=" https://Files.Example.com/ , https://*.s3.amazonaws.com,http://127.0.0.1:8765"
    )
    assert config_env.env_origins("CX_TEST_HOSTS") == (
        "https://files.example.com",
        "https://*.s3.amazonaws.com",
        "http://127.0.0.1:8765",
    )
    assert config_env.env_origins("CX_TEST_UNSET") == ()


@pytest.mark.parametrize(
    "raw",
    [
        "files.example.com",
        "ftp://files.example.com",
        "https://files.example.com/path",
        "https://files.example.com?x=1",
        "https://user:pw@files.example.com",
        "https://*files.example.com",
        " , ",
    ],
)
def test_env_origins_rejects(environ, raw) -> None:
    environ(CX_TEST_HOSTS=raw)
    with pytest.raises(ImproperlyConfigured, match=r"^CX_TEST_HOSTS ") as info:
        config_env.env_origins("CX_TEST_HOSTS")
    assert "pw@" not in str(info.value)
