"""Recordings, chat transcripts and emails kept with an interaction (its artifacts).

- ``artifact_section``: what the detail page shows: each recording with its length (read from
  the head of its file) beside the talk it should cover, each transcript as a conversation,
  each email as a message. A file that cannot be read is a problem on that item only.
- ``artifact_file_get`` / ``artifact_file_open``: one file for the download route: what it is
  and what to call it, then the file itself, streamed, with the browser's ``Range``.

The artifact list and each artifact are cached for ``ARTIFACT_CACHE_SECONDS`` (and coalesced).
An artifact carries its files' download links, which are credentials for their lifetime; that
setting must stay below it. ``expires`` in a link is the upstream's clock, never compared with
ours: when a link is refused (403) the artifact is fetched again for a fresh one, once. What is
read from the files is cached as long, unmasked: the views mask it for each viewer.
"""

from __future__ import annotations

import contextvars
import logging
import mimetypes
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TypeVar

from django.conf import settings

from ..caching.keys import tenant_key
from ..caching.single_flight import fetch_once, forget
from ..cxengage.client import FileStream
from ..cxengage.errors import ArtifactNotFound, BadResponse, CxEngageError, LinkRefused
from ..cxengage.factory import client_from_settings
from ..cxengage.models import Artifact, ArtifactFile, Interaction
from ..cxengage.parsing import decode_json
from ..readers.email_message import (
    MAX_MESSAGE_BYTES,
    MailAttachment,
    MailMessage,
    manifest_body_ids,
    read_manifest,
    read_mime,
)
from ..readers.recording import HEAD_BYTES, wav_seconds
from ..readers.transcript import SHOWN_BYTES, read_transcript
from .interactions import upstream_wait
from .types import ArtifactFileRef, ArtifactSection, Email, Recording, Transcript

logger = logging.getLogger(__name__)
T = TypeVar("T")

MANIFEST_BYTES = 1024 * 1024
SECTION_WORKERS = 4  # artifacts read at once for one page
OCTET_STREAM = "application/octet-stream"
# how the SDK and the sandbox name an email's own files (not its attachments)
_EMAIL_BODY_NAMES = frozenset({"body", "plaintextbody", "htmlbody"})
_GENERIC_NAMES = frozenset({"", "attachment", "body", "file"})


# --- the artifacts -------------------------------------------------------------------------


def _cached(key_parts: tuple[object, ...], produce: Callable[[], T]) -> T:
    seconds = settings.CXENGAGE["ARTIFACT_CACHE_SECONDS"]
    return fetch_once(tenant_key(*key_parts), produce, ttl=seconds, wait=upstream_wait())


def _artifact_key(interaction_id: str, artifact_id: str) -> tuple[object, ...]:
    return ("artifact", interaction_id, artifact_id)


def artifact_list(*, interaction_id: str) -> tuple[Artifact, ...]:
    """The interaction's artifacts, oldest first, without their files."""
    return _cached(
        ("artifacts", interaction_id),
        lambda: client_from_settings().list_artifacts(interaction_id),
    )


def _artifact(interaction_id: str, artifact_id: str) -> Artifact:
    """One artifact with its files and their (recent) links."""
    return _cached(
        _artifact_key(interaction_id, artifact_id),
        lambda: client_from_settings().get_artifact(interaction_id, artifact_id),
    )


def _open(
    interaction_id: str, artifact_id: str, file_id: str, *, range_header: str | None = None
) -> FileStream:
    """The file, from its cached link; from a fresh one if that link is refused (once)."""
    for attempt in (1, 2):
        found = _artifact(interaction_id, artifact_id).file(file_id)
        if found is None:
            raise ArtifactNotFound(f"artifact {artifact_id} has no file {file_id}")
        if not found.url:
            raise BadResponse(f"file {file_id} came without a download link")
        try:
            return client_from_settings().open_file(found.url, range_header=range_header)
        except LinkRefused:
            forget(tenant_key(*_artifact_key(interaction_id, artifact_id)))
            if attempt == 2:
                raise
            logger.info("file link of artifact %s refused; asking for a fresh one", artifact_id)
    raise AssertionError("unreachable")  # pragma: no cover


def _read(
    interaction_id: str, artifact_id: str, file_id: str, *, limit: int
) -> tuple[bytes, int | None]:
    """The first ``limit`` bytes of a file (asked for with ``Range``) and its whole size."""
    stream = _open(interaction_id, artifact_id, file_id, range_header=f"bytes=0-{limit - 1}")
    try:
        size = _total_size(stream)
        if stream.status == 416:  # an empty file: no byte 0 to send
            return b"", 0
        data = bytearray()
        for chunk in stream:
            data += chunk
            if len(data) >= limit:  # an upstream that ignored Range: stop here
                break
        return bytes(data[:limit]), size if size is not None else len(data)
    finally:
        stream.close()


def _total_size(stream: FileStream) -> int | None:
    """The whole file's size: after the slash of ``Content-Range``, else ``Content-Length``."""
    content_range = stream.headers.get("Content-Range", "")
    total = content_range.rpartition("/")[2].strip()
    if total.isdigit():
        return int(total)
    length = stream.headers.get("Content-Length", "")
    return int(length) if stream.status == 200 and length.isdigit() else None


# --- the section the detail page shows -----------------------------------------------------


def artifact_section(*, interaction: Interaction) -> ArtifactSection:
    """Every recording, transcript and email of ``interaction``, read; only the artifact list
    failing raises (a ``CxEngageError``): a file that cannot be read is a problem on its item."""
    listed = artifact_list(interaction_id=interaction.id)
    shown = [a for a in listed if a.kind != "other"]
    with ThreadPoolExecutor(max_workers=max(1, min(SECTION_WORKERS, len(shown)))) as pool:
        # a copy of the request's context per task, so their log lines keep its request id
        tasks = [
            pool.submit(contextvars.copy_context().run, _reading, interaction.id, a) for a in shown
        ]
        read = [task.result() for task in tasks]
    recordings = [r for r in read if isinstance(r, Recording)]
    return ArtifactSection(
        recordings=tuple(replace(r, number=n) for n, r in enumerate(recordings, 1)),
        transcripts=tuple(r for r in read if isinstance(r, Transcript)),
        emails=tuple(r for r in read if isinstance(r, Email)),
        others=tuple(a.type or "unnamed" for a in listed if a.kind == "other"),
        talk_seconds=_talk_seconds(interaction),
        talk_window_seconds=_talk_window_seconds(interaction),
    )


def _reading(interaction_id: str, summary: Artifact) -> Recording | Transcript | Email:
    """One artifact, read (cached like the artifact); its failure is its ``problem``."""
    readers = {"recording": _read_recording, "transcript": _read_transcript, "email": _read_email}
    read = readers[summary.kind]
    try:
        return _cached(
            ("artifact-reading", interaction_id, summary.id),
            lambda: read(interaction_id, _artifact(interaction_id, summary.id)),
        )
    except CxEngageError as error:
        logger.warning(
            "artifact %s (%s) not read: %s: %s",
            summary.id,
            summary.kind,
            type(error).__name__,
            error.detail,
        )
        problem = f"{error.title}. {error.message}"
    except Exception:  # a reader's bug on hostile bytes costs this item, never the page
        logger.exception("artifact %s (%s) could not be read", summary.id, summary.kind)
        problem = "The file could not be read."
    if summary.kind == "recording":
        return Recording(summary.id, "", 0, "", None, summary.created, problem=problem)
    if summary.kind == "transcript":
        return Transcript(summary.id, None, None, None, problem=problem)
    return Email(summary.id, None, summary.created, problem=problem)


def _main_file(artifact: Artifact) -> ArtifactFile:
    if not artifact.files or not artifact.files[0].id:
        raise BadResponse(f"artifact {artifact.id} came without files")
    return artifact.files[0]


def _read_recording(interaction_id: str, artifact: Artifact) -> Recording:
    audio = _main_file(artifact)
    head, size = _read(interaction_id, artifact.id, audio.id or "", limit=HEAD_BYTES)
    seconds = wav_seconds(head, size if size is not None else audio.content_length)
    return Recording(
        artifact_id=artifact.id,
        file_id=audio.id or "",
        number=0,
        content_type=content_type_of(audio),
        seconds=seconds,
        created=artifact.created,
    )


def _read_transcript(interaction_id: str, artifact: Artifact) -> Transcript:
    file = _main_file(artifact)
    data, size = _read(interaction_id, artifact.id, file.id or "", limit=SHOWN_BYTES)
    partial = size is not None and size > len(data)
    return Transcript(
        artifact_id=artifact.id,
        file_id=file.id,
        size=size,
        conversation=read_transcript(data, partial=partial),
    )


def _read_email(interaction_id: str, artifact: Artifact) -> Email:
    return Email(
        artifact_id=artifact.id,
        message=_email_message(interaction_id, artifact),
        created=artifact.created,
    )


def _is_message_file(f: ArtifactFile) -> bool:
    name = (f.filename or "").lower()
    return (f.content_type or "").lower().startswith("message/rfc822") or name.endswith(".eml")


def _is_manifest(artifact: Artifact, f: ArtifactFile) -> bool:
    return f.id == artifact.manifest_id or (f.filename or "").lower() == "manifest.json"


def _attachment_files(artifact: Artifact) -> list[ArtifactFile]:
    """The files of an email artifact that hold its attachments: neither its manifest, nor a
    body file, nor the whole message."""
    return [
        f
        for f in artifact.files
        if f.id
        and not _is_manifest(artifact, f)
        and not _is_message_file(f)
        and (f.filename or "").lower() not in _EMAIL_BODY_NAMES
    ]


def _email_message(interaction_id: str, artifact: Artifact) -> MailMessage:
    """From the whole MIME message when there is one to read, else from the manifest."""
    whole = next((f for f in artifact.files if f.id and _is_message_file(f)), None)
    if whole is not None and (whole.content_length or 0) <= MAX_MESSAGE_BYTES:
        data, size = _read(interaction_id, artifact.id, whole.id or "", limit=MAX_MESSAGE_BYTES)
        if size is None or size <= len(data):
            message = read_mime(data)
            attachments = _with_files(message.attachments, _attachment_files(artifact))
            return replace(message, attachments=attachments)
    manifest = next((f for f in artifact.files if f.id and _is_manifest(artifact, f)), None)
    if manifest is None:
        raise BadResponse(f"email artifact {artifact.id} has neither a message nor a manifest")
    data, _size = _read(interaction_id, artifact.id, manifest.id or "", limit=MANIFEST_BYTES)
    described = decode_json(data)
    plain_id, html_id = manifest_body_ids(described)
    bodies = {}
    for body_id in filter(None, (plain_id, html_id if plain_id is None else None)):
        bodies[body_id], _ = _read(interaction_id, artifact.id, body_id, limit=SHOWN_BYTES)
    return read_manifest(
        described,
        plain=bodies.get(plain_id or ""),
        html=bodies.get(html_id or ""),
        sizes={f.id: f.content_length for f in artifact.files if f.id},
    )


def _with_files(
    attachments: Iterable[MailAttachment], files: list[ArtifactFile]
) -> tuple[MailAttachment, ...]:
    """Each attachment of the message with the artifact file holding the same bytes: the same
    size (and type, when the file says), else the next file in order."""
    unused = list(files)
    out = []
    for attachment in attachments:

        def same(f: ArtifactFile, a: MailAttachment = attachment) -> bool:
            kind = (f.content_type or "").split(";")[0].strip().lower()
            return f.content_length == a.size and kind in ("", a.content_type.lower())

        match = next((f for f in unused if same(f)), unused[0] if unused else None)
        if match is not None:
            unused.remove(match)
        out.append(replace(attachment, file_id=match.id if match else None))
    return tuple(out)


# --- talk time -----------------------------------------------------------------------------


def _talk_seconds(interaction: Interaction) -> float | None:
    if interaction.customer_talk_seconds is not None:
        return interaction.customer_talk_seconds
    talks = [a.talk_seconds for a in interaction.agents if a.talk_seconds is not None]
    return sum(talks) if talks else None


def _talk_window_seconds(interaction: Interaction) -> float | None:
    """What complete recordings cover: for each agent, from their first talk to their last
    (holds inside included), summed; None when no talk periods were reported."""
    total, seen = 0.0, False
    for agent in interaction.agents:
        periods = [t for t in agent.talk_times if t.start and t.end and t.end > t.start]
        if periods:
            seen = True
            first = min(t.start for t in periods if t.start)
            last = max(t.end for t in periods if t.end)
            total += (last - first).total_seconds()
    return total if seen else None


# --- one file, for the download route ------------------------------------------------------


def content_type_of(f: ArtifactFile, name: str | None = None) -> str:
    """The file's own type if it names one, else the type its name suggests."""
    declared = (f.content_type or "").strip()
    if declared and declared.split(";")[0].strip().lower() not in (OCTET_STREAM, ""):
        return declared
    guessed, _ = mimetypes.guess_type(name or f.filename or "", strict=False)
    return guessed or declared or OCTET_STREAM


def artifact_file_get(*, interaction_id: str, artifact_id: str, file_id: str) -> ArtifactFileRef:
    """What one file is and what to call it (an email's attachment: by its name in the
    message). ``ArtifactNotFound`` when the artifact has no such file."""
    artifact = _artifact(interaction_id, artifact_id)
    found = artifact.file(file_id)
    if found is None:
        raise ArtifactNotFound(f"artifact {artifact_id} has no file {file_id}")
    name = found.filename or ""
    if artifact.kind == "email" and name.strip().lower() in _GENERIC_NAMES:
        name = _attachment_name(interaction_id, artifact, file_id) or name
    kind = content_type_of(found, name)
    if name.strip().lower() in _GENERIC_NAMES:
        extension = mimetypes.guess_extension(kind.split(";")[0].strip()) or ""
        name = f"{artifact.kind}-{file_id[:8]}{extension}"
    return ArtifactFileRef(
        interaction_id=interaction_id,
        artifact_id=artifact_id,
        file_id=file_id,
        kind=artifact.kind,
        filename=name,
        content_type=kind,
    )


def _attachment_name(interaction_id: str, artifact: Artifact, file_id: str) -> str | None:
    """An email attachment's own name (the SDK's files are all called "attachment")."""
    email = _reading(interaction_id, artifact)
    message = email.message if isinstance(email, Email) else None
    attachments = message.attachments if message is not None else ()
    return next((a.name for a in attachments if a.file_id == file_id), None)


def artifact_file_open(*, ref: ArtifactFileRef, range_header: str | None) -> FileStream:
    """The file's bytes from upstream, ``range_header`` passed on: status 200, 206 or 416,
    the headers to relay, and the body to stream (closed when the response ends)."""
    return _open(ref.interaction_id, ref.artifact_id, ref.file_id, range_header=range_header)
