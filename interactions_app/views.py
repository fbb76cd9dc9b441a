"""Thin views: a form reads the URL, a service fetches, a template renders.

An htmx request aimed at ``#results`` gets only the results partial (table + pager, or the
upstream error); everything else gets the full page built around the same partial.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from . import export, live, services
from .audit import audit_record
from .cxengage.errors import NotFound
from .flag_overview import build_flag_overview
from .flags import flag_info
from .forms import FlaggedForm, SearchForm, TimeRangeForm, ZonePreferenceForm
from .navigation import interaction_neighbours
from .pii import can_see_pii, interaction_for_viewer
from .preferences import display_zone, preference_set_zone
from .rendering import attempt, cached_results, render_page
from .timeline import build_timeline


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@vary_on_headers("HX-Request")
def interaction_list(request: HttpRequest) -> HttpResponse:
    tenant, error = attempt(services.tenant_get)
    zone = display_zone(user=request.user, tenant=tenant)
    form = TimeRangeForm(request.GET, tz=zone.tz)
    results = cached = None
    if tenant and form.is_valid():
        cached = cached_results(request, zone)
        if cached is None:
            results, error = attempt(
                services.interaction_list, **form.paging(), **form.time_range()
            )
    context = {"form": form, "results": results, "error": error, "tenant": tenant, "zone": zone}
    context["results_html"] = cached
    return render_page(
        request, "interactions/list.html", context, invalid=bool(form.errors), cacheable=True
    )


@require_GET
@vary_on_headers("HX-Request")
def flagged_list(request: HttpRequest) -> HttpResponse:
    tenant, error = attempt(services.tenant_get)
    depth = settings.CXENGAGE["FLAGGED_SCAN_DEPTH"]
    zone = display_zone(user=request.user, tenant=tenant)
    form = FlaggedForm(request.GET, tz=zone.tz, default_depth=depth)
    flagged = cached = None
    if tenant and form.is_valid():
        cached = cached_results(request, zone)  # only finished scans are ever stored
    if tenant and form.is_valid() and cached is None:
        flagged, error = attempt(
            services.flagged_page,
            depth=form.cleaned_data["depth"],
            flag_filter=form.cleaned_data["flag"],
            wait=settings.CXENGAGE["FLAGGED_FIRST_PAINT_SECONDS"] if not request.htmx else 0.8,
            **form.paging(),
            **form.time_range(),
        )
    context = {
        "form": form,
        "overview": build_flag_overview(flagged.scan, tz=zone.tz) if flagged else None,
        "flagged": flagged,
        "results": flagged.page if flagged else None,
        "error": error,
        "tenant": tenant,
        "zone": zone,
        "results_html": cached,
        "empty_message": "No flagged interactions in the scanned range.",
    }
    finished = bool(flagged and flagged.scan.finished)
    return render_page(
        request,
        "interactions/flagged.html",
        context,
        invalid=bool(form.errors),
        cacheable=finished,
    )


@require_GET
@vary_on_headers("HX-Request")
def interaction_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    results = cached = None
    valid = form.submitted and form.is_valid()
    # the tenant's facts (cached) even for an empty form: the header names its zone
    tenant, error = attempt(services.tenant_get)
    zone = display_zone(user=request.user, tenant=tenant)
    if valid and tenant:
        attribute_values, hook_names = form.criteria()
        cached = cached_results(request, zone)
        if cached is None:
            results, error = attempt(
                services.interaction_search,
                attribute_values=attribute_values,
                hook_names=hook_names,
                **form.paging.paging(),
            )
        audit_record(request=request, action="search", query=form.query_string())
    context = {
        "form": form,
        "results": results,
        "error": error,
        "terms": form.terms if valid else set(),
    }
    context.update(
        tenant=tenant,
        zone=zone,
        results_html=cached,
        empty_message="No interactions match all of these conditions.",
        idle_hint="Enter a value and press Search.",
    )
    return render_page(
        request,
        "interactions/search.html",
        context,
        invalid=form.submitted and not valid,
        cacheable=True,
    )


@require_GET
@vary_on_headers("HX-Request")
def interaction_detail(request: HttpRequest, interaction_id: str) -> HttpResponse:
    try:
        interaction_id = str(uuid.UUID(interaction_id))
    except ValueError:
        return render(request, "interactions/bad_id.html", {"value": interaction_id}, status=400)
    tenant, error = attempt(services.tenant_get)
    interaction = None
    if tenant:
        interaction, error = attempt(services.interaction_get, interaction_id=interaction_id)
        interaction = interaction_for_viewer(interaction, request.user)  # masked by value
    if live.is_detail_poll(request):  # htmx refresh of an unfinished one: header and timeline
        return live.detail_fragment(request, interaction, tenant, error)
    if isinstance(error, NotFound):
        return render(
            request, "interactions/not_found.html", {"interaction_id": interaction_id}, status=404
        )
    zone = display_zone(user=request.user, tenant=tenant)
    context: dict[str, Any] = {
        "interaction": interaction,
        "tenant": tenant,
        "error": error,
        "zone": zone,
    }
    if interaction and tenant:
        audit_record(
            request=request,
            action="view_interaction",
            interaction_id=interaction_id,
            unmasked=can_see_pii(request.user),
        )
        context["timeline"] = build_timeline(interaction, tz=zone.tz, now=timezone.now())
        context["flag"] = flag_info(interaction.flag_type) if interaction.flagged else None
        context["nav"] = interaction_neighbours(
            origin=request.GET.get("from", ""), interaction_id=interaction_id, tenant=tenant
        )
    return render_page(request, "interactions/detail.html", context)


EXPORT_PAGES = {
    "list": "interactions/list.html",
    "flagged": "interactions/flagged.html",
    "search": "interactions/search.html",
}


@require_GET
def interaction_export(request: HttpRequest, source: str) -> HttpResponse:
    """Every row of the list, flagged or search page with this query, as a streamed CSV.

    The page's own form validates the query; an invalid one, or an upstream failure before the
    first row, answers like the page itself (form errors / friendly error, same status).
    """
    tenant, error = attempt(services.tenant_get)
    tz = tenant.tz if tenant else services.UTC
    rows = None
    if source == "search":
        form: Any = SearchForm(request.GET)
        valid = form.is_valid()
        if valid and tenant:
            attribute_values, hook_names = form.criteria()
            rows = export.interaction_export_rows(
                attribute_values=attribute_values, hook_names=hook_names
            )
    elif source == "flagged":
        depth = settings.CXENGAGE["FLAGGED_SCAN_DEPTH"]
        form = FlaggedForm(request.GET, tz=tz, default_depth=depth)
        valid = form.is_valid()
        if valid and tenant:
            rows = export.flagged_export_rows(
                depth=form.cleaned_data["depth"],
                flag_filter=form.cleaned_data["flag"],
                **form.time_range(),
            )
    else:
        form = TimeRangeForm(request.GET, tz=tz)
        valid = form.is_valid()
        if valid and tenant:
            rows = export.interaction_export_rows(**form.time_range())
    if rows is not None:
        rows, error = attempt(export.primed, rows=rows)  # the first page, before any byte
    if rows is None or tenant is None:
        # answer as the page itself would, so its form and "Try again" lead back to the page
        request.path = reverse(f"interactions:{source}")
        context = {"form": form, "results": None, "error": error, "tenant": tenant}
        if source == "search":
            context["terms"] = set()
        return render_page(request, EXPORT_PAGES[source], context, invalid=not valid)
    unmasked = can_see_pii(request.user)
    audit_record(
        request=request,
        action="export",
        query=f"{source}?{request.GET.urlencode()}",
        unmasked=unmasked,
    )
    return export.csv_response(
        rows,
        tenant=tenant,
        mask_pii=not unmasked,
        bom=export.wants_bom(request.GET.get("bom")),
        token=request.GET.get("token"),
        reference=getattr(request, "request_id", "-"),
        secure=request.is_secure(),
    )


@require_http_methods(["GET", "POST"])
def zone_preference(request: HttpRequest) -> HttpResponse:
    """Show times in the tenant's zone or the supervisor's own; stored on their profile."""
    tenant, _error = attempt(services.tenant_get)  # only for naming the tenant's zone
    zone = display_zone(user=request.user, tenant=tenant)
    initial = {"next": request.GET.get("next", ""), "mode": zone.mode}
    if not zone.is_tenant:
        initial["zone"] = zone.name
    form = ZonePreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        preference_set_zone(
            user=request.user, mode=form.cleaned_data["mode"], zone=form.cleaned_data["zone"]
        )
        target = form.cleaned_data["next"]
        safe = url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return redirect(target if target and safe else "interactions:list")
    context = {"form": form, "zone": zone, "tenant": tenant}
    status = 400 if form.errors else 200
    return render(request, "interactions/zone_preference.html", context, status=status)
