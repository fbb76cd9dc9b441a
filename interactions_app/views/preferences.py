"""The time zone pages show times in: the tenant's, or the supervisor's own (on their profile)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from ..forms import ZonePreferenceForm
from ..preferences import preference_set_zone
from .base import viewer


@require_http_methods(["GET", "POST"])
def zone_preference(request: HttpRequest) -> HttpResponse:
    tenant, zone, _error = viewer(request)  # the tenant only names its zone here
    own_zone = "" if zone.is_tenant else zone.name
    form = ZonePreferenceForm(
        request.POST or None, mode=zone.mode, zone=own_zone, next_url=request.GET.get("next", "")
    )
    if request.method == "POST" and form.is_valid():
        preference_set_zone(user=request.user, **form.preference())
        return redirect(_safe_next(request, form.cleaned_data["next"]))
    context = {"form": form, "zone": zone, "tenant": tenant}
    status = 400 if form.errors else 200
    return render(request, "interactions/zone_preference.html", context, status=status)


def _safe_next(request: HttpRequest, target: str) -> str:
    """Back where the toggle was clicked, if that is this site; else the list."""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else "interactions:list"
