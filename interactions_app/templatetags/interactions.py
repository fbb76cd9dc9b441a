"""Presentation filters. None of them marks anything safe: upstream text stays escaped."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Collection
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.utils.safestring import SafeString

from interactions_app import record_fields, timeline
from interactions_app.cxengage.models import Hook
from interactions_app.flag_overview import (
    FlagOverview,
    build_flag_overview,
    flag_overview_of_counts,
)
from interactions_app.flags import flag_info
from interactions_app.pii import Masked, mask_contact, mask_raw
from interactions_app.record_fields import OtherField
from interactions_app.services.types import FlaggedScan, Interaction
from interactions_app.timeline import format_duration

register = template.Library()

CHANNELS = {
    "voice": "Voice",
    "sms": "SMS",
    "email": "Email",
    "messaging": "Messaging",
    "work-item": "Work item",
}


@register.filter
def duration(seconds: float | None) -> str:
    # inf, nan or 1e308 would overflow format_duration's arithmetic: show nothing instead
    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or abs(seconds) > 1e12:
        return ""
    return format_duration(seconds)


@register.filter
def channel_label(channel: str | None) -> str:
    if not channel:
        return "Unknown"
    return CHANNELS.get(channel.lower(), channel)


@register.filter
def channel_icon(channel: str | None) -> str:
    """The id of the icon symbol in static/img/icons.svg."""
    key = (channel or "").lower()
    return key if key in CHANNELS else "unknown"


@register.filter
def flag_label(flag_type: str | None) -> str:
    return flag_info(flag_type).label


@register.filter
def flag_explanation(flag_type: str | None) -> str:
    return flag_info(flag_type).explanation


@register.filter
def flag_overview(scan: FlaggedScan, tz: tzinfo) -> FlagOverview:
    """The flagged page's chart of ``scan``: counts by flag type and by day in ``tz``."""
    return build_flag_overview(scan, tz=tz)


@register.filter
def indexed_flag_overview(results: Any) -> FlagOverview:
    """The flagged page's chart from the index's counts over the whole period (an
    ``IndexedFlaggedPage``: its days are already in the viewer's zone)."""
    per_day = {d.day: d.counts for d in results.days}
    return flag_overview_of_counts(results.counts, per_day)


@register.filter
def crm_search(hook: Hook) -> str:
    """The search page's query for every interaction linked to this CRM record; '' when the
    record's id is masked for this viewer (a masked id would find nothing)."""
    if not hook.hook_id or isinstance(hook.hook_id, Masked):
        return ""
    query = [("kind", "crm"), ("value", hook.hook_id)]
    query += [(k, v) for k, v in (("crm", hook.hook_type), ("record-type", hook.sub_type)) if v]
    return urlencode(query)


@register.filter
def linked_by(hook: Hook, interaction: Interaction) -> str:
    """The name of the agent who linked a CRM record to ``interaction``, or ''."""
    return timeline.linked_by(interaction, hook) or ""


@register.filter
def other_fields(interaction: Interaction) -> tuple[OtherField, ...]:
    """The fields of ``interaction`` no section of the detail page shows (record_fields.py)."""
    return record_fields.other_fields(interaction)


@register.filter
def zone_abbr(value: datetime | None, tz: tzinfo) -> str:
    """'EST (UTC-05:00)' for a moment in a zone: the name a supervisor reads next to a time."""
    if value is None:
        return ""
    local = value.astimezone(tz)
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{local.tzname()} (UTC{sign}{hours:02d}:{mins:02d})"


@register.filter
def wall_clock(value: datetime | None, tz: tzinfo) -> str | None:
    """A moment as a time-range field's value in ``tz`` ("2026-11-24T09:30"); None for none."""
    return value.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if value else None


@register.filter
def matches(value: str | None, terms: Collection[str]) -> bool:
    return bool(value) and value.casefold() in terms


@register.filter
def crm_link(hook: Hook) -> str:
    """The https link to a CRM record, only from a template the operator configured for its CRM
    (``CXENGAGE_CRM_LINKS``); '' otherwise. The upstream sends no URL, and none is followed."""
    return hook.link(settings.CXENGAGE["CRM_LINKS"]) or ""


MAX_JSON_STRING = 10_000  # a 21 MB debug string must not become a 21 MB page


def _abbreviated(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_JSON_STRING:
        hidden = len(value) - MAX_JSON_STRING
        return f"{value[:MAX_JSON_STRING]}… [{hidden:,} more characters not shown]"
    if isinstance(value, dict):
        return {key: _abbreviated(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_abbreviated(item) for item in value]
    return value


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON for reading; strings past MAX_JSON_STRING characters are cut short."""
    return json.dumps(
        _abbreviated(value), indent=2, ensure_ascii=False, sort_keys=True, default=str
    )


@register.filter
def pii(value: str | None, allowed: bool) -> str | None:
    """The customer's address, masked unless the viewer holds view_customer_pii."""
    return value if allowed else mask_contact(value)


@register.filter
def pii_raw(data: Any, allowed: bool) -> Any:
    """Decoded JSON (or one value of it) masked by value unless the viewer holds
    view_customer_pii: the customer's identifier and every phone/email shape (pii.py)."""
    return data if allowed else mask_raw(data)


NO_NAMES = SafeString('<span class="muted">—</span>')  # a constant of ours, nothing from upstream


def _format_html(format_string: str, *args: Any) -> SafeString:
    """``format_html`` for plain arguments: each escaped as ``conditional_escape`` escapes it,
    without the lazy-string wrapper that costs more than the escaping in a 1000-row table."""
    escaped = (
        arg.__html__() if hasattr(arg, "__html__") else html.escape(str(arg)) for arg in args
    )
    return SafeString(format_string.format(*escaped))


@register.filter
def first_and_more(names: tuple[str, ...] | list[str]) -> str:
    """'Support +2': the first name, and the others behind a ``<details>`` that opens with a
    tap, a click or the keyboard and reads "+2 more" to a screen reader (a title alone
    reaches neither touch nor screen readers); every name is also in the title for a mouse.
    _format_html escapes each upstream name.

    A filter rather than an include: a 1000-row table calls it 2000 times.
    """
    if not names:
        return NO_NAMES
    everyone = ", ".join(names)
    if len(names) == 1:
        return _format_html('<span title="{}">{}</span>', everyone, names[0])
    others = len(names) - 1
    return _format_html(
        '<span title="{}">{}</span> <details class="more" title="{}">'
        '<summary aria-label="+{} more">+{}</summary><span class="more-names">{}</span></details>',
        everyone,
        names[0],
        everyone,
        others,
        others,
        ", ".join(names[1:]),
    )
