"""Traject Letters in the Django admin: read-only, and only what an administrator needs to
follow a letter's progress (status, versions, the PDF render). The letter's words stay in the
case manager, behind the case's access check and its audit log."""

from django.contrib import admin

from vig.admin import ReadOnlyAdmin

from .models import TrajectLetter


@admin.register(TrajectLetter)
class TrajectLetterAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "case", "status", "render_status", "attempts", "finalised_at", "updated_at")
    list_filter = ("status", "render_status", "case__team")
    search_fields = ("case__reference",)
    list_select_related = ("case",)
    date_hierarchy = "created_at"
    fields = (
        "case",
        "version",
        "status",
        "render_status",
        "error",
        "attempts",
        "lease_until",
        "pdf",
        "left_out",
        "created_by",
        "created_at",
        "approval_requested_at",
        "approved_by",
        "approved_at",
        "finalised_by",
        "finalised_at",
        "updated_at",
    )
    readonly_fields = fields
