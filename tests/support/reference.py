"""The API reference pages in ``shared/api-reference`` beside the repository, and their samples.

CI clones the project with ``shared/`` next to it; a developer's checkout has the same layout.
``CXENGAGE_API_REFERENCE`` may point elsewhere.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]
_BESIDE = _REPO.parent / "shared" / "api-reference"
_CANDIDATES = [os.environ.get("CXENGAGE_API_REFERENCE"), _BESIDE, "/work/shared/api-reference"]
REFERENCE = next((Path(p) for p in _CANDIDATES if p and Path(p).is_dir()), _BESIDE)


def reference_sample(name: str) -> str:
    """The sample JSON of a reference page, as text (the list page's quirk left in)."""
    text = (REFERENCE / name).read_text(encoding="utf-8")
    marker = "The request returns JSON structured like the example below:"
    body = text.split(marker, 1)[1].split("\n", 1)[1]
    body = body.split("Response Parameters", 1)[0].strip()
    # the list page elides further results with ", ..." before the closing bracket
    return re.sub(r"\},\s*\.\.\.\s*\]", "}]", body)
