from django.contrib import admin
from django.urls import include, path

from . import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("cases/", include("cases.urls")),
    path("audit/", include("audit.urls")),
    path("admin/", admin.site.urls),
]
