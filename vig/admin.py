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
