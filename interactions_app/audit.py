"""Audit trail service: record what a signed-in supervisor looked at.

``audit_record`` never raises into the view: auditing is best effort, and a database hiccup must
not turn a page the supervisor could read into an error. Failures are logged (with the request
id, through the logging filter) and the request carries on.

``audit_record_once`` is for reads that repeat by themselves (the live polls, every 5-60 s): at
most one event per user, interaction and minute, remembered with ``cache.add``. When the cache
cannot say (an outage), the read is recorded anyway: a duplicate row beats a missing one.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest

from .caching.keys import tenant_key
from .models import AuditEvent
from .proxy import client_ip

logger = logging.getLogger(__name__)

ONCE_SECONDS = 60  # audit_record_once: one event per user, interaction and minute


def audit_record(
    *,
    request: HttpRequest,
    action: str,
    interaction_id: str | None = None,
    query: str = "",
    unmasked: bool = False,
) -> None:
    """Store one ``AuditEvent`` for ``request.user``; log and continue if that fails."""
    try:
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        # a savepoint, so a failed insert cannot poison a surrounding transaction
        with transaction.atomic():
            AuditEvent.objects.create(
                user=user if authenticated else None,
                username=user.get_username() if authenticated else "",
                action=action,
                interaction_id=interaction_id,
                query=query,
                request_id=str(getattr(request, "request_id", ""))[:64],
                ip=client_ip(request),  # the same address django-axes uses
                pii_unmasked=unmasked,
            )
    except Exception:
        # DatabaseError above all (locked SQLite, lost connection, missing table), but auditing
        # must never break the page whatever went wrong.
        logger.exception("audit event not recorded (action=%s)", action)


def audit_record_once(
    *, request: HttpRequest, action: str, interaction_id: str, query: str = "", unmasked: bool
) -> None:
    """``audit_record``, unless this user's ``action`` on this interaction was already recorded
    in this minute (by this function)."""
    minute = int(time.time() // ONCE_SECONDS)
    key = tenant_key("audit-once", action, request.user.pk, interaction_id, minute)
    try:
        first = cache.add(key, 1, timeout=ONCE_SECONDS)
    except Exception:
        logger.warning("audit: the cache is unavailable, recording a repeated read anyway")
        first = True
    if first:
        audit_record(
            request=request,
            action=action,
            interaction_id=interaction_id,
            query=query,
            unmasked=unmasked,
        )
