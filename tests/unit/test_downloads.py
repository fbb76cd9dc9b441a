"""Serving artifact files: which Range goes upstream, which request counts as a playback from
the start, safe file names, never compressing a byte-range file, and the talk a recording
should cover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from interactions_app.cxengage.models import Agent, Interaction, TalkTime
from interactions_app.downloads import forwarded_range, from_start, safe_filename
from interactions_app.middleware import CompressionMiddleware
from interactions_app.services.artifacts import _talk_window_seconds
from interactions_app.services.types import ArtifactSection, Recording


@pytest.mark.parametrize(
    ("header", "sent"),
    [
        ("bytes=0-", "bytes=0-"),
        (" bytes=100-199 ", "bytes=100-199"),
        ("bytes=-500", "bytes=-500"),
        ("BYTES=5-", "BYTES=5-"),
        ("bytes=500-100", "bytes=500-100"),  # unsatisfiable: upstream answers 416
        ("bytes=0-9,20-29", None),  # several: the whole file
        ("items=0-9", None),
        ("bytes=abc", None),
        ("bytes=-", None),  # no number at all: not a range (RFC 9110: ignored)
        ("bytes=0-\r\nX-Injected: 1", None),
        ("bytes=" + "9" * 40 + "-", None),
        ("", None),
        (None, None),
    ],
)
def test_one_bytes_range_goes_upstream(header, sent) -> None:
    assert forwarded_range(header) == sent


@pytest.mark.parametrize(
    ("header", "start"),
    [(None, True), ("bytes=0-", True), ("bytes=00-99", True), ("bytes=1-", False),
     ("bytes=-100", False), ("bytes=10-20", False)],
)  # fmt: skip
def test_a_playback_from_the_start(header, start) -> None:
    assert from_start(header) is start


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("receipt-ORD-1.pdf", "receipt-ORD-1.pdf"),
        ('"><img src=x onerror=window.__xss=14>.pdf', "img src=x onerror=window.__xss=14_.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\report.csv", "report.csv"),
        ("line\r\nbreak.txt", "line_break.txt"),
        ("...", "file"),
        ("Résumé.pdf", "Résumé.pdf"),
        ("a" * 300 + ".wav", "a" * 146 + ".wav"),
    ],
)
def test_file_names_are_made_safe(name, safe) -> None:
    assert safe_filename(name) == safe


def _middleware(response: HttpResponse) -> HttpResponse:
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    return CompressionMiddleware(lambda r: response)(request)


def test_pages_are_compressed_but_byte_range_files_are_not() -> None:
    page = _middleware(HttpResponse(b"<p>hello</p>" * 100))
    assert page["Content-Encoding"] == "gzip"
    audio = StreamingHttpResponse(iter([b"RIFF" * 100]), status=206, content_type="audio/wav")
    audio["Accept-Ranges"] = "bytes"
    audio["Content-Range"] = "bytes 0-399/1000"
    audio["Content-Length"] = "400"
    relayed = _middleware(audio)
    assert not relayed.has_header("Content-Encoding") and relayed["Content-Length"] == "400"
    assert b"".join(relayed.streaming_content) == b"RIFF" * 100


def _agent(*talks: tuple[int, int]) -> Agent:
    t0 = datetime(2026, 11, 24, 12, tzinfo=UTC)
    times = tuple(
        TalkTime(t0 + timedelta(seconds=a), t0 + timedelta(seconds=b), b - a) for a, b in talks
    )
    return Agent(id=None, agent_id=None, name=None, start=None, end=None, talk_times=times)


def test_the_talk_a_recording_covers() -> None:
    def window(*agents: Agent) -> float | None:
        return _talk_window_seconds(Interaction(id="x", tenant_id=None, start=None, end=None,
                                                agents=agents))  # fmt: skip

    assert window() is None and window(_agent()) is None
    assert window(_agent((0, 60), (90, 120))) == 120  # the hold inside is recorded too
    assert window(_agent((0, 60)), _agent((100, 130))) == 90  # the transfer gap is not counted


def test_a_recording_shorter_than_the_talk() -> None:
    def section(*lengths: float | None, window: float | None = 100.0) -> ArtifactSection:
        recordings = tuple(Recording("a", "f", n, "audio/wav", s) for n, s in enumerate(lengths))
        return ArtifactSection(recordings=recordings, talk_window_seconds=window)

    assert section(99.5).short_by_seconds is None  # within a second
    assert section(60.0, 30.0).short_by_seconds == pytest.approx(10.0)
    assert section(60.0, None).short_by_seconds is None  # one length unknown: no claim
    assert section(10.0, window=None).short_by_seconds is None
