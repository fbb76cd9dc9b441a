"""Live refresh of unfinished interactions (``dataComplete: false``): the polling schedule.

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


def live_row_ids(items: Iterable) -> frozenset[str]:
    """The ids of the rows of a table that poll: the first ``MAX_LIVE_ROWS`` unfinished ones."""
    ids: list[str] = []
    for item in items:
        if item.in_progress:
            ids.append(item.id)
            if len(ids) == MAX_LIVE_ROWS:
                break
    return frozenset(ids)
