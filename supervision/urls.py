from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.home, name="home"),
    path("practitioners/<int:practitioner_id>/", views.practitioner, name="practitioner"),
    path("practitioners/<int:practitioner_id>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:supervision_session_id>/", views.session_detail, name="session_detail"),
    path("sessions/<int:supervision_session_id>/edit/", views.session_edit, name="session_edit"),
    path("cases/<str:reference>/notes/", views.case_notes, name="case_notes"),
    path("cases/<str:reference>/notes/new/", views.note_create, name="note_create"),
]
