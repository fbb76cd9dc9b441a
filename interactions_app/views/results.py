"""One view for every result source (``sources.py``): its page, its htmx fragment, its CSV.

The results region is the ``results`` partial of the source's template
(``{% partialdef results %}``). It is rendered once per request, or taken from the HTML cache
(``caching.html``), and the page embeds it; an htmx request aimed at ``#results`` gets the region
alone. When the form itself must be drawn again (it has errors, or a search condition was added
or removed) htmx gets the whole page and is told to swap ``#main`` instead, so every field shows
its own error. The CSV export reads the same form; refused (its form, or the export caps of
``services.exports``) or failed before its first row, it answers as the page would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reselect, reswap, retarget

from ..audit import audit_record
from ..caching.html import Region, Rendered, around, cached_partial
from ..export import csv_response, primed, wants_bom
from ..pii import can_see_pii
from ..services.exports import export_admit
from ..services.types import Interaction
from ..sources import SOURCES, Source
from .base import answer, attempt, htmx_partial, respond, viewer

HTMX_POLL_WAIT = 0.8  # seconds an htmx refresh waits for results still being gathered
ID = "00000000-0000-4000-8000-000000000000"  # where a CSV row's link puts its id


class Results:
    """One request for a source's results: the viewer, the form, and what the page shows."""

    def __init__(self, request: HttpRequest, source: Source, *, export: bool = False) -> None:
        self.request, self.source = request, source
        self.tenant, self.zone, self.error = viewer(request)
        self.form = source.form(request.GET, tz=self.zone.tz, user=request.user)
        asked = export or self.form.submitted  # an empty search page is idle, not wrong
        self.valid = asked and self.form.is_valid()
        self.invalid = asked and not self.valid
        self.query = self.form.canonical_query() if self.valid else QueryDict()
        self.results = None
        self.held = None  # an export's pass (services.exports), once admitted

    def opened(self) -> str | None:
        """The interaction the query names, if the source opens one; an upstream failure
        becomes the page's error."""
        opened, error = attempt(self.source.opened, self.form)
        self.error = self.error or error
        return opened

    @property
    def ready(self) -> bool:
        """A valid query, a tenant and no failure so far: the upstream may be asked."""
        return self.valid and self.tenant is not None and self.error is None

    def context(self, **extra: Any) -> dict[str, Any]:
        query = self.query.urlencode()
        return {
            "source": self.source,
            "form": self.form,
            "query": self.query,  # every link of the results is built from it
            "here": f"{self.source.path}?{query}" if query else self.source.path,
            "terms": self.form.terms if self.valid else frozenset(),
            "results": self.results,
            "error": self.error,
            "tenant": self.tenant,
            "zone": self.zone,
            **extra,
        }

    def render_region(self) -> Rendered:
        if self.ready and self.results is None:
            wait = settings.CXENGAGE["FLAGGED_FIRST_PAINT_SECONDS"]
            wait = HTMX_POLL_WAIT if self.request.htmx else wait
            self.results, self.error = attempt(self.source.page, self.form, wait)
        html = render_to_string(
            f"{self.source.template}#results", self.context(), request=self.request
        )
        return Rendered(html, keep=bool(self.results and self.results.complete))

    def region(self) -> Region:
        if not self.ready:
            return Region(self.render_region().html)
        # a preset ("last hour") names a range that moves: what it resolved to is in the key
        vary = (
            self.query.urlencode(),
            self.zone.name,
            repr(self.form.filters()),
            *getattr(self.form, "cache_vary", tuple)(),
        )
        return cached_partial(self.request, self.render_region, vary=vary)

    def rows(self) -> Iterator[Interaction] | None:
        """Every row with the first already read, if the export caps admit one more (a refusal
        or a failure there is the page's error)."""
        if not self.ready:
            return None
        self.held, self.error = attempt(export_admit, user_id=self.request.user.pk)
        if self.held is None:
            return None
        try:
            rows, self.error = attempt(primed, rows=self.source.rows(self.form))
        except BaseException:
            self.held.release()
            raise
        if rows is None:
            self.held.release()
        return rows

    def download(self, rows: Iterator[Interaction]) -> HttpResponse:
        """The streamed CSV of ``rows``, masked unless the viewer may see customers; audited."""
        request, unmasked = self.request, can_see_pii(self.request.user)
        query = f"{self.source.name}?{self.query.urlencode()}"  # what the form read, only
        audit_record(request=request, action="export", query=query, unmasked=unmasked)
        response = csv_response(
            rows,
            tenant=self.tenant,
            mask_pii=not unmasked,
            bom=wants_bom(request.GET.get("bom")),
            token=request.GET.get("token"),
            reference=getattr(request, "request_id", "-"),
            secure=request.is_secure(),
            detail_link=self.detail_link(),
        )
        response.streaming_content = self.held.over(response.streaming_content)
        return response

    def detail_link(self) -> str:
        """The absolute URL of a detail page with ``{id}`` for its id (a CSV row's link)."""
        url = self.request.build_absolute_uri(reverse("interactions:detail", args=[ID]))
        return url.replace(ID, "{id}")

    def reply(self, region: Region, *, whole: bool = False) -> HttpResponse:
        """The page around ``region`` (or the region alone, for htmx); a region kept compressed
        goes out as the cache holds it (``caching.html.around``)."""
        status = 400 if self.invalid else 200
        asked_for_region = not whole and htmx_partial(self.request) == "results"
        if asked_for_region and not (self.invalid or self.form.reshaped):
            return answer(around(region, HttpResponse), self.error, status=status)
        template, request = self.source.template, self.request
        response = around(
            region,
            lambda html: respond(request, template, self.context(region=html), status=status),
        )
        if asked_for_region:  # the form changed: htmx swaps the whole of #main
            reswap(reselect(retarget(response, "#main"), "#main"), "outerHTML")
        return response


@require_GET
@vary_on_headers("HX-Request")
def results(request: HttpRequest, source: Source) -> HttpResponse:
    """A source's page, or its ``#results`` region for htmx; a search is audited."""
    page = Results(request, source)
    if page.ready and source.audited:
        audit_record(request=request, action="search", query=page.form.query_string())
    opened = page.ready and page.opened()
    if opened:  # the query names one interaction (quick find by id): open it
        return redirect("interactions:detail", interaction_id=opened)
    return page.reply(page.region())


@require_GET
def export(request: HttpRequest, source: str) -> HttpResponse:
    """Every row of a source's query as a streamed CSV (``export.py`` writes it)."""
    page = Results(request, SOURCES[source], export=True)
    rows = page.rows()
    if rows is None:  # answer as the page would, so its form and "Try again" lead back there
        request.path = page.source.path
        return page.reply(page.region(), whole=True)
    return page.download(rows)
