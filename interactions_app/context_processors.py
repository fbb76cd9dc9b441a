from django.http import HttpRequest

from .pii import can_see_pii


def pii(request: HttpRequest) -> dict[str, bool]:
    """Whether the signed-in user may see customer phone numbers and email addresses."""
    return {"can_see_pii": can_see_pii(getattr(request, "user", None))}
