"""What views call: keyword-only, typed, named ``<entity>_<action>``.

- ``interactions``: ``tenant_get``, ``interaction_list`` / ``_search`` / ``_get`` (cached and
  coalesced) and ``interaction_rows`` (every row, one upstream page at a time, for exports).
- ``flagged_scan``: ``flagged_scan_get`` (the background scan, at most ``CXENGAGE_MAX_SCANS`` at
  once), ``flagged_list`` (a page of what it found), ``flagged_rows`` (every flagged row, for
  exports) and ``flagged_scan_allowed`` (who may scan how deep).
- ``exports``: ``export_admit``, the per-user and deployment-wide caps on CSV exports.
- ``artifacts``: ``artifact_section`` (an interaction's recordings, transcripts and emails, read)
  and ``artifact_file_get`` / ``artifact_file_open`` (one of their files, streamed).
- ``types``: what they return (``Tenant``, ``ResultPage``, ``FlaggedScan``, ``FlaggedPage``,
  ``ArtifactSection``, ...).

Only this package (and the client's own factory) touches the CxEngage client; views, templates
and the CSV writer never do.
"""

from ..cxengage.errors import CxEngageError, NotFound
from .flagged_scan import (
    ScanNotFinished,
    ScansBusy,
    flagged_list,
    flagged_rows,
    flagged_scan_allowed,
    flagged_scan_get,
)
from .interactions import (
    interaction_get,
    interaction_list,
    interaction_rows,
    interaction_search,
    tenant_get,
)
from .types import FlaggedPage, FlaggedScan, ResultPage, Tenant

__all__ = [
    "CxEngageError",
    "FlaggedPage",
    "FlaggedScan",
    "NotFound",
    "ResultPage",
    "ScanNotFinished",
    "ScansBusy",
    "Tenant",
    "flagged_list",
    "flagged_rows",
    "flagged_scan_allowed",
    "flagged_scan_get",
    "interaction_get",
    "interaction_list",
    "interaction_rows",
    "interaction_search",
    "tenant_get",
]
