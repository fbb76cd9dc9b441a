"""Fuzzing the parser and the real templates with hostile interaction payloads (hypothesis).

Generated payloads carry nested nulls, the wrong type at every field, huge strings, RTL marks,
emoji, combining characters, HTML/script payloads, timestamps in odd formats (no Z, offsets,
epoch numbers, garbage, years 0001 and 9999), segments that reference missing queues, and
out-of-order, duplicate or negative segment numbers. Each goes through JSON (as the upstream
would send it), ``decode_json`` and ``parse_interaction`` / ``parse_page``, then through the
templates the views render: the results partial with a ``ResultPage`` and the detail page with
the context the detail view builds. Nothing may raise, and no generated markup may come out
unescaped: no hostile tag, no event-handler attribute, no ``javascript:``/``data:`` link, no
inline script.

Example counts are kept in ``EXAMPLES``; each test checks after itself that it generated the
examples it asked for (at least 10,000 in all for the three above). A property test checks
what the parse keeps of segments, queues and agents (every one, in segment-number order, their
unknown fields with them, nothing invented). Under ``CI=true`` the examples are derandomised;
``make test`` draws fresh ones and keeps failures in ``.hypothesis/`` (``tests/conftest.py``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interactions_app.cxengage import parsing
from interactions_app.cxengage.errors import BadResponse
from interactions_app.cxengage.parsing import (
    decode_json,
    parse_interaction,
    parse_list_rows,
    parse_page,
)
from interactions_app.flags import flag_info
from interactions_app.preferences import display_zone
from interactions_app.services import ResultPage, Tenant
from interactions_app.sources import SOURCES
from interactions_app.timeline import build_timeline
from tests.support.rows import assert_rows_agree

pytestmark = pytest.mark.django_db

EXAMPLES: Counter[str] = Counter()
# >= 10,000 generated payloads through parsing and rendering in all (the five counts below and
# PROPERTY_EXAMPLES), the costly detail and results renders fewer: the suite stays under 15 min
PARSE_EXAMPLES = 6800
RESULTS_EXAMPLES = 1000
DETAIL_EXAMPLES = 1000
ROWS_EXAMPLES = 600
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TENANT_ID = "5b1c3f7e-2a4d-4e8b-9c61-0f3a7d2e9b14"
FUZZ = settings(
    max_examples=1,  # each test sets its own
    deadline=None,  # the example database and derandomisation come from the profile
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.large_base_example,
    ],
)

# --- hostile text ---------------------------------------------------------------------------------

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "javascript:alert(3)",
    "JaVaScRiPt:alert(4)",
    " \tjavascript:alert(5)",
    "</title><script>alert(6)</script>",
    "'><svg onload=alert(7)>",
    "</textarea></pre><script>alert(8)</script>",
    '<a href="javascript:alert(9)">x</a>',
    "data:text/html,<script>alert(10)</script>",
    "\u202e<script>alert(11)</script>\u202c",
    "{{ request }}{% debug %}",
    "<!--",
    "]]><![CDATA[<script>alert(12)</script>",
    "&lt;script&gt;alert(13)&lt;/script&gt;",
)
# what must never appear in the rendered HTML (lower-cased)
RAW_MARKERS = (
    "<script>alert",
    "<img src=x",
    "<svg onload",
    '<a href="javascript:',
    "<![cdata[<script",
    "onerror=alert(2)>",
)
UNICODE = (
    "\u200f\u200e",  # RTL / LTR marks
    "\u202e\u202d",  # RTL / LTR overrides
    "e\u0301\u0302\u0303\u0304",  # stacked combining marks
    "👩🏽‍💻🏳️‍🌈",  # emoji with ZWJ sequences and modifiers
    "\u0000\u0007\u001b",  # control characters
    "\ufeff\u200b\u2028\u2029",  # BOM, zero-width space, line and paragraph separators
    "שלום مرحبا",  # RTL scripts
    "\ud800",  # a lone surrogate, as JSON's \ud800 escape decodes
    "𝕏" * 3,
)

small_text = st.text(max_size=24)
hostile_text = st.one_of(
    small_text,
    st.sampled_from(PAYLOADS),
    st.sampled_from(UNICODE),
    st.tuples(small_text, st.sampled_from(PAYLOADS + UNICODE), small_text).map("".join),
)
# huge strings (up to ~100 KB) are built by repetition: cheap to generate and to shrink
huge_text = st.tuples(
    st.sampled_from(PAYLOADS + UNICODE + ("x", "+1555", "é")), st.integers(1000, 25_000)
).map(lambda pair: (pair[0] * pair[1])[:100_000])
text = st.one_of(hostile_text, hostile_text, hostile_text, huge_text)

numbers = st.one_of(
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e308, -1e308, 10**400, -(10**400), 5e-324]),
)
uuids = st.uuids().map(str)
scalar_junk = st.one_of(st.none(), st.booleans(), numbers, hostile_text)
json_junk = st.recursive(
    scalar_junk,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=6,
)


# cheap to draw, and each a wrong type somewhere: nulls nested in lists and objects, numbers as
# strings, a list keyed by index, NaN, a number past 1e308, hostile text deep inside
JUNK_VALUES = (
    None,
    True,
    False,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    float("nan"),
    float("inf"),
    10**400,
    "",
    " ",
    "null",
    "true",
    "NaN",
    "1e999",
    [],
    {},
    [None],
    [1, "2", None],
    {"a": None},
    {"0": {}, "1": None},
    [[[]]],
    {"nested": {"deeper": [None, {"x": "<script>alert(1)</script>"}]}},
)
junk = st.one_of(st.sampled_from(JUNK_VALUES), hostile_text)


def typed(good: st.SearchStrategy) -> st.SearchStrategy:
    """The right type most of the time, otherwise anything (null, a list, an object...)."""
    return st.one_of(good, good, good, junk)


# --- timestamps -----------------------------------------------------------------------------------

near = st.integers(-6 * 3600, 6 * 3600).map(lambda s: NOW + timedelta(seconds=s))
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
any_moment = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59))
timestamps = st.one_of(
    near.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"),
    near.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"),
    near.map(lambda d: d.replace(tzinfo=None).isoformat()),  # no Z
    st.tuples(near, offsets).map(lambda p: p[0].astimezone(p[1]).isoformat()),
    st.tuples(any_moment, offsets).map(lambda p: p[0].replace(tzinfo=p[1]).isoformat()),
    near.map(lambda d: d.timestamp()),  # epoch seconds
    near.map(lambda d: int(d.timestamp() * 1000)),  # epoch milliseconds
    st.sampled_from(
        [
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59.999Z",
            "9999-12-31T23:59:59-14:00",
            "2026-11-24",
            "2026-11-24 12:00",
            "20261124T120000Z",
            "2026-02-30T00:00:00Z",
            "2026-11-24T25:00:00Z",
            "1732449600",
            "NaN",
            "",
            " 2026-11-24T12:00:00Z ",
        ]
    ),
    junk,
)

# --- interaction payloads -------------------------------------------------------------------------

urls = st.one_of(
    st.sampled_from(
        [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "\x01javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "//evil.example/x",
            "https://crm.example/ticket/1",
            'https://crm.example/"><script>alert(1)</script>',
            "http://",
            "https:javascript:alert(1)",
        ]
    ),
    text,
)


def opt(**fields: st.SearchStrategy) -> st.SearchStrategy:
    """An object in which every field may be absent, null or of the wrong type."""
    return st.fixed_dictionaries(
        {}, optional={k: st.one_of(v, st.none()) for k, v in fields.items()}
    )


# fields no version of the dashboard knows, inside nested objects as at the top level: named so
# they can never be mistaken for a known field
unknown_fields = st.dictionaries(
    st.sampled_from(["x-futureField", "x-<b>key</b>", "x-\u202ertl", "x-routing.tags"])
    | st.text(max_size=12).map(lambda t: "x-" + t),
    json_junk,
    max_size=3,
)


def with_unknown(known: st.SearchStrategy) -> st.SearchStrategy:
    """An object of ``known`` fields plus unknown ones."""
    return st.tuples(unknown_fields, known).map(lambda pair: {**pair[0], **pair[1]})


def listish(item: st.SearchStrategy, max_size: int = 4) -> st.SearchStrategy:
    """A list, the same list as an object keyed by index (the wrong-types fault), or junk."""
    as_list = st.lists(item, max_size=max_size)
    keyed = as_list.map(lambda items: {str(n): v for n, v in enumerate(items)})
    return st.one_of(as_list, as_list, keyed, junk)


segment_fields = opt(
    interactionSegmentId=typed(uuids),
    segmentNumber=typed(st.integers(-3, 6)),  # duplicates, negatives, out of order
    startTimestamp=timestamps,
    endTimestamp=timestamps,
    segmentStartType=typed(text),
    segmentEndType=typed(text),
    segmentTime=typed(numbers),
    segmentCancelled=typed(st.booleans()),
    transfer=typed(st.booleans() | st.sampled_from(["true", "false", "yes"])),
    agentId=typed(uuids),
    segmentToAgentId=typed(uuids),
)
segment = with_unknown(segment_fields)

queue_fields = opt(
    interactionQueueId=typed(uuids),
    queueId=typed(uuids),
    queueName=typed(text),
    startTimestamp=timestamps,
    endTimestamp=timestamps,
    queueType=typed(text),
    queueEntryType=typed(text),
    queueExitType=typed(text),
    queueAbandoned=typed(st.booleans()),
    slaAbandoned=typed(st.booleans()),
    queueTime=typed(numbers),
    slaTime=typed(numbers),
    timeToAnswer=typed(numbers),
    queueAbandonTime=typed(numbers),
    agentId=typed(uuids),
    interactionSegmentId=typed(uuids),  # usually a segment that is not there
)
queue = with_unknown(queue_fields)

talk = opt(
    startTimestamp=timestamps,
    endTimestamp=timestamps,
    agentTalkTime=typed(numbers),
    customerTalkTime=typed(numbers),
    agentId=typed(uuids),
)
agent_fields = opt(
    interactionAgentId=typed(uuids),
    agentId=typed(uuids),
    agentName=typed(text),
    interactionSegmentId=typed(uuids),
    queueId=typed(uuids),  # usually a queue that is not there
    startTimestamp=timestamps,
    endTimestamp=timestamps,
    conversationStartTimestamp=timestamps,
    conversationEndTimestamp=timestamps,
    agentWorkOfferTime=typed(numbers),
    agentWorkAccepted=typed(st.booleans()),
    agentWorkAcceptedTime=typed(numbers),
    agentTalkTime=typed(numbers),
    agentHandleTime=typed(numbers),
    agentWrapUpTime=typed(numbers),
    talkTimes=listish(talk, 3),
)
agent = with_unknown(agent_fields)

hook = opt(
    interactionHookId=typed(uuids),
    hookId=typed(uuids),
    hookName=typed(text),
    hookType=typed(text),
    hookSubType=typed(
        st.sampled_from(["interaction-attribute", "ticket", " Interaction-Attribute "]) | text
    ),
    hookBy=typed(text),
    timestamp=timestamps,
    hookUrl=typed(urls),
)
note = opt(
    noteId=typed(uuids),
    title=typed(text),
    body=typed(text),
    created=timestamps,
    updated=timestamps,
)
details = opt(
    contactId=typed(uuids),
    csat=typed(text | numbers),
    agents=listish(
        opt(
            agentName=typed(text),
            resourceId=typed(uuids),
            conversationStartTimestamp=timestamps,
            conversationEndTimestamp=timestamps,
            noteTitle=typed(text),
        ),
        3,
    ),
    customer=typed(text),
    contactPoint=typed(text),
)
extra_fields = st.dictionaries(
    st.sampled_from(["experimentalScore", "routingTags", "<b>key</b>", "x\u202ey", "debugTrace"])
    | hostile_text,
    json_junk | text,
    max_size=3,
)


@st.composite
def interactions(draw, *, with_id: bool = True) -> dict:
    base = draw(
        opt(
            tenantId=typed(st.just(TENANT_ID) | text),
            startTimestamp=timestamps,
            endTimestamp=timestamps,
            channelType=typed(
                st.sampled_from(["voice", "sms", "email", "messaging", "Voice"]) | text
            ),
            direction=typed(st.sampled_from(["inbound", "outbound"]) | text),
            customer=typed(text),
            contactPoint=typed(text),
            contactId=typed(uuids | text),
            flowId=typed(uuids),
            flowName=typed(text),
            interactionTime=typed(numbers),
            ivrTime=typed(numbers),
            customerHolds=typed(numbers),
            customerTransfers=typed(numbers),
            customerTalkTime=typed(numbers),
            flagged=typed(st.booleans() | st.sampled_from(["true", "FALSE"])),
            flagType=typed(st.sampled_from(["Agent", "queue", "Stuck", "forced", " "]) | text),
            dataComplete=typed(st.booleans()),
            dispositionName=typed(text),
            audioRecording=typed(urls),
            segments=listish(segment, 5),
            queues=listish(queue, 3),
            agents=listish(agent, 3),
            customerTalkTimes=listish(talk, 3),
            notes=listish(note, 3),
            hooks=listish(hook, 4),
            interactionAttributes=listish(hook, 3),
            details=typed(details),
        )
    )
    base.update(draw(extra_fields))
    if with_id:
        base["interactionId"] = draw(st.one_of(uuids, uuids, uuids, json_junk))
    return base


def through_json(payload: object) -> object:
    """What the dashboard decodes when the upstream sends this payload."""
    return decode_json(json.dumps(payload, allow_nan=True).encode("utf-8", "surrogatepass"))


# --- the HTML checks ------------------------------------------------------------------------------

LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "hx-get", "poster"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "img", "base", "frame", "frameset", "applet"}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class _Audit(HTMLParser):
    """Every real tag and attribute of a page (escaped text cannot create any)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in LINK_ATTRIBUTES and value:
                scheme = _INVISIBLE.sub("", value).lower()
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"<{tag} {name}={value[:40]!r}>")
        if tag == "script" and not (names.get("src") or "").startswith("/static/"):
            self.problems.append("inline <script>")
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"unexpected <{tag}>")
        if tag == "meta" and not set(names) <= {"charset", "name", "content", "http-equiv"}:
            self.problems.append(f"unexpected <meta {sorted(names)}>")

    handle_startendtag = handle_starttag


def assert_safe(html: str) -> None:
    html.encode("utf-8")  # what HttpResponse does: a lone surrogate would fail right here
    lowered = html.lower()
    for marker in RAW_MARKERS:
        assert marker not in lowered, marker
    audit = _Audit()
    audit.feed(html)
    audit.close()
    assert not audit.problems, audit.problems[:5]


@pytest.mark.parametrize(
    "html",
    [
        "<td><script>alert(1)</script></td>",
        '<td title=""><img src=x onerror=alert(2)></td>',
        '<a href=" javascript:alert(3)">x</a>',
        '<a href="java&#x09;script:alert(3)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<svg onload="alert(7)"></svg>',
        "<iframe srcdoc=x></iframe>",
        "<script>fetch('/x')</script>",
        "<p>ok</p>\ud800",
    ],
)
def test_the_html_audit_catches_unescaped_markup(html):
    with pytest.raises((AssertionError, UnicodeEncodeError)):
        assert_safe(html)


def test_the_html_audit_passes_escaped_text():
    assert_safe(
        '<td title="&quot;&gt;&lt;img src=x onerror=alert(2)&gt;">&lt;script&gt;alert(1)'
        '&lt;/script&gt; javascript:alert(3)</td><a href="/interactions/?value=javascript%3Ax">'
        '<script src="/static/js/app.js" defer></script>'
    )


@pytest.mark.parametrize("zone", ["x" * 300, "../../etc/passwd", "US/Eastern\x00", "Mars/Olympus"])
def test_an_unusable_tenant_zone_falls_back_to_utc(zone):
    from interactions_app.services.interactions import _tenant_from
    from interactions_app.services.types import UTC as UTC_ZONE

    page = parse_page(through_json({"results": [], "tenantTimezone": zone}), limit=10, offset=0)
    assert _tenant_from(page).tz == UTC_ZONE  # no OSError from ZoneInfo("x" * 300)
    EXAMPLES["zone"] += 1


# --- every fuzz test generates what it asks for -----------------------------------------------


@pytest.fixture(autouse=True)
def every_example_ran():
    """After each test of this module: each kind of example it counted reached (nearly) the
    number asked for. Hypothesis may stop short when it has tried everything a strategy can
    draw; 90 % leaves room for that, not for a test that quietly stopped generating."""
    before = Counter(EXAMPLES)
    yield
    asked = {
        "parse": PARSE_EXAMPLES,
        "results": RESULTS_EXAMPLES,
        "detail": DETAIL_EXAMPLES,
        "property": PROPERTY_EXAMPLES,
    }
    for kind, ran in (EXAMPLES - before).items():
        if kind in asked:
            assert ran >= 0.9 * asked[kind], f"{kind}: {ran} of {asked[kind]} examples"


# --- rendering context ----------------------------------------------------------------------------


@pytest.fixture
def viewers(django_user_model):
    """Two supervisors: one may see customer contact details, one sees them masked."""
    plain = django_user_model.objects.create_user(username="fuzz-plain", password="pw-fuzz-1")
    trusted = django_user_model.objects.create_user(username="fuzz-pii", password="pw-fuzz-2")
    trusted.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    trusted = django_user_model.objects.get(pk=trusted.pk)  # fresh permission cache
    for user in (plain, trusted):
        user.has_perm("interactions_app.view_customer_pii")  # warm the permission cache
    return plain, trusted


def make_request(path: str, user):
    request = RequestFactory().get(path, {"page": "2", "q": '"><script>alert(1)</script>'})
    request.user = user
    request.resolver_match = resolve(path)
    request.request_id = "fuzz0request0id0"
    request.htmx = False
    return request


tenants = st.builds(
    Tenant,
    id=st.just(TENANT_ID),
    # as parse_page reads tenantName: decoded from JSON, a string or the default
    name=typed(text).map(lambda v: through_json(v) if isinstance(v, str) else "CxEngage tenant"),
    timezone_name=st.sampled_from(["US/Eastern", "Europe/Berlin", "UTC", "Pacific/Kiritimati"])
    | st.sampled_from(["Not/AZone", "../../etc/passwd", "", "x" * 64]),
)


def timeline_or_none(interaction, tz):
    return build_timeline(interaction, tz=tz, now=NOW)


# --- the tests ------------------------------------------------------------------------------------


@settings(FUZZ, max_examples=PARSE_EXAMPLES)
@given(payload=st.one_of(interactions(), interactions(with_id=False), json_junk))
def test_parse_interaction_never_raises_anything_but_bad_response(payload):
    EXAMPLES["parse"] += 1
    data = through_json(payload)
    fallback = (
        str(uuid.uuid4()) if isinstance(payload, dict) and "interactionId" not in payload else None
    )
    try:
        interaction = parse_interaction(data, fallback_id=fallback)
    except BadResponse:
        assert fallback is None
        return
    # every derived property a template or the timeline reads works
    assert interaction.id
    _ = (interaction.duration_seconds, interaction.queue_names, interaction.agent_names)
    _ = (interaction.all_attributes, interaction.crm_hooks, interaction.missing_ends)
    numbers_ = [s.number for s in interaction.segments if s.number is not None]
    assert numbers_ == sorted(numbers_)  # segments in order, whatever order they came in
    timeline_or_none(interaction, UTC)


@settings(FUZZ, max_examples=RESULTS_EXAMPLES)
@given(
    results=st.lists(st.one_of(interactions(), interactions(), json_junk), max_size=4),
    envelope=opt(
        total=typed(st.integers(-5, 10**7)),
        limit=typed(st.integers(-5, 2000)),
        offset=typed(st.integers(-5, 10**7)),
        tenantName=typed(text),
        tenantTimezone=typed(st.sampled_from(["US/Eastern", "Mars/Olympus", "x" * 300]) | text),
    ),
    page=st.integers(1, 50),
    limit=st.sampled_from([10, 25, 1000]),
    tenant=tenants,
    masked=st.booleans(),
    with_terms=st.booleans(),
)
def test_results_partial_renders_escaped(
    viewers, results, envelope, page, limit, tenant, masked, with_terms
):
    EXAMPLES["results"] += 1
    parsed = parse_page(through_json({**envelope, "results": results}), limit=limit, offset=0)
    assert parsed.skipped + len(parsed.items) == len(results)
    result_page = ResultPage.upstream(
        parsed.items,
        number=page,
        limit=limit,
        total=parsed.total,
        tenant=tenant,
        skipped=parsed.skipped,
    )
    user = viewers[0] if masked else viewers[1]
    request = make_request(reverse("interactions:search"), user)
    terms = {a.name.casefold() for i in parsed.items for a in i.all_attributes if a.name}
    context = {
        "source": SOURCES["search"],
        "query": QueryDict("kind=attribute-value&value=%22%3E%3Cscript%3E"),
        "here": '/interactions/search/?q="><script>alert(1)</script>',
        "results": result_page,
        "error": None,
        "tenant": tenant,
        "zone": display_zone(user=user, tenant=tenant),
        "terms": terms if with_terms else set(),
    }
    html = render_to_string("interactions/partials/_results.html", context, request=request)
    assert html.lstrip().startswith('<section id="results"')
    assert_safe(html)


@settings(FUZZ, max_examples=DETAIL_EXAMPLES)
@given(payload=interactions(), tenant=tenants, masked=st.booleans())
def test_detail_page_renders_escaped(viewers, payload, tenant, masked):
    EXAMPLES["detail"] += 1
    interaction_id = str(uuid.uuid4())
    interaction = parse_interaction(through_json(payload), fallback_id=interaction_id)
    user = viewers[0] if masked else viewers[1]
    request = make_request(reverse("interactions:detail", args=[interaction.id]), user)
    zone = display_zone(user=user, tenant=tenant)
    context = {
        "interaction": interaction,
        "tenant": tenant,
        "error": None,
        "zone": zone,
        "timeline": timeline_or_none(interaction, zone.tz),
        "flag": flag_info(interaction.flag_type) if interaction.flagged else None,
    }
    html = render_to_string("interactions/detail.html", context, request=request)
    assert "</html>" in html
    assert_safe(html)


# --- the fast list decoder against the full parser -------------------------------------------

# records shaped as a list answer's rows mostly are: texts or null where the row reads a text
# (the fast decoder's types), anything where it reads a number, a flag or a time, and anything
# at all in the fields a row does not read; ``interactions()`` adds wrong types everywhere
texts = st.one_of(st.none(), text, text)
row_hook = opt(
    interactionHookId=texts,
    hookId=texts | uuids,
    hookName=texts,
    hookType=texts | st.sampled_from(["zendesk", "salesforce-lightning"]),
    hookSubType=st.sampled_from(["interaction-attribute", "ticket", " Interaction-Attribute "])
    | texts,
    hookBy=junk,
    timestamp=timestamps,
)
row_records = st.fixed_dictionaries(
    {},
    optional={
        "interactionId": st.one_of(
            uuids, uuids, uuids.map(str.upper), uuids.map("{{{}}}".format), junk
        ),
        "tenantId": texts,
        "startTimestamp": timestamps,
        "endTimestamp": timestamps,
        "channelType": texts | st.sampled_from(["voice", "sms", "email", "messaging"]),
        "direction": texts | st.sampled_from(["inbound", "outbound"]),
        "customer": texts,
        "contactPoint": texts,
        "flowId": texts,
        "flowName": texts,
        "interactionTime": typed(numbers | numbers.map(str)),
        "flagged": typed(st.booleans() | st.sampled_from(["true", "FALSE", " True "])),
        "flagType": typed(st.sampled_from(["Agent", "queue", " ", ""]) | text),
        "flagTimestamp": timestamps,
        "dataComplete": typed(st.booleans() | st.sampled_from(["true", "false"])),
        "queues": st.none() | st.lists(opt(queueName=texts, queueTime=junk), max_size=3),
        "agents": st.none() | st.lists(opt(agentName=texts, talkTimes=junk), max_size=3),
        "hooks": st.none() | st.lists(row_hook, max_size=3),
        "interactionAttributes": st.none() | st.lists(row_hook, max_size=3),
        "segments": json_junk,
        "details": json_junk,
    },
).flatmap(lambda record: extra_fields.map(lambda extra: {**extra, **record}))


@settings(FUZZ, max_examples=ROWS_EXAMPLES)
@given(
    results=st.lists(st.one_of(row_records, row_records, row_records, interactions()), max_size=4),
    envelope=opt(
        total=typed(st.integers(-5, 10**7)),
        limit=typed(st.integers(-5, 2000)),
        offset=typed(st.integers(-5, 10**7)),
        tenantName=typed(text),
        tenantTimezone=typed(st.sampled_from(["US/Eastern", "Mars/Olympus"]) | text),
    ),
    tenant=tenants,
    masked=st.booleans(),
    with_terms=st.booleans(),
)
def test_the_fast_list_decoder_agrees_with_the_full_parser(
    viewers, results, envelope, tenant, masked, with_terms
):
    """Every row field a table shows, and the table's HTML itself, are the same whichever
    parser read the page (a field a template starts to show that the fast decoder does not
    fill makes this fail)."""
    body = json.dumps({**envelope, "results": results}, allow_nan=True)
    body = body.encode("utf-8", "surrogatepass")
    full = parse_page(decode_json(body), limit=25, offset=0)
    fast = parse_list_rows(body, limit=25, offset=0)
    EXAMPLES["rows"] += 1
    if parsing._list_rows_fast(body, limit=25, offset=0) is not None:
        EXAMPLES["rows on the fast path"] += 1
    assert_rows_agree(fast, full)
    user = viewers[0] if masked else viewers[1]
    request = make_request(reverse("interactions:list"), user)
    terms = {a.name.casefold() for i in full.items for a in i.all_attributes if a.name}
    terms |= {h.hook_id.casefold() for i in full.items for h in i.crm_hooks if h.hook_id}
    html = []
    for page in (fast, full):
        context = {
            "results": ResultPage.upstream(
                page.items, number=1, limit=25, total=page.total, tenant=tenant
            ),
            "zone": display_zone(user=user, tenant=tenant),
            "here": '/interactions/?q="><script>alert(1)</script>',
            "terms": terms if with_terms else set(),
        }
        html.append(render_to_string("interactions/partials/_table.html", context, request=request))
    assert html[0] == html[1]
    assert_safe(html[0])


# --- what the parse keeps: every nested object, in order, nothing invented ----------------------

PROPERTY_EXAMPLES = 600


def same_list(item: st.SearchStrategy) -> st.SearchStrategy:
    """A list of objects, or the same list keyed by index (the real API's wrong-types answer)."""
    as_list = st.lists(item, max_size=5)
    return st.one_of(as_list, as_list.map(lambda items: {str(n): v for n, v in enumerate(items)}))


def items_of(value: list | dict) -> list[dict]:
    return list(value.values()) if isinstance(value, dict) else list(value)


def unknown_keys(item: dict) -> frozenset[str]:
    return frozenset(k for k in item if k.startswith("x-"))


nested = st.fixed_dictionaries(
    {
        "segments": same_list(
            with_unknown(
                opt(
                    interactionSegmentId=uuids,
                    segmentNumber=st.integers(-3, 6),  # duplicates, negatives, any order
                    startTimestamp=timestamps,
                    endTimestamp=timestamps,
                    segmentStartType=text,
                    agentId=uuids,
                )
            )
        ),
        "queues": same_list(
            with_unknown(opt(interactionQueueId=uuids, queueName=text, startTimestamp=timestamps))
        ),
        "agents": same_list(
            with_unknown(opt(interactionAgentId=uuids, agentName=text, interactionSegmentId=uuids))
        ),
    }
)


@settings(FUZZ, max_examples=PROPERTY_EXAMPLES)
@given(payload=nested, top=extra_fields)
def test_the_parse_keeps_every_nested_object_in_order_and_invents_nothing(payload, top):
    EXAMPLES["property"] += 1
    data = through_json({"interactionId": str(uuid.uuid4()), **top, **payload})
    interaction = parse_interaction(data)
    for name, parsed, id_key in (
        ("segments", interaction.segments, "interactionSegmentId"),
        ("queues", interaction.queues, "interactionQueueId"),
        ("agents", interaction.agents, "interactionAgentId"),
    ):
        sent = items_of(data[name])
        assert len(parsed) == len(sent), name  # every one kept, none added
        assert Counter(p.id for p in parsed) == Counter(i.get(id_key) for i in sent), name
        # unknown fields kept with the object they came in, and nothing else
        assert Counter(frozenset(p.extra) for p in parsed) == Counter(map(unknown_keys, sent))
    sent = items_of(data["segments"])
    numbers = [s.number for s in interaction.segments]
    assert Counter(numbers) == Counter(i.get("segmentNumber") for i in sent)  # none invented
    known = [n for n in numbers if n is not None]
    assert numbers == known + [None] * (len(numbers) - len(known))  # unnumbered last
    assert known == sorted(known)  # in segment-number order, whatever order they came in


# --- the timeline bug this suite found (fixed; kept as a regression test) ------------------------


def _interaction(**fields):
    return parse_interaction(
        {"interactionId": "e3e70682-c209-4cac-829f-6fbed82c07cd", **fields}, keep_raw=False
    )


def test_timeline_ticks_of_a_long_axis_stay_small(monkeypatch):
    """A 30-day email: ``_ticks`` used to list 26 million 100 ms positions (~1.5 GB, 1.3 s)
    before trying a larger step; a span of years raised MemoryError."""
    import interactions_app.timeline as timeline

    sizes = []

    def counting_range(*args):
        sizes.append(len(range(*args)))
        return range(*args) if sizes[-1] <= 10_000 else range(0)  # never allocate millions

    monkeypatch.setattr(timeline, "range", counting_range, raising=False)
    interaction = _interaction(
        startTimestamp="2026-10-25T12:00:00Z", endTimestamp="2026-11-24T12:00:00Z"
    )
    try:
        build_timeline(interaction, tz=UTC, now=NOW)
    finally:
        monkeypatch.undo()
    assert max(sizes) <= 1000, f"{max(sizes):,} tick positions listed"


def test_fuzz_example_count():
    """The parse and rendering fuzz tests ask for at least 10,000 examples in all; each checks
    after itself that it generated them (``every_example_ran``), so this holds for any of them
    run alone as for the whole module."""
    total = PARSE_EXAMPLES + RESULTS_EXAMPLES + DETAIL_EXAMPLES + ROWS_EXAMPLES + PROPERTY_EXAMPLES
    print(f"\nfuzz examples asked for: {total}, generated so far: {dict(EXAMPLES)}")
    assert total >= 10_000
    if "rows" in EXAMPLES:  # most generated list pages took the fast decoder's own path
        assert EXAMPLES["rows on the fast path"] >= EXAMPLES["rows"] // 3, dict(EXAMPLES)
