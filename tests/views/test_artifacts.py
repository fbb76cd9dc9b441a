"""Recordings, transcripts and emails on the detail page, against the sandbox over real HTTP:
the section (lazy, its failures its own), the streamed file route (Range, 416, a link that
expires mid-play), permissions and audit, masking, and hostile text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import requests
from django.contrib.auth.models import Permission
from django.http import StreamingHttpResponse

from interactions_app.models import AuditEvent
from sandbox.faults import XSS_PAYLOADS
from tests.support.sandbox_process import BASIC_PASSWORD, BASIC_USER, TENANT_A

pytestmark = pytest.mark.django_db

SCAN = 200
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "artifacts"}
FILE_LINK = re.compile(r'(?:src|href)="(/interactions/[0-9a-f-]+/artifacts/[0-9a-f-]+/[0-9a-f-]+)"')


@pytest.fixture(scope="module")
def catalogue(sandbox) -> list[tuple[dict, list[dict]]]:
    """The most recent SCAN interactions of tenant A with their artifacts (files included)."""
    sandbox.reset()
    out = []
    with requests.Session() as s:
        s.trust_env, s.auth = False, (BASIC_USER, BASIC_PASSWORD)
        base = f"{sandbox.api_url}/tenants/{TENANT_A}/interactions"
        for item in s.get(base, params={"limit": SCAN}, timeout=30).json()["results"]:
            iid = item["interactionId"]
            listed = s.get(f"{base}/{iid}/artifacts", timeout=10).json()["results"]
            full = [
                s.get(f"{base}/{iid}/artifacts/{a['artifactId']}", timeout=10).json()
                for a in listed
            ]
            out.append((item, full))
    return out


def find(catalogue, test: Callable[[dict, list[dict]], bool]) -> tuple[dict, list[dict]]:
    return next((item, arts) for item, arts in catalogue if test(item, arts))


def of(arts: list[dict], kind: str) -> list[dict]:
    return [a for a in arts if a["artifactType"].endswith(kind)]


def grant(user, *codenames: str) -> None:
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))


def section(client, iid: str):
    return client.get(f"/interactions/{iid}/artifacts/", **HX)


def file_url(iid: str, artifact: dict, f: dict) -> str:
    return f"/interactions/{iid}/artifacts/{artifact['artifactId']}/{f['artifactFileId']}"


def raw(url: str, **headers: str) -> requests.Response:
    with requests.Session() as s:
        s.trust_env = False
        return s.get(url, headers=headers, timeout=10)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def recorded(catalogue):
    item, arts = find(catalogue, lambda i, a: len(of(a, "recording")) == 1)
    return item["interactionId"], of(arts, "recording")[0]


@pytest.fixture
def listener(sup_client, supervisor):
    grant(supervisor, "listen_recordings")
    return sup_client


# --- the section on the detail page --------------------------------------------------------


def test_the_detail_page_does_not_wait_for_artifacts(live_api, sup_client, recorded):
    iid, _ = recorded
    page = sup_client.get(f"/interactions/{iid}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'hx-get="/interactions/{iid}/artifacts/"' in html and 'hx-trigger="load"' in html
    paths = live_api.stats()["paths"]
    assert not any("/artifacts" in path for path in paths), paths  # nothing asked yet


def test_a_recording_section_with_a_player_and_its_length(live_api, listener, recorded):
    iid, artifact = recorded
    response = section(listener, iid)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="artifacts"' in html and "<audio controls" in html
    (link,) = FILE_LINK.findall(html)
    assert link == file_url(iid, artifact, artifact["files"][0])
    seconds = (artifact["files"][0]["contentLength"] - 44) / 16000
    assert f"Recording 1 · {seconds:.2f}s" in html or f"Recording 1 · {int(seconds // 60)}m" in html
    assert "/files/" not in html and "signature" not in html and "expires=" not in html


def test_without_htmx_the_section_is_a_page(live_api, sup_client, recorded):
    iid, _ = recorded
    response = sup_client.get(f"/interactions/{iid}/artifacts/")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and 'id="artifacts"' in html
    assert f'href="/interactions/{iid}/"' in html


def test_playing_needs_listen_recordings(live_api, sup_client, recorded):
    iid, artifact = recorded
    html = section(sup_client, iid).content.decode()
    assert "<audio" not in html and "listen_recordings" in html
    response = sup_client.get(file_url(iid, artifact, artifact["files"][0]))
    assert response.status_code == 403 and b"listen_recordings" in response.content
    assert not AuditEvent.objects.filter(action="play_recording").exists()


def test_a_recording_shorter_than_the_talk_stands_out(live_api, sup_client, catalogue):
    def late(item, arts):  # single leg, one talk: the recording should last the whole talk
        recs = of(arts, "recording")
        agents = [a for a in item.get("agents", []) if a.get("talkTimes")]
        if len(recs) != 1 or len(agents) != 1 or len(agents[0]["talkTimes"]) != 1:
            return False
        talk = agents[0]["talkTimes"][0]
        from datetime import datetime

        span = (
            datetime.fromisoformat(talk["endTimestamp"])
            - datetime.fromisoformat(talk["startTimestamp"])
        ).total_seconds()
        return (recs[0]["files"][0]["contentLength"] - 44) / 16000 < span - 2

    short_id = find(catalogue, late)[0]["interactionId"]
    html = section(sup_client, short_id).content.decode()
    assert "Shorter than the talk" in html and "was not recorded" in html
    full_id = find(catalogue, lambda i, a: of(a, "recording") and not late(i, a))[0]
    assert (
        "Shorter than the talk"
        not in section(sup_client, full_id["interactionId"]).content.decode()
    )


def test_an_artifacts_failure_stays_in_its_section(live_api, sup_client, recorded):
    iid, _ = recorded
    live_api.set_faults(artifacts_status=500)
    response = section(sup_client, iid)
    html = response.content.decode()
    assert response.status_code == 502 and 'id="artifacts"' in html and "<html" not in html
    assert 'role="alert"' in html and "Try again" in html and "Reference" in html
    assert sup_client.get(f"/interactions/{iid}/").status_code == 200


def test_nothing_yet_for_an_unfinished_interaction(live_api, sup_client, catalogue):
    item = find(catalogue, lambda i, a: i.get("dataComplete") is False)[0]
    html = section(sup_client, item["interactionId"]).content.decode()
    assert "Nothing yet" in html


def test_a_chat_transcript_reads_as_a_conversation_masked_by_value(
    live_api, sup_client, supervisor, catalogue
):
    item, _ = find(
        catalogue, lambda i, a: i["channelType"] == "sms" and of(a, "messaging-transcript")
    )
    number = item["customer"]  # "+15551234567"; the SMS transcript says it without "+"
    html = section(sup_client, item["interactionId"]).content.decode()
    assert '<ol class="chat"' in html and 'class="msg customer"' in html
    assert 'class="msg agent"' in html and "<time datetime=" in html
    assert number.lstrip("+") not in html and number not in html and "••" in html
    assert "view_customer_pii" in html  # no download link, the reason instead
    assert not FILE_LINK.search(html)
    grant(supervisor, "view_customer_pii")
    html = section(sup_client, item["interactionId"]).content.decode()
    assert number.lstrip("+") in html or number in html
    assert FILE_LINK.search(html)


def test_an_email_with_headers_body_and_attachments(live_api, sup_client, supervisor, catalogue):
    def inbound_with_attachment(item, arts):
        emails = of(arts, "email")
        return (
            item["direction"] == "inbound"
            and emails
            and any(f["filename"] == "attachment" for f in emails[0]["files"])
        )

    item, arts = find(catalogue, inbound_with_attachment)
    grant(supervisor, "view_customer_pii")
    html = section(sup_client, item["interactionId"]).content.decode()
    assert "<h3>Email: " in html and "<dt>From</dt>" in html and "<dt>Date</dt>" in html
    assert item["customer"] in html  # allowed to see it
    links = FILE_LINK.findall(html)
    attachment_files = [f for f in arts[0]["files"] if f["filename"] == "attachment"]
    assert {link.rsplit("/", 1)[1] for link in links} >= {
        f["artifactFileId"] for f in attachment_files
    }
    response = sup_client.get(links[0])
    data = body(response)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "attachment" not in response["Content-Disposition"].split("filename=")[1]  # its name
    upstream = next(f for f in attachment_files if links[0].endswith(f["artifactFileId"]))
    assert data == raw(upstream["url"]).content
    assert response["Content-Type"] == upstream["contentType"]
    event = AuditEvent.objects.get(action="download_file")
    assert event.interaction_id == item["interactionId"] and event.pii_unmasked


def test_downloading_a_transcript_or_attachment_needs_view_customer_pii(
    live_api, listener, catalogue
):
    item, arts = find(catalogue, lambda i, a: of(a, "messaging-transcript"))
    transcript = of(arts, "messaging-transcript")[0]
    response = listener.get(file_url(item["interactionId"], transcript, transcript["files"][0]))
    assert response.status_code == 403 and b"view_customer_pii" in response.content
    assert not AuditEvent.objects.filter(action="download_file").exists()


def test_a_huge_transcript_shows_its_first_part(live_api, sup_client, catalogue):
    item, _ = find(catalogue, lambda i, a: of(a, "messaging-transcript"))
    iid = item["interactionId"]
    live_api.set_faults(huge_artifact=iid, huge_artifact_bytes=3 * 1024 * 1024)
    html = section(sup_client, iid).content.decode()
    assert "only its first part is shown" in html and "3.0\xa0MB" in html
    assert html.count('<li class="msg') > 20


# --- the file route: ranges, headers, the link ---------------------------------------------


@pytest.mark.parametrize(
    ("sent", "status", "span"),
    [
        (None, 200, None),
        ("bytes=0-", 206, (0, None)),
        ("bytes=1000-1999", 206, (1000, 1999)),
        ("bytes=-500", 206, (-500, None)),
        ("bytes=0-9,20-29", 200, None),  # several ranges: the whole file, as S3 does
    ],
)
def test_ranges_pass_through(live_api, listener, recorded, sent, status, span):
    iid, artifact = recorded
    f = artifact["files"][0]
    size = f["contentLength"]
    whole = raw(f["url"]).content
    response = listener.get(file_url(iid, artifact, f), **({"HTTP_RANGE": sent} if sent else {}))
    assert isinstance(response, StreamingHttpResponse)
    data = body(response)
    assert response.status_code == status
    if span is None:
        assert data == whole and response["Content-Length"] == str(size)
        assert not response.has_header("Content-Range")
    else:
        first, last = span
        first = size + first if first < 0 else first
        last = size - 1 if last is None else last
        assert data == whole[first : last + 1]
        assert response["Content-Range"] == f"bytes {first}-{last}/{size}"
        assert response["Content-Length"] == str(last - first + 1)
    assert response["Content-Type"] == f["contentType"]
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == f'inline; filename="{f["filename"]}"'
    assert "sandbox" in response["Content-Security-Policy"]
    assert "/files/" not in str(response.headers) and "signature" not in str(response.headers)


@pytest.mark.parametrize("sent", ["bytes=999999999-", "bytes=500-100"])
def test_an_unsatisfiable_range_is_416(live_api, listener, recorded, sent):
    iid, artifact = recorded
    f = artifact["files"][0]
    response = listener.get(file_url(iid, artifact, f), HTTP_RANGE=sent)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{f['contentLength']}"
    assert not AuditEvent.objects.exists()


def test_each_playback_from_the_start_is_audited(live_api, listener, recorded):
    iid, artifact = recorded
    url = file_url(iid, artifact, artifact["files"][0])
    for sent in ("bytes=0-", "bytes=4000-", "bytes=-100", None):
        body(listener.get(url, **({"HTTP_RANGE": sent} if sent else {})))
    events = AuditEvent.objects.filter(action="play_recording")
    assert events.count() == 2  # from 0, and the whole file; not the seeks
    event = events.first()
    assert event.interaction_id == iid and artifact["artifactId"] in event.query
    assert not event.pii_unmasked


def test_a_link_that_expires_mid_play_is_fetched_afresh_once(live_api, listener, recorded):
    iid, artifact = recorded
    url = file_url(iid, artifact, artifact["files"][0])
    artifact_path = f"/v1/tenants/{TENANT_A}/interactions/{iid}/artifacts/{artifact['artifactId']}"
    assert listener.get(url, HTTP_RANGE="bytes=0-99").status_code == 206
    asked = live_api.stats()["paths"][artifact_path]
    live_api.clock(advance_seconds=600)  # every link handed out so far has expired
    response = listener.get(url, HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206 and len(body(response)) == 100
    assert live_api.stats()["paths"][artifact_path] == asked + 1  # one fresh link
    assert live_api.stats()["faults"].get("file-expired") is None


def test_a_link_refused_twice_is_a_clear_error(live_api, listener, recorded):
    iid, artifact = recorded
    live_api.set_faults(file_fault="expired")
    response = listener.get(file_url(iid, artifact, artifact["files"][0]), HTTP_RANGE="bytes=0-")
    assert response.status_code == 502
    assert b"download link was refused" in response.content
    assert live_api.stats()["faults"]["file-expired"] == 2  # the first link and a fresh one


def test_unknown_ids_are_not_found(live_api, listener, recorded):
    iid, artifact = recorded
    other = "00000000-0000-4000-8000-000000000000"
    assert listener.get(f"/interactions/{iid}/artifacts/{other}/{other}").status_code == 404
    f = artifact["files"][0]
    wrong_file = f"/interactions/{iid}/artifacts/{artifact['artifactId']}/{other}"
    assert listener.get(wrong_file).status_code == 404
    assert listener.get(f"/interactions/{iid}/artifacts/x/{f['artifactFileId']}").status_code == 404


def test_the_file_route_needs_a_login(live_api, client, recorded):
    iid, artifact = recorded
    response = client.get(file_url(iid, artifact, artifact["files"][0]))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- hostile text ------------------------------------------------------------------------


def test_hostile_text_in_files_is_escaped(live_api, sup_client, supervisor, catalogue):
    grant(supervisor, "view_customer_pii")
    live_api.set_faults(mode="xss")
    chat = find(catalogue, lambda i, a: of(a, "messaging-transcript"))[0]
    mail = find(
        catalogue,
        lambda i, a: (
            i["direction"] == "inbound"
            and any(f["filename"] == "attachment" for e in of(a, "email") for f in e["files"])
        ),
    )[0]
    for iid in (chat["interactionId"], mail["interactionId"]):
        html = section(sup_client, iid).content.decode()
        assert "<script>window.__xss" not in html and "<img src=x" not in html
        assert "<svg onload" not in html
    html = section(sup_client, mail["interactionId"]).content.decode()
    assert "&lt;/title&gt;&lt;script&gt;window.__xss=12" in html  # the subject, as text
    link = FILE_LINK.findall(html)[0]
    disposition = sup_client.get(link)["Content-Disposition"]
    assert "<" not in disposition and "\n" not in disposition
    assert disposition.count('"') == 2  # the name's own quote was replaced
    assert XSS_PAYLOADS["attachmentName"] not in disposition


# --- every way the artifact calls can go wrong ----------------------------------------------


@pytest.mark.parametrize(
    "mode",
    ["status", "hang", "malformed", "truncated", "empty", "html", "wrong-types",
     "missing-fields", "unknown-fields", "huge"],
)  # fmt: skip
def test_every_fault_is_an_answer_in_the_section(live_api, listener, recorded, settings, mode):
    settings.CXENGAGE = {**settings.CXENGAGE, "READ_TIMEOUT": 1.0, "RETRIES": 0}
    iid, artifact = recorded
    assert listener.get(f"/interactions/{iid}/").status_code == 200  # cached: it is finished
    live_api.set_faults(mode=mode, status=500)
    response = section(listener, iid)
    html = response.content.decode()
    assert response.status_code in (200, 502, 504), response.status_code  # never a 500
    assert 'id="artifacts"' in html and "<html" not in html and "Traceback" not in html
    if mode in ("status", "hang", "malformed", "truncated", "empty", "html"):
        assert 'role="alert"' in html and "Reference" in html
    played = listener.get(file_url(iid, artifact, artifact["files"][0]), HTTP_RANGE="bytes=0-9")
    assert played.status_code in (206, 403, 404, 502, 504), played.status_code  # 403: no type
