"""What the services return: typed, frozen, free of HTTP and upstream field names."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.paginator import Page, Paginator

from ..cxengage.models import CRM_NAMES as CRM_NAMES  # re-exported for the search form
from ..cxengage.models import Hook as Hook
from ..cxengage.models import Interaction
from ..readers.email_message import MailMessage
from ..readers.transcript import Conversation

UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    timezone_name: str

    @property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone_name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return UTC


@dataclass(frozen=True)
class InteractionQuery:
    """What the API's interaction list filters on: the time window and the search criteria
    (custom attributes, and a CRM record: its ``hookType``, ``hookSubType`` and ``hookId``)."""

    start: datetime | None = None
    end: datetime | None = None
    attribute_values: tuple[str, ...] = ()
    hook_names: tuple[str, ...] = ()
    hook_type: str | None = None
    hook_sub_type: str | None = None
    hook_id: str | None = None

    def as_kwargs(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "attribute_values": self.attribute_values,
            "hook_names": self.hook_names,
            "hook_type": self.hook_type,
            "hook_sub_type": self.hook_sub_type,
            "hook_id": self.hook_id,
        }

    def key_parts(self) -> tuple[str | None, ...]:
        return (
            self.start and self.start.isoformat(),
            self.end and self.end.isoformat(),
            "\x1f".join(self.attribute_values),
            "\x1f".join(self.hook_names),
            self.hook_type,
            self.hook_sub_type,
            self.hook_id,
        )


def page_of(rows: Sequence | Remote, *, number: int, limit: int) -> Page:
    """Page ``number`` of ``rows``; past the end, the last page (a shared link after the window
    shrank)."""
    return Paginator(rows, limit).get_page(number)


class Remote:
    """Stands for ``total`` rows that stay upstream: the paginator only counts them (with
    ``count()``, so a total past what ``len()`` can hold is no error)."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 0)

    def count(self) -> int:
        return self.total

    def __getitem__(self, key: slice) -> tuple[()]:
        return ()


@dataclass(frozen=True)
class ResultPage:
    """One page of interactions: a Django paginator ``Page`` of them, and the tenant's facts.

    When the upstream did not say how many rows there are (``total_known`` False) the paginator
    counts the rows up to this page, plus one when the page was full: the pager then offers the
    next page only after a full one, and neither a last page nor "of N" (``total`` is None).
    """

    page: Page
    tenant: Tenant
    skipped: int = 0  # records on this page that could not be read (no usable id)
    total_known: bool = True

    @classmethod
    def upstream(
        cls,
        items: Sequence[Interaction],
        *,
        number: int,
        limit: int,
        total: int | None,
        tenant: Tenant,
        skipped: int = 0,
        received: int | None = None,
    ) -> ResultPage:
        """Page ``number`` of ``total`` rows kept upstream, whose rows on that page are
        ``items`` (``received``: how many the upstream sent, read or not). A known total past
        the end gives the last page; an unknown one (None) gives page ``number`` as asked,
        empty past the end, since no one knows which page is the last."""
        if total is None:
            received = len(items) + skipped if received is None else received
            seen = (number - 1) * limit + received
            paginator = Paginator(Remote(seen + int(received >= limit)), limit)
            page = Page(items, number, paginator)
            return cls(page=page, tenant=tenant, skipped=skipped, total_known=False)
        shown = page_of(Remote(total), number=number, limit=limit)
        return cls(page=Page(items, shown.number, shown.paginator), tenant=tenant, skipped=skipped)

    @property
    def items(self) -> Sequence[Interaction]:
        return self.page.object_list

    @property
    def total(self) -> int | None:
        """How many rows the query matches; None when the upstream did not say."""
        return self.page.paginator.count if self.total_known else None

    @property
    def past_the_end(self) -> bool:
        """A page asked beyond the last row while the total is unknown (it is shown empty)."""
        return self.page.number > self.page.paginator.num_pages

    @property
    def complete(self) -> bool:
        """False while the rows are still being gathered (a flagged scan in progress)."""
        return True

    @property
    def partial(self) -> bool:
        """True when these rows come from less than the whole period asked for (a flagged scan
        that read only the most recent part of it): the page must say so by its numbers."""
        return False

    @property
    def page_links(self) -> list[int | None]:
        """Page numbers for the pager around this one; None where the run is broken."""
        paginator = self.page.paginator
        numbers = paginator.get_elided_page_range(
            min(self.page.number, paginator.num_pages), on_each_side=2, on_ends=1
        )
        return [n if isinstance(n, int) else None for n in numbers]


@dataclass(frozen=True)
class FlaggedScan:
    flagged: tuple[Interaction, ...]  # every flagged interaction found so far, most recent first
    scanned: int  # how many interactions were read
    # how many the tenant (or the time window) holds; None while unknown (the upstream did not
    # say, and the scan has not read to the end)
    total: int | None
    depth: int  # how many were asked for
    counts: dict[str, int] = field(default_factory=dict)  # flag key -> count
    finished: bool = True  # False while a background scan is still reading pages
    unreadable: int = 0  # records that could not be read, so could not be checked for a flag
    busy: bool = False  # not started: the deployment already runs CXENGAGE_MAX_SCANS scans

    @property
    def reach(self) -> int:
        """How many interactions this scan reads when finished (at most, if the total is
        unknown)."""
        return self.depth if self.total is None else min(self.depth, self.total)

    @property
    def covers_all(self) -> bool:
        return self.finished and self.total is not None and self.depth >= self.total

    @property
    def flagged_percent(self) -> float:
        return 100.0 * len(self.flagged) / self.scanned if self.scanned else 0.0


@dataclass(frozen=True, kw_only=True)
class FlaggedPage(ResultPage):
    """A page of the flagged interactions a scan found, optionally of one flag type."""

    scan: FlaggedScan
    flag_filter: str  # the flag key shown ("" for every flag)
    review_filter: str = ""  # the triage state shown ("open", "reviewed", "mine"; "" for any)
    review_counts: Any = None  # triage.ReviewCounts of the rows of this flag filter
    reviews: Mapping[str, Any] = field(default_factory=dict)  # this page's FlagReviews by id
    review_column = True  # the table shows each row's triage

    @property
    def empty_message(self) -> str:
        """What an empty table says when the review filter left nothing."""
        if self.review_filter and not self.items:
            return "No flagged interactions in the scanned range match this review filter."
        return ""

    @property
    def complete(self) -> bool:
        return self.scan.finished

    @property
    def partial(self) -> bool:
        return not self.scan.busy and not self.scan.covers_all

    @property
    def covered(self) -> int:
        """How many interactions the rows were found among (the scan's reach so far)."""
        return self.scan.scanned

    @property
    def covered_of(self) -> int | None:
        """How many the period asked for holds; None when CxEngage did not say."""
        return self.scan.total


# --- artifacts: recordings, transcripts, emails ----------------------------------------------

SHORT_RECORDING_TOLERANCE = 1.0  # seconds a recording may fall short of the talk unremarked


@dataclass(frozen=True)
class Recording:
    artifact_id: str
    file_id: str
    number: int  # 1, 2, ... in the order they were made
    content_type: str
    seconds: float | None  # None: not a format whose length can be read from its header
    created: datetime | None = None
    problem: str = ""  # why its length could not be read


@dataclass(frozen=True)
class Transcript:
    artifact_id: str
    file_id: str | None
    size: int | None
    conversation: Conversation | None  # None: it could not be read (``problem`` says why)
    problem: str = ""


@dataclass(frozen=True)
class Email:
    artifact_id: str
    message: MailMessage | None  # None: it could not be read (``problem`` says why)
    created: datetime | None = None
    problem: str = ""


@dataclass(frozen=True)
class ArtifactSection:
    """What the detail page shows of an interaction's artifacts, oldest first per kind."""

    recordings: tuple[Recording, ...] = ()
    transcripts: tuple[Transcript, ...] = ()
    emails: tuple[Email, ...] = ()
    others: tuple[str, ...] = ()  # types the dashboard does not show, as CxEngage names them
    talk_seconds: float | None = None  # the interaction's talk time
    # what a complete recording covers: each agent's first to last talk, summed over agents
    talk_window_seconds: float | None = None

    @property
    def empty(self) -> bool:
        return not (self.recordings or self.transcripts or self.emails or self.others)

    @property
    def recorded_seconds(self) -> float | None:
        lengths = [r.seconds for r in self.recordings]
        return sum(lengths) if lengths and None not in lengths else None  # type: ignore[arg-type]

    @property
    def short_by_seconds(self) -> float | None:
        """How much shorter the recordings are than the talk they should cover, if noticeably."""
        recorded, window = self.recorded_seconds, self.talk_window_seconds
        if recorded is None or window is None:
            return None
        missing = window - recorded
        return missing if missing > SHORT_RECORDING_TOLERANCE else None


@dataclass(frozen=True)
class ArtifactFileRef:
    """One artifact file as the download route serves it (never its link)."""

    interaction_id: str
    artifact_id: str
    file_id: str
    kind: str  # the artifact's: "recording", "transcript", "email" or "other"
    filename: str  # the name to save it under (upstream text: the view makes it safe)
    content_type: str  # what it is, from the file's metadata or its name


class FileBody(Protocol):
    """An artifact file being downloaded (``cxengage.client.FileStream``): the upstream's status
    (200, 206 or 416), the headers worth passing on, the body as chunks, and ``close()``."""

    status: int
    headers: Mapping[str, str]

    def __iter__(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...
