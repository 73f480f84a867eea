from django.contrib import admin

from vig.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "case_reference", "object_label", "ip_address")
    list_filter = ("action",)
    search_fields = ("case_reference", "actor_name")
    date_hierarchy = "at"
