from django.contrib import admin


class VigAdminSite(admin.AdminSite):
    site_header = "VIG Case Manager administration"
    site_title = "VIG Case Manager"

    def has_permission(self, request):
        """The Django admin is for administrators only, whatever is_staff says."""
        user = request.user
        return user.is_active and getattr(user, "is_administrator", False)
