"""Streamed CSV writing of a result source's rows: every row, no cap, constant memory.

The rows come from the source's row iterator (``sources.py``: ``services.interaction_rows``
reads 1000 a call past the page cache, ``services.flagged_rows`` the finished scan) while the
response is being written, so never more than one upstream page is in memory. This module only
writes them.

The file is spreadsheet-ready: times ``YYYY-MM-DD HH:MM:SS`` in the tenant's zone (named in the
header row), durations ``h:mm:ss`` (and the whole duration in seconds too), the flag's label
beside its raw ``flagType``, talk / hold / wrap-up / queue wait, every queue and agent (``; ``
between them), and a link back to each interaction's page. It is also clean:

- a UTF-8 byte-order mark first (``?bom=0`` leaves it out): Excel needs it to read UTF-8;
- cells are neutralised against formula injection (OWASP "CSV Injection"): any text that starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their full-width forms) gets a
  leading ``'``, so a spreadsheet shows it as text. Phone numbers such as ``+15551234567``
  therefore read ``'+15551234567``: that is expected, not a bug.

Before the first byte, an upstream failure is the page's usual friendly error (the view renders
it). Once rows are streaming the status line has gone, so a failure ends the file with one line
``# export stopped: <title> (reference <request id>)`` and a log line with the same reference.
"""

from __future__ import annotations

import contextvars
import csv
import itertools
import logging
import math
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, tzinfo

from django.http import StreamingHttpResponse
from django.utils.text import slugify

from .flags import flag_info
from .pii import mask_contact, text_masker
from .services import CxEngageError
from .services.types import Interaction, Tenant

logger = logging.getLogger(__name__)

BOM = "\ufeff"
CHUNK_CHARS = 64 * 1024  # rows are gathered into chunks of about this size before they are sent
PROGRESS_COOKIE = "export_started"
PROGRESS_COOKIE_SECONDS = 120
_TOKEN = re.compile(r"[a-z0-9]{8,32}")
_BOM_OFF = frozenset({"0", "false", "no", "off"})
# OWASP's list, plus the full-width forms some spreadsheet locales also read as formulas
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
MULTI_SEPARATOR = "; "


# --- rows ------------------------------------------------------------------------------------


def primed(*, rows: Iterator[Interaction]) -> Iterator[Interaction]:
    """``rows`` with its first row already read, so a failure there raises before any byte."""
    first = next(rows, None)
    return rows if first is None else itertools.chain((first,), rows)


# --- cells and rows -------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP CSV injection guidance)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _text(value: str | None) -> str:
    return neutralise(value) if value else ""


def _joined(values: Iterable[str | None]) -> str:
    return _text(MULTI_SEPARATOR.join(v for v in dict.fromkeys(values) if v))


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _local(value: datetime | None, tz: tzinfo) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in ``tz``: what a spreadsheet reads as a date and time."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _utc(value: datetime | None) -> str:
    return _local(value, UTC)


def _clock(seconds: float | None) -> str:
    """``h:mm:ss`` (hours past 24 stay hours), which a spreadsheet reads as a duration."""
    if seconds is None or not math.isfinite(seconds) or abs(seconds) > 1e9:
        return ""
    whole = round(abs(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{'-' if seconds < 0 else ''}{hours}:{minutes:02d}:{secs:02d}"


def _total(values: Iterable[float | None]) -> float | None:
    """The sum of the values reported; None when none is."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def csv_header(*, timezone_name: str) -> list[str]:
    return [
        "Interaction ID",
        "Link",
        f"Start ({timezone_name})",
        f"End ({timezone_name})",
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


def csv_row(
    item: Interaction, *, tz: tzinfo, mask_pii: bool = False, detail_link: str = ""
) -> list[str]:
    """One interaction as cells; every text from the upstream is neutralised (and, with
    ``mask_pii``, masked by value: pii.py). ``detail_link``: the absolute URL of any detail
    page, with ``{id}`` where the interaction's id goes (the link back to the dashboard).
    Durations are ``h:mm:ss``: talk and wrap-up summed over the agent legs, queue wait over the
    queues, hold the customer's."""
    seen = text_masker(item, mask=mask_pii)
    flag = flag_info(item.flag_type) if item.flagged else None
    return [
        _text(item.id),
        _text(detail_link.replace("{id}", item.id)) if detail_link else "",
        _local(item.start, tz),
        _local(item.end, tz),
        _utc(item.start),
        _clock(item.duration_seconds),
        _seconds(item.duration_seconds),
        _clock(_total(a.talk_seconds for a in item.agents)),
        _clock(item.customer_hold_seconds),
        _clock(_total(a.wrap_up_seconds for a in item.agents)),
        _clock(_total(q.queue_seconds for q in item.queues)),
        _text(item.channel),
        _text(item.direction),
        _text(mask_contact(item.customer) if mask_pii else item.customer),
        _text(seen(item.contact_point)),
        _text(seen(item.flow_name or item.flow_id)),
        _joined(seen(name) for name in item.queue_names),
        _joined(seen(name) for name in item.agent_names),
        _yes_no(item.flagged),
        _text(flag.label) if flag else "",
        _text(item.flag_type) if flag else "",
        _text(flag.explanation) if flag else "",
        _yes_no(item.data_complete),
        _text(seen(item.disposition_name or item.disposition_id)),
        _joined(seen(a.name) for a in item.all_attributes),
    ]


class _Echo:
    """A file-like object whose ``write`` hands the line back, so csv.writer formats one row."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(
    rows: Iterable[Interaction],
    *,
    tz: tzinfo,
    timezone_name: str,
    bom: bool = True,
    reference: str = "-",
    mask_pii: bool = False,
    detail_link: str = "",
) -> Iterator[bytes]:
    """The CSV as UTF-8 chunks: the header at once, then rows about ``CHUNK_CHARS`` at a time."""
    writer = csv.writer(_Echo())
    yield ((BOM if bom else "") + writer.writerow(csv_header(timezone_name=timezone_name))).encode()
    buffer: list[str] = []
    size = count = 0
    try:
        for item in rows:
            line = writer.writerow(csv_row(item, tz=tz, mask_pii=mask_pii, detail_link=detail_link))
            buffer.append(line)
            size += len(line)
            count += 1
            if size >= CHUNK_CHARS:
                yield "".join(buffer).encode()
                buffer.clear()
                size = 0
    except CxEngageError as error:
        logger.warning(
            "export stopped after %d rows: %s: %s (reference %s)",
            count,
            type(error).__name__,
            error.detail,
            reference,
        )
        buffer.append(_stopped_line(error.title, reference))
    except Exception:  # the status line has gone: say so in the file rather than cut it short
        logger.exception("export crashed after %d rows (reference %s)", count, reference)
        buffer.append(_stopped_line("an unexpected error", reference))
    else:
        logger.info("export finished: %d rows (reference %s)", count, reference)
    if buffer:
        yield "".join(buffer).encode()


def _stopped_line(title: str, reference: str) -> str:
    title = " ".join(title.split())  # one line, whatever the title holds
    return f"# export stopped: {title} (reference {reference})\r\n"


def _in_context(chunks: Iterator[bytes], context: contextvars.Context) -> Iterator[bytes]:
    """Run each step of ``chunks`` in ``context``: the server iterates after the view returned
    (and after the request-id middleware reset its context var), so log lines would otherwise
    lose the request id."""
    try:
        while True:
            try:
                chunk = context.run(next, chunks)
            except StopIteration:
                return
            yield chunk
    finally:
        context.run(getattr(chunks, "close", lambda: None))


# --- the response ---------------------------------------------------------------------------


def wants_bom(value: str | None) -> bool:
    """``?bom=`` on unless 0/false/no/off."""
    return (value or "").strip().lower() not in _BOM_OFF


def valid_token(value: str | None) -> str | None:
    """The progress token from ``?token=`` if it is [a-z0-9]{8,32}, else None (then no cookie)."""
    return value if value and _TOKEN.fullmatch(value) else None


def export_filename(tenant: Tenant, *, now: datetime) -> str:
    name = slugify(tenant.name) or slugify(tenant.id) or "tenant"
    return f"interactions-{name}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.csv"


def csv_response(
    rows: Iterator[Interaction],
    *,
    tenant: Tenant,
    bom: bool = True,
    token: str | None = None,
    reference: str = "-",
    secure: bool = False,
    now: datetime | None = None,
    mask_pii: bool = False,
    detail_link: str = "",
) -> StreamingHttpResponse:
    """A streamed ``text/csv`` attachment of ``rows`` (prime them first: see ``primed``)."""
    chunks = csv_chunks(
        rows,
        tz=tenant.tz,
        timezone_name=tenant.timezone_name,
        bom=bom,
        reference=reference,
        mask_pii=mask_pii,
        detail_link=detail_link,
    )
    response = StreamingHttpResponse(
        _in_context(chunks, contextvars.copy_context()), content_type="text/csv; charset=utf-8"
    )
    filename = export_filename(tenant, now=now or datetime.now(UTC))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass rows on as they come
    token = valid_token(token)
    if token:
        # read by static/js/app.js to replace "Preparing export…" once the download has started
        response.set_cookie(
            PROGRESS_COOKIE, token, max_age=PROGRESS_COOKIE_SECONDS, samesite="Lax", secure=secure
        )
    return response


__all__ = [
    "csv_chunks",
    "csv_header",
    "csv_response",
    "csv_row",
    "neutralise",
    "primed",
    "valid_token",
    "wants_bom",
]
