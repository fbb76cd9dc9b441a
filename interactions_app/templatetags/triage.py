"""Template filters of flag triage and saved views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def review_for(reviews: Mapping[str, Any] | None, interaction_id: str) -> Any:
    """The ``FlagReview`` of ``interaction_id`` among ``reviews`` (None if never triaged)."""
    return reviews.get(interaction_id) if isinstance(reviews, Mapping) else None
