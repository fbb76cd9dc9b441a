"""The registry of result sources: every list of interactions the dashboard pages through.

A source declares its name (its URL name, and its export's ``<name>.csv``), the label that
leads back to it from a detail page, its page template (which marks ``{% partialdef results %}``),
its form (URL -> validated query, see ``forms.py``), how it fetches one page and how it reads
every row for an export, and, for a source the local index can answer, how the index fetches
and reads it (used when its form says ``indexed``: the index is on and holds the period asked).
``views/results.py`` serves each source's page, htmx fragment and CSV
from this entry, ``urls.py`` routes them and ``navigation.py`` steps through them. Adding a
source is one entry here and one template.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import KW_ONLY, dataclass
from typing import Any

from django.urls import reverse

from .forms import FlaggedForm, ListForm, QuickFindForm, SearchForm
from .services.flagged_scan import flagged_list, flagged_rows
from .services.indexed import indexed_flagged, indexed_flagged_rows, indexed_list, indexed_rows
from .services.interactions import interaction_list, interaction_rows, interaction_search
from .services.quick_find import quick_find, quick_find_open, quick_find_rows
from .services.types import Interaction, ResultPage


@dataclass(frozen=True)
class Source:
    name: str  # its URL name; its template is interactions/<name>.html, its CSV <name>.csv
    label: str  # the way back to it from a detail page: "← <label>"
    form: Callable[..., Any]  # (query, *, tz, user) -> a result form (protocol in forms.py)
    fetch: Callable[..., ResultPage]  # service: (page=, limit=, **form.filters()) -> one page
    read: Callable[..., Iterator[Interaction]]  # service: (**form.filters()) -> every row
    _: KW_ONLY
    # (valid form) -> the id of the one interaction the query names, which the page opens
    opens: Callable[[Any], str | None] | None = None
    route: str | None = None  # its page below /interactions/ ("<name>/" unless given)
    waits: bool = False  # fetch takes wait=: its rows are gathered in the background
    audited: bool = False  # every valid page view is in the audit log (form.query_string())
    # the local index's fetch and read, for a form that is ``indexed`` (same arguments)
    index_fetch: Callable[..., ResultPage] | None = None
    index_read: Callable[..., Iterator[Interaction]] | None = None

    @property
    def url_route(self) -> str:
        return f"{self.name}/" if self.route is None else self.route

    @property
    def template(self) -> str:
        return f"interactions/{self.name}.html"

    @property
    def path(self) -> str:
        return reverse(f"interactions:{self.name}")

    def page(self, form: Any, wait: float) -> ResultPage:
        """One page of a valid form's query; ``wait``: seconds to wait for rows still being
        gathered (a source that ``waits`` answers with what it has by then)."""
        if self.index_fetch and getattr(form, "indexed", False):
            return self.index_fetch(**form.paging(), **form.filters())
        patience = {"wait": wait} if self.waits else {}
        return self.fetch(**form.paging(), **form.filters(), **patience)

    def opened(self, form: Any) -> str | None:
        """The interaction a valid form's query names, if the source opens one (quick find)."""
        return self.opens(form) if self.opens else None

    def rows(self, form: Any) -> Iterator[Interaction]:
        """Every row of a valid form's query, for the CSV export."""
        if self.index_read and getattr(form, "indexed", False):
            return self.index_read(**form.filters())
        return self.read(**form.filters())


def _by_name(*sources: Source) -> dict[str, Source]:
    return {source.name: source for source in sources}


SOURCES = _by_name(
    Source(
        "list",
        "All interactions",
        ListForm,
        interaction_list,
        interaction_rows,
        route="",
        index_fetch=indexed_list,
        index_read=indexed_rows,
    ),
    Source(
        "flagged",
        "Flagged",
        FlaggedForm,
        flagged_list,
        flagged_rows,
        waits=True,
        index_fetch=indexed_flagged,
        index_read=indexed_flagged_rows,
    ),
    Source("search", "Search", SearchForm, interaction_search, interaction_rows, audited=True),
    Source(
        "find",
        "Quick find",
        QuickFindForm,
        quick_find,
        quick_find_rows,
        audited=True,
        opens=lambda form: quick_find_open(text=form.cleaned_data["q"]),
    ),
)


def source_at(path: str) -> Source | None:
    """The source whose page lives at ``path`` (a detail page's ``from``), if any."""
    return next((s for s in SOURCES.values() if s.path == path), None)
