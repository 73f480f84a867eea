from django.urls import include, path

from . import client_views, link_views, views

app_name = "letters"

# Staff pages, under a case.
case_patterns = [
    path("<str:reference>/letter/", views.letter_list, name="list"),
    path("<str:reference>/letter/write/", views.letter_start, name="start"),
    path("<str:reference>/letter/<int:letter_id>/", views.letter_detail, name="detail"),
    path("<str:reference>/letter/<int:letter_id>/preview/", views.letter_preview, name="preview"),
    path("<str:reference>/letter/<int:letter_id>/ask-approval/", views.letter_ask_approval, name="ask_approval"),
    path("<str:reference>/letter/<int:letter_id>/approve/", views.letter_approve, name="approve"),
    path("<str:reference>/letter/<int:letter_id>/finalise/", views.letter_finalise, name="finalise"),
    path("<str:reference>/letter/<int:letter_id>/retry/", views.letter_retry, name="retry"),
    path("<str:reference>/letter/<int:letter_id>/pdf/", views.letter_pdf, name="pdf"),
    path("<str:reference>/letter/<int:letter_id>/share/", link_views.link_create, name="link_create"),
    path(
        "<str:reference>/letter/<int:letter_id>/links/<int:link_id>/revoke/",
        link_views.link_revoke,
        name="link_revoke",
    ),
]

# The client's side: outside /cases/, so the link's cookie (path /letter/) never reaches a staff URL.
# letters/log_filters.py redacts the token after "/l/": keep the two in step.
client_patterns = [
    # <path:…> so that a link with extra segments gets the same page as any other bad link.
    path("l/<path:link_token>/", client_views.client_link, name="client_link"),
    path("letter/", client_views.client_open, name="client_open"),
    path("letter/read/", client_views.client_letter, name="client_letter"),
    path("letter/pdf/", client_views.client_pdf, name="client_pdf"),
]

urlpatterns = [path("cases/", include(case_patterns)), *client_patterns]
