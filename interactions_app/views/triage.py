"""A flagged interaction's triage: the detail page's panel (reviewed, note, owner) and the route
it posts to. Only a flagged interaction is triaged, only by whoever may (``triage.can_triage``);
every change is in the audit log. With htmx the panel swaps itself; without, the post redirects
back to the detail page (POST, redirect, GET)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ..audit import audit_record
from ..local_forms import FlagReviewForm
from ..models import AuditEvent
from ..services import interaction_get
from ..triage import ReviewChange, can_triage, review_get, review_save
from .base import attempt, respond, viewer

PANEL = "interactions/partials/_triage.html"
PAGE = "interactions/triage.html"  # the panel alone, when a post without htmx is refused


def panel_context(
    request: HttpRequest, interaction_id: str, form: FlagReviewForm | None = None, **extra: Any
) -> dict[str, Any]:
    """What the panel shows: the review so far, the form to change it (if the viewer may)."""
    review = review_get(interaction_id=interaction_id)
    if form is None:
        initial = {"note": review.note, "owner": review.owner_id} if review else {}
        form = FlagReviewForm(initial={**initial, "next": request.get_full_path()})
    return {
        "review": review,
        "review_form": form,
        "can_triage": can_triage(request.user),
        "interaction_id": interaction_id,
        **extra,
    }


@require_http_methods(["POST"])
def flag_review(request: HttpRequest, interaction_id: str) -> HttpResponse:
    form = FlagReviewForm(request.POST)
    if not can_triage(request.user):
        return _panel(request, interaction_id, form, status=403, refused=True)
    interaction, error = attempt(interaction_get, interaction_id=interaction_id)
    not_flagged = interaction is not None and not interaction.flagged
    if error or not_flagged or not form.is_valid():
        return _panel(
            request, interaction_id, form, status=400, error=error, not_flagged=not_flagged
        )
    saved = review_save(interaction_id=interaction_id, user=request.user, **form.review())
    _audit(request, interaction_id, saved)
    return _saved(request, interaction_id, form, saved)


def _panel(
    request: HttpRequest, interaction_id: str, form: FlagReviewForm, *, status: int, **extra: Any
) -> HttpResponse:
    context = panel_context(request, interaction_id, form, zone=viewer(request)[1], **extra)
    return respond(request, PANEL if request.htmx else PAGE, context, status=status)


def _saved(
    request: HttpRequest, interaction_id: str, form: FlagReviewForm, saved: ReviewChange
) -> HttpResponse:
    said = "; ".join(saved.changes) or "nothing changed"
    if request.htmx:
        fresh = FlagReviewForm(initial={**form.cleaned_data, "owner": form.cleaned_data["owner"]})
        context = panel_context(request, interaction_id, fresh, said=said, zone=viewer(request)[1])
        return respond(request, PANEL, context)
    messages.success(request, f"Triage saved: {said}.")
    return redirect(_back(interaction_id, form.cleaned_data["next"]))


def _back(interaction_id: str, target: str) -> str:
    """The detail page the panel was on (with its ``from``), never anywhere else."""
    detail = reverse("interactions:detail", args=[interaction_id])
    ours = target.isprintable() and (target == detail or target.startswith(f"{detail}?"))
    return target if ours else detail


def _audit(request: HttpRequest, interaction_id: str, saved: ReviewChange) -> None:
    if saved.changes:
        audit_record(
            request=request,
            action=AuditEvent.Action.TRIAGE_FLAG,
            interaction_id=interaction_id,
            query="; ".join(saved.changes),
        )
