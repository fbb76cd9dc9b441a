"""Admin: the audit trail, read-only (no add, change or delete, not even for superusers)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent


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
