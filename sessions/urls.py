from django.urls import path

from . import views

app_name = "vig_sessions"

urlpatterns = [
    path("<str:reference>/sessions/new/", views.session_create, name="session_create"),
    path("<str:reference>/sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path("<str:reference>/sessions/<int:session_id>/edit/", views.session_edit, name="session_edit"),
    path("<str:reference>/sessions/<int:session_id>/delete/", views.session_delete, name="session_delete"),
    path("<str:reference>/reviews/new/", views.review_create, name="review_create"),
    path("<str:reference>/reviews/<int:review_id>/edit/", views.review_edit, name="review_edit"),
    path("<str:reference>/close/", views.case_close, name="case_close"),
    path("<str:reference>/reopen/", views.case_reopen, name="case_reopen"),
]
