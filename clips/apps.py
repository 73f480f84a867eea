from django.apps import AppConfig


class ClipsConfig(AppConfig):
    name = "clips"
    verbose_name = "Films and clips"
