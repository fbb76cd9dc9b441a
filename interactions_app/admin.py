"""Admin: the audit trail, read-only (no add, change or delete, not even for superusers); saved
views; flag reviews, read-only (they change on the detail pages, where every change is audited)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent, FlagReview, SavedView


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "username",
        "action",
        "interaction_id",
        "query",
        "pii_unmasked",
        "ip",
        "request_id",
    )
    list_filter = ("action", "pii_unmasked", ("at", admin.DateFieldListFilter))
    search_fields = ("username", "interaction_id", "query")
    date_hierarchy = "at"
    ordering = ("-at", "-id")
    list_per_page = 100
    show_full_result_count = False  # COUNT(*) over a long trail on every page is wasted work
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "shared", "url", "updated")
    list_filter = ("shared",)
    search_fields = ("name", "owner__username", "url")
    readonly_fields = ("url", "created", "updated")  # only local result pages, set by the form


@admin.register(FlagReview)
class FlagReviewAdmin(admin.ModelAdmin):
    """Triage as the dashboard keeps it; changed from the detail pages (audited), read here."""

    list_display = ("interaction_id", "reviewed", "reviewed_by_name", "reviewed_at", "owner")
    list_filter = ("reviewed",)
    search_fields = ("interaction_id", "reviewed_by_name", "note", "owner__username")
    readonly_fields = [f.name for f in FlagReview._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FlagReview | None = None) -> bool:
        return False
