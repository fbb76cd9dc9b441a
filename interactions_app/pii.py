"""Masking of customer contact details for users without the view_customer_pii permission.

Only the customer's own address is personal data here: ``customer`` (a phone number or email
address) wherever it appears, including the raw JSON and exports. Contact points are the
tenant's own numbers and stay visible.
"""

from __future__ import annotations

import re
from typing import Any

PII_PERMISSION = "interactions_app.view_customer_pii"
DOT = "•"
PII_KEYS = frozenset({"customer", "messagingTranscript"})

_PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")


def can_see_pii(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(PII_PERMISSION))


def mask_contact(value: str | None) -> str | None:
    """'+15558164555' -> '+1 555 ••• ••55'; 'casey@mail.example.com' -> 'c•••@mail.example.com'."""
    if not value:
        return value
    text = value.strip()
    if _PHONE.match(text):
        digits = re.sub(r"\D", "", text)
        plus = "+" if text.startswith("+") else ""
        if len(digits) >= 10:
            country, area = digits[: len(digits) - 10], digits[-10:-7]
            lead = f"{plus}{country} {area}" if country else f"{plus}{area}"
        else:
            lead = f"{plus}{digits[:2]}"
        return f"{lead} {DOT * 3} {DOT * 2}{digits[-2:]}"
    if "@" in text:
        local, _, domain = text.rpartition("@")
        return f"{local[:1]}{DOT * 3}@{domain}"
    return f"{text[:2]}{DOT * 4}" if len(text) > 4 else DOT * 4


def mask_raw(data: Any) -> Any:
    """A copy of decoded JSON with every customer-identifying value masked, at any depth."""
    if isinstance(data, dict):
        return {
            key: (_mask_value(value) if key in PII_KEYS else mask_raw(value))
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [mask_raw(item) for item in data]
    return data


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_contact(value)
    if value is None:
        return None
    return DOT * 4
