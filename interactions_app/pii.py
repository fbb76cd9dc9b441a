"""Masking of customer contact details for users without the view_customer_pii permission.

Masking goes by value, not only by field name: a field the dashboard does not know (an unknown
``details`` entry such as ``callerNumber``, a ``messagingTranscript``, a note, an attribute, the
raw JSON) can carry the customer's number or address anywhere in its text. For a viewer without
the right, every text of an interaction goes through a ``Masker``, which masks:

1. **the customer's identifier** (the ``customer`` field), wherever it appears: as the whole value
   of a ``customer`` key (``+1 555 ••• ••55``, ``c•••@example.com``, ``vi••••`` for anything
   else), inside any text (case-insensitive), and, for a phone number, its digits in any
   formatting, even inside a longer token (``ID15559876543``) or as a JSON number;
2. **anything shaped like an email address** (``jane@home.example`` -> ``j•••@home.example``);
3. **anything shaped like a phone number**: a free-standing run of digits and phone separators
   (space, ``( ) . -``) with a leading ``+`` and 7 or more digits, or without one and 10 to 15
   digits. Not masked, so that the page stays readable: timestamps and dates
   (``2017-12-07T19:22:07.638Z``, ``2017-12-07 19:22``), UUIDs and other ids (a run glued to
   letters, ``-``, ``.``, ``/`` or ``@`` is part of a token), durations (``94.166``), order and
   ticket numbers (``ORD-123456``, ``00482130``), IPv4 addresses, and bare 10- or 13-digit runs
   starting with 1 (Unix times in seconds or milliseconds: no telephone number has that shape).
   Local numbers of 7 to 9 digits without a ``+`` are not recognised by shape (ticket numbers and
   dates look the same); the customer's own number is still caught by (1).

The contact point (``contactPoint``) is the tenant's own number or address, shown in clear in the
page header. A phone- or email-shaped value equal to it (same digits, same address) stays visible
wherever it appears, in free text too: masking it there would hide nothing the page does not show
two lines above, and would make "you called +1 506 555 1111" read like a customer number. The one
exception is a contact point equal to the customer's identifier: then it is the customer's, and
masked.

What is already masked is a ``Masked`` string and is never masked twice, so the template filters
can stay in place after a view has masked the whole interaction (``interaction_for_viewer``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

PII_PERMISSION = "interactions_app.view_customer_pii"
DOT = "•"
CUSTOMER_KEYS = frozenset({"customer"})  # whole-value masking, whatever the value looks like

_PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")
# local part: word characters and the usual specials; domain: dot-separated labels (no nesting,
# so no catastrophic backtracking on hostile input)
_EMAIL = re.compile(r"(?<![\w.%+'-])[\w.%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# a maximal run of digits joined by phone separators, optionally led by + and/or (
_RUN = re.compile(r"\+?\(?\d(?:[\s().-]{0,3}\d)*")
_DIGIT = re.compile(r"\d")
# a run glued to one of these is part of a token (an id, a UUID, a path), not a number of its own
_GLUE_BEFORE = re.compile(r"[\w.@/+-]")
_GLUE_AFTER = re.compile(r"[\w@]")
_JOINED = re.compile(r"[-./][^\W\d_]")  # "-db83" after "12345678-9012": a UUID goes on
_DATE_START = re.compile(
    r"^(?:(?:19|20)\d\d[-./]\d\d?[-./]\d\d?|\d\d?[-./]\d\d?[-./](?:19|20)\d\d)"
)
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_MAYBE = re.compile(r"[\d@]")

T = TypeVar("T")


class Masked(str):
    """Text that has been masked already; masking it again returns it unchanged."""

    __slots__ = ()


def can_see_pii(user: Any) -> bool:
    """Whether ``user`` holds ``view_customer_pii`` (read once, ``caching.viewer``)."""
    if not (user and user.is_authenticated):
        return False
    if getattr(user, "pk", None) is None:  # not a stored user: nothing to keep
        return bool(user.has_perm(PII_PERMISSION))
    from .caching.viewer import viewer_facts  # caching imports this module

    return viewer_facts(user).pii


def mask_contact(value: str | None) -> str | None:
    """'+15558164555' -> '+1 555 ••• ••55'; 'casey@mail.example.com' -> 'c•••@mail.example.com'."""
    if not value or isinstance(value, Masked):
        return value
    text = value.strip()
    if _PHONE.match(text):
        digits = re.sub(r"\D", "", text)
        plus = "+" if text.startswith("+") else ""
        if len(digits) > 15:  # not one number: show none of it
            return Masked(_DIGIT.sub(DOT, text))
        if len(digits) >= 10:
            country, area = digits[: len(digits) - 10], digits[-10:-7]
            lead = f"{plus}{country} {area}" if country else f"{plus}{area}"
        else:
            lead = f"{plus}{digits[:2]}"
        return Masked(f"{lead} {DOT * 3} {DOT * 2}{digits[-2:]}")
    if "@" in text:
        local, _, domain = text.rpartition("@")
        return Masked(f"{local[:1]}{DOT * 3}@{domain}")
    return Masked(f"{text[:2]}{DOT * 4}" if len(text) > 4 else DOT * 4)


def _digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def _phone_digits(value: str | None) -> str:
    """The digits of a phone-shaped value (7+ of them), else ''."""
    text = (value or "").strip()
    return _digits(text) if _PHONE.match(text) and len(_digits(text)) >= 7 else ""


def _national(digits: str) -> str:
    return digits[-10:] if len(digits) >= 10 else digits


class Masker:
    """Masks one interaction's customer identifier and every phone/email shape, keeping its
    contact point (see the module docstring for the rules)."""

    def __init__(self, *, customer: str | None = None, contact_point: str | None = None) -> None:
        customer = (customer or "").strip()
        self.customer = customer or None
        self.customer_digits = _phone_digits(customer)
        self.customer_national = _national(self.customer_digits)
        # a non-phone identifier (email, handle) is searched for literally, if it is specific
        self.customer_literal = (
            customer.casefold()
            if customer and not self.customer_digits and len(customer) >= 3
            else ""
        )
        point = (contact_point or "").strip()
        same = bool(customer) and (
            point.casefold() == customer.casefold()
            or (
                bool(self.customer_digits)
                and _national(_phone_digits(point)) == self.customer_national
            )
        )
        self.keep_digits = "" if same else _national(_phone_digits(point))
        self.keep_address = "" if same or "@" not in point else point.casefold()

    @classmethod
    def for_interaction(cls, interaction: Any) -> Masker:
        return cls(
            customer=getattr(interaction, "customer", None),
            contact_point=getattr(interaction, "contact_point", None),
        )

    @classmethod
    def for_raw(cls, data: Any) -> Masker:
        """A masker for decoded JSON: its own ``customer`` and ``contactPoint``, if it has them."""
        if isinstance(data, Mapping):
            customer, point = data.get("customer"), data.get("contactPoint")
            return cls(
                customer=customer if isinstance(customer, str) else None,
                contact_point=point if isinstance(point, str) else None,
            )
        return cls()

    # --- values ---------------------------------------------------------------------------

    def contact(self, value: str | None) -> str | None:
        """A whole value that *is* a customer identifier (the ``customer`` field)."""
        return mask_contact(value)

    def text(self, value: str) -> str:
        """Free text with the customer identifier and every phone/email shape masked."""
        if isinstance(value, Masked) or not value:
            return value
        text = value
        if self.customer_literal and self.customer_literal in text.casefold():
            text = self._mask_literal(text)
        if not _MAYBE.search(text):
            return text if text is value else Masked(text)
        if "@" in text:
            text = _EMAIL.sub(self._email, text)
        text = _RUN.sub(self._run, text)
        return text if text == value else Masked(text)

    def data(self, value: Any) -> Any:
        """Decoded JSON (or any mix of dicts, lists, strings, numbers), masked at every depth."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            out: dict[Any, Any] = {}
            for key, item in value.items():
                masked_key = self.text(key) if isinstance(key, str) else key
                while masked_key in out:  # two keys masked alike: keep both
                    masked_key = Masked(f"{masked_key}'")
                if key in CUSTOMER_KEYS and isinstance(item, str):
                    out[masked_key] = self.contact(item)
                elif key in CUSTOMER_KEYS and item is not None and not isinstance(item, bool):
                    out[masked_key] = Masked(DOT * 4)
                else:
                    out[masked_key] = self.data(item)
            return out
        if isinstance(value, list | tuple):
            return type(value)(self.data(item) for item in value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self._number(value)
        return value

    # --- internals ----------------------------------------------------------------------------

    def _mask_literal(self, text: str) -> str:
        needle, folded, out, at = self.customer_literal, text.casefold(), [], 0
        if len(folded) != len(text):  # casefold changed lengths (ß -> ss): fall back to regex
            pattern = re.compile(re.escape(self.customer or ""), re.IGNORECASE)
            return pattern.sub(lambda m: mask_contact(m.group(0)) or "", text)
        while (found := folded.find(needle, at)) >= 0:
            out += [text[at:found], mask_contact(text[found : found + len(needle)]) or ""]
            at = found + len(needle)
        out.append(text[at:])
        return "".join(out)

    def _email(self, match: re.Match[str]) -> str:
        address = match.group(0)
        if self.keep_address and address.casefold() == self.keep_address:
            return address
        return mask_contact(address) or address

    def _is_customer(self, digits: str) -> bool:
        national = self.customer_national
        return bool(national) and (national in digits)

    def _run(self, match: re.Match[str]) -> str:
        run = match.group(0)
        digits = _digits(run)
        if self._is_customer(digits):
            return self._masked_run(run, digits)
        if _embedded(match) or not _phone_shaped(run, digits):
            return run
        if self.keep_digits and _national(digits) == self.keep_digits:
            return run
        return self._masked_run(run, digits)

    @staticmethod
    def _masked_run(run: str, digits: str) -> str:
        # mask_contact shows no more than one number's worth: longer runs lose every digit
        return mask_contact(run) or run

    def _number(self, value: int | float) -> Any:
        if not self.customer_national or not isinstance(value, int):
            return value
        digits = str(abs(value))
        return mask_contact(digits) if self._is_customer(digits) else value


def _embedded(match: re.Match[str]) -> bool:
    """Whether a run of digits is part of a longer token: an id, a UUID, a path, a version."""
    text, start, end = match.string, match.start(), match.end()
    if start > 0 and _GLUE_BEFORE.match(text[start - 1]):
        return True
    after = text[end : end + 2]
    return bool(after) and (_GLUE_AFTER.match(after[0]) is not None or _JOINED.match(after))


def _phone_shaped(run: str, digits: str) -> bool:
    count = len(digits)
    if count < 7:
        return False
    if run.startswith("+"):
        return True
    bare = count == len(run)
    if count > 15:
        # several numbers written one after another, or one long id: only whitespace says which
        return not bare and any(c.isspace() for c in run)
    if count < 10:
        return False
    if bare:
        return not (digits.startswith("1") and count != 11)  # Unix seconds / milliseconds
    return not (_DATE_START.match(run) or _IPV4.match(run))


# --- the API the web layer calls -------------------------------------------------------------


def mask_text(
    value: str | None, *, customer: str | None = None, contact_point: str | None = None
) -> str | None:
    """Free text (a note, a transcript line, an export cell) masked by value."""
    if not value:
        return value
    return Masker(customer=customer, contact_point=contact_point).text(value)


def mask_raw(data: Any) -> Any:
    """A copy of decoded JSON masked by value at any depth; an interaction's own ``customer``
    and ``contactPoint`` (when ``data`` is one) say what else to mask and what to keep."""
    return Masker.for_raw(data).data(data)


def mask_interaction(interaction: T) -> T:
    """A copy of a parsed interaction (models.Interaction) with every text masked by value."""
    masker = Masker.for_interaction(interaction)
    masked = _mask_fields(interaction, masker)
    customer = getattr(interaction, "customer", None)
    if customer:
        masked = dataclasses.replace(masked, customer=masker.contact(customer))
    return masked


def text_masker(interaction: Any, *, mask: bool) -> Callable[[str | None], str | None]:
    """``mask_text`` for this interaction's texts (export cells), or the identity."""
    return Masker.for_interaction(interaction).text if mask else _unchanged


def _unchanged(value: str | None) -> str | None:
    return value


def interaction_for_viewer(interaction: T, user: Any) -> T:
    """The interaction as ``user`` may see it: unchanged with view_customer_pii, masked without."""
    if interaction is None or can_see_pii(user):
        return interaction
    return mask_interaction(interaction)


def record_for_viewer(record: T, user: Any, *, interaction: Any) -> T:
    """Any typed record about ``interaction`` (its transcripts, its emails: frozen dataclasses,
    nested) as ``user`` may see it: every text in it masked by value, with the interaction's
    own customer and contact point, unless the user holds view_customer_pii."""
    if record is None or can_see_pii(user):
        return record
    return _mask_fields(record, Masker.for_interaction(interaction))


def _mask_fields(obj: Any, masker: Masker) -> Any:
    changes = {}
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        masked = _mask_any(value, masker)
        if masked is not value:
            changes[field.name] = masked
    return dataclasses.replace(obj, **changes) if changes else obj


def _mask_any(value: Any, masker: Masker) -> Any:
    if isinstance(value, str):
        masked = masker.text(value)
        return value if masked == value and not isinstance(masked, Masked) else masked
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _mask_fields(value, masker)
    if isinstance(value, tuple):
        items = tuple(_mask_any(item, masker) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, Mapping):
        return masker.data(value)
    return value
