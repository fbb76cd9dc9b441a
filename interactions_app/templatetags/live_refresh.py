"""Template side of live refresh (see interactions_app/live.py): which rows poll, and how."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html

from interactions_app import live

register = template.Library()


@register.filter
def live_row_ids(items: Iterable) -> frozenset[str]:
    return live.live_row_ids(items)


def _attrs(path: str, query: list[tuple[str, object]], poll: int) -> str:
    seconds = live.poll_interval(poll)
    return format_html(
        ' hx-get="{}" hx-trigger="every {}s, live-resume from:document" hx-swap="outerHTML"'
        ' hx-target="this" hx-sync="this:drop" data-live-poll="{}"',
        f"{path}?{urlencode(query)}",
        f"{seconds:g}",
        f"{seconds:g}",
    )


@register.simple_tag
def live_interval(poll: int | None) -> str:
    """Seconds until the next refresh after ``poll`` refreshes, as the page says it: "10"."""
    return f"{live.poll_interval(poll or 0):g}"


@register.simple_tag
def live_detail_attrs(interaction_id: str, poll: int | None) -> str:
    """htmx polling attributes for the detail page's live region after ``poll`` refreshes."""
    poll = poll or 0
    path = reverse("interactions:detail", args=[interaction_id])
    return _attrs(path, [("poll", poll + 1)], poll)


@register.simple_tag
def live_row_attrs(
    interaction_id: str, poll: int | None, origin: str = "", terms: Iterable[str] = ()
) -> str:
    """htmx polling attributes for a live table row after ``poll`` refreshes."""
    poll = poll or 0
    query: list[tuple[str, object]] = [("poll", poll + 1)]
    if origin:
        query.append(("from", origin))
    query.extend(("term", term) for term in sorted(terms or ())[: live.MAX_TERMS])
    return _attrs(reverse("interactions:row", args=[interaction_id]), query, poll)
