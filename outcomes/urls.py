from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("", views.index, name="index"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("teams/<int:team_id>/outcomes.csv", views.team_csv, name="team_csv"),
    path("practitioners/<int:user_id>/", views.practitioner, name="practitioner"),
    path("practitioners/<int:user_id>/outcomes.csv", views.practitioner_csv, name="practitioner_csv"),
]
