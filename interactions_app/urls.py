from django.urls import path, re_path

from . import live, views

app_name = "interactions"

urlpatterns = [
    path("", views.interaction_list, name="list"),
    path("flagged/", views.flagged_list, name="flagged"),
    path("search/", views.interaction_search, name="search"),
    re_path(
        r"^export/(?P<source>list|flagged|search)\.csv$",
        views.interaction_export,
        name="export",
    ),
    path("<str:interaction_id>/", views.interaction_detail, name="detail"),
    path("<str:interaction_id>/row/", live.interaction_row, name="row"),
]
