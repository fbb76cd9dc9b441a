"""What the proxies in front of the dashboard may tell it: the client's address, the request id.

``settings.TRUSTED_PROXY_COUNT`` (``DJANGO_PROXY_COUNT``) says how many proxies stand in front.
With 0 (the default) nothing in a request's headers is believed: the client is ``REMOTE_ADDR``
and a request id is always minted here. With N > 0 each proxy is expected to *append* the
address it received the request from to ``X-Forwarded-For``, so the N-th entry from the right
is the address the outermost proxy saw: the client. Entries further left were written by the
client and are ignored (``X-Forwarded-For: <victim's address>`` from an attacker ends up left of
the attacker's real address). An incoming ``X-Request-ID`` is then accepted too: the proxy is
expected to set it (nginx: ``proxy_set_header X-Request-ID $request_id;``), overwriting any the
client sent.

A header shorter than N entries (the request skipped the outer proxies) yields its leftmost
entry, the address the first proxy on the way saw; no header at all yields ``REMOTE_ADDR``.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def proxy_count() -> int:
    return int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)


def _address(value: str) -> str | None:
    """'203.0.113.7', '203.0.113.7:51234', '[2001:db8::1]:443' -> the normalised address."""
    text = value.strip()
    if text.startswith("[") and "]" in text:  # [v6] or [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port (a bare v6 address has several colons)
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, for django-axes (AXES_CLIENT_IP_CALLABLE) and the audit log."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    hops = proxy_count()
    if hops <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry for entry in (part.strip() for part in header.split(",")) if entry]
    if not entries:
        return remote
    chosen = entries[-hops] if len(entries) >= hops else entries[0]
    # a trusted proxy writes addresses; anything else there means the chain is not what the
    # setting says, and the peer's own address is the only one known for certain
    return _address(chosen) or remote


def trusts_request_id() -> bool:
    """Whether an incoming X-Request-ID comes from a proxy of ours (and not from the client)."""
    return proxy_count() > 0
