from django.urls import path

from . import caseload_views, views

app_name = "cases"

urlpatterns = [
    path("", caseload_views.case_list, name="list"),
    path("review/", caseload_views.caseload_review, name="review"),
    path("new/", views.case_create, name="create"),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/edit/", views.case_edit, name="edit"),
    path("<str:reference>/helping-question/", views.helping_question, name="helping_question"),
    path("<str:reference>/goals/new/", views.goal_create, name="goal_create"),
    path("<str:reference>/goals/<int:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path("<str:reference>/goals/<int:goal_id>/delete/", views.goal_delete, name="goal_delete"),
    path("<str:reference>/ratings/", views.ratings, name="ratings"),
    path("<str:reference>/descriptions/", views.descriptions, name="descriptions"),
    path("<str:reference>/consent/new/", views.consent_create, name="consent_create"),
    path("<str:reference>/consent/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<str:reference>/audit/", views.case_audit, name="audit"),
]
