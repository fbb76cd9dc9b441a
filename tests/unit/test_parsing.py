"""decode_json and the parsers, against the reference samples and against hostile shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from interactions_app.cxengage.errors import BadResponse
from interactions_app.cxengage.models import Hook, Interaction, Page
from interactions_app.cxengage.parsing import (
    decode_json,
    error_summary,
    is_flagged,
    parse_interaction,
    parse_page,
)
from interactions_app.flags import flag_info
from tests.support.reference import reference_sample

ID = "b2109780-db83-11e7-9709-c2b07aa3bee9"


LIST_TEXT = reference_sample("list-interactions.txt")
GET_TEXT = reference_sample("get-interaction.txt")
SEARCH_TEXT = reference_sample("search-by-custom-attribute.txt")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- the reference samples ----------------------------------------------------------------------


def test_list_sample_keeps_the_doubled_quote_quirk() -> None:
    assert '"contactPoint": ""+15553005555""' in LIST_TEXT
    with pytest.raises(ValueError):
        json.loads(LIST_TEXT)


@pytest.fixture(scope="module")
def list_page() -> Page:
    return parse_page(decode_json(LIST_TEXT.encode()), limit=10, offset=0)


def test_list_sample_envelope(list_page: Page) -> None:
    assert list_page.total == 127
    assert list_page.limit == 10
    assert list_page.offset == 0
    assert list_page.tenant_id == "2336d1ec-c956-47e1-b3b1-fe8fde81b2b4"
    assert list_page.tenant_name == "Your Tenant"
    assert list_page.tenant_timezone == "US/Eastern"
    assert list_page.skipped == 0
    assert [item.id for item in list_page.items] == [
        "e6952d50-eca3-11e7-ba92-25b49e03c3e7",
        "b2109780-db83-11e7-9709-c2b07aa3bee9",
        "8b8e8fb0-da0f-11e7-9709-c2b07aa3bee9",
        "98a56b60-d9e7-11e7-9c4e-7eab04d876eb",
    ]


def test_list_sample_exactly_one_flagged_and_quirk_repaired(list_page: Page) -> None:
    assert [item.flagged for item in list_page.items] == [False, False, True, False]
    flagged = list_page.items[2]
    assert flagged.contact_point == "+15553005555"
    assert flagged.customer == "+19057555612"
    assert flagged.flag_type is None


def test_list_sample_first_interaction_fields(list_page: Page) -> None:
    first = list_page.items[0]
    assert first.tenant_id == "2336d1ec-c956-47e1-b3b1-fe8fde81b2b4"
    assert first.start == datetime(2017, 12, 29, 14, 23, 57, 471000, tzinfo=UTC)
    assert first.end == at("2017-12-29T14:24:38.625Z")
    assert first.channel == "voice"
    assert first.direction == "inbound"
    assert first.interaction_seconds == 41.154
    assert first.customer_abandon_seconds == 41.149
    assert first.customer_holds == 0
    assert first.flow_name == "Basic Flow"
    assert first.raw == {}  # list items are not kept raw
    queue = first.queues[0]
    assert queue.name == "Support"
    assert queue.abandoned is True
    assert queue.sla_abandoned is True
    assert queue.exit_type == "abandon"
    assert queue.queue_seconds == 39.356
    assert first.segments[0].cancelled is True
    assert first.segments[0].end_type == "customer-disconnect"


def test_list_sample_email_transfers_sorted(list_page: Page) -> None:
    email = list_page.items[3]
    assert email.channel == "email"
    assert email.customer_transfers == 8
    assert [s.number for s in email.segments] == list(range(9))
    assert email.segments[1].id == "baad1eb0-d9e7-11e7-b3f1-2675b8cf7e39"
    assert email.segments[6].id == "c19cc900-d9e7-11e7-b3f1-2675b8cf7e39"
    assert email.segments[0].transfer is False
    assert all(s.transfer for s in email.segments[1:])
    assert email.segments[0].to_agent_id == "e05468e0-82b1-11e7-b08f-6e56a766befb"
    assert email.segments[0].end is not None
    assert all(s.end is None for s in email.segments[1:])
    agent = email.agents[0]
    assert agent.name == "Kris Agent"
    assert agent.accepted is True
    assert agent.talk_seconds == 61.538
    assert agent.wrap_up_seconds == 3.822
    assert email.queues[0].answer_seconds == 80.018
    assert email.agent_names == ("Kris Agent",)
    assert "segment" in email.missing_ends


def test_get_sample() -> None:
    interaction = parse_interaction(decode_json(GET_TEXT))
    assert isinstance(interaction, Interaction)
    assert interaction.id == ID
    assert interaction.data_complete is True
    assert interaction.in_progress is False
    assert interaction.flagged is False
    assert interaction.ivr_seconds == 0.173
    assert interaction.duration_seconds == pytest.approx(94.244)
    assert interaction.details is not None
    assert interaction.details.contact_id is None
    assert interaction.details.csat is None
    assert interaction.details.agents == ()
    assert interaction.details.extra == {}
    assert interaction.queue_names == ("Support",)
    assert interaction.queues[0].abandon_seconds == 93.993
    assert interaction.raw["flowId"] == "28219e00-82b6-11e7-b08f-6e56a766befb"
    assert interaction.missing_ends == ()


def test_search_sample() -> None:
    interaction = parse_interaction(decode_json(SEARCH_TEXT))
    assert interaction.id == "c506eb9b-f523-4616-8839-fbce3fd89c17"
    assert [a.name for a in interaction.attributes] == ["valueTwo", "valueOne", "1234567"]
    assert all(a.is_attribute for a in interaction.attributes)
    assert interaction.attributes[2].hook_type == "customAttributeUsingIvrInput "
    assert interaction.attributes[0].timestamp == at("2018-10-30T14:34:03.134Z")
    assert interaction.attributes[0].agent_id is None
    assert interaction.attributes[1].agent_id == "eaff3f40-658d-11e7-9259-cb127bd0d17b"
    assert len(interaction.hooks) == 3
    assert interaction.crm_hooks == ()
    assert [a.name for a in interaction.all_attributes] == ["valueTwo", "valueOne", "1234567"]
    note = interaction.notes[0]
    assert (note.title, note.body) == ("Example Note Title", "Example Note Body")
    assert note.created == at("2018-10-30T14:34:19.000Z")
    assert note.updated == at("2018-10-30T14:34:27.000Z")
    agent = interaction.agents[0]
    assert agent.name == "Ryan Boyce"
    assert agent.conversation_start == at("2018-10-30T14:34:03.014Z")
    assert len(agent.talk_times) == 1
    assert agent.talk_times[0].seconds == 30.361
    assert agent.talk_times[0].agent_id == "eaff3f40-658d-11e7-9259-cb127bd0d17b"
    assert agent.talk_times[0].end == at("2018-10-30T14:34:33.375Z")
    assert [t.seconds for t in interaction.customer_talk_times] == [29.701]
    assert interaction.customer_talk_seconds == 29.701
    assert interaction.contact_id == "f4895fe0-6714-11e7-9259-cb127bd0d17b"
    assert interaction.details.agents[0].name == "Ryan Boyce"
    assert interaction.details.agents[0].note_title == "Example Note Title"
    assert interaction.details.agents[0].resource_id == "eaff3f40-658d-11e7-9259-cb127bd0d17b"
    assert interaction.queues[0].answer_seconds == 6.591


# --- tolerance ---------------------------------------------------------------------------------


def test_unknown_fields_land_in_extra() -> None:
    interaction = parse_interaction(
        {
            "interactionId": ID,
            "messagingTranscript": [{"from": "customer", "text": "hi"}],
            "brandNewStat": 4.2,
            "segments": [{"segmentNumber": 0, "segmentColour": "blue"}],
            "queues": [{"queueName": "Q", "queueMood": "calm"}],
            "agents": [{"agentName": "A", "agentShoeSize": 44}],
            "hooks": [{"hookName": "h", "hookColour": "red"}],
            "details": {"csat": "5", "surveyId": "s-1"},
        }
    )
    assert interaction.extra == {
        "messagingTranscript": [{"from": "customer", "text": "hi"}],
        "brandNewStat": 4.2,
    }
    assert interaction.segments[0].extra == {"segmentColour": "blue"}
    assert interaction.queues[0].extra == {"queueMood": "calm"}
    assert interaction.agents[0].extra == {"agentShoeSize": 44}
    assert interaction.hooks[0].extra == {"hookColour": "red"}
    assert interaction.details.extra == {"surveyId": "s-1"}
    assert interaction.details.csat == "5"


SCALAR_FIELDS = (
    "tenant_id",
    "start",
    "end",
    "channel",
    "direction",
    "customer",
    "contact_point",
    "contact_id",
    "flow_id",
    "flow_name",
    "interaction_seconds",
    "ivr_seconds",
    "customer_holds",
    "customer_transfers",
    "customer_abandon_seconds",
    "customer_talk_seconds",
    "flag_type",
    "data_complete",
    "disposition_name",
    "disposition_id",
    "audio_recording",
    "details",
)


def test_missing_fields_become_none() -> None:
    interaction = parse_interaction({"interactionId": ID})
    for name in SCALAR_FIELDS:
        assert getattr(interaction, name) is None, name
    assert interaction.flagged is False
    assert interaction.segments == interaction.queues == interaction.agents == ()
    assert interaction.hooks == interaction.attributes == interaction.notes == ()
    assert interaction.extra == {}


def test_null_fields_become_none() -> None:
    keys = [
        *("tenantId", "startTimestamp", "endTimestamp", "channelType", "direction", "customer"),
        *("contactPoint", "contactId", "flowId", "flowName", "interactionTime", "ivrTime"),
        *("customerHolds", "customerTransfers", "customerAbandonTime", "customerTalkTime"),
        *("flagged", "flagType", "dataComplete", "dispositionName", "dispositionId"),
        *("audioRecording", "segments", "queues", "agents", "customerTalkTimes", "notes"),
        *("hooks", "interactionAttributes", "details"),
    ]
    interaction = parse_interaction({"interactionId": ID, **dict.fromkeys(keys)})
    for name in SCALAR_FIELDS:
        assert getattr(interaction, name) is None, name
    assert interaction.flagged is False
    assert interaction.segments == ()
    assert interaction.extra == {}


def test_null_fields_in_nested_objects() -> None:
    interaction = parse_interaction(
        {
            "interactionId": ID,
            "segments": [{"segmentNumber": None, "startTimestamp": None, "transfer": None}],
            "agents": [{"agentName": None, "talkTimes": None, "agentWorkAccepted": None}],
            "queues": [{"queueName": None, "queueAbandoned": None}],
        }
    )
    segment = interaction.segments[0]
    assert (segment.number, segment.start, segment.transfer) == (None, None, False)
    agent = interaction.agents[0]
    assert (agent.name, agent.talk_times, agent.accepted) == (None, (), None)
    assert interaction.queues[0].abandoned is False
    assert interaction.queue_names == ()


def test_wrong_types_do_not_raise() -> None:
    interaction = parse_interaction(
        {
            "interactionId": ID,
            "tenantId": 12345,
            "interactionTime": "12.5",
            "ivrTime": "NaN",
            "customerAbandonTime": "Infinity",
            "customerHolds": "3",
            "customerTransfers": 2.5,
            "customerTalkTime": True,
            "channelType": {"name": "voice"},
            "customer": ["+15550001111"],
            "contactPoint": None,
            "flowName": 7,
            "dataComplete": "true",
            "flagged": "TRUE",
            "segments": {"segmentNumber": "4", "segmentTime": "1.5", "transfer": "false"},
            "queues": [1, "x", None, {"queueName": "Q", "queueTime": [3]}],
            "agents": "nobody",
            "hooks": 42,
            "notes": [{"title": {"t": 1}, "body": ["b"]}],
            "customerTalkTimes": {"customerTalkTime": "2"},
            "details": ["not", "an", "object"],
        }
    )
    assert interaction.tenant_id == "12345"
    assert interaction.interaction_seconds == 12.5
    assert interaction.ivr_seconds is None
    assert interaction.customer_abandon_seconds is None
    assert interaction.customer_holds == 3
    assert interaction.customer_transfers is None
    assert interaction.customer_talk_seconds is None
    assert interaction.channel is None
    assert interaction.customer is None
    assert interaction.flow_name == "7"
    assert interaction.data_complete is True
    assert interaction.flagged is True
    assert [(s.number, s.seconds, s.transfer) for s in interaction.segments] == [(4, 1.5, False)]
    assert [(q.name, q.queue_seconds) for q in interaction.queues] == [("Q", None)]
    assert interaction.agents == ()
    assert interaction.hooks == ()
    assert [(n.title, n.body) for n in interaction.notes] == [(None, None)]
    assert [t.seconds for t in interaction.customer_talk_times] == [2.0]
    assert interaction.details is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("False", False), (" TRUE ", True), ("yes", None), (1, None), ("", None)],
)
def test_booleans_as_strings(value, expected) -> None:
    assert parse_interaction({"interactionId": ID, "dataComplete": value}).data_complete is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017-12-07T19:22:07.638Z", datetime(2017, 12, 7, 19, 22, 7, 638000, tzinfo=UTC)),
        ("2017-12-07T19:22:07.638", datetime(2017, 12, 7, 19, 22, 7, 638000, tzinfo=UTC)),
        ("2017-12-07T14:22:07.638-05:00", datetime(2017, 12, 7, 19, 22, 7, 638000, tzinfo=UTC)),
        ("2017-12-08T04:22:07+09:00", datetime(2017, 12, 7, 19, 22, 7, tzinfo=UTC)),
        (" 2017-12-07T19:22:07Z ", datetime(2017, 12, 7, 19, 22, 7, tzinfo=UTC)),
        ("garbage", None),
        ("2017-13-45T99:00:00Z", None),
        ("", None),
        (1512674527000, None),
        ("2017-12-07T19:22:07Z" + " " * 100, None),
        (["2017-12-07T19:22:07Z"], None),
    ],
)
def test_timestamps(value, expected) -> None:
    parsed = parse_interaction({"interactionId": ID, "startTimestamp": value}).start
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset().total_seconds() == 0


def test_segments_sorted_by_number_with_unnumbered_last() -> None:
    interaction = parse_interaction(
        {
            "interactionId": ID,
            "segments": [
                {"interactionSegmentId": "s3", "segmentNumber": 3},
                {"interactionSegmentId": "n-late", "startTimestamp": "2020-01-01T00:00:09Z"},
                {"interactionSegmentId": "s1", "segmentNumber": 1},
                {"interactionSegmentId": "n-nostart", "segmentNumber": "x"},
                {"interactionSegmentId": "s2", "segmentNumber": "2"},
                {
                    "interactionSegmentId": "n-early",
                    "segmentNumber": None,
                    "startTimestamp": "2020-01-01T00:00:01Z",
                },
                {"interactionSegmentId": "s0", "segmentNumber": 0},
            ],
        }
    )
    assert [s.id for s in interaction.segments] == [
        "s0",
        "s1",
        "s2",
        "s3",
        "n-early",
        "n-late",
        "n-nostart",
    ]


@pytest.mark.parametrize(
    ("flagged", "flag_type", "expected", "kept_type"),
    [
        (None, "Stuck", True, "Stuck"),
        (False, "Agent", True, "Agent"),
        ("false", "Queue", True, "Queue"),
        (None, "  queue \t", True, "queue"),
        (True, None, True, None),
        (None, None, False, None),
        (False, "", False, None),
        (None, "   ", False, None),
        ("no", None, False, None),
    ],
)
def test_flagging(flagged, flag_type, expected, kept_type) -> None:
    data = {"interactionId": ID}
    if flagged is not None:
        data["flagged"] = flagged
    if flag_type is not None:
        data["flagType"] = flag_type
    interaction = parse_interaction(data)
    assert interaction.flagged is expected
    assert interaction.flag_type == kept_type


def test_interaction_id_is_normalised_or_falls_back() -> None:
    assert parse_interaction({"interactionId": ID.upper()}).id == ID
    assert parse_interaction({}, fallback_id=ID).id == ID
    assert parse_interaction({"interactionId": "nope"}, fallback_id=ID).id == ID
    with pytest.raises(BadResponse):
        parse_interaction({"interactionId": "nope"})
    with pytest.raises(BadResponse):
        parse_interaction(["not", "an", "object"], fallback_id=ID)


def test_keep_raw_flag() -> None:
    data = {"interactionId": ID, "x": 1}
    assert parse_interaction(data).raw == data
    assert parse_interaction(data, keep_raw=False).raw == {}


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [[], "x", None, {}, {"results": {"interactionId": ID}}, {"total": 1}, {"results": "none"}],
)
def test_page_without_a_results_list_is_bad_response(data) -> None:
    with pytest.raises(BadResponse):
        parse_page(data, limit=10, offset=0)


def test_page_skips_unreadable_results_and_counts_them() -> None:
    page = parse_page(
        {"results": [{"interactionId": ID}, {}, 7, None, {"interactionId": "bad"}]},
        limit=25,
        offset=50,
    )
    assert [item.id for item in page.items] == [ID]
    assert page.skipped == 4
    assert page.total == 55  # no total: offset + what came back
    assert (page.limit, page.offset) == (25, 50)


@pytest.mark.parametrize(
    ("total", "expected"),
    [(127, 127), ("127", 127), (-3, 1), (None, 1), ("many", 1), (12.5, 1), (0, 0)],
)
def test_page_total(total, expected) -> None:
    page = parse_page({"total": total, "results": [{"interactionId": ID}]}, limit=10, offset=0)
    assert page.total == expected


def test_page_envelope_values_and_timezone_spelling() -> None:
    page = parse_page(
        {"limit": "50", "offset": 0, "tenantTimeZone": "US/Central", "results": []},
        limit=10,
        offset=20,
    )
    assert (page.limit, page.offset, page.tenant_timezone) == (50, 0, "US/Central")


# --- decode_json ------------------------------------------------------------------------------


def test_decode_json_repairs_the_doubled_quote_quirk() -> None:
    assert decode_json(b'{"contactPoint": ""+15553005555"", "n": 1}') == {
        "contactPoint": "+15553005555",
        "n": 1,
    }
    assert decode_json('[{"a": ""x""}]') == [{"a": "x"}]


def test_decode_json_repair_leaves_string_contents_alone() -> None:
    text = r'{"note": "k: \"\"v\"\"", "cp": ""+1""}'
    assert decode_json(text) == {"note": 'k: ""v""', "cp": "+1"}


def test_decode_json_valid_json_is_untouched() -> None:
    assert decode_json('{"a": "", "b": ""}') == {"a": "", "b": ""}


@pytest.mark.parametrize(
    "body",
    [
        b'{"results": [',
        b"<html>Bad Gateway</html>",
        b'{"a": ""x"", "b": }',  # the quirk plus another error: not repaired into anything
        b'{"a": ""x"y""}',
        b"{'single': 'quotes'}",
        b"NaN-ish",
    ],
)
def test_decode_json_invalid_is_bad_response(body) -> None:
    with pytest.raises(BadResponse) as info:
        decode_json(body)
    assert body.decode() not in str(info.value)


@pytest.mark.parametrize("body", [b"", "", b"  \r\n\t ", "   "])
def test_decode_json_empty_is_bad_response(body) -> None:
    with pytest.raises(BadResponse, match="empty"):
        decode_json(body)


def test_decode_json_invalid_utf8_does_not_raise_unicode_error() -> None:
    assert decode_json(b'{"a": "\xff"}') == {"a": "\ufffd"}


def test_documented_fields_without_a_model_attribute_are_kept_in_extra():
    from interactions_app.cxengage.parsing import parse_interaction as parse

    interaction = parse(
        {
            "interactionId": "b2109780-db83-11e7-9709-c2b07aa3bee9",
            "customerConversationTime": 29.7,
            "queues": [{"platformQueueId": 743, "queueEntryLength": 1}],
            "agents": [{"sessionId": "s-1", "platformAgentId": 15184, "agentReadTime": 60.1}],
            "segments": [{"segmentNumber": 0, "segmentCancelTime": 94.166}],
        }
    )
    assert interaction.customer_conversation_seconds == 29.7  # typed since issue 10
    assert "customerConversationTime" not in interaction.extra
    assert interaction.queues[0].extra == {"platformQueueId": 743, "queueEntryLength": 1}
    assert interaction.agents[0].extra["platformAgentId"] == 15184
    assert interaction.segments[0].cancel_seconds == 94.166
    assert interaction.segments[0].extra == {}


def test_parse_page_can_keep_only_flagged_results_and_still_count_all():
    from interactions_app.cxengage.parsing import is_flagged
    from interactions_app.cxengage.parsing import parse_page as parse

    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(5)]
    envelope = {
        "total": 5,
        "results": [
            {"interactionId": ids[0]},
            {"interactionId": ids[1], "flagged": True, "flagType": "Queue"},
            {"interactionId": ids[2], "flagType": "Stuck"},  # a flagType alone flags it
            {"interactionId": ids[3], "flagged": "true"},
            {"interactionId": ids[4], "flagged": False, "flagType": "  "},
        ],
    }
    page = parse(envelope, limit=5, offset=0, select=is_flagged)
    assert [i.id for i in page.items] == ids[1:4]
    assert page.received == 5 and page.skipped == 0
    assert len(parse(envelope, limit=5, offset=0).items) == 5


def test_parse_page_counts_unreadable_results_even_when_selecting_flagged_ones():
    from interactions_app.cxengage.parsing import is_flagged

    envelope = {
        "total": 4,
        "results": [
            {"interactionId": ID, "flagType": "Queue"},
            {"flagType": "Stuck"},  # flagged, but without an id it cannot be listed
            "not an object",  # cannot even be checked for a flag
            {"flagged": False},  # not flagged: never parsed, so never counted as unreadable
        ],
    }
    page = parse_page(envelope, limit=4, offset=0, select=is_flagged)
    assert [item.id for item in page.items] == [ID]
    assert (page.skipped, page.received) == (2, 4)


# --- what the real API sends beyond the reference pages (docs/sandbox.md, "Evidence") ----------


@pytest.mark.parametrize(
    ("envelope", "offset"),
    [
        ({"total": 0, "results": None}, 0),  # no match
        ({"total": 127, "offset": 200, "results": None}, 200),  # an offset past the end
        ({"total": 127, "results": []}, 0),
    ],
)
def test_null_or_empty_results_are_an_empty_page(envelope, offset) -> None:
    page = parse_page(envelope, limit=10, offset=offset)
    assert page.items == ()
    assert page.total == envelope["total"]
    assert page.total_known is True
    assert (page.received, page.skipped) == (0, 0)


def test_the_reference_search_sample_is_a_bare_one_row_result() -> None:
    data = decode_json(SEARCH_TEXT.encode())
    assert "results" not in data and data["interactionId"]  # the sample really is bare
    page = parse_page(data, limit=25, offset=0)
    assert page.bare is True
    assert (page.total, page.total_known, page.received) == (1, True, 1)
    [item] = page.items
    assert item.id == "c506eb9b-f523-4616-8839-fbce3fd89c17"
    assert {a.name for a in item.all_attributes} == {"valueOne", "valueTwo", "1234567"}
    assert page.tenant_id == "87165f24-f1d4-4b2e-acec-05ac94e0ead4"


def test_a_bare_result_is_row_zero_only() -> None:
    data = {"interactionId": ID, "flagged": True}
    assert parse_page(data, limit=10, offset=10).items == ()
    assert parse_page(data, limit=10, offset=10).total == 1
    assert len(parse_page(data, limit=10, offset=0, select=is_flagged).items) == 1
    assert parse_page({"interactionId": ID}, limit=10, offset=0, select=is_flagged).items == ()
    unreadable = parse_page({"interactionId": "nope"}, limit=10, offset=0)
    assert (unreadable.items, unreadable.skipped) == ((), 1)


@pytest.mark.parametrize("total", [None, "lots", -1, True])
def test_a_missing_or_unusable_total_is_a_lower_bound(total) -> None:
    envelope = {"results": [{"interactionId": ID}] * 3}
    if total is not None:
        envelope["total"] = total
    page = parse_page(envelope, limit=3, offset=30)
    assert page.total_known is False
    assert page.total == 33
    assert parse_page({"total": 40, "results": []}, limit=3, offset=0).total_known is True


@pytest.mark.parametrize(
    ("flagged", "flag_type", "expected"),
    [
        ("absent", "absent", False),  # the reference's unflagged records carry neither
        (None, "absent", False),
        (None, None, False),
        (True, "absent", True),  # the reference's list sample: flagged, no flagType
        (True, None, True),
    ],
)
def test_real_nulls_in_flagged(flagged, flag_type, expected) -> None:
    data = {"interactionId": ID}
    if flagged != "absent":
        data["flagged"] = flagged
    if flag_type != "absent":
        data["flagType"] = flag_type
    interaction = parse_interaction(data)
    assert interaction.flagged is expected
    assert interaction.flag_type is None


def test_flagged_without_a_reason_reads_as_such() -> None:
    assert flag_info(None).label == "Flagged (no reason given)"
    assert flag_info("  ").label == "Flagged (no reason given)"
    assert flag_info("Agent").label == "Agent end missing"


@pytest.mark.parametrize(
    ("value", "complete", "in_progress", "known"),
    [(True, True, False, True), (False, False, True, True), (None, False, False, False)],
)
def test_data_complete_absent_is_neither_complete_nor_in_progress(
    value, complete, in_progress, known
) -> None:
    data = {"interactionId": ID}
    if value is not None:
        data["dataComplete"] = value
    interaction = parse_interaction(data)
    assert (interaction.complete, interaction.in_progress) == (complete, in_progress)
    assert interaction.completeness_known is known


def test_details_keep_their_nulls_and_empty_lists() -> None:
    interaction = parse_interaction(decode_json(GET_TEXT.encode()))
    assert '"csat": null' in GET_TEXT and '"agents": []' in GET_TEXT
    assert interaction.details is not None
    assert interaction.details.csat is None
    assert interaction.details.contact_id is None
    assert interaction.details.agents == ()
    assert "csat" not in interaction.details.extra and "contactId" not in interaction.details.extra


# the public API docs' Zendesk example ("Searching Interactions for Specific Third-party System")
ZENDESK_HOOKS = [
    {
        "interactionHookId": "ccf42b31-c557-11e7-9c00-e7ff9ff8d805",
        "hookSubType": "ticket",
        "agentId": "e05468e0-82b1-11e7-b08f-6e56a766befb",
        "hookType": "zendesk",
        "hookedBy": "26303434627",
        "hookId": "415",
        "timestamp": "2017-11-09T14:10:54.947Z",
    },
    {
        "interactionHookId": "e2494a11-c557-11e7-9c00-e7ff9ff8d805",
        "hookSubType": "user",
        "agentId": "e05468e0-82b1-11e7-b08f-6e56a766befb",
        "hookType": "zendesk",
        "hookName": "Bob Jones",
        "hookedBy": "26303434627",
        "hookId": "26359162568",
        "timestamp": "2017-11-09T14:11:30.737Z",
    },
]


def test_crm_hooks_in_their_real_shape() -> None:
    interaction = parse_interaction({"interactionId": ID, "hooks": ZENDESK_HOOKS})
    ticket, user = interaction.crm_hooks
    assert (ticket.hook_type, ticket.sub_type, ticket.hook_id) == ("zendesk", "ticket", "415")
    assert ticket.by == "26303434627"  # hookedBy
    assert ticket.name is None and ticket.url is None
    assert ticket.label == "Zendesk ticket 415"
    assert user.label == "Zendesk user 26359162568"
    assert user.name == "Bob Jones"
    assert "hookedBy" not in ticket.extra
    assert interaction.all_attributes == ()
    # attributes say hookBy
    attribute = parse_interaction(decode_json(SEARCH_TEXT.encode())).attributes[0]
    assert attribute.by == "flow"


@pytest.mark.parametrize(
    ("hook", "label"),
    [
        (Hook(None, "5004x00000AbCdE", None, "salesforce-lightning", "Case"), None),
        (Hook(None, None, None, "zendesk", "ticket"), "Zendesk ticket (no id)"),
        (Hook(None, "7", None, "freshdesk", None), "freshdesk record 7"),
        (Hook(None, "7", None, None, None), "CRM record 7"),
    ],
)
def test_hook_labels(hook, label) -> None:
    expected = label or "Salesforce Lightning Case 5004x00000AbCdE"
    assert hook.label == expected


LINKS = {
    "zendesk": "https://acme.zendesk.com/agent/tickets/{id}",
    "zendesk/user": "https://acme.zendesk.com/agent/users/{id}/requested_tickets",
}


def test_crm_links_come_only_from_the_operators_templates() -> None:
    ticket, user = parse_interaction({"interactionId": ID, "hooks": ZENDESK_HOOKS}).crm_hooks
    assert ticket.link(LINKS) == "https://acme.zendesk.com/agent/tickets/415"
    assert user.link(LINKS) == "https://acme.zendesk.com/agent/users/26359162568/requested_tickets"
    assert ticket.link({}) is None
    assert ticket.link({"salesforce-lightning": "https://x.example/{id}"}) is None
    assert Hook(None, None, None, "zendesk", "ticket").link(LINKS) is None  # no id, no link
    attribute = Hook(None, "d9f1", "VIP", "zendesk", "interaction-attribute")
    assert attribute.link(LINKS) is None


@pytest.mark.parametrize(
    "hostile",
    ["../../admin", "415?x=1#frag", "415/../../other", "//evil.example/x", "javascript:alert(1)"],
)
def test_a_hostile_record_id_stays_inside_the_template(hostile) -> None:
    hook = Hook(None, hostile, None, "zendesk", "ticket")
    link = hook.link(LINKS)
    assert link is not None
    assert link.startswith("https://acme.zendesk.com/agent/tickets/")
    tail = link.removeprefix("https://acme.zendesk.com/agent/tickets/")
    assert "/" not in tail and "?" not in tail and "#" not in tail


def test_fields_real_records_carry() -> None:
    data = {
        "interactionId": ID,
        "monitors": [
            {
                "agentId": "4c67ac60-16f9-11e7-9873-1b92cd79a0c3",
                "agentName": "Anil Reddy",
                "bargedIn": True,
                "startTimestamp": "2018-02-20T14:07:41.519Z",
                "endTimestamp": "2018-02-20T14:24:41.519Z",
            },
            {"agentName": "Josh Williams", "bargedIn": False, "endTimestamp": None},
        ],
        "customerHoldTime": 42.5,
        "customerHoldAbandoned": False,
        "ivrAbandoned": True,
        "ivrAbandonTime": 3.2,
        "flagTimestamp": "2018-02-20T15:00:00.000Z",
        "updated": "2018-02-20T15:00:01.000Z",
        "artifactsSummary": "2 recordings",
        "customerSatisfactionScore": "4",
        "campaignId": "c-1",
        "leadId": 77,
        "thirdPartyTime": 12,
        "customerConversationTime": 29.701,
        "segments": [
            {
                "segmentNumber": 1,
                "segmentStartType": "add-participant",
                "transferTime": 1.5,
                "segmentConsultTime": 20,
                "segmentCancelTime": 3,
                "addParticipantTime": 4,
            }
        ],
    }
    item = parse_interaction(data)
    first, second = item.monitors
    assert (first.name, first.barged_in, first.end) == (
        "Anil Reddy",
        True,
        at("2018-02-20T14:24:41.519Z"),
    )
    assert (second.name, second.barged_in, second.end) == ("Josh Williams", False, None)
    assert item.monitor_count == 2
    assert (item.customer_hold_seconds, item.customer_hold_abandoned) == (42.5, False)
    assert (item.ivr_abandoned, item.ivr_abandon_seconds) == (True, 3.2)
    assert item.flag_time == at("2018-02-20T15:00:00.000Z")
    assert item.updated == at("2018-02-20T15:00:01.000Z")
    assert item.artifacts_summary == "2 recordings"
    assert item.customer_satisfaction_score == 4.0
    assert (item.campaign_id, item.lead_id, item.third_party_seconds) == ("c-1", "77", 12.0)
    assert item.customer_conversation_seconds == 29.701
    [segment] = item.segments
    assert (segment.transfer_seconds, segment.consult_seconds, segment.cancel_seconds) == (
        1.5,
        20.0,
        3.0,
    )
    assert segment.start_type == "add-participant"
    assert segment.extra == {"addParticipantTime": 4}  # no public source names it: kept as is
    assert item.extra == {}  # every top-level field above is typed


def test_monitors_as_a_bare_count_and_a_structured_summary() -> None:
    item = parse_interaction(
        {"interactionId": ID, "monitors": 3, "artifactsSummary": {"recordings": 2}}
    )
    assert (item.monitors, item.monitor_count) == ((), 3)
    assert item.artifacts_summary == '{"recordings":2}'
    assert parse_interaction({"interactionId": ID, "monitors": -1}).monitor_count is None


@pytest.mark.parametrize(
    ("body", "content_type", "said"),
    [
        (b"", "", "(empty body)"),
        (b'{"error": "Token expired"}', "application/json", "Token expired"),
        (b'{"error": ["one", "two", "three", "four"]}', "", "one; two; three"),
        (
            b'{"error": {"code": 422, "message": "Invalid", "attribute": {"name": "taken"}}}',
            "",
            "422: Invalid (name: taken)",
        ),
        (
            b'{"error": {"attribute": {"name": ["a", "b"]}}}',
            "",
            "name: a; b",
        ),
        (
            b'{"error": {"code": 400, "body": {"errors": [{"message": "Bad hookId"}]}}}',
            "",
            "400: Bad hookId",
        ),
        (b'{"error": {}}', "", "(no message)"),
        (b'{"error": {"code": 503}}', "", '503: {"code":503}'),
        (b"Service Unavailable\r\n", "text/plain; charset=utf-8", "not JSON (text/plain): "),
        (b"\xff\xfe<b>bold</b>", "", "not JSON (unknown type): "),
    ],
)
def test_error_summary_reads_every_shape(body, content_type, said) -> None:
    summary = error_summary(body, content_type)
    assert summary.startswith(said) or summary == said
    assert "\n" not in summary and len(summary) <= 200


@pytest.mark.parametrize("empty", [[], {}, None])
def test_an_empty_list_sent_as_an_object_is_no_item(empty) -> None:
    # the wrong-types answer sends lists as objects keyed by index, so [] arrives as {}: no agent
    # with nothing in it (the fuzz property test found {} read as one invented, empty item)
    data = {"interactionId": ID, "segments": empty, "queues": empty, "agents": empty}
    interaction = parse_interaction(data)
    assert interaction.segments == () and interaction.queues == () and interaction.agents == ()
