"""Saved views: a named result page (its path and query string, as they were) per user, which
its owner may share with everyone signed in. Others read a shared view; only its owner renames,
re-shares or deletes it.

Only a local result page may be saved (``local_result_url``): the path of a registered result
source (``sources.py``) and its query string, never another host, a scheme (``javascript:``) or
a protocol-relative ``//host``, so a saved view's link cannot lead anywhere but the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from .forms import reject_control_characters
from .models import SavedView
from .sources import source_at

MAX_URL_LENGTH = 2000
NOT_A_RESULT_PAGE = (
    "Only a page of this dashboard's results can be saved: all interactions, flagged, search "
    "or quick find, with its filters."
)


def local_result_url(value: str, *, host: str = "") -> str:
    """``value`` as a local result page (path and query string), or ``ValidationError``.

    A full address of this very site (``host``) is accepted and kept as its path and query; the
    fragment is dropped."""
    value = (value or "").strip()
    if not value:
        raise ValidationError("There is no page to save.")
    reject_control_characters(value)
    if len(value) > MAX_URL_LENGTH or "\\" in value:
        raise ValidationError(NOT_A_RESULT_PAGE)
    parts = urlsplit(value)
    ours = parts.scheme in ("http", "https") and host and parts.netloc == host
    if (parts.scheme or parts.netloc) and not ours:
        raise ValidationError(NOT_A_RESULT_PAGE)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        raise ValidationError(NOT_A_RESULT_PAGE)
    if source_at(parts.path) is None:
        raise ValidationError(NOT_A_RESULT_PAGE)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@dataclass(frozen=True)
class ViewMenu:
    """What the header's Views menu lists for one user."""

    own: tuple[SavedView, ...]
    shared: tuple[SavedView, ...]  # other people's, shared with everyone

    def __bool__(self) -> bool:
        return bool(self.own or self.shared)


def saved_views_visible(*, user: Any) -> QuerySet[SavedView]:
    """The views ``user`` may open: their own and everyone's shared ones."""
    return SavedView.objects.filter(Q(owner_id=user.pk) | Q(shared=True)).select_related("owner")


def saved_view_menu(*, user: Any) -> ViewMenu:
    if not getattr(user, "is_authenticated", False):
        return ViewMenu((), ())
    views = list(saved_views_visible(user=user))
    return ViewMenu(
        own=tuple(v for v in views if v.owner_id == user.pk),
        shared=tuple(v for v in views if v.owner_id != user.pk),
    )


def saved_view_get(*, user: Any, pk: int, change: bool = False) -> SavedView:
    """The view ``pk`` as ``user`` may use it: ``Http404`` when they cannot see it at all,
    ``PermissionDenied`` when ``change`` is asked of someone else's shared view."""
    view = saved_views_visible(user=user).filter(pk=pk).first()
    if view is None:
        raise Http404("No such saved view.")
    if change and view.owner_id != user.pk:
        raise PermissionDenied("This view belongs to someone else: you can open it, not change it.")
    return view


def saved_view_name_taken(*, user: Any, name: str, exclude: int | None = None) -> bool:
    same = SavedView.objects.filter(owner_id=user.pk, name__iexact=name)
    return same.exclude(pk=exclude).exists() if exclude else same.exists()


def url_problem(url: str, *, host: str = "") -> str:
    """Why ``url`` cannot be saved, in words ("" when it can)."""
    try:
        local_result_url(url, host=host)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""
