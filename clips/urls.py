from django.urls import path

from . import analysis_views, uploads, views

app_name = "clips"

urlpatterns = [
    path("<str:reference>/films/new/", views.film_upload, name="film_upload"),
    path("<str:reference>/films/uploads/", uploads.tus_create, name="tus_create"),
    path("<str:reference>/films/uploads/<uuid:upload_id>/", uploads.tus_upload, name="tus_upload"),
    path("<str:reference>/films/<int:film_id>/", views.film_detail, name="film_detail"),
    path("<str:reference>/films/<int:film_id>/status/", views.film_status, name="film_status"),
    path("<str:reference>/films/<int:film_id>/retry/", views.film_retry, name="film_retry"),
    path("<str:reference>/films/<int:film_id>/delete/", views.film_delete, name="film_delete"),
    path("<str:reference>/films/<int:film_id>/media/<str:kind>/", views.film_media, name="film_media"),
    path("<str:reference>/films/<int:film_id>/analyse/", analysis_views.analyse, name="analyse"),
    path("<str:reference>/films/<int:film_id>/review/", analysis_views.shared_review, name="shared_review"),
    path("<str:reference>/films/<int:film_id>/clips/new/", analysis_views.clip_create, name="clip_create"),
    path("<str:reference>/films/<int:film_id>/clips/status/", analysis_views.clips_status, name="clips_status"),
    path("<str:reference>/films/<int:film_id>/clips/reorder/", analysis_views.clips_reorder, name="clips_reorder"),
    path("<str:reference>/films/<int:film_id>/clips/<int:clip_id>/edit/", analysis_views.clip_edit, name="clip_edit"),
    path(
        "<str:reference>/films/<int:film_id>/clips/<int:clip_id>/delete/",
        analysis_views.clip_delete,
        name="clip_delete",
    ),
    path("<str:reference>/films/<int:film_id>/clips/<int:clip_id>/move/", analysis_views.clip_move, name="clip_move"),
    path(
        "<str:reference>/films/<int:film_id>/clips/<int:clip_id>/media/<str:kind>/",
        analysis_views.clip_media,
        name="clip_media",
    ),
    path(
        "<str:reference>/films/<int:film_id>/clips/<int:clip_id>/stills/new/",
        analysis_views.still_create,
        name="still_create",
    ),
    path(
        "<str:reference>/films/<int:film_id>/stills/<int:still_id>/delete/",
        analysis_views.still_delete,
        name="still_delete",
    ),
    path("<str:reference>/films/<int:film_id>/stills/<int:still_id>/", analysis_views.still_image, name="still_image"),
    path("<str:reference>/films/<int:film_id>/notes/new/", analysis_views.annotation_create, name="annotation_create"),
    path(
        "<str:reference>/films/<int:film_id>/notes/<int:annotation_id>/delete/",
        analysis_views.annotation_delete,
        name="annotation_delete",
    ),
]
