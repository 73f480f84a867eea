from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "case_reference", "object_label", "ip_address")
    list_filter = ("action",)
    search_fields = ("case_reference", "actor_name")
    date_hierarchy = "at"

    # The audit log is evidence: nobody edits or deletes it through the admin.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
