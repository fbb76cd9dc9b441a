"""The registry of result sources: every list of interactions the dashboard pages through.

A source declares its name (its URL name, and its export's ``<name>.csv``), the label that
leads back to it from a detail page, its page template (which marks ``{% partialdef results %}``),
its form (URL -> validated query, see ``forms.py``), how it fetches one page and how it reads
every row for an export. ``views/results.py`` serves each source's page, htmx fragment and CSV
from this entry, ``urls.py`` routes them and ``navigation.py`` steps through them. Adding a
source is one entry here and one template.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from .forms import FlaggedForm, SearchForm, TimeRangeForm
from .services import flagged_scan, interactions
from .services.types import Interaction, ResultPage

# (form, seconds the request may wait for results still being gathered) -> one page
PageFetch = Callable[[Any, float], ResultPage]


@dataclass(frozen=True, kw_only=True)
class Source:
    name: str
    route: str  # its page, below /interactions/
    label: str
    template: str
    form: Callable[..., Any]  # (query, *, tz) -> a result form (forms.py)
    page: PageFetch
    rows: Callable[[Any], Iterator[Interaction]]  # (form) -> every row, for the CSV export
    empty_message: str = "No interactions match."
    audit_action: str = ""  # recorded for every valid page view (the query is in the log)

    @property
    def path(self) -> str:
        return reverse(f"interactions:{self.name}")


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            name="list",
            route="",
            label="All interactions",
            template="interactions/list.html",
            form=TimeRangeForm,
            page=lambda form, wait: interactions.interaction_list(
                **form.paging(), **form.filters()
            ),
            rows=lambda form: interactions.interaction_rows(**form.filters()),
        ),
        Source(
            name="flagged",
            route="flagged/",
            label="Flagged",
            template="interactions/flagged.html",
            form=FlaggedForm,
            page=lambda form, wait: flagged_scan.flagged_list(
                **form.paging(), **form.filters(), wait=wait
            ),
            rows=lambda form: flagged_scan.flagged_rows(**form.filters()),
            empty_message="No flagged interactions in the scanned range.",
        ),
        Source(
            name="search",
            route="search/",
            label="Search",
            template="interactions/search.html",
            form=SearchForm,
            page=lambda form, wait: interactions.interaction_search(
                **form.paging(), **form.filters()
            ),
            rows=lambda form: interactions.interaction_rows(**form.filters()),
            empty_message="No interactions match all of these conditions.",
            audit_action="search",
        ),
    )
}


def source_at(path: str) -> Source | None:
    """The source whose page lives at ``path`` (a detail page's ``from``), if any."""
    return next((s for s in SOURCES.values() if s.path == path), None)
