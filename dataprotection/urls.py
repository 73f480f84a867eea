from django.urls import path

from . import views

app_name = "dataprotection"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("cases/<str:reference>/erase/", views.erase, name="erase"),
    path("cases/<str:reference>/export/", views.export_start, name="export_start"),
    path("exports/<int:export_id>/", views.export_detail, name="export_detail"),
    path("exports/<int:export_id>/status/", views.export_status, name="export_status"),
    path("exports/<int:export_id>/download/", views.export_download, name="export_download"),
]
