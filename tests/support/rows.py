"""What a results table reads of a page, compared between the fast list decoder and the full
parser (``parsing.parse_list_rows`` against ``parse_page``)."""

from __future__ import annotations

from interactions_app.cxengage.models import Hook, Page
from interactions_app.cxengage.parsing import LIST_ROW_FIELDS

PAGE_FIELDS = (
    "total",
    "limit",
    "offset",
    "tenant_id",
    "tenant_name",
    "tenant_timezone",
    "skipped",
    "received",
    "total_known",
    "bare",
)
# what the rows show of a hook (the search's "Matched" column, all_attributes, crm_hooks)
HOOK_FIELDS = ("id", "hook_id", "name", "hook_type", "sub_type")
DERIVED = (
    "in_progress",
    "complete",
    "completeness_known",
    "duration_seconds",
    "queue_names",
    "agent_names",
)


def _hooks(hooks: tuple[Hook, ...]) -> list[tuple]:
    return [(*(getattr(h, f) for f in HOOK_FIELDS), h.is_attribute, h.label) for h in hooks]


def row_view(item) -> dict:  # type: ignore[no-untyped-def]
    """Every row field of ``LIST_ROW_FIELDS`` and what the row template derives from them."""
    view = {}
    for name in (*LIST_ROW_FIELDS, *DERIVED):
        value = getattr(item, name)
        view[name] = _hooks(value) if name in ("hooks", "attributes") else value
    view["all_attributes"] = [(a.id, a.name) for a in item.all_attributes]
    view["crm_hooks"] = _hooks(item.crm_hooks)
    return view


def assert_rows_agree(fast: Page, full: Page) -> None:
    for name in PAGE_FIELDS:
        assert getattr(fast, name) == getattr(full, name), name
    assert len(fast.items) == len(full.items)
    for mine, theirs in zip(fast.items, full.items, strict=True):
        assert row_view(mine) == row_view(theirs)
