"""The interactions pages: one route per result source (from the registry), its CSV export,
and an interaction's page and row, whose id is checked (and made canonical) by its converter."""

from __future__ import annotations

import uuid

from django.urls import path, re_path, register_converter

from .sources import SOURCES
from .views import artifacts, detail, results, triage


class InteractionIdConverter:
    """Any spelling of a UUID (``{…}``, ``urn:uuid:…``, upper case), as its canonical form.

    Anything else does not match, so the route after it answers (``bad_id``: 400).
    """

    regex = r"[^/]+"

    def to_python(self, value: str) -> str:
        return str(uuid.UUID(value))  # ValueError: not this route

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(InteractionIdConverter, "interaction_id")

app_name = "interactions"

urlpatterns = [
    *(
        path(source.url_route, results.results, {"source": source}, name=source.name)
        for source in SOURCES.values()
    ),
    re_path(rf"^export/(?P<source>{'|'.join(SOURCES)})\.csv$", results.export, name="export"),
    path("<interaction_id:interaction_id>/", detail.interaction_detail, name="detail"),
    path("<interaction_id:interaction_id>/row/", detail.interaction_row, name="row"),
    path("<interaction_id:interaction_id>/review/", triage.flag_review, name="review"),
    path(
        "<interaction_id:interaction_id>/artifacts/",
        artifacts.interaction_artifacts,
        name="artifacts",
    ),
    path(
        "<interaction_id:interaction_id>/artifacts/<interaction_id:artifact_id>/"
        "<interaction_id:file_id>",
        artifacts.artifact_file,
        name="artifact_file",
    ),
    path("<str:value>/", detail.bad_id, name="bad_id"),
]
