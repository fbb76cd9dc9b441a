"""How many CSV exports run at once: one per user, ``CXENGAGE_MAX_EXPORTS`` across the deployment.

An export holds a server thread (and, for a flagged export, waits on a scan) for as long as its
file streams, so ``export_admit`` takes a slot of each cap (``caching.slots``, counted in the
shared cache) before the first row is read, or refuses with a friendly error. The ``ExportPass``
it returns is held while the file streams (``ExportPass.over``) and released when the last chunk
has gone, when the stream fails, or when the server closes the response because the client went
away, whichever comes first, and at the latest when its slots expire (``HOLD_SECONDS`` after
their last renewal: a worker that died frees them then).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.conf import settings

from ..caching.slots import Slot, slot_take
from ..cxengage.errors import CxEngageError
from .flagged_scan import EXPORT_WAIT_SECONDS

# a flagged export may wait this long for its scan before its first chunk renews the slots
HOLD_SECONDS = int(EXPORT_WAIT_SECONDS) + 60


class ExportRunning(CxEngageError):
    title = "Your other export is still running"
    message = (
        "The dashboard writes one export per person at a time. Let the download in progress "
        "finish (or cancel it), then try again."
    )
    status_code = 429


class ExportsBusy(CxEngageError):
    title = "The dashboard is busy with other exports"
    message = (
        "As many exports as the dashboard writes at once are in progress. Try again in a minute."
    )
    status_code = 503


class ExportPass:
    """The slots one export holds; ``release()`` may be called any number of times."""

    def __init__(self, *slots: Slot) -> None:
        self.slots = slots

    def renew(self) -> None:
        for slot in self.slots:
            slot.renew()

    def release(self) -> None:
        for slot in self.slots:
            slot.release()

    def over(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """``chunks``, holding the slots while they stream (see the module docstring)."""
        return _Held(chunks, self)


class _Held:
    """An iterator with ``close()``: Django's response calls it when the server closes the
    response, whether the client read it all or went away (a generator's ``finally`` would not
    run if it never started)."""

    def __init__(self, chunks: Iterable[bytes], held: ExportPass) -> None:
        self._chunks, self._held = iter(chunks), held

    def __iter__(self) -> _Held:
        return self

    def __next__(self) -> bytes:
        try:
            chunk = next(self._chunks)
        except BaseException:  # the end, or a failure: either way the export is over
            self.close()
            raise
        self._held.renew()
        return chunk

    def close(self) -> None:
        self._held.release()


def export_admit(*, user_id: object) -> ExportPass:
    """A pass for one export by ``user_id``; ``ExportRunning`` if they have one streaming,
    ``ExportsBusy`` if the deployment writes ``CXENGAGE_MAX_EXPORTS`` already."""
    own = slot_take(f"export-user:{user_id}", limit=1, seconds=HOLD_SECONDS)
    if own is None:
        raise ExportRunning(f"user {user_id} has an export streaming")
    limit = settings.CXENGAGE["MAX_EXPORTS"]
    shared = slot_take("export", limit=limit, seconds=HOLD_SECONDS)
    if shared is None:
        own.release()
        raise ExportsBusy(f"{limit} exports streaming")
    return ExportPass(own, shared)
