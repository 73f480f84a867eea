from django.contrib import admin

from .models import AccreditationStage, Trainee


@admin.register(AccreditationStage)
class AccreditationStageAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "required_cycles", "required_clients", "required_sessions"]
    list_display_links = ["name"]
    list_editable = ["required_cycles", "required_clients", "required_sessions"]


@admin.register(Trainee)
class TraineeAdmin(admin.ModelAdmin):
    list_display = ["user", "stage", "counting_from"]
    list_filter = ["stage"]
    autocomplete_fields = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
