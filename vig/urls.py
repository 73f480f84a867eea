from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.forms import LoginForm

from . import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("account/", include("accounts.urls")),
    path("cases/", include("clips.urls")),
    path("cases/", include("sessions.urls")),
    # Letters: staff pages under cases/, the client's link at l/ and letter/.
    path("", include("letters.urls")),
    path("cases/", include("cases.urls")),
    path("supervision/", include("supervision.urls")),
    path("audit/", include("audit.urls")),
    path("data-protection/", include("dataprotection.urls")),
    path("outcomes/", include("outcomes.urls")),
    path("admin/", admin.site.urls),
]
