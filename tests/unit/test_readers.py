"""Reading artifact files: a WAV's length from its head, transcripts in every accepted shape
(and cut short), emails from MIME or from the SDK's manifest, HTML made text."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime

import pytest

from interactions_app.readers.email_message import MailAddress, read_manifest, read_mime
from interactions_app.readers.html_text import html_to_text
from interactions_app.readers.recording import wav_seconds
from interactions_app.readers.transcript import read_transcript
from sandbox import media

# --- recordings ----------------------------------------------------------------------------


def test_a_wav_length_comes_from_its_header() -> None:
    rec = media.recording([(0, 4000, 440)], 0, 12_345)  # 12.345 s at 8 kHz
    head = b"".join(rec.chunks(0, 4096))
    assert wav_seconds(head, rec.size) == pytest.approx(12.345, abs=0.001)
    assert wav_seconds(head) == pytest.approx(12.345, abs=0.001)  # the size is in the header


def test_a_wav_whose_data_size_was_never_filled_in_runs_to_the_end() -> None:
    head = bytearray(media.wav_header(0))
    assert wav_seconds(bytes(head), 44 + 16_000 * 3) == pytest.approx(3.0)
    head[40:44] = struct.pack("<I", 0xFFFFFFFF)
    assert wav_seconds(bytes(head), 44 + 16_000 * 2) == pytest.approx(2.0)


def test_chunks_before_the_sound_and_g711_are_read() -> None:
    fmt = struct.pack("<HHIIHH", 7, 1, 8000, 8000, 1, 8)  # mu-law: 8000 bytes a second
    head = (
        b"RIFF" + struct.pack("<I", 0) + b"WAVE"
        + b"LIST" + struct.pack("<I", 5) + b"INFO!" + b"\x00"  # odd size: one pad byte
        + b"fmt " + struct.pack("<I", 16) + fmt
        + b"data" + struct.pack("<I", 8000 * 7)
    )  # fmt: skip
    assert wav_seconds(head) == pytest.approx(7.0)


@pytest.mark.parametrize(
    "head",
    [b"", b"ID3\x04" + b"\x00" * 100, b"RIFF\x00\x00\x00\x00AVI ", media.wav_header(100)[:30]],
)
def test_anything_else_has_no_length(head) -> None:
    assert wav_seconds(head, 1000) is None


# --- transcripts ---------------------------------------------------------------------------

SDK_MESSAGES = [
    {
        "id": "m1",
        "type": "message",
        "from": "riley.lopez@mail.example.com",
        "metadata": {"name": "Riley Lopez", "firstName": "Riley", "lastName": "Lopez",
                     "type": "customer"},
        "body": {"text": "Hi, where is my order?"},
        "timestamp": "2026-11-24T11:53:34.204Z",
    },
    {
        "id": "m2",
        "type": "message",
        "from": "0b9e3a5c-agent-id",
        "metadata": {"firstName": "Ruby", "lastName": "Clarke", "type": "agent"},
        "body": {"text": "Let me look."},
        "timestamp": 1795521214204,
    },
]  # fmt: skip


def test_the_sdk_shape_reads_speaker_from_metadata_and_text_from_body() -> None:
    conversation = read_transcript(json.dumps(SDK_MESSAGES).encode())
    first, second = conversation.messages
    assert (first.who, first.role, first.side, first.text) == (
        "Riley Lopez",
        "customer",
        "customer",
        "Hi, where is my order?",
    )
    assert first.at == datetime(2026, 11, 24, 11, 53, 34, 204000, tzinfo=UTC)
    assert (second.who, second.role) == ("Ruby Clarke", "agent")  # not "message", not the id
    assert second.at == datetime.fromtimestamp(1795521214.204, tz=UTC)
    assert conversation.plain_text is None and not conversation.partial


def test_the_messages_object_and_the_usual_field_names() -> None:
    data = {
        "interactionId": "x",
        "messages": [
            {"from": "Riley Lopez", "role": "customer", "text": "Hello",
             "created": "2026-11-24T11:00:00Z"},
            {"from": "Bot", "type": "system", "content": "Ruby joined",
             "time": "2026-11-24T11:00:05Z"},
            {"role": "moderator", "body": "plain body"},
            {"from": "nobody", "text": 42},  # no text: not a message
        ],
    }  # fmt: skip
    messages = read_transcript(json.dumps(data).encode()).messages
    assert [(m.who, m.role, m.side, m.text) for m in messages] == [
        ("Riley Lopez", "customer", "customer", "Hello"),
        ("Bot", "system", "system", "Ruby joined"),
        ("Moderator", "moderator", "other", "plain body"),
    ]
    assert messages[2].at is None


@pytest.mark.parametrize(
    "body",
    [
        b"2026-11-24T11:53:34.204Z  Riley Lopez (customer): hi\n",
        b'{"transcript": "not a list"}',
        b"[1, 2, 3]",
        b"\xff\xfe not utf-8",
    ],
)
def test_anything_else_is_plain_text(body) -> None:
    conversation = read_transcript(body)
    assert conversation.messages == ()
    assert conversation.plain_text == body.decode("utf-8", errors="replace")


def test_the_first_part_of_a_large_transcript_shows_its_whole_messages() -> None:
    whole = json.dumps(SDK_MESSAGES * 3).encode()
    cut = whole[: len(whole) - 40]  # inside the last message
    conversation = read_transcript(cut, partial=True)
    assert conversation.partial and len(conversation.messages) == 5
    wrapped = json.dumps({"channel": "sms", "messages": SDK_MESSAGES * 3}).encode()
    assert len(read_transcript(wrapped[:-60], partial=True).messages) == 5
    assert read_transcript(b"plain text cut sho", partial=True).plain_text == "plain text cut sho"


# --- emails --------------------------------------------------------------------------------


def eml(**changes: object) -> bytes:
    values = {
        "subject": "Where is my order ORD-871265?",
        "sender": ("Riley Lopez", "riley.lopez@mail.example.com"),
        "to": ("Northwind Support", "support@northwind.example"),
        "sent_ms": 1795520846000,
        "utc_offset_minutes": -300,
        "message_id": "<abc@mail.example.com>",
        "text": "Hello team,\n\nWhere is it?\n\nRiley",
        "html": "<p>Hello team,</p><p>Where is it?</p>",
        "attachments": [media.Attachment("receipt.pdf", "application/pdf", b"%PDF-1.4 x" * 30)],
    }
    values.update(changes)
    return media.email_message(**values)  # type: ignore[arg-type]


def test_a_mime_message_is_read_with_the_email_package() -> None:
    message = read_mime(eml())
    assert message.subject == "Where is my order ORD-871265?"
    assert message.sender == (MailAddress("Riley Lopez", "riley.lopez@mail.example.com"),)
    assert str(message.to[0]) == "Northwind Support <support@northwind.example>"
    assert message.date == datetime.fromtimestamp(1795520846, tz=UTC)
    assert message.body == "Hello team,\n\nWhere is it?\n\nRiley"  # the text part, preferred
    assert not message.body_from_html
    (attachment,) = message.attachments
    assert (attachment.name, attachment.content_type, attachment.size) == (
        "receipt.pdf",
        "application/pdf",
        300,
    )


def test_an_html_only_body_becomes_text_and_never_markup() -> None:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"] = "=?utf-8?q?R=C3=A9sum=C3=A9?="
    msg["From"] = "not an address at all"
    msg.set_content(
        "<html><head><style>p{}</style><script>window.__xss=1</script></head><body>"
        "<p>First&nbsp;line<br>second line</p><ul><li>one</li><li>two</li></ul>"
        "<img src=x onerror=alert(1)>&lt;b&gt;</body></html>",
        subtype="html",
    )
    message = read_mime(msg.as_bytes())
    assert message.subject == "Résumé"
    assert message.body_from_html
    assert message.body == "First line\nsecond line\n\n• one\n• two\n\n<b>"
    assert "__xss" not in message.body and "onerror" not in message.body
    assert message.sender  # a malformed From is kept as text, not an exception
    assert message.date is None and message.attachments == ()


def test_garbage_is_an_empty_message_not_an_exception() -> None:
    message = read_mime(b"\x00\xff" * 50 + b"\r\n\r\n--")
    assert message.subject == "" and message.attachments == ()


def test_the_sdk_manifest_and_its_body_files() -> None:
    manifest = {
        "id": "<abc@mail.example.com>",
        "subject": "Late fee",
        "from": [{"name": "Riley Lopez", "address": "riley.lopez@mail.example.com"}],
        "to": [{"name": None, "address": "support@northwind.example"}],
        "cc": [],
        "date": "2026-11-24T11:47:03.648Z",
        "body": {"plain": {"artifactFileId": "p"}, "html": {"artifactFileId": "h"}},
        "attachments": [
            {"artifactFileId": "f1", "filename": "invoice.pdf",
             "headers": [{"contentType": "application/pdf; name=invoice.pdf"}]},
            {"filename": "no-file.png", "headers": []},
        ],
    }  # fmt: skip
    message = read_manifest(manifest, plain=b"Hello\n", sizes={"f1": 1234})
    assert (message.subject, message.body, message.body_from_html) == ("Late fee", "Hello", False)
    assert message.to == (MailAddress("", "support@northwind.example"),)
    assert message.date == datetime(2026, 11, 24, 11, 47, 3, 648000, tzinfo=UTC)
    first, second = message.attachments
    assert (first.name, first.content_type, first.size, first.file_id) == (
        "invoice.pdf",
        "application/pdf",
        1234,
        "f1",
    )
    assert (second.file_id, second.content_type) == (None, "application/octet-stream")
    html_only = read_manifest(manifest, html=b"<p>Hi</p><p>there</p>")
    assert (html_only.body, html_only.body_from_html) == ("Hi\n\nthere", True)
    assert read_manifest(["not", "a", "manifest"]).subject == ""


def test_html_to_text_keeps_paragraphs_and_drops_what_is_not_text() -> None:
    html = (
        "<!DOCTYPE html><html><head><title>T</title></head><body style='x'>"
        "<h1>Title</h1><p>One\n  two   three</p><div>Four<br/>five</div>"
        "<table><tr><td>a</td><td>b</td></tr></table><script>evil()</script>&amp;&#x27;"
        "</body></html>"
    )
    assert html_to_text(html) == "Title\n\nOne two three\n\nFour\nfive\n\na b\n\n&'"
