"""How the index matches what a supervisor types against what the upstream sent.

Agent, queue and flow names match as shown, ignoring case (``name_key``). A customer matches on
the whole identifier (``customer_key``): phone numbers whatever their punctuation
(``+1 (555) 300-5556`` and ``+15553005556`` are both ``15553005556``), email addresses ignoring
case, anything else ignoring case and surrounding space.
"""

from __future__ import annotations

import re

_PHONE = re.compile(r"^\+?[\d\s().\-/]+$")
_NOT_DIGIT = re.compile(r"\D")
MAX_KEY = 255


def name_key(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()[:MAX_KEY]


def customer_key(value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    if _PHONE.match(text):
        digits = _NOT_DIGIT.sub("", text)
        if len(digits) >= 3:
            return digits[:MAX_KEY]
    return text.casefold()[:MAX_KEY]
