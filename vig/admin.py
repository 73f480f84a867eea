from django.contrib import admin


class VigAdminSite(admin.AdminSite):
    site_header = "VIG Case Manager administration"
    site_title = "VIG Case Manager"

    def has_permission(self, request):
        """The Django admin is for administrators only, whatever is_staff says, and only after their second factor.

        accounts.middleware.TwoFactorMiddleware sends an unverified administrator to
        give a code before any admin page; this check stands behind it.
        """
        from accounts.two_factor import is_verified

        user = request.user
        return user.is_active and getattr(user, "is_administrator", False) and is_verified(request)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows an administrator may read in the admin but never add, change or delete there:
    evidence (the audit log, records of deletion) and records with their own rules for change
    (a Traject Letter is written in the case manager and never changes once finalised)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
