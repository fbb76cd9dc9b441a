"""The rows of a results table, rendered by Jinja2 (Django's Jinja2 backend, ``TEMPLATES[1]``).

A table row is the one partial a page renders up to a thousand times: the Django engine spends
~0.15 ms on each (a 1000-row page: ~150 ms before its first byte), Jinja2, which compiles a
template to Python, a fraction of that. The row is ``templates/jinja2/interactions/partials/
_row.html``; the Django templates place the rows with ``{% table_rows results.items %}``, and the
row endpoint (``views/detail.py``) renders the same file by its name.

The environment escapes every printed value as the Django engine does (``conditional_escape``:
the same entities; ``__html__`` values such as ``format_html``'s are kept), in its ``finalize``,
and offers the row the same filters as ``interactions`` and ``live_refresh``: nothing here marks
upstream text safe.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote

from django import template
from django.template import engines
from django.template.defaultfilters import truncatechars
from django.templatetags.tz import do_timezone
from django.urls import reverse
from django.utils import dateformat
from django.utils.dates import MONTHS_3
from django.utils.timezone import template_localtime
from django.utils.translation import get_language
from jinja2 import Environment
from markupsafe import Markup

from interactions_app import live

from . import interactions as filters
from .live_refresh import live_row_attrs
from .triage import review_for

register = template.Library()

ROWS = "interactions/partials/_rows.html"  # the loop over a page's rows (Jinja2)
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SAMPLE_ID = "00000000-0000-0000-0000-000000000000"


@register.simple_tag(takes_context=True)
def table_rows(context: template.Context, items: Sequence[Any]) -> Markup:
    """Every row of ``items`` (``_row.html`` each), for the table of the page in ``context``."""
    rows = engines["jinja2"].get_template(ROWS).template  # the compiled Jinja2 template
    # the environment escaped every value it printed (``_escaped``): the rows are our markup
    return Markup(  # noqa: S704
        rows.render(
            items=items,
            tz=context.get("tz"),
            icons=context.get("icons"),
            here=context.get("here") or "",
            terms=context.get("terms") or (),
            poll=context.get("poll"),
            can_see_pii=context.get("can_see_pii", False),
            review_column=context.get("review_column", False),
            reviews=context.get("reviews") or {},
            live_ids=live.live_row_ids(items),
            detail_link=DetailLinks(),
        )
    )


class DetailLinks:
    """``{% url 'interactions:detail' id %}?from=<here>``, as the Django row built it, with the
    route reversed once per table instead of once per row."""

    def __init__(self) -> None:
        sample = reverse("interactions:detail", args=[_SAMPLE_ID])
        self.before, _, self.after = sample.partition(_SAMPLE_ID)

    def __call__(self, interaction_id: str, here: str) -> str:
        if _CANONICAL_UUID.fullmatch(interaction_id):
            path = f"{self.before}{interaction_id}{self.after}"
        else:
            path = reverse("interactions:detail", args=[interaction_id])
        return f"{path}?from={quote(here or '', safe='')}"


_MONTHS: dict[str | None, tuple[str, ...]] = {}


def when(value: datetime | None, tz: tzinfo) -> str:
    """``value|timezone:tz|date:"M j, H:i:s"`` of the Django engine, without its date formatter
    (~20 µs a call): the month's translated abbreviation, the day, the time."""
    if isinstance(value, datetime) and value.tzinfo is not None and isinstance(tz, tzinfo):
        local = value.astimezone(tz)  # what do_timezone does with an aware moment
    else:
        local = do_timezone(value, tz)
    if not isinstance(local, datetime):
        return ""
    language = get_language()
    months = _MONTHS.get(language)
    if months is None:
        months = _MONTHS[language] = ("", *(str(MONTHS_3[m]).title() for m in range(1, 13)))
    return f"{months[local.month]} {local.day}, {local:%H:%M:%S}"


def iso_moment(value: datetime) -> str:
    """``value|date:'c'`` of the Django engine (in the current time zone, as it shows it)."""
    return dateformat.format(template_localtime(value), "c")


def short_when(value: datetime, tz: tzinfo) -> str:
    """``value|timezone:tz|date:"M j, H:i"`` of the Django engine (a triage cell's moment)."""
    return dateformat.format(do_timezone(value, tz), "M j, H:i")


def _escaped(value: Any) -> str:
    """What ``{{ value }}`` prints: Django's ``conditional_escape`` (its entities, ``&#x27;``
    and ``&quot;``; values with ``__html__`` as they are), without its lazy-string wrapper,
    which costs more than the escaping on a 1000-row table."""
    if type(value) is str:
        return html.escape(value)
    if hasattr(value, "__html__"):
        return value.__html__()  # safe already: format_html's, ours
    return html.escape(str(value))


def environment(**options: Any) -> Environment:
    """The Jinja2 environment of ``TEMPLATES[1]`` (settings/base.py)."""
    # Every printed value is escaped by ``finalize`` (``_escaped``: Django's escaping, once);
    # Jinja2's own autoescape would escape what it returns a second time, so it stays off.
    # tests/reliability/test_fuzz.py renders these rows with hostile upstream text.
    options.pop("autoescape", None)
    env = Environment(
        autoescape=False,  # noqa: S701 (escaping is finalize's, see above)
        finalize=_escaped,
        keep_trailing_newline=True,
        **options,
    )
    env.filters.update(
        {
            "when": when,
            "duration": filters.duration,
            "channel_label": filters.channel_label,
            "channel_icon": filters.channel_icon,
            "flag_label": filters.flag_label,
            "flag_explanation": filters.flag_explanation,
            "pii": filters.pii,
            "first_and_more": filters.first_and_more,
            "matches": filters.matches,
            "review_for": review_for,
            "iso_moment": iso_moment,
            "short_when": short_when,
            "truncatechars": truncatechars,
        }
    )
    env.globals.update({"live_row_attrs": live_row_attrs, "detail_links": DetailLinks})
    return env
