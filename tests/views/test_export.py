"""The streamed CSV export, through Django's test client against the live sandbox."""

from __future__ import annotations

import csv
import html
import io
import math
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse

from interactions_app import export, services
from interactions_app.caching.viewer import viewer_facts
from interactions_app.cxengage.errors import UpstreamServerError
from interactions_app.cxengage.factory import client_from_settings
from interactions_app.cxengage.models import Agent, Hook, Interaction, Queue
from interactions_app.services import flagged_scan

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
FLAGGED = reverse("interactions:flagged")
SEARCH = reverse("interactions:search")
EXPORT_LIST = reverse("interactions:export", args=["list"])
EXPORT_FLAGGED = reverse("interactions:export", args=["flagged"])
EXPORT_SEARCH = reverse("interactions:export", args=["search"])
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}

# times are typed in the tenant's zone (US/Eastern, UTC-5 in November)
ONE_HOUR = {"start": "2026-11-20T10:00", "end": "2026-11-20T11:00"}
TWENTY_ONE_HOURS = {"start": "2026-11-19T19:00", "end": "2026-11-20T16:00"}  # 3,500 rows
VIP_CALLBACK = {
    "kind": ["attribute-value", "attribute-value"],
    "value": ["VIP", "callback-requested"],
}
HEADER = [
    "Interaction ID",
    "Link",
    "Start (US/Eastern)",
    "End (US/Eastern)",
    "Start (UTC)",
    "Duration",
    "Duration (seconds)",
    "Talk",
    "Hold",
    "Wrap-up",
    "Queue wait",
    "Channel",
    "Direction",
    "Customer",
    "Contact point",
    "Flow",
    "Queues",
    "Agents",
    "Flagged",
    "Flag",
    "Flag type",
    "Flag explanation",
    "Reporting finished",
    "Disposition",
    "Custom attributes",
]


def body_of(response) -> bytes:
    assert response.streaming, "the export must stream"
    return b"".join(response.streaming_content)


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def page_total(response) -> int:
    match = re.search(
        r"Showing <strong>[^<]*</strong> of <strong>([\d,]+)</strong>", response.content.decode()
    )
    assert match, "no pager total on the page"
    return int(match.group(1).replace(",", ""))


def list_calls(sandbox) -> int:
    paths = sandbox.stats()["paths"]
    return sum(n for path, n in paths.items() if path.endswith("/interactions"))


@pytest.fixture
def warm(live_api):
    """The token and the tenant's facts fetched and cached, then the sandbox stats cleared."""
    services.tenant_get()
    live_api.reset()
    return live_api


# --- access and method ---------------------------------------------------------------------


@pytest.mark.parametrize("url", [EXPORT_LIST, EXPORT_FLAGGED, EXPORT_SEARCH + "?value=VIP"])
def test_export_needs_login(client, live_api, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_export_is_get_only(sup_client, live_api):
    assert sup_client.post(EXPORT_LIST).status_code == 405
    assert sup_client.head(EXPORT_LIST).status_code == 405


def test_unknown_export_source_is_a_404(sup_client, live_api):
    assert sup_client.get("/interactions/export/users.csv").status_code == 404


# --- headers, BOM, cookie ------------------------------------------------------------------


def test_headers_and_header_row(sup_client, live_api):
    response = sup_client.get(EXPORT_LIST, ONE_HOUR)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert re.fullmatch(
        r'attachment; filename="interactions-northwind-support-\d{8}T\d{6}Z\.csv"',
        response["Content-Disposition"],
    )
    rows = rows_of(body_of(response))
    assert rows[0] == HEADER
    assert "export_started" not in response.cookies  # no token asked for


def test_bom_is_on_by_default_and_can_be_turned_off(sup_client, live_api):
    with_bom = body_of(sup_client.get(EXPORT_LIST, ONE_HOUR))
    explicit = body_of(sup_client.get(EXPORT_LIST, {**ONE_HOUR, "bom": "1"}))
    without = body_of(sup_client.get(EXPORT_LIST, {**ONE_HOUR, "bom": "0"}))
    assert with_bom.startswith(b"\xef\xbb\xbfInteraction ID,")
    assert explicit == with_bom
    assert without.startswith(b"Interaction ID,")
    assert without == with_bom[3:]


def test_token_sets_the_progress_cookie(sup_client, live_api):
    response = sup_client.get(EXPORT_LIST, {**ONE_HOUR, "token": "abc123def456"})
    cookie = response.cookies["export_started"]
    assert cookie.value == "abc123def456"
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) > 0
    body_of(response)


@pytest.mark.parametrize("token", ["short", "UPPERCASE1", "a" * 33, "abc123;x=1", "abc 12345"])
def test_an_invalid_token_sets_no_cookie(sup_client, live_api, token):
    response = sup_client.get(EXPORT_LIST, {**ONE_HOUR, "token": token})
    assert response.status_code == 200
    assert "export_started" not in response.cookies
    body_of(response)


# --- row counts, paging, memory-friendly fetching -----------------------------------------


def test_one_hour_export_has_every_row_of_the_page_total(sup_client, live_api):
    total = page_total(sup_client.get(LIST, ONE_HOUR))
    assert 100 < total < 1000
    rows = rows_of(body_of(sup_client.get(EXPORT_LIST, ONE_HOUR)))
    assert len(rows) - 1 == total
    assert len({row[0] for row in rows[1:]}) == total
    zone = ZoneInfo("US/Eastern")
    low = datetime(2026, 11, 20, 10, tzinfo=zone)
    high = datetime(2026, 11, 20, 11, tzinfo=zone)
    start = HEADER.index("Start (UTC)")
    starts = [datetime.fromisoformat(row[start] + "+00:00") for row in rows[1:]]
    assert all(low <= s < high for s in starts)
    assert starts == sorted(starts, reverse=True)  # most recent first, as the pages


def test_search_export_has_every_match(sup_client, live_api):
    total = page_total(sup_client.get(SEARCH, VIP_CALLBACK))
    assert total > 0
    rows = rows_of(body_of(sup_client.get(EXPORT_SEARCH, VIP_CALLBACK)))
    assert len(rows) - 1 == total
    attributes = HEADER.index("Custom attributes")
    for row in rows[1:]:
        values = row[attributes].split("; ")
        assert "VIP" in values and "callback-requested" in values


def test_export_above_amazons_cap_streams_all_rows_in_ceil_total_over_1000_calls(sup_client, warm):
    response = sup_client.get(EXPORT_LIST, TWENTY_ONE_HOURS)
    chunks = list(response.streaming_content)
    assert len(chunks) > 10  # streamed in pieces, not one body
    rows = rows_of(b"".join(chunks))
    assert len(rows) - 1 == 3500
    assert len({row[0] for row in rows[1:]}) == 3500
    assert list_calls(warm) == math.ceil(3500 / 1000)
    assert not any(row[0].startswith("# export stopped") for row in rows)


def test_one_page_export_makes_one_upstream_call(sup_client, warm):
    rows = rows_of(body_of(sup_client.get(EXPORT_LIST, ONE_HOUR)))
    assert list_calls(warm) == math.ceil((len(rows) - 1) / 1000) == 1


def test_export_pages_do_not_go_through_the_page_cache(sup_client, warm, supervisor):
    viewer_facts(supervisor)  # what every request of this user reads, kept beforehand
    keys_before = len(cache._cache)  # LocMemCache in tests
    body_of(sup_client.get(EXPORT_LIST, TWENTY_ONE_HOURS))
    assert len(cache._cache) == keys_before
    # and the page itself is not served from anything the export left behind
    sup_client.get(LIST, TWENTY_ONE_HOURS)
    assert len(cache._cache) > keys_before


def test_export_reads_one_upstream_page_at_a_time(live_api, monkeypatch):
    """Each page is fetched only when the rows before it have been written."""
    client = client_from_settings()
    fetched: list[int] = []
    original = client.list_interactions

    def spy(**kwargs):
        fetched.append(kwargs["offset"])
        return original(**kwargs)

    monkeypatch.setattr(client, "list_interactions", spy)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    end = datetime(2026, 11, 20, 21, tzinfo=UTC)
    rows = services.interaction_rows(start=start, end=end)
    for n, _item in enumerate(rows, start=1):
        assert len(fetched) == math.ceil(n / 1000)  # never ahead of the row being written
    assert fetched == [0, 1000, 2000, 3000]


def test_max_rows_stops_early_with_fewer_calls(live_api):
    rows = list(services.interaction_rows(max_rows=1500))
    assert len(rows) == 1500
    assert len({row.id for row in rows}) == 1500


def test_rows_shifted_by_new_arrivals_are_not_written_twice(live_api, monkeypatch):
    """Offsets move when interactions arrive mid-export: the repeats are dropped."""
    client = client_from_settings()
    original = client.list_interactions
    calls = []

    def shifted(**kwargs):  # from the second page on, pretend 3 new interactions came in
        calls.append(kwargs["offset"])
        if kwargs["offset"]:
            kwargs["offset"] -= 3
        return original(**kwargs)

    monkeypatch.setattr(client, "list_interactions", shifted)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    end = datetime(2026, 11, 20, 21, tzinfo=UTC)
    ids = [item.id for item in services.interaction_rows(start=start, end=end)]
    assert len(ids) == len(set(ids)) == 3500


# --- flagged -------------------------------------------------------------------------------


def test_flagged_export_matches_the_flagged_page(sup_client, live_api):
    total = page_total(sup_client.get(FLAGGED, {"flag": "queue"}))
    assert total > 0
    rows = rows_of(body_of(sup_client.get(EXPORT_FLAGGED, {"flag": "queue"})))
    assert len(rows) - 1 == total
    flagged, kind, why = (HEADER.index(n) for n in ("Flagged", "Flag type", "Flag explanation"))
    for row in rows[1:]:
        assert row[flagged] == "yes"
        assert row[kind].lower() == "queue"
        assert row[why].startswith("The queue end time was never received")


def test_flagged_export_of_every_flag_type(sup_client, live_api):
    total = page_total(sup_client.get(FLAGGED, {"depth": 5000}))
    rows = rows_of(body_of(sup_client.get(EXPORT_FLAGGED, {"depth": 5000})))
    assert len(rows) - 1 == total
    assert len({row[HEADER.index("Flag type")] for row in rows[1:]}) > 3


def test_flagged_export_that_cannot_finish_its_scan_is_a_504(sup_client, live_api, monkeypatch):
    unfinished = services.FlaggedScan(flagged=(), scanned=0, total=10, depth=10, finished=False)
    monkeypatch.setattr(flagged_scan, "flagged_scan_get", lambda **kwargs: unfinished)
    response = sup_client.get(EXPORT_FLAGGED)
    assert response.status_code == 504
    assert "did not finish in time" in response.content.decode()


# --- the values ----------------------------------------------------------------------------


def _sandbox_list(sandbox, start_utc: str, end_utc: str) -> list[dict]:
    """The same window as the sandbox answers it, read straight from it (not through the
    dashboard's client or parser)."""
    from tests.reliability.conftest import sandbox_call

    path = f"/tenants/{sandbox.TENANT_A}/interactions?start={start_utc}&end={end_utc}&limit=1000"
    return sandbox_call(sandbox, "GET", path)["results"]


def test_row_values_match_the_sandboxs_raw_json(sup_client, live_api):
    rows = rows_of(body_of(sup_client.get(EXPORT_LIST, ONE_HOUR)))
    assert rows[0] == HEADER
    # 10:00-11:00 in US/Eastern is 15:00-16:00 UTC
    raw = _sandbox_list(live_api, "2026-11-20T15:00:00.000Z", "2026-11-20T16:00:00.000Z")
    assert [row[0] for row in rows[1:]] == [item["interactionId"] for item in raw]
    # the first row, value by value, as written by hand from the sandbox's JSON for it
    first = dict(zip(HEADER, rows[1], strict=True))
    assert raw[0]["startTimestamp"] == "2026-11-20T15:59:59.710Z"
    assert raw[0]["customer"] == "+15558338773" and raw[0]["contactPoint"] == "+15553005555"
    # agentTalkTime 421.934, customerHoldTime 51.409, agentWrapUpTime 55.894, queueTime 44.486
    assert first == {
        "Interaction ID": "eff29b85-05a0-41fb-a051-9a862b672e5f",
        "Link": "http://testserver/interactions/eff29b85-05a0-41fb-a051-9a862b672e5f/",
        "Start (US/Eastern)": "2026-11-20 10:59:59",
        "End (US/Eastern)": "2026-11-20 11:08:42",
        "Start (UTC)": "2026-11-20 15:59:59",
        "Duration": "0:08:42",
        "Duration (seconds)": "522.499",
        "Talk": "0:07:02",
        "Hold": "0:00:51",
        "Wrap-up": "0:00:56",
        "Queue wait": "0:00:44",
        "Channel": "voice",
        "Direction": "inbound",
        "Customer": "'+1 555 ••• ••73",  # masked (no view_customer_pii), formula-guarded
        "Contact point": "'+15553005555",  # the tenant's own number stays visible
        "Flow": "Billing IVR",
        "Queues": "Billing",
        "Agents": "Daniel Novak",
        "Flagged": "no",
        "Flag": "",
        "Flag type": "",
        "Flag explanation": "",
        "Reporting finished": "yes",
        "Disposition": "Billing question answered",
        "Custom attributes": "lang-en",
    }
    # every row against its own raw item: the fields that are copied, not formatted
    for row, item in zip(rows[1:], raw, strict=True):
        got = dict(zip(HEADER, row, strict=True))
        assert got["Start (UTC)"] == item["startTimestamp"][:19].replace("T", " ")
        assert got["Link"] == f"http://testserver/interactions/{item['interactionId']}/"
        assert got["Channel"] == item["channelType"] and got["Direction"] == item["direction"]
        assert got["Flow"] == item["flowName"]
        # each named once; the sandbox leaves out the lists an interaction has none of
        names = list(dict.fromkeys(q["queueName"] for q in item.get("queues", [])))
        assert got["Queues"] == "; ".join(names)
        agents = list(dict.fromkeys(a["agentName"] for a in item.get("agents", [])))
        assert got["Agents"] == "; ".join(agents)
        assert got["Flagged"] == ("yes" if item.get("flagged") else "no")
        assert got["Reporting finished"] == {True: "yes", False: "no"}[item["dataComplete"]]
        customer = item["customer"]
        if re.fullmatch(r"\+1555\d{7}", customer):  # the documented shapes, nothing looser
            assert got["Customer"] == f"'+1 555 ••• ••{customer[-2:]}"
        else:
            user, _, domain = customer.partition("@")
            assert got["Customer"] == f"{user[0]}•••@{domain}", customer


def _crafted(**fields) -> Interaction:
    start = datetime(2026, 11, 20, 15, 0, 0, 250000, tzinfo=UTC)
    end = datetime(2026, 11, 20, 15, 2, 5, tzinfo=UTC)
    return Interaction(
        id=fields.pop("id", "11111111-1111-4111-8111-111111111111"),
        tenant_id=None,
        start=start,
        end=end,
        **fields,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+15551234567", "'+15551234567"),
        ("-2", "'-2"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tcmd", "'\tcmd"),
        ("\r=1", "'\r=1"),
        ("\uff1d1+1", "'\uff1d1+1"),  # full-width equals sign
        ("\uff0b15551234567", "'\uff0b15551234567"),  # full-width plus
        ("\uff0d2+3", "'\uff0d2+3"),  # full-width hyphen-minus
        ("\uff20SUM(A1:A9)", "'\uff20SUM(A1:A9)"),  # full-width commercial at
        ("a\uff1d1", "a\uff1d1"),  # only at the start
        ("plain", "plain"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_neutralise(value, expected):
    assert export.neutralise(value) == expected


def test_formula_cells_are_neutralised_in_the_file():
    def when(minute: int) -> datetime:
        return datetime(2026, 11, 20, 15, minute, tzinfo=UTC)

    item = _crafted(
        customer="=1+1",
        contact_point="+15551234567",
        flow_name="-2",
        disposition_name="@SUM(A1:A9)",
        channel="\tvoice",
        queues=(Queue(id="q", queue_id="q", name="=HYPERLINK(1)", start=when(0), end=when(1)),),
        agents=(Agent(id="a", agent_id="a", name="+agent", start=when(0), end=when(1)),),
        attributes=(
            Hook(id="h", hook_id="h", name="@evil"),
            Hook(id="h2", hook_id="h", name="VIP"),
        ),
        flagged=True,
        flag_type="=cmd|' /C calc'!A0",
    )
    data = b"".join(
        export.csv_chunks([item], tz=ZoneInfo("US/Eastern"), timezone_name="US/Eastern")
    )
    row = dict(zip(HEADER, rows_of(data)[1], strict=True))
    assert row["Customer"] == "'=1+1"
    assert row["Contact point"] == "'+15551234567"
    assert row["Flow"] == "'-2"
    assert row["Disposition"] == "'@SUM(A1:A9)"
    assert row["Channel"] == "'\tvoice"
    assert row["Queues"] == "'=HYPERLINK(1)"
    assert row["Agents"] == "'+agent"
    assert row["Custom attributes"] == "'@evil; VIP"
    assert row["Flag type"] == "'=cmd|' /C calc'!A0"
    # every cell of the file: nothing a spreadsheet would evaluate
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())
    # our own figures are numbers, not neutralised text
    assert row["Duration (seconds)"] == "124.75"
    assert row["Duration"] == "0:02:05"
    assert row["Start (US/Eastern)"] == "2026-11-20 10:00:00"
    assert row["End (US/Eastern)"] == "2026-11-20 10:02:05"
    assert row["Start (UTC)"] == "2026-11-20 15:00:00"
    assert row["Flag"] == "Flagged: =cmd|' /C calc'!A0"  # its label beside the raw type


def test_empty_fields_are_empty_cells():
    item = Interaction(id="x", tenant_id=None, start=None, end=None)
    row = dict(zip(HEADER, export.csv_row(item, tz=UTC), strict=True))
    assert row["Interaction ID"] == "x"
    assert all(row[name] == "" for name in HEADER if name not in ("Interaction ID", "Flagged"))
    assert row["Flagged"] == "no"


def test_durations_flag_label_and_every_name_for_a_spreadsheet():
    from interactions_app.cxengage.models import Agent, Queue

    none = {"id": None, "start": None, "end": None}
    item = _crafted(
        agents=(
            Agent(**none, agent_id="a", name="Ann", talk_seconds=3662.4, wrap_up_seconds=30),
            Agent(**none, agent_id="b", name="Bob", talk_seconds=10, wrap_up_seconds=None),
            Agent(**none, agent_id="c", name="Cy"),
        ),
        queues=(
            Queue(**none, queue_id="s", name="Support", queue_seconds=40),
            Queue(**none, queue_id="b", name="Billing", queue_seconds=5.6),
        ),
        customer_hold_seconds=75,
        flagged=True,
        flag_type="Queue",
    )
    data = b"".join(
        export.csv_chunks(
            [item],
            tz=ZoneInfo("US/Eastern"),
            timezone_name="US/Eastern",
            detail_link="https://dash.example/interactions/{id}/",
        )
    )
    header, values = rows_of(data)
    assert header == HEADER  # the tenant's zone is named in the header row
    row = dict(zip(HEADER, values, strict=True))
    assert row["Talk"] == "1:01:12" and row["Wrap-up"] == "0:00:30"
    assert row["Hold"] == "0:01:15" and row["Queue wait"] == "0:00:46"
    assert row["Flag"] == "Queue end missing" and row["Flag type"] == "Queue"
    assert row["Agents"] == "Ann; Bob; Cy" and row["Queues"] == "Support; Billing"
    assert row["Link"] == f"https://dash.example/interactions/{item.id}/"


def test_the_export_links_back_to_the_dashboard(sup_client, live_api):
    rows = rows_of(body_of(sup_client.get(EXPORT_LIST, ONE_HOUR)))
    row = dict(zip(HEADER, rows[1], strict=True))
    link = row["Link"]
    assert link == f"http://testserver/interactions/{row['Interaction ID']}/"
    assert sup_client.get(link.removeprefix("http://testserver")).status_code == 200


def test_cells_with_commas_quotes_and_newlines_round_trip():
    item = _crafted(customer='Smith, "Jo"\nline two', flow_name="Sales; EU")
    data = b"".join(export.csv_chunks([item], tz=UTC, timezone_name="UTC", bom=False))
    row = dict(zip(HEADER, rows_of(data)[1], strict=True))
    assert row["Customer"] == 'Smith, "Jo"\nline two'
    assert row["Flow"] == "Sales; EU"


# --- failures ------------------------------------------------------------------------------


def test_failure_mid_stream_ends_the_file_with_a_stopped_line(sup_client, warm, caplog):
    response = sup_client.get(EXPORT_LIST, TWENTY_ONE_HOURS)
    assert response.status_code == 200  # the first page was read before answering
    # from the second page on, the upstream fails (the client's retries fail too)
    warm.set_faults(mode="status", status=500, count=20)
    rows = rows_of(body_of(response))
    reference = response["X-Request-ID"]
    assert rows[0] == HEADER
    assert len(rows) - 2 == 1000  # the first page's rows made it
    assert rows[-1] == [f"# export stopped: CxEngage had an internal error (reference {reference})"]
    assert any(
        "export stopped after 1000 rows" in r.getMessage() and reference in r.getMessage()
        for r in caplog.records
    )


def test_an_unexpected_crash_mid_stream_is_also_a_stopped_line(caplog):
    def rows():
        yield _crafted()
        raise RuntimeError("boom")

    data = b"".join(export.csv_chunks(rows(), tz=UTC, timezone_name="UTC", reference="ref123"))
    lines = rows_of(data)
    assert len(lines) == 3
    assert lines[-1] == ["# export stopped: an unexpected error (reference ref123)"]


def test_an_upstream_error_mid_stream_uses_its_title():
    def rows():
        yield _crafted()
        raise UpstreamServerError("upstream answered 500")

    data = b"".join(export.csv_chunks(rows(), tz=UTC, timezone_name="UTC", reference="r1"))
    assert data.endswith(b"\r\n# export stopped: CxEngage had an internal error (reference r1)\r\n")


@pytest.mark.parametrize(
    ("fault", "status", "text"),
    [
        ({"mode": "status", "status": 503}, 502, "internal error"),
        ({"mode": "status", "status": 429, "retry_after": 1}, 429, "rate-limiting"),
        ({"mode": "malformed"}, 502, "unreadable answer"),
        ({"mode": "status", "status": 403}, 502, "No access to this tenant"),
    ],
)
@pytest.mark.parametrize(
    ("url", "query"),
    [(EXPORT_LIST, ONE_HOUR), (EXPORT_SEARCH, VIP_CALLBACK), (EXPORT_FLAGGED, {})],
)
def test_failure_before_the_first_byte_is_the_friendly_error_page(
    sup_client, warm, fault, status, text, url, query
):
    warm.set_faults(**fault)
    response = sup_client.get(url, query)
    assert not response.streaming
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert text in page and "Reference " in page and "Traceback" not in page
    if status == 429:
        assert response["Retry-After"] == "1"


def test_failure_fetching_the_tenant_is_the_friendly_error_page(sup_client, live_api):
    live_api.set_faults(mode="status", status=503)
    response = sup_client.get(EXPORT_LIST, ONE_HOUR)
    assert response.status_code == 502
    assert "internal error" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "params", "message"),
    [
        (EXPORT_LIST, {"start": "yesterday"}, "Enter a valid date/time"),
        (EXPORT_LIST, {"start": "2026-11-20T10:00", "end": "2026-11-20T09:00"}, "end must be"),
        (EXPORT_LIST, {"limit": "7"}, "Choose one of"),
        (EXPORT_FLAGGED, {"depth": "3"}, None),  # the flagged page shows no depth error
        (EXPORT_FLAGGED, {"flag": "x" * 65}, None),
        (EXPORT_SEARCH, {}, "Enter at least one attribute value, hook name or CRM record id"),
        (EXPORT_SEARCH, {"value": "VIP\ncallback"}, "control characters"),
    ],
)
def test_bad_parameters_are_a_400_page_with_the_form_error(sup_client, warm, url, params, message):
    response = sup_client.get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = html.unescape(response.content.decode())
    assert message is None or message in page
    assert list_calls(warm) == 0  # nothing reached the upstream list
    # the error page is the page: its form submits there, not to the download
    assert "/export/" not in page.split("<main", 1)[1].split("</form>", 1)[0]


# --- the link in the page ------------------------------------------------------------------


def export_href(response) -> str:
    match = re.search(r'<a class="btn small export-link" href="([^"]+)"', response.content.decode())
    assert match, "no export link"
    return html.unescape(match.group(1))


def test_list_page_links_to_the_export_with_its_query(sup_client, live_api):
    response = sup_client.get(LIST, {**ONE_HOUR, "limit": 10, "page": 2})
    page = response.content.decode()
    total = page_total(response)
    assert f"Export all {total:,} rows as CSV" in page
    assert page.count("export-link") == 1  # top pager only
    assert "phone numbers read &#x27;+1555" in page or "phone numbers read '+1555" in page
    href = export_href(response)
    assert href.startswith(EXPORT_LIST + "?")
    assert "start=2026-11-20T10%3A00" in href and "page=" not in href
    # the progress token is added per click by app.js, so a cached page never carries one
    assert "token=" not in href
    # following the link (with a click's token) gives the whole result
    download = sup_client.get(href + "&token=0123456789abcdef")
    assert download.cookies["export_started"].value == "0123456789abcdef"
    assert len(rows_of(body_of(download))) - 1 == total


def test_the_htmx_fragment_keeps_the_export_link(sup_client, live_api):
    response = sup_client.get(LIST, {**ONE_HOUR, "page": 2}, **HX)
    assert "export-link" in response.content.decode()
    assert export_href(response).startswith(EXPORT_LIST + "?")


def test_search_and_flagged_pages_link_to_their_exports(sup_client, live_api):
    search = sup_client.get(SEARCH, VIP_CALLBACK)
    href = export_href(search)
    assert href.startswith(EXPORT_SEARCH + "?") and "value=VIP" in href
    assert "value=callback-requested" in href
    flagged = sup_client.get(FLAGGED, {"flag": "queue"})
    href = export_href(flagged)
    assert href.startswith(EXPORT_FLAGGED + "?") and "flag=queue" in href


def test_no_export_link_without_rows(sup_client, live_api):
    response = sup_client.get(SEARCH, {"value": "ORD-000000"})
    assert "export-link" not in response.content.decode()
