"""Settings shared by every profile; every value comes from the environment (see .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_api_url,
    env_bool,
    env_cache,
    env_credentials,
    env_crm_links,
    env_db,
    env_float,
    env_int,
    env_list,
    env_origins,
    env_str,
    env_uuid,
)
from config.secrets import secret

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# The sandbox's own, published demo values: what an unset environment runs against.
SANDBOX_API_URL = "http://127.0.0.1:8765/v1"
SANDBOX_TENANT_ID = "5b1c3f7e-2a4d-4e8b-9c61-0f3a7d2e9b14"
SANDBOX_CREDENTIALS = {"CXENGAGE_API_KEY": "sandbox-key", "CXENGAGE_API_SECRET": "sandbox-secret"}

SECRET_KEY = env_str(
    "DJANGO_SECRET_KEY", "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"
)
DEBUG = env_bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

_api_url_set = env_str("CXENGAGE_API_URL") is not None
_credentials = env_credentials()
if not _credentials:
    if _api_url_set:
        raise ImproperlyConfigured(
            "CXENGAGE_API_KEY (with CXENGAGE_API_SECRET) or CXENGAGE_USERNAME (with "
            "CXENGAGE_PASSWORD) must be set when CXENGAGE_API_URL points at a real API."
        )
    _credentials = SANDBOX_CREDENTIALS

CXENGAGE = {
    # the host alone or the host with /v1, as public clients take it; always stored with /v1
    "API_URL": env_api_url("CXENGAGE_API_URL", default=SANDBOX_API_URL),
    "TENANT_ID": env_uuid("CXENGAGE_TENANT_ID", default=SANDBOX_TENANT_ID),
    # Secret: a str whose repr (error pages, debuggers) hides it; see config/secrets.py
    "API_KEY": secret(_credentials.get("CXENGAGE_API_KEY")),
    "API_SECRET": secret(_credentials.get("CXENGAGE_API_SECRET")),
    "USERNAME": _credentials.get("CXENGAGE_USERNAME"),
    "PASSWORD": secret(_credentials.get("CXENGAGE_PASSWORD")),
    "CONNECT_TIMEOUT": env_float("CXENGAGE_CONNECT_TIMEOUT", default=3.05, minimum=0.1),
    "READ_TIMEOUT": env_float("CXENGAGE_READ_TIMEOUT", default=20.0, minimum=0.1),
    "RETRIES": env_int("CXENGAGE_RETRIES", default=2, maximum=10),
    "MAX_RETRY_AFTER": env_float("CXENGAGE_MAX_RETRY_AFTER", default=3.0),
    "MAX_RESPONSE_BYTES": env_int("CXENGAGE_MAX_RESPONSE_MB", default=64, minimum=1) * 1024 * 1024,
    # calls in flight to CxEngage at once, per process: scans, exports and pages share them
    "MAX_CONCURRENCY": env_int("CXENGAGE_MAX_CONCURRENCY", default=8, minimum=1, maximum=64),
    # CRM record links, per hookType or hookType/hookSubType: {"zendesk": "https://…/{id}"}
    "CRM_LINKS": env_crm_links("CXENGAGE_CRM_LINKS"),
    "FLAGGED_SCAN_DEPTH": env_int("CXENGAGE_FLAGGED_SCAN_DEPTH", default=10_000, minimum=1000),
    "FLAGGED_FIRST_PAINT_SECONDS": env_float("CXENGAGE_FLAGGED_FIRST_PAINT_SECONDS", default=1.0),
    "FLAGGED_SCAN_WORKERS": env_int(
        "CXENGAGE_FLAGGED_SCAN_WORKERS", default=4, minimum=1, maximum=16
    ),
    # long work at once across the deployment (counted in the shared cache): flagged scans,
    # and CSV exports (one per user at a time besides)
    "MAX_SCANS": env_int("CXENGAGE_MAX_SCANS", default=2, minimum=1, maximum=64),
    "MAX_EXPORTS": env_int("CXENGAGE_MAX_EXPORTS", default=4, minimum=1, maximum=256),
    "LIST_CACHE_SECONDS": env_int("CXENGAGE_LIST_CACHE_SECONDS", default=30),
    "DETAIL_CACHE_SECONDS": env_int("CXENGAGE_DETAIL_CACHE_SECONDS", default=24 * 3600),
    "DETAIL_CACHE_MAX_BYTES": env_int("CXENGAGE_DETAIL_CACHE_MAX_KB", default=1024) * 1024,
    # recordings, transcripts, emails: an artifact (with its download links) is reused this long,
    # which must stay below the links' lifetime; links may point at the API's host or these
    "ARTIFACT_CACHE_SECONDS": env_int(
        "CXENGAGE_ARTIFACT_CACHE_SECONDS", default=60, minimum=0, maximum=3600
    ),
    "FILE_HOSTS": env_origins("CXENGAGE_FILE_HOSTS"),
    # a rendered #results region larger than this is served but not cached (1000 rows: ~1 MB)
    "HTML_CACHE_MAX_BYTES": env_int("CXENGAGE_HTML_CACHE_MAX_KB", default=2048, minimum=1) * 1024,
}

# The interaction index (interactions_app/index/): off unless CXENGAGE_INDEX=true. When on,
# `manage.py index_sync --follow` keeps the last CXENGAGE_INDEX_DAYS days, every
# CXENGAGE_INDEX_INTERVAL seconds, and the list and flagged pages filter and count from it.
CXENGAGE_INDEX = env_bool("CXENGAGE_INDEX", default=False)
CXENGAGE_INDEX_DAYS = env_int("CXENGAGE_INDEX_DAYS", default=30, minimum=1, maximum=400)
CXENGAGE_INDEX_INTERVAL = env_int("CXENGAGE_INDEX_INTERVAL", default=30, minimum=1, maximum=86400)
# The index's agent and queue indexes carry non-key columns (INCLUDE) so PostgreSQL answers a
# filtered count from the index alone; SQLite has no such thing and uses them as plain indexes.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",  # {% partialdef %} and "page.html#partial" (in Django itself from 6.0)
    "csp",
    "axes",
    "interactions_app",
    "interactions_app.index",  # its own app (label interaction_index) and migrations
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "interactions_app.middleware.PrivatePageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "interactions_app.middleware.RequestIdMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # login throttling: first, so it can refuse early
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Behind proxies every client has the proxy's address: without this, five wrong passwords for a
# colleague's username from anywhere would lock that colleague out everywhere.
AXES_CLIENT_IP_CALLABLE = "interactions_app.proxy.client_ip"

# How many reverse proxies stand in front (each appending to X-Forwarded-For). 0: the headers
# are ignored and REMOTE_ADDR is the client; see interactions_app/proxy.py.
TRUSTED_PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", default=0, minimum=0, maximum=10)

# A supervisor signs in once a shift, not once a fortnight (Django's default age is two weeks).
SESSION_COOKIE_AGE = (
    env_int("DJANGO_SESSION_AGE_HOURS", default=12, minimum=1, maximum=24 * 14) * 3600
)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "interactions_app.context_processors.pii",
                "interactions_app.context_processors.saved_views",
            ],
        },
    },
    {
        # the rows of a results table only (interactions_app/templatetags/rows.py): rendered up
        # to a thousand times a page, where Jinja2 is several times faster than the engine above
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "interactions_app.templatetags.rows.environment",
            "context_processors": ["interactions_app.context_processors.pii"],
        },
    },
]

DATABASES = {"default": env_db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
CACHES = {"default": env_cache("CACHE_URL", default="locmemcache://cxengage-dashboard")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "interactions:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development and tests serve straight from the finders; production collects into STATIC_ROOT.
WHITENOISE_USE_FINDERS = True

# Error reports (the DEBUG page, error e-mails) show no secret, with DEBUG on too: Django's own
# filter is off under DEBUG and never looks inside local variables (config/error_reports.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.error_reports.SecretsHidden"
DEFAULT_EXCEPTION_REPORTER = "config.error_reports.SecretsHiddenReporter"

X_FRAME_OPTIONS = "DENY"
# Scripts and styles only from our own static files: no inline script, no inline style, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "interactions_app.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [req %(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "urllib3": {"level": "WARNING"},
    },
}
