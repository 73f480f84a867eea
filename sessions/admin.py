from django.contrib import admin

from .models import ClosingEvent, Session, SharedReview


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "held_on", "place")
    list_filter = ("kind", "place")
    search_fields = ("case__reference",)
    raw_id_fields = ("case", "film")


@admin.register(SharedReview)
class SharedReviewAdmin(admin.ModelAdmin):
    list_display = ("case", "number", "film")
    search_fields = ("case__reference",)
    raw_id_fields = ("case", "session", "film")
    filter_horizontal = ("clips",)


@admin.register(ClosingEvent)
class ClosingEventAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "on", "reason", "by")
    list_filter = ("kind", "reason")
    search_fields = ("case__reference",)
    raw_id_fields = ("case",)
