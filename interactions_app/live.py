"""Live refresh of unfinished interactions (``dataComplete: false``): the polling schedule.

A table row whose list item does not say (no ``dataComplete``, as in the reference's list
samples) and has no end polls too: its first answer comes from the interaction itself, which
does say, and a finished one stops there (``may_be_live``).

The detail page's header and timeline, and each of the first ``MAX_LIVE_ROWS`` live rows of a
table, poll with htmx while the interaction is unfinished: ``hx-trigger="every Ns"`` on the region
itself, swapped ``outerHTML`` with what the server renders for ``?poll=n``. The interval backs off
(5, 10, 20, 40, then 60 s) because each answer carries the next trigger; a finished interaction's
answer carries none, which stops the polling. ``static/js/app.js`` cancels polls while the tab is
hidden and fires ``live-resume`` when it is shown again (CSP forbids htmx's eval'd filters).

The polls are answered by ``views/detail.py``; the attributes are written by the
``live_refresh`` template tags. Every fetch goes through ``services.interaction_get``, which never
caches unfinished interactions.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from .services.types import Interaction

FIRST_SECONDS = 5.0  # settings.LIVE_REFRESH_FIRST_SECONDS overrides it (tests use 1)
MAX_SECONDS = 60.0
MAX_POLL = 20  # the counter stops growing once the interval is capped anyway
MAX_LIVE_ROWS = 25  # a table polls at most this many rows (the most recent live ones)
MAX_TERMS = 20  # search terms a polled row keeps highlighting
# ``poll`` and ``term`` are read by forms.DetailQueryForm


def poll_interval(poll: int) -> float:
    """Seconds until the next refresh after ``poll`` refreshes: 5, 10, 20, 40, 60, 60…"""
    first = float(getattr(settings, "LIVE_REFRESH_FIRST_SECONDS", FIRST_SECONDS))
    return min(MAX_SECONDS, first * 2 ** min(poll, MAX_POLL))


def may_be_live(item: Interaction) -> bool:
    """Unfinished, or perhaps: a list item need not say whether it is finished (no
    ``dataComplete``), and one without an end may still be running. Its row polls once, and
    the answer (the interaction itself, which says) keeps polling or stops."""
    return item.in_progress or (not item.completeness_known and item.end is None)


def live_row_ids(items: Iterable[Interaction]) -> frozenset[str]:
    """The ids of the rows of a table that poll: the first ``MAX_LIVE_ROWS`` that may be live."""
    ids: list[str] = []
    for item in items:
        if may_be_live(item):
            ids.append(item.id)
            if len(ids) == MAX_LIVE_ROWS:
                break
    return frozenset(ids)
