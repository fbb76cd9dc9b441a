"""The client's artifact calls and file downloads at the HTTP boundary (``responses``): tolerant
parsing, links fetched without credentials and only from allowed hosts, never a redirect
followed, a refused link told apart, and no link's query string (its signature) in any log."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import responses

from interactions_app.cxengage import errors
from interactions_app.cxengage.client import CxEngageClient, FileStream
from tests.client.test_client import (
    API,
    SECRETS,
    TENANT,
    TOKEN,
    add_token,
    make_config,
    raises_clean,
)

INTERACTION = "46b3d302-0cab-4e32-9c08-ae0c53a6a76d"
ARTIFACT = "9eee0df4-c682-436b-b475-76dd60a14580"
FILE = "e9345803-784f-42e3-be84-67aaddf1353f"
LIST_URL = f"{API}/tenants/{TENANT}/interactions/{INTERACTION}/artifacts"
ARTIFACT_URL = f"{LIST_URL}/{ARTIFACT}"
SIGNATURE = "c821e0aa5b0d6a3f9e1d2c4b7a8f0e9d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a69"
FILE_URL = (
    f"http://127.0.0.1:9/files/{TENANT}/{INTERACTION}/{ARTIFACT}/{FILE}/recording-1.wav"
    f"?expires=1795521900&signature={SIGNATURE}"
)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client() -> Iterator[CxEngageClient]:
    instance = CxEngageClient(make_config())
    yield instance
    instance.close()


@pytest.fixture(autouse=True)
def nothing_secret_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.records:
        text = f"{record.name} {record.getMessage()}"
        assert SIGNATURE not in text and "expires=" not in text, record.getMessage()
        assert not any(secret in text for secret in SECRETS)


def artifact_json(**changes: object) -> dict:
    data = {
        "artifactId": ARTIFACT,
        "artifactType": "audio-recording",
        "created": "2026-11-24T11:52:12.512Z",
        "files": [
            {
                "artifactFileId": FILE,
                "filename": "recording-1.wav",
                "contentType": "audio/wav",
                "contentLength": 369276,
                "created": "2026-11-24T11:52:12.512Z",
                "url": FILE_URL,
                "checksum": "kept",
            }
        ],
        "region": "us-east-1",
    }
    data.update(changes)
    return data


# --- the two API calls ----------------------------------------------------------------------


def test_artifact_list_is_parsed_tolerantly_and_sorted_by_created(rsps, client) -> None:
    add_token(rsps)
    rsps.get(
        LIST_URL,
        json={
            "results": {  # a list sent as an object keyed by index
                "0": {"artifactId": "b", "artifactType": "email", "created": "2026-11-24T12:00Z"},
                "1": {"artifactId": "a", "artifactType": "cxengage-recording", "created": 5},
                "2": {"artifactType": "audio-recording"},  # no id: cannot be fetched
                "3": {"artifactId": "c", "artifactType": "Audio-Recording",
                      "created": "2026-11-24T11:00Z", "x": 1},
            }
        },
    )  # fmt: skip
    listed = client.list_artifacts(INTERACTION)
    assert [a.id for a in listed] == ["c", "b", "a"]  # no created (5 is no time): last
    assert [a.kind for a in listed] == ["recording", "email", "recording"]
    assert listed[0].extra == {"x": 1}
    request = next(c.request for c in rsps.calls if c.request.method == "GET")
    assert request.headers["Authorization"] == f"Token {TOKEN}"


@pytest.mark.parametrize("body", [{"results": None}, {"results": []}])
def test_no_artifacts(rsps, client, body) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, json=body)
    assert client.list_artifacts(INTERACTION) == ()


def test_an_answer_without_results_is_unreadable(rsps, client) -> None:
    add_token(rsps)
    rsps.get(LIST_URL, json={"artifacts": []})
    with raises_clean(errors.BadResponse, client):
        client.list_artifacts(INTERACTION)


def test_one_artifact_keeps_its_files_and_hides_their_links(rsps, client) -> None:
    add_token(rsps)
    rsps.get(ARTIFACT_URL, json=artifact_json())
    artifact = client.get_artifact(INTERACTION, ARTIFACT)
    (audio,) = artifact.files
    assert (audio.id, audio.filename, audio.content_type, audio.content_length) == (
        FILE,
        "recording-1.wav",
        "audio/wav",
        369276,
    )
    assert audio.url == FILE_URL and audio.extra == {"checksum": "kept"}
    assert artifact.extra == {"region": "us-east-1"}
    assert artifact.file(FILE.upper()) is audio
    assert SIGNATURE not in repr(artifact) and SIGNATURE not in repr(audio)


def test_a_missing_artifact_is_its_own_not_found(rsps, client) -> None:
    add_token(rsps)
    rsps.get(ARTIFACT_URL, status=404, json={"error": "Artifact not found."})
    with raises_clean(errors.ArtifactNotFound, client) as info:
        client.get_artifact(INTERACTION, ARTIFACT)
    assert info.value.status_code == 404


# --- file links ---------------------------------------------------------------------------


def test_a_file_link_is_fetched_without_credentials_and_streamed(rsps, client) -> None:
    rsps.get(
        FILE_URL.split("?")[0],
        body=b"RIFF" + b"x" * 200_000,
        status=206,
        headers={"Content-Range": "bytes 0-200003/369276", "Accept-Ranges": "bytes"},
        content_type="audio/wav",
    )
    stream = client.open_file(FILE_URL, range_header="bytes=0-")
    assert isinstance(stream, FileStream)
    assert stream.status == 206
    assert stream.headers["Content-Range"] == "bytes 0-200003/369276"
    assert stream.headers["Content-Type"] == "audio/wav"
    chunks = list(stream)
    assert b"".join(chunks) == b"RIFF" + b"x" * 200_000
    assert max(map(len, chunks)) <= 64 * 1024  # relayed in chunks, not read whole
    (call,) = rsps.calls
    assert "Authorization" not in call.request.headers
    assert call.request.headers["Range"] == "bytes=0-"
    assert call.request.headers["Accept-Encoding"] == "identity"
    assert call.request.url == FILE_URL  # the signed query sent as it came


def test_a_416_comes_back_to_be_relayed(rsps, client) -> None:
    rsps.get(FILE_URL.split("?")[0], status=416, headers={"Content-Range": "bytes */369276"})
    stream = client.open_file(FILE_URL, range_header="bytes=999999-")
    assert (stream.status, stream.headers["Content-Range"]) == (416, "bytes */369276")
    stream.close()


def test_a_refused_link_is_told_apart(rsps, client, caplog) -> None:
    rsps.get(
        FILE_URL.split("?")[0],
        status=403,
        content_type="application/xml",
        body=b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
    )
    with raises_clean(errors.LinkRefused, client):
        client.open_file(FILE_URL)
    assert "Request has expired" in caplog.text  # what the storage said, without the link


def test_a_missing_file_is_not_found(rsps, client) -> None:
    rsps.get(FILE_URL.split("?")[0], status=404, body=b"<Error><Code>NoSuchKey</Code></Error>")
    with raises_clean(errors.ArtifactNotFound, client):
        client.open_file(FILE_URL)


def test_a_redirect_is_never_followed(rsps, client) -> None:
    rsps.get(
        FILE_URL.split("?")[0], status=302, headers={"Location": "http://169.254.169.254/latest"}
    )
    with raises_clean(errors.BadResponse, client):
        client.open_file(FILE_URL)
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/?expires=1&signature=x",  # another host
        "http://127.0.0.1:10/files/x?expires=1&signature=x",  # the API's host, another port
        "https://127.0.0.1:9/files/x",  # another scheme
        "http://user:pw@127.0.0.1:9/files/x",  # credentials in the link
        "file:///etc/passwd",
        "http://127.0.0.1:notaport/files/x",
        "//127.0.0.1:9/files/x",
    ],
)
def test_links_to_other_hosts_are_never_fetched(rsps, client, url) -> None:
    with raises_clean(errors.FileHostNotAllowed, client):
        client.open_file(url)
    assert len(rsps.calls) == 0


def test_an_allowed_file_host_is_fetched(rsps) -> None:
    allowed = CxEngageClient(
        make_config(file_hosts=("https://*.s3.amazonaws.com", "https://files.example.com"))
    )
    for url in (
        "https://cx-recordings.s3.amazonaws.com/a.wav?X-Amz-Signature=1",
        "https://files.example.com:443/a.wav",
    ):
        rsps.get(url.split("?")[0], body=b"ok")
        assert b"".join(allowed.open_file(url)) == b"ok"
    for url in ("https://s3.amazonaws.com.evil.example/a.wav", "http://files.example.com/a"):
        with pytest.raises(errors.FileHostNotAllowed):
            allowed.open_file(url)
    allowed.close()
