from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .pii import can_see_pii
from .saved_views import saved_view_menu


def pii(request: HttpRequest) -> dict[str, bool]:
    """Whether the signed-in user may see customer phone numbers and email addresses."""
    return {"can_see_pii": can_see_pii(getattr(request, "user", None))}


def saved_views(request: HttpRequest) -> dict[str, Any]:
    """The header's Views menu, read only if a page draws it."""
    user = getattr(request, "user", None)
    return {"view_menu": SimpleLazyObject(lambda: saved_view_menu(user=user))}
