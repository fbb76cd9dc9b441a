"""Cache keys: fixed length, every part of the query in them, never a credential."""

from __future__ import annotations

import hashlib

from django.conf import settings

PREFIX = "cxengage:"


def cache_key(*parts: object) -> str:
    """A fixed-length key from every part of a query (``None`` and ``""`` are the same part)."""
    raw = "\x1f".join("" if p is None else str(p) for p in parts)
    return PREFIX + hashlib.sha256(raw.encode()).hexdigest()


def tenant_key(*parts: object) -> str:
    """A key for this deployment's upstream and tenant: two tenants never share an entry."""
    conf = settings.CXENGAGE
    return cache_key(conf["API_URL"], conf["TENANT_ID"], *parts)
