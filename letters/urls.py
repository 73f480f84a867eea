from django.urls import path

from . import views

app_name = "letters"

urlpatterns = [
    path("<str:reference>/letter/", views.letter_list, name="list"),
    path("<str:reference>/letter/write/", views.letter_start, name="start"),
    path("<str:reference>/letter/<int:letter_id>/", views.letter_detail, name="detail"),
    path("<str:reference>/letter/<int:letter_id>/preview/", views.letter_preview, name="preview"),
    path("<str:reference>/letter/<int:letter_id>/ask-approval/", views.letter_ask_approval, name="ask_approval"),
    path("<str:reference>/letter/<int:letter_id>/approve/", views.letter_approve, name="approve"),
    path("<str:reference>/letter/<int:letter_id>/finalise/", views.letter_finalise, name="finalise"),
    path("<str:reference>/letter/<int:letter_id>/pdf/", views.letter_pdf, name="pdf"),
]
