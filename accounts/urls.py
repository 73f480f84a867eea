from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("two-factor/set-up/", views.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/turn-off/", views.two_factor_remove, name="two_factor_remove"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
]
