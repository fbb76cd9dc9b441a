"""Test profile: fast password hashing; the sandbox URL is set per test by fixtures."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CXENGAGE = {
    **CXENGAGE,  # noqa: F405
    "RETRIES": 1,
    "MAX_RETRY_AFTER": 0.2,
    "READ_TIMEOUT": 5.0,
    "FLAGGED_FIRST_PAINT_SECONDS": 60.0,  # tests of the progressive scan lower it themselves
}
