from django.contrib import admin

from vig.admin import ReadOnlyAdmin

from .models import CaseErasure, RetentionPolicy, RetentionRun, SubjectAccessExport


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    """One row: the service's retention periods. Created with the defaults on first use."""

    list_display = ("__str__", "original_film_months", "playback_months", "clip_months", "record_years", "updated_at")

    def has_add_permission(self, request):
        return not RetentionPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        RetentionPolicy.objects.get_or_create(pk=1)
        return super().changelist_view(request, extra_context)


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ("ran_at", "on", "total", "failures")


@admin.register(CaseErasure)
class CaseErasureAdmin(ReadOnlyAdmin):
    list_display = ("erased_at", "reference", "kind", "erased_by_name", "files")
    search_fields = ("reference",)


@admin.register(SubjectAccessExport)
class SubjectAccessExportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "pk", "status", "requested_by")
    exclude = ("file",)
