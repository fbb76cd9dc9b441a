"""An interaction's recordings, chat transcripts and emails: the detail page's section, and the
route that streams one of their files.

The detail page draws the section empty and htmx fetches it once the page is there
(``hx-trigger="load"``): the header and timeline paint without waiting for the artifact calls,
and a failure there is a message in the section only. Without htmx, the same section is a page
of its own (its link is in the placeholder). A file streams through ``artifact_file``: the
browser never sees the upstream link (``downloads.py`` builds the response).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from ..audit import audit_record
from ..downloads import can_listen, file_response, forwarded_range, from_start, may_download
from ..models import AuditEvent
from ..pii import can_see_pii, interaction_for_viewer, record_for_viewer
from ..services import NotFound, interaction_get
from ..services.artifacts import artifact_file_get, artifact_file_open, artifact_section
from ..services.types import ArtifactFileRef
from .base import attempt, htmx_partial, respond, viewer

PAGE = "interactions/artifacts.html"
SECTION = "interactions/partials/_artifacts.html"
REGION = "artifacts"  # the section's id, which htmx names as its target
FILE_ERROR = "interactions/file_error.html"


def section_context(request: HttpRequest, interaction_id: str) -> dict[str, Any]:
    """The interaction (as the viewer may see it), its artifacts read and masked alike, the
    viewer's zone and rights, and any upstream error."""
    tenant, zone, error = viewer(request)
    interaction = section = None
    if tenant is not None:
        interaction, error = attempt(interaction_get, interaction_id=interaction_id)
    if interaction is not None:
        section, error = attempt(artifact_section, interaction=interaction)
        section = record_for_viewer(section, request.user, interaction=interaction)
    return {
        "interaction": interaction_for_viewer(interaction, request.user),
        "interaction_id": interaction_id,
        "section": section,
        "tenant": tenant,
        "zone": zone,
        "error": error,
        "can_listen": can_listen(request.user),
    }


@require_GET
@vary_on_headers("HX-Request")
def interaction_artifacts(request: HttpRequest, interaction_id: str) -> HttpResponse:
    context = section_context(request, interaction_id)
    if htmx_partial(request) == REGION:
        return respond(request, SECTION, context)
    if context["interaction"] is None and isinstance(context["error"], NotFound):
        return respond(request, "interactions/not_found.html", context, status=404)
    return respond(request, PAGE, context)


@require_GET
def artifact_file(request: HttpRequest, **ids: str) -> HttpResponse:
    """One file (``ids``: interaction_id, artifact_id, file_id from the URL), streamed, with
    ``Range`` passed on; a playback or download from byte 0 is audited."""
    ref, error = attempt(artifact_file_get, **ids)
    if ref is not None and not may_download(request.user, ref):
        return respond(request, FILE_ERROR, {**ids, "refused": ref}, status=403)
    wanted = forwarded_range(request.headers.get("Range"))
    if ref is not None:
        stream, error = attempt(artifact_file_open, ref=ref, range_header=wanted)
    if ref is None or stream is None:
        return respond(request, FILE_ERROR, {**ids, "error": error})
    if stream.status != 416 and from_start(wanted):
        _audit_file(request, ref)
    return file_response(ref, stream)


def _audit_file(request: HttpRequest, ref: ArtifactFileRef) -> None:
    played = ref.kind == "recording"
    audit_record(
        request=request,
        action=AuditEvent.Action.PLAY_RECORDING if played else AuditEvent.Action.DOWNLOAD_FILE,
        interaction_id=ref.interaction_id,
        query=f"artifact={ref.artifact_id} file={ref.file_id} ({ref.kind})",
        unmasked=not played and can_see_pii(request.user),
    )
