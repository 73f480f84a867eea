from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # `sessions` is taken by django.contrib.sessions.
    label = "vig_sessions"
    verbose_name = "Sessions"
