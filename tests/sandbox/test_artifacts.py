"""Artifacts in the sandbox, over real HTTP: recordings, transcripts, emails, signed file links,
Range, faults and hostile text (see docs/sandbox.md, "Artifacts")."""

from __future__ import annotations

import array
import email
import io
import itertools
import json
import re
import time
import wave
from datetime import datetime
from email import policy
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.sandbox_process import BASIC_PASSWORD, BASIC_USER, TENANT_A, TENANT_B

SCAN = 300  # the most recent interactions of tenant A the tests pick from
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
RATE = 8000
XSS = {
    "messageText": "<img src=x onerror=window.__xss=11><script>window.__xss=11</script>",
    "emailSubject": "</title><script>window.__xss=12</script>",
    "emailFromName": '"><svg onload="window.__xss=13">',
    "attachmentName": '"><img src=x onerror=window.__xss=14>.pdf',
}


def ms(value: str) -> int:
    return round(datetime.fromisoformat(value).timestamp() * 1000)


def base(sandbox, iid: str, tenant: str = TENANT_A) -> str:
    return f"{sandbox.api_url}/tenants/{tenant}/interactions/{iid}/artifacts"


@pytest.fixture(scope="module")
def catalogue(sandbox):
    """The first SCAN interactions of tenant A with their artifact lists (read once)."""
    sandbox.reset()
    with requests.Session() as s:
        s.trust_env = False
        s.auth = (BASIC_USER, BASIC_PASSWORD)
        url = f"{sandbox.api_url}/tenants/{TENANT_A}/interactions"
        items = s.get(url, params={"limit": SCAN}, timeout=30).json()["results"]
        out = []
        for item in items:
            r = s.get(base(sandbox, item["interactionId"]), timeout=10)
            assert r.status_code == 200, r.text
            out.append((item, r.json()["results"]))
    return out


def artifact(api, sandbox, iid: str, artifact_id: str) -> dict:
    r = api.get(f"{base(sandbox, iid)}/{artifact_id}", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def download(url: str, **headers: str) -> requests.Response:
    """A file link, as a browser or the dashboard would fetch it: no credentials."""
    with requests.Session() as s:
        s.trust_env = False
        return s.get(url, headers=headers, timeout=10)


def talk_legs(item: dict) -> list[list[tuple[int, int]]]:
    """Talk periods (ms) per accepted agent leg with talk, legs in order."""
    legs = []
    for agent in sorted(
        (a for a in item.get("agents", []) if a.get("talkTimes")),
        key=lambda a: ms(a["conversationStartTimestamp"]),
    ):
        legs.append(
            sorted((ms(t["startTimestamp"]), ms(t["endTimestamp"])) for t in agent["talkTimes"])
        )
    return legs


def first(catalogue, predicate):
    return next((item, arts) for item, arts in catalogue if predicate(item, arts))


def of_type(arts: list[dict], *types: str) -> list[dict]:
    return [a for a in arts if a["artifactType"] in types]


# --- listing and fetching ------------------------------------------------------------------


def test_list_and_artifact_shapes(api, sandbox, catalogue):
    seen_types = set()
    for item, arts in catalogue[:80]:
        for summary in arts:
            assert {"artifactId", "artifactType", "tenantId", "interactionId", "created"} <= set(
                summary
            )
            assert UUID.match(summary["artifactId"])
            assert summary["interactionId"] == item["interactionId"]
            seen_types.add(summary["artifactType"])
            full = artifact(api, sandbox, item["interactionId"], summary["artifactId"])
            assert {k: full[k] for k in summary} == summary
            assert full["files"]
            for f in full["files"]:
                assert set(f) >= {
                    "artifactFileId",
                    "filename",
                    "contentType",
                    "contentLength",
                    "created",
                    "url",
                }
                assert UUID.match(f["artifactFileId"])
                assert f["url"].startswith(sandbox.root + "/files/")
            if full["artifactType"] == "email":
                assert full["manifestId"] in {f["artifactFileId"] for f in full["files"]}
    assert {"audio-recording", "cxengage-recording", "messaging-transcript", "email"} <= seen_types


def test_which_interactions_have_artifacts(api, sandbox, catalogue):
    answered_voice = [
        (i, a)
        for i, a in catalogue
        if i["channelType"] == "voice" and i["dataComplete"] and talk_legs(i)
    ]
    recorded = [a for _, a in answered_voice if of_type(a, "audio-recording", "cxengage-recording")]
    assert 0.75 <= len(recorded) / len(answered_voice) <= 0.95
    assert any(len(a) == 2 for a in recorded)  # a transferred call recorded in two files
    for item, arts in catalogue:
        channel = item["channelType"]
        if channel == "email":
            assert of_type(arts, "email"), "every email has its message as an artifact"
        elif channel == "work-item":
            assert arts == []
        elif not item["dataComplete"]:
            assert arts == [], "recordings and transcripts appear when the interaction ends"
        elif channel == "voice" and not talk_legs(item):
            assert arts == []
        if channel in ("sms", "messaging") and arts:
            assert [a["artifactType"] for a in arts] == ["messaging-transcript"]
    chats = [
        a for i, a in catalogue if i["channelType"] in ("sms", "messaging") and i["dataComplete"]
    ]
    assert sum(bool(a) for a in chats) / len(chats) >= 0.8


def test_unfinished_interactions_get_their_artifacts_when_they_end(api, sandbox, catalogue):
    waiting = [
        i["interactionId"]
        for i, _ in catalogue
        if not i["dataComplete"] and i["channelType"] in ("voice", "sms", "messaging")
    ]
    assert waiting
    sandbox.clock(advance_seconds=86_400)
    gained = [iid for iid in waiting if api.get(base(sandbox, iid), timeout=10).json()["results"]]
    assert gained


def test_unknown_or_malformed_ids_and_auth(api, sandbox, catalogue):
    item, _ = first(catalogue, lambda i, a: bool(a))
    iid = item["interactionId"]
    for url, status in (
        (base(sandbox, "00000000-0000-4000-8000-000000000000"), 404),
        (base(sandbox, "not-a-uuid"), 400),
        (f"{base(sandbox, iid)}/00000000-0000-4000-8000-000000000000", 404),
        (f"{base(sandbox, iid)}/nope", 400),
        (base(sandbox, iid, TENANT_B), 404),  # another tenant's id
        (base(sandbox, iid, "5b1c3f7e-2a4d-4e8b-9c61-000000000000"), 403),
    ):
        r = api.get(url, timeout=10)
        assert r.status_code == status, url
        assert r.json()["error"]["code"] == status
    assert download(base(sandbox, iid)).status_code == 401
    assert api.post(base(sandbox, iid), timeout=10).status_code == 405


def test_same_interaction_same_ids_and_bytes(api, sandbox, short_ttl_sandbox, catalogue):
    """A second process with the same seed and anchor answers the same ids, links and bytes."""
    picks = [
        first(catalogue, lambda i, a, t=t: bool(of_type(a, t)))
        for t in ("audio-recording", "messaging-transcript", "email")
    ]
    for item, arts in picks:
        iid = item["interactionId"]
        other = api.get(base(short_ttl_sandbox, iid), timeout=10).json()["results"]
        assert other == arts
        one = artifact(api, sandbox, iid, arts[0]["artifactId"])
        two = artifact(api, short_ttl_sandbox, iid, arts[0]["artifactId"])
        for f1, f2 in zip(one["files"], two["files"], strict=True):
            u1, u2 = urlsplit(f1.pop("url")), urlsplit(f2.pop("url"))
            assert (u1.path, u1.query) == (u2.path, u2.query)
            assert download(u1.geturl()).content == download(u2.geturl()).content
            assert f1 == f2


# --- recordings ----------------------------------------------------------------------------


def recordings(api, sandbox, item: dict, arts: list[dict]) -> list[dict]:
    full = [
        artifact(api, sandbox, item["interactionId"], a["artifactId"])
        for a in of_type(arts, "audio-recording", "cxengage-recording")
    ]
    return sorted(full, key=lambda a: a["created"])


def test_recording_is_a_wav_with_a_tone_in_each_talk_period(api, sandbox, catalogue):
    candidates = [
        (i, a)
        for i, a in catalogue
        if len(of_type(a, "audio-recording", "cxengage-recording")) == 1
        and sum(len(leg) for leg in talk_legs(i)) >= 2
    ]
    item, arts = min(candidates, key=lambda c: c[0]["customerTalkTime"])
    [rec] = recordings(api, sandbox, item, arts)
    [f] = rec["files"]
    body = download(f["url"]).content
    assert len(body) == f["contentLength"]
    assert f["contentType"] in ("audio/wav", "audio/x-wav")
    with wave.open(io.BytesIO(body)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
        samples = array.array("h", w.readframes(w.getnframes()))
    legs = talk_legs(item)
    talks = [t for leg in legs for t in leg]
    rec_end = max(b for _, b in talks)
    rec_start = rec_end - len(samples) * 1000 // RATE  # a late start only cuts the beginning

    def window(at_ms: int) -> array.array:
        n = (at_ms - rec_start) * RATE // 1000
        return samples[max(0, n - 100) : n + 100]

    for k, (a, b) in enumerate(talks):
        if b <= rec_start:
            continue
        mid = (max(a, rec_start) + b) // 2
        assert max(abs(x) for x in window(mid)) > 5000, f"no tone in talk period {k}"
        if k + 1 < len(talks) and talks[k + 1][0] - b > 400:
            gap = (b + talks[k + 1][0]) // 2
            assert max(abs(x) for x in window(gap)) == 0, f"not silent after talk period {k}"
    # the first leg's tone is 440 Hz: ~880 zero crossings per second
    a, b = legs[0][0]
    if b - a > 1200 and a >= rec_start:
        n = (a - rec_start) * RATE // 1000 + 80
        second = samples[n : n + RATE]
        crossings = sum(1 for x, y in itertools.pairwise(second) if (x < 0) != (y < 0))
        assert 860 <= crossings <= 900


def test_recording_length_is_the_talk_span_and_a_few_start_late(api, sandbox, catalogue):
    exact = late = 0
    for item, arts in catalogue:
        recs = (
            recordings(api, sandbox, item, arts)
            if of_type(arts, "audio-recording", "cxengage-recording")
            else []
        )
        if not recs:
            continue
        legs = talk_legs(item)
        groups = [legs] if len(recs) == 1 else [legs[:1], legs[1:]]
        for rec, group in zip(recs, groups, strict=True):
            talks = [t for leg in group for t in leg]
            span = max(b for _, b in talks) - min(a for a, _ in talks)
            head = download(rec["files"][0]["url"], Range="bytes=0-43")
            assert head.status_code == 206
            assert head.content[:4] == b"RIFF" and head.content[8:16] == b"WAVEfmt "
            data_bytes = int.from_bytes(head.content[40:44], "little")
            assert rec["files"][0]["contentLength"] == 44 + data_bytes
            length = data_bytes // 2 * 1000 // RATE
            if abs(length - span) <= 1:
                exact += 1
            else:
                assert span - 41_000 <= length < span, (item["interactionId"], length, span)
                late += 1
    assert exact > 50
    assert 1 <= late <= exact * 0.2


# --- transcripts ---------------------------------------------------------------------------


def messages_of(body: bytes, content_type: str) -> tuple[str, list[tuple[str, str, int, str]]]:
    """(shape, [(role, name, at_ms, text)]) of a transcript file."""
    if content_type.startswith("text/plain"):
        out = []
        for line in body.decode().splitlines():
            stamp, _, rest = line.partition("  ")
            who, _, text = rest.partition("): ")
            name, _, role = who.rpartition(" (")
            out.append((role, name, ms(stamp), text))
        return "text", out
    data = json.loads(body)
    if isinstance(data, list):
        return "array", [
            (m["metadata"]["type"], m["metadata"]["name"], ms(m["timestamp"]), m["body"]["text"])
            for m in data
        ]
    return "messages", [
        (m["role"], m["from"], ms(m["created"]), m["text"]) for m in data["messages"]
    ]


def check_transcript(api, sandbox, item: dict, transcript: dict) -> str:
    """Who/when/what of one transcript against its interaction; returns the file's shape."""
    [f] = artifact(api, sandbox, item["interactionId"], transcript["artifactId"])["files"]
    r = download(f["url"])
    assert r.headers["Content-Type"] == f["contentType"]
    shape, messages = messages_of(r.content, f["contentType"])
    times = [at for _, _, at, _ in messages]
    assert times == sorted(times), item["interactionId"]
    end = item.get("endTimestamp")  # a Stuck flag has none
    assert ms(item["startTimestamp"]) <= times[0], item["interactionId"]
    assert end is None or times[-1] <= ms(end), item["interactionId"]
    agents = {a["agentName"] for a in item.get("agents", [])}
    roles = {role for role, _, _, _ in messages}
    assert "customer" in roles
    for role, name, _, text in messages:
        assert text
        if role == "agent":
            assert name in agents
    if any(a.get("agentWorkAccepted") for a in item.get("agents", [])):
        assert "agent" in roles  # every agent who took the chat speaks
    if shape == "array" and item["channelType"] == "sms":
        data = json.loads(r.content)
        customer = next(m for m in data if m["metadata"]["type"] == "customer")
        assert customer["from"] == item["customer"].lstrip("+")  # as the SDK receives SMS
    return shape


def test_transcripts_are_conversations_inside_the_interaction(api, sandbox, catalogue):
    shapes = {
        check_transcript(api, sandbox, item, t)
        for item, arts in catalogue
        for t in of_type(arts, "messaging-transcript")
    }
    assert {"array", "messages"} <= shapes


def test_transcripts_of_quick_chats_stay_inside_and_in_order(api, sandbox):
    """Chats that end within seconds, or that an agent took within seconds of the start."""
    url = f"{sandbox.api_url}/tenants/{TENANT_A}/interactions"
    items = api.get(url, params={"limit": 1000, "offset": SCAN}, timeout=30).json()["results"]
    checked = 0
    for item in items:
        if item["channelType"] not in ("sms", "messaging") or not item["dataComplete"]:
            continue
        start = ms(item["startTimestamp"])
        accepts = [
            ms(a["conversationStartTimestamp"])
            for a in item.get("agents", [])
            if a.get("conversationStartTimestamp")
        ]
        if accepts and min(accepts) - start > 3_000:
            continue
        for t in api.get(base(sandbox, item["interactionId"]), timeout=10).json()["results"]:
            check_transcript(api, sandbox, item, t)
            checked += 1
    assert checked >= 5


# --- emails --------------------------------------------------------------------------------


def files_by_name(a: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in a["files"]:
        out.setdefault(f["filename"], []).append(f)
    return out


def test_email_is_a_mime_message_with_an_attachment(api, sandbox, catalogue):
    checked = 0
    for item, arts in catalogue:
        if item["channelType"] != "email" or item["direction"] != "inbound":
            continue
        original = min(of_type(arts, "email"), key=lambda a: a["created"])
        full = artifact(api, sandbox, item["interactionId"], original["artifactId"])
        files = files_by_name(full)
        if "attachment" not in files:
            continue
        eml = download(files["message.eml"][0]["url"])
        assert eml.headers["Content-Type"] == "message/rfc822"
        msg = email.message_from_bytes(eml.content, policy=policy.default)
        assert msg["From"].addresses[0].addr_spec == item["customer"]
        assert msg["To"].addresses[0].addr_spec == item["contactPoint"]
        sent = msg["Date"].datetime.timestamp() * 1000
        assert ms(item["startTimestamp"]) - 61_000 <= sent <= ms(item["startTimestamp"])
        manifest_file = next(f for f in full["files"] if f["artifactFileId"] == full["manifestId"])
        manifest = download(manifest_file["url"]).json()
        assert manifest["subject"] == msg["Subject"] and msg["Subject"]
        assert manifest["id"] == msg["Message-ID"]
        plain = download(files["body"][0]["url"])
        assert plain.headers["Content-Type"].startswith("text/plain")
        assert plain.text.strip() == msg.get_body(("plain",)).get_content().strip()
        parts = list(msg.iter_attachments())
        assert [p.get_filename() for p in parts] == [a["filename"] for a in manifest["attachments"]]
        for part, f in zip(parts, files["attachment"], strict=True):
            data = download(f["url"]).content
            content = part.get_content()
            assert data == (content.encode() if isinstance(content, str) else content)
            assert part.get_content_type() == f["contentType"]
            magic = {"application/pdf": b"%PDF-1.4", "image/png": b"\x89PNG\r\n\x1a\n"}
            assert data.startswith(magic.get(f["contentType"], b""))
        checked += 1
        if checked == 5:
            break
    assert checked == 5


def test_answered_emails_can_carry_the_reply(api, sandbox, catalogue):
    item, arts = first(catalogue, lambda i, a: len(of_type(a, "email")) == 2)
    original, reply = (
        artifact(api, sandbox, item["interactionId"], a["artifactId"])
        for a in sorted(arts, key=lambda a: a["created"])
    )
    msg = lambda a: email.message_from_bytes(  # noqa: E731
        download(files_by_name(a)["message.eml"][0]["url"]).content, policy=policy.default
    )
    first_msg, reply_msg = msg(original), msg(reply)
    assert reply_msg["In-Reply-To"] == first_msg["Message-ID"]
    assert reply_msg["Subject"] == f"Re: {first_msg['Subject']}"
    assert reply_msg["To"].addresses[0].addr_spec == item["customer"]
    assert {"plainTextBody", "htmlBody", "manifest.json"} <= set(files_by_name(reply))


# --- signed links --------------------------------------------------------------------------


@pytest.fixture
def small_file(api, sandbox, catalogue) -> dict:
    """A short recording's file entry (fresh link)."""
    item, arts = min(
        ((i, a) for i, a in catalogue if of_type(a, "audio-recording")),
        key=lambda c: c[0]["customerTalkTime"],
    )
    return artifact(
        api, sandbox, item["interactionId"], of_type(arts, "audio-recording")[0]["artifactId"]
    )["files"][0]


def s3_code(r: requests.Response) -> str:
    assert r.headers["Content-Type"] == "application/xml"
    return re.search(r"<Code>([^<]+)</Code>", r.text)[1]


def test_link_needs_no_credentials_and_is_signed(small_file):
    url = small_file["url"]
    ok = download(url)
    assert ok.status_code == 200
    assert ok.headers["Content-Length"] == str(small_file["contentLength"])
    assert ok.headers["Accept-Ranges"] == "bytes"
    sig = re.search(r"signature=([0-9a-f]+)", url)[1]
    forged = url.replace(sig, ("0" if sig[0] != "0" else "1") + sig[1:])
    assert download(forged).status_code == 403
    assert s3_code(download(forged)) == "SignatureDoesNotMatch"
    longer = re.sub(r"expires=(\d+)", lambda m: f"expires={int(m[1]) + 3600}", url)
    assert s3_code(download(longer)) == "SignatureDoesNotMatch"
    other_name = url.replace("/recording-1.wav?", "/recording-2.wav?")
    assert s3_code(download(other_name)) == "SignatureDoesNotMatch"
    assert s3_code(download(url.split("?")[0])) == "AccessDenied"


def test_link_expires_on_the_sandbox_clock(api, sandbox, small_file):
    url = small_file["url"]
    sandbox.clock(advance_seconds=299)
    assert download(url).status_code == 200
    sandbox.clock(advance_seconds=1)
    expired = download(url)
    assert expired.status_code == 403
    assert s3_code(expired) == "AccessDenied" and "Request has expired" in expired.text
    iid, artifact_id = urlsplit(url).path.split("/")[3:5]
    fresh = artifact(api, sandbox, iid, artifact_id)["files"][0]["url"]
    assert fresh != url and download(fresh).status_code == 200


# --- Range ---------------------------------------------------------------------------------


def test_range_requests(small_file):
    url, size = small_file["url"], small_file["contentLength"]
    whole = download(url).content
    etag = download(url, Range="bytes=0-0").headers["ETag"]
    for header, first_byte, last_byte in (
        ("bytes=0-99", 0, 99),
        (f"bytes={size // 2}-{size // 2 + 4095}", size // 2, size // 2 + 4095),
        ("bytes=-500", size - 500, size - 1),
        (f"bytes={size - 10}-", size - 10, size - 1),
        (f"bytes=100-{size + 1000}", 100, size - 1),  # past the end: cut to the end
    ):
        r = download(url, Range=header)
        assert r.status_code == 206, header
        assert r.headers["Content-Range"] == f"bytes {first_byte}-{last_byte}/{size}", header
        assert r.content == whole[first_byte : last_byte + 1], header
        assert r.headers["Content-Length"] == str(last_byte - first_byte + 1)
    for header in (
        f"bytes={size}-",
        f"bytes={size + 5}-{size + 9}",
        "bytes=9-3",
        "bytes=-0",
        "bytes=abc",
    ):
        r = download(url, Range=header)
        assert r.status_code == 416, header
        assert r.headers["Content-Range"] == f"bytes */{size}"
        assert s3_code(r) == "InvalidRange"
    for header in ("bytes=0-9,20-29", "items=0-9"):  # several ranges / another unit: all of it
        r = download(url, Range=header)
        assert r.status_code == 200 and r.content == whole, header
    assert download(url, Range="bytes=0-9", **{"If-Range": etag}).status_code == 206
    assert download(url, Range="bytes=0-9", **{"If-Range": '"other"'}).status_code == 200


# --- faults --------------------------------------------------------------------------------


def test_artifact_calls_fail_on_demand(api, sandbox, catalogue):
    item, arts = first(catalogue, lambda i, a: bool(a))
    url = base(sandbox, item["interactionId"])
    one = f"{url}/{arts[0]['artifactId']}"
    for status in (500, 404, 503):
        sandbox.set_faults(artifacts_status=status)
        for target in (url, one):
            r = api.get(target, timeout=10)
            assert r.status_code == status
            assert r.json()["error"]["code"] == status
        assert ("Retry-After" in r.headers) == (status == 503)
        interactions = f"{sandbox.api_url}/tenants/{TENANT_A}/interactions/{item['interactionId']}"
        assert api.get(interactions, timeout=10).status_code == 200  # only the artifact calls
    sandbox.set_faults(artifacts_status=500, artifacts_count=1)
    assert api.get(url, timeout=10).status_code == 500
    assert api.get(url, timeout=10).status_code == 200
    assert sandbox.stats()["faults"]["artifacts-status"] >= 1


def test_the_general_fault_modes_reach_the_artifact_calls(api, sandbox, catalogue):
    item, arts = first(catalogue, lambda i, a: bool(a))
    one = f"{base(sandbox, item['interactionId'])}/{arts[0]['artifactId']}"
    sandbox.set_faults(mode="status", status=503)
    assert api.get(one, timeout=10).status_code == 503
    sandbox.set_faults(mode="missing-fields")
    body = api.get(one, timeout=10).json()
    assert "artifactId" not in body and all("url" not in f for f in body["files"])
    sandbox.set_faults(mode="wrong-types")
    body = api.get(one, timeout=10).json()
    assert isinstance(body["files"], dict) and isinstance(body["files"]["0"]["contentLength"], str)
    sandbox.set_faults(mode="xss")
    assert api.get(one, timeout=10).json()["artifactId"] == arts[0]["artifactId"]


def test_file_links_expire_or_trickle_on_demand(sandbox, small_file):
    url = small_file["url"]
    sandbox.set_faults(file_fault="expired", file_count=1)
    r = download(url)
    assert r.status_code == 403 and "Request has expired" in r.text
    assert download(url).status_code == 200  # count used up
    sandbox.set_faults(file_fault="slow", file_delay_ms=40)
    started = time.perf_counter()
    r = download(url, Range="bytes=0-12287")  # three 4 KiB chunks
    elapsed = time.perf_counter() - started
    assert r.status_code == 206 and len(r.content) == 12288
    assert elapsed >= 0.12
    sandbox.reset()
    started = time.perf_counter()
    download(url, Range="bytes=0-12287")
    assert time.perf_counter() - started < 0.12


def test_fault_settings_are_validated(http, sandbox):
    for bad in (
        {"artifacts_status": 200},
        {"artifacts_status": "500"},
        {"file_fault": "gone"},
        {"file_delay_ms": -1},
        {"huge_artifact": "not-an-id"},
        {"huge_artifact_bytes": 10},
        {"artifacts_count": 1.5},
    ):
        r = http.post(sandbox.root + "/_sandbox/faults", json=bad, timeout=5)
        assert r.status_code == 400, bad
    assert sandbox.faults()["file_fault"] is None


# --- huge files on demand ------------------------------------------------------------------


def _hwm_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmHWM:")).split()[1])


def test_huge_recording_streams_in_constant_memory(api, sandbox, catalogue):
    item, arts = first(catalogue, lambda i, a: bool(of_type(a, "audio-recording")))
    iid = item["interactionId"]
    size = 200 * 1024 * 1024
    sandbox.set_faults(huge_artifact=iid, huge_artifact_bytes=size)
    [f] = recordings(api, sandbox, item, arts)[0]["files"]
    assert f["contentLength"] == size
    before = _hwm_kb(sandbox.pid)
    received = 0
    with requests.get(f["url"], stream=True, timeout=30) as r:
        assert r.headers["Content-Length"] == str(size)
        head = next(r.iter_content(44))
        received += len(head)
        for chunk in r.iter_content(1024 * 1024):
            received += len(chunk)
    assert received == size
    with wave.open(io.BytesIO(head + b"\x00" * 2)) as w:
        assert w.getnframes() == (size - 44) // 2
    assert _hwm_kb(sandbox.pid) - before < 32 * 1024, "the recording was held in memory"
    tail = download(f["url"], Range="bytes=-4000")
    assert tail.status_code == 206 and len(tail.content) == 4000


def test_huge_transcript_on_demand(api, sandbox, catalogue):
    item, arts = first(catalogue, lambda i, a: bool(of_type(a, "messaging-transcript")))
    sandbox.set_faults(huge_artifact=item["interactionId"], huge_artifact_bytes=3_000_000)
    [f] = artifact(api, sandbox, item["interactionId"], arts[0]["artifactId"])["files"]
    assert f["contentLength"] >= 3_000_000
    r = download(f["url"])
    assert len(r.content) == f["contentLength"]
    _, messages = messages_of(r.content, f["contentType"])
    assert len(messages) > 1000


# --- hostile text --------------------------------------------------------------------------


def test_xss_mode_puts_payloads_inside_transcripts_and_emails(api, sandbox, catalogue):
    from sandbox.faults import XSS_PAYLOADS

    assert {k: XSS_PAYLOADS[k] for k in XSS} == XSS
    chat, chat_arts = first(catalogue, lambda i, a: bool(of_type(a, "messaging-transcript")))
    mail, mail_arts = first(
        catalogue,
        lambda i, a: (
            i["channelType"] == "email"
            and i["direction"] == "inbound"
            and len(a) == 1
            and "attachment"
            in files_by_name(artifact(api, sandbox, i["interactionId"], a[0]["artifactId"]))
        ),
    )
    sandbox.set_faults(mode="xss")
    [t] = artifact(api, sandbox, chat["interactionId"], chat_arts[0]["artifactId"])["files"]
    r = download(t["url"])
    _, messages = messages_of(r.content, t["contentType"])
    assert messages and all(text == XSS["messageText"] for _, _, _, text in messages)
    assert any(
        name == XSS_PAYLOADS["customer"] for role, name, _, _ in messages if role == "customer"
    )
    full = artifact(api, sandbox, mail["interactionId"], mail_arts[0]["artifactId"])
    assert full["artifactId"] == mail_arts[0]["artifactId"]
    msg = email.message_from_bytes(
        download(files_by_name(full)["message.eml"][0]["url"]).content, policy=policy.default
    )
    assert msg["Subject"] == XSS["emailSubject"]
    assert msg["From"].addresses[0].display_name == XSS["emailFromName"]
    assert msg["From"].addresses[0].addr_spec == mail["customer"]
    names = [p.get_filename() for p in msg.iter_attachments()]
    manifest = download(
        next(f for f in full["files"] if f["artifactFileId"] == full["manifestId"])["url"]
    ).json()
    assert names and all(n == XSS["attachmentName"] for n in names)
    assert [a["filename"] for a in manifest["attachments"]] == names
    assert manifest["subject"] == XSS["emailSubject"]
    assert XSS["messageText"] in msg.get_body(("plain",)).get_content()
