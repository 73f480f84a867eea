from django.contrib import admin

from .models import Case, Child, Client, Consent, Goal, GoalRating, HelpingQuestion, RelationshipDescription, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "letters_need_approval")
    list_editable = ("letters_need_approval",)
    list_filter = ("letters_need_approval",)
    fields = ("name", "letters_need_approval", "supervisors")
    filter_horizontal = ("supervisors",)


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("reference", "practitioner", "team", "status", "opened_on", "closed_on")
    list_filter = ("status", "team")
    search_fields = ("reference",)
    raw_id_fields = ("client", "child")
    readonly_fields = ("reference",)
    inlines = [GoalInline]


admin.site.register([Client, Child, HelpingQuestion, GoalRating, RelationshipDescription, Consent])
