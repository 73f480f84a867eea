from django.urls import path

from . import uploads, views

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
]
