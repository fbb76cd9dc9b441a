"""Saved views: the page that lists them (yours to rename, share or delete; others' shared ones
to open), the form that saves the page you are on, and the routes that change one of yours.

Someone else's view is never changed here: not seeing it is a 404, seeing it shared (read-only)
and asking to change it a 403 (``saved_views.saved_view_get``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..local_forms import SavedViewForm
from ..models import SavedView
from ..saved_views import saved_view_get, saved_view_menu, url_problem

LIST = "interactions/saved_views.html"
NEW = "interactions/saved_view_new.html"


def _list(request: HttpRequest, *, failed: SavedViewForm | None = None) -> HttpResponse:
    """The list, with a rename form per own view (``failed``: one that did not validate)."""
    menu = saved_view_menu(user=request.user)
    own = [
        (view, failed if failed and failed.pk == view.pk else _rename_form(request, view))
        for view in menu.own
    ]
    context = {"own": own, "shared": menu.shared}
    return render(request, LIST, context, status=400 if failed else 200)


def _rename_form(request: HttpRequest, view: SavedView) -> SavedViewForm:
    initial = {"name": view.name, "shared": view.shared}
    return SavedViewForm(user=request.user, pk=view.pk, initial=initial, prefix=f"v{view.pk}")


@require_http_methods(["GET"])
def saved_view_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


@require_http_methods(["GET", "POST"])
def saved_view_new(request: HttpRequest) -> HttpResponse:
    """Save the page that ``?url=`` names (its "Save view" link) under a name."""
    url, host = request.POST.get("url") or request.GET.get("url", ""), request.get_host()
    form = SavedViewForm(request.POST or None, user=request.user, host=host, initial={"url": url})
    if request.method == "POST" and form.is_valid():
        view = SavedView.objects.create(owner=request.user, **form.cleaned_data)
        messages.success(request, f"Saved the view “{view.name}”: it is in the Views menu.")
        return redirect(view.url)
    problem = url_problem(url, host=host)
    context = {"form": form, "url": url, "problem": problem}
    return render(request, NEW, context, status=400 if form.errors or problem else 200)


@require_http_methods(["POST"])
def saved_view_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename one of your views, or share it with everyone (or stop)."""
    view = saved_view_get(user=request.user, pk=pk, change=True)
    form = SavedViewForm(request.POST, user=request.user, pk=view.pk, prefix=f"v{view.pk}")
    if not form.is_valid():
        return _list(request, failed=form)
    view.name, view.shared = form.cleaned_data["name"], form.cleaned_data["shared"]
    view.save(update_fields=["name", "shared", "updated"])
    messages.success(request, f"Saved the view “{view.name}”.")
    return redirect("saved_views")


@require_http_methods(["POST"])
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = saved_view_get(user=request.user, pk=pk, change=True)
    view.delete()
    messages.success(request, f"Deleted the view “{view.name}”.")
    return redirect("saved_views")
