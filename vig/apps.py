from django.contrib.admin.apps import AdminConfig


class VigAdminConfig(AdminConfig):
    default_site = "vig.admin.VigAdminSite"
