"""Deterministic, lazy generator of CxEngage interactions.

Nothing is stored per interaction. Interaction ``i`` of a tenant (0 = most recent) is rebuilt on
demand from ``(seed, tenant, i)``:

- its start time comes from an integer hash, strictly decreasing with ``i`` over the 30 days before
  the anchor, so a ``start``/``end`` window maps to an index range by binary search (no scan);
- its id carries ``i`` in the last 12 hex digits (XOR a tenant key, times an odd constant mod
  2**48, so it is invertible), the other digits come from a keyed hash: a lookup by id is O(1)
  and a foreign or forged id is rejected;
- the searchable properties (contact, custom attributes, CRM records) come from two fast 64-bit
  hashes of ``i`` without building the interaction, so a filter scans 120,000 indices cheaply;
  order numbers and CRM record ids are bijections of ``i`` (or of the contact) and are looked up
  by inverting them;
- everything else comes from a ``random.Random`` seeded with that hash (and, for the fields added
  later, a second one, so adding them left the older fields' values as they were).
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

MASK64 = (1 << 64) - 1
MASK48 = (1 << 48) - 1
GOLDEN = 0x9E3779B97F4A7C15
SPAN_MS = 30 * 86_400 * 1000
UNFINISHED_WINDOW_MS = 10 * 60 * 1000
# No plan lasts longer (4 segments of at most ~4 h each, see _Builder.build): an interaction that
# started earlier than this before the anchor is complete at the anchor, whatever the clock says.
MAX_PLAN_MS = 24 * 3600 * 1000
LIVE_FLAG_SALT = 0x2545F4914F6CDD1D  # picks the ~1 in 5 live interactions flagged on completion
EXTRA_SALT = 0x27D4EB2F165667C5  # seeds the second generator (monitors, holds, flag times...)

CHANNELS = ("voice", "sms", "email", "messaging", "work-item")
FLAG_TYPES = (
    "forced",
    "Agent",
    "exceed-counter-limit-terminated",
    "Queue",
    "Stuck",
    "error-uncaught-flow-error",
    "Segment",
    "Safeguard-terminated",
)
# CRM hookTypes as the JavaScript SDK sends them (modules/zendesk.cljs, salesforce_lightning.cljs)
ZENDESK = "zendesk"
SALESFORCE = "salesforce-lightning"
CRM_TYPES = (ZENDESK, SALESFORCE)
# hookSubType of the record an agent links (ticket / case) and of the customer (user / contact)
CRM_RECORD = {ZENDESK: "ticket", SALESFORCE: "Case"}
CRM_PERSON = {ZENDESK: "user", SALESFORCE: "Contact"}
LANGUAGES = ("lang-en", "lang-fr", "lang-es")
TAGS = ("VIP", "Gold", "callback-requested", *LANGUAGES)

AGENT_NAMES = (
    "Ryan Boyce", "Kris Agent", "Amelia Hart", "Noah Patel", "Olivia Chen", "Liam O'Brien",
    "Sofia Rossi", "Mateo Garcia", "Emma Schmidt", "Lucas Dubois", "Ava Thompson", "Ethan Nguyen",
    "Mia Johansson", "Oliver Kowalski", "Isabella Silva", "James Murphy", "Charlotte King",
    "Benjamin Weber", "Harper Lee", "Elijah Brooks", "Zoe Martin", "Daniel Novak", "Chloe Bernard",
    "Samuel Okafor", "Grace Kim", "Henry Fischer", "Lily Evans", "Jack Wilson", "Nora Larsen",
    "Leo Moreau", "Hannah Becker", "Gabriel Costa", "Ella Walsh", "David Cohen", "Aria Singh",
    "Thomas Mueller", "Maya Haddad", "Oscar Lindqvist", "Ruby Clarke", "Felix Wagner",
)  # fmt: skip
# name, platformQueueId, SLA threshold in seconds
QUEUES = (
    ("Support", 743, 30),
    ("Billing", 744, 45),
    ("Sales", 745, 20),
    ("VIP Care", 746, 15),
    ("Technical", 747, 60),
    ("Retention", 748, 30),
    ("Email Support", 749, 14_400),
    ("Chat", 750, 60),
    ("Back Office", 751, 28_800),
)
FLOWS = (
    "Basic Flow", "Billing IVR", "Sales Inbound", "Custom Attributes", "SMS Flow", "Chat Flow",
    "Email Flow", "Work Item Flow", "Outbound Dialer",
)  # fmt: skip
DISPOSITIONS = (
    "Resolved", "Escalated", "Follow-up required", "Billing question answered", "Sale completed",
    "Wrong number", "Callback scheduled", "Refund issued",
)  # fmt: skip
NOTES = (
    ("Customer called about invoice", "Explained the late fee; customer will pay by Friday."),
    ("Password reset", "Verified identity and sent a reset link."),
    ("Escalated to tier 2", "Intermittent outage since Monday; ticket opened for engineering."),
    ("Upgrade interest", "Wants a quote for the premium plan; follow up next week."),
    ("Delivery delayed", "Parcel stuck at the depot; promised a callback tomorrow."),
    ("Refund approved", "Refund for the duplicate charge approved by the supervisor."),
    ("Example Note Title", "Example Note Body"),
)
FIRST_NAMES = (
    "alex",
    "sam",
    "jordan",
    "taylor",
    "morgan",
    "casey",
    "riley",
    "jamie",
    "drew",
    "kim",
)
LAST_NAMES = ("smith", "jones", "brown", "miller", "davis", "lopez", "wilson", "moore", "clark")
MAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")

SUPERVISORS = ("Dana Whitfield", "Marco Bianchi", "Priya Raman")
ORDER_MOD = 1_000_000
ORDER_MUL = 104_729  # coprime to ORDER_MOD: i -> order number is a bijection
TICKET_MOD = 990_000
TICKET_MUL = 7_919  # coprime to TICKET_MOD
TICKET_BASE = 10_000
PERSON_MOD = 1_000_000
PERSON_MUL = 7_877  # coprime to PERSON_MOD: contact -> CRM person id is a bijection
ZENDESK_USER_BASE = 26_300_000_000  # 11-digit Zendesk ids, like the public docs' example
SF_CASE_PREFIX = "5004x00000"  # Salesforce ids: 3-char object prefix, 15 chars in all
SF_CONTACT_PREFIX = "0034x00000"
SF_USER_PREFIX = "0054x00000"
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
NODE_MUL = 0x5DEECE66D1  # odd: i -> node is a bijection on 48 bits
NODE_INV = pow(NODE_MUL, -1, 1 << 48)

_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def mix64(x: int) -> int:
    """splitmix64 finalizer: a fast, well-mixed 64-bit integer hash."""
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & MASK64
    x = (x ^ (x >> 27)) * 0x94D049BB133111EB & MASK64
    return x ^ (x >> 31)


def _hash64(*parts: object) -> int:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _stable_uuid(*parts: object) -> str:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return _format_uuid(int.from_bytes(digest[:16], "big"))


def _format_uuid(r: int) -> str:
    """A version-4 shaped UUID string from 128 bits."""
    s = f"{r:032x}"
    return f"{s[:8]}-{s[8:12]}-4{s[13:16]}-{'89ab'[r & 3]}{s[17:20]}-{s[20:32]}"


def b62(n: int, width: int) -> str:
    digits = []
    for _ in range(width):
        n, r = divmod(n, 62)
        digits.append(B62[r])
    return "".join(reversed(digits))


def from_b62(text: str) -> int | None:
    n = 0
    for ch in text:
        k = B62.find(ch)
        if k < 0:
            return None
        n = n * 62 + k
    return n


def is_uuid(value: str) -> bool:
    return bool(_UUID_RE.match(value))


def fmt_ms(ms: int) -> str:
    """Epoch milliseconds -> ``2017-12-07T19:22:07.638Z``."""
    s, m = divmod(ms, 1000)
    t = time.gmtime(s)
    return f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}T{t[3]:02d}:{t[4]:02d}:{t[5]:02d}.{m:03d}Z"


def parse_time(value: str) -> int:
    """ISO-8601 (``Z``, offset or naive = UTC; date only allowed) -> epoch ms. ValueError if not."""
    text = value.strip()
    if not text:
        raise ValueError("empty")
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return round(dt.timestamp() * 1000)


def secs(a: int, b: int) -> float:
    return round((b - a) / 1000, 3)


@dataclass
class Tenant:
    tenant_id: str
    name: str
    timezone: str
    slug: str
    mail_domain: str
    phone_numbers: tuple[str, ...]
    seed: int
    key: int = 0
    time_key: int = 0
    id_key: int = 0
    id_key48: int = 0
    contact_key: int = 0
    contact_key48: int = 0
    order_offset: int = 0
    ticket_offset: int = 0
    person_offset: int = 0
    supervisors: list[dict] = field(default_factory=list)
    agents: list[dict] = field(default_factory=list)
    queues: list[dict] = field(default_factory=list)
    flows: dict[str, str] = field(default_factory=dict)
    dispositions: list[tuple[str, str]] = field(default_factory=list)
    hook_ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        t, s = self.tenant_id, self.seed
        self.key = _hash64(s, t, "index")
        self.time_key = _hash64(s, t, "time")
        self.id_key = _hash64(s, t, "id")
        self.id_key48 = _hash64(s, t, "id48") & MASK48
        self.contact_key = _hash64(s, t, "contact")
        self.contact_key48 = _hash64(s, t, "contact48") & MASK48
        self.order_offset = _hash64(s, t, "orders") % ORDER_MOD
        self.ticket_offset = _hash64(s, t, "tickets") % TICKET_MOD
        self.person_offset = _hash64(s, t, "persons") % PERSON_MOD
        self.agents = [
            {
                "agentName": name,
                "agentId": _stable_uuid(s, t, "agent", n),
                "platformAgentId": 15_100 + n * 7,
                "tenantAgentId": 8_300 + n * 3,
                # who the agent is in each CRM: the hook's hookedBy
                ZENDESK: str(26_303_000_000 + (self.key % 1000) * 1000 + n),
                SALESFORCE: SF_USER_PREFIX + b62(self.key % 100_000 + n, 5),
            }
            for n, name in enumerate(AGENT_NAMES)
        ]
        self.supervisors = [
            {"agentName": name, "agentId": _stable_uuid(s, t, "supervisor", n)}
            for n, name in enumerate(SUPERVISORS)
        ]
        self.queues = [
            {
                "queueName": name,
                "queueId": _stable_uuid(s, t, "queue", name),
                "platformQueueId": pid,
                "sla": sla,
            }
            for name, pid, sla in QUEUES
        ]
        self.flows = {name: _stable_uuid(s, t, "flow", name) for name in FLOWS}
        self.dispositions = [(name, _stable_uuid(s, t, "disp", name)) for name in DISPOSITIONS]
        self.hook_ids = {
            name: _stable_uuid(s, t, "hook", name)
            for name in ("language", "tier", "callback", "order")
        }


TENANT_SPECS = (
    (
        "5b1c3f7e-2a4d-4e8b-9c61-0f3a7d2e9b14",
        "Northwind Support",
        "US/Eastern",
        "northwind",
        "northwind.example",
        ("+15553005555", "+15553005556", "+15553005600"),
    ),
    (
        "c0de5a1e-7f3b-4d92-a6e4-3b8f1c9d2e70",
        "Contoso Europe",
        "Europe/Berlin",
        "contoso-eu",
        "contoso-europe.example",
        ("+15553007000", "+15553007001"),
    ),
)


def default_anchor_ms() -> int:
    return (int(time.time()) // 60) * 60 * 1000


class Generator:
    """Rebuilds interactions from their index; holds no per-interaction state."""

    def __init__(self, seed: int = 1, per_tenant: int = 120_000, anchor_ms: int | None = None):
        if per_tenant < 1 or per_tenant > TICKET_MOD:
            raise ValueError(f"per_tenant must be 1..{TICKET_MOD}")
        self.seed = seed
        self.n = per_tenant
        self.anchor_ms = default_anchor_ms() if anchor_ms is None else anchor_ms
        self.n_contacts = max(1, per_tenant // 20)
        self.tenants = {spec[0]: Tenant(*spec, seed=seed) for spec in TENANT_SPECS}
        self._order_inv = pow(ORDER_MUL, -1, ORDER_MOD)
        self._ticket_inv = pow(TICKET_MUL, -1, TICKET_MOD)
        self._person_inv = pow(PERSON_MUL, -1, PERSON_MOD)

    # --- time ----------------------------------------------------------------------------

    def start_ms(self, t: Tenant, i: int) -> int:
        base = i * SPAN_MS // self.n
        gap = (i + 1) * SPAN_MS // self.n - base
        jitter = mix64((t.time_key + (i + 1) * GOLDEN) & MASK64) % gap
        return self.anchor_ms - 1 - base - jitter

    def _first_before(self, t: Tenant, bound_ms: int) -> int:
        """Smallest index whose start is < bound_ms (n if none)."""
        lo, hi = 0, self.n
        while lo < hi:
            mid = (lo + hi) // 2
            if self.start_ms(t, mid) < bound_ms:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def index_range(self, t: Tenant, start_ms: int | None, end_ms: int | None) -> range:
        """Indices whose start time t satisfies start <= t < end."""
        lo = 0 if end_ms is None else self._first_before(t, end_ms)
        hi = self.n if start_ms is None else self._first_before(t, start_ms)
        return range(lo, max(lo, hi))

    # --- ids -----------------------------------------------------------------------------

    def interaction_id(self, t: Tenant, i: int) -> str:
        p = mix64((t.id_key + (i + 1) * GOLDEN) & MASK64)
        q = mix64(p ^ t.id_key)
        node = ((i ^ t.id_key48) * NODE_MUL) & MASK48
        return (
            f"{p >> 32:08x}-{(p >> 16) & 0xFFFF:04x}-4{(p >> 4) & 0xFFF:03x}-"
            f"{'89ab'[q & 3]}{(q >> 2) & 0xFFF:03x}-{node:012x}"
        )

    def index_of(self, t: Tenant, interaction_id: str) -> int | None:
        """The index an id encodes, if it really is one of this tenant's ids."""
        if not is_uuid(interaction_id):
            return None
        i = ((int(interaction_id[-12:], 16) * NODE_INV) & MASK48) ^ t.id_key48
        if i >= self.n or self.interaction_id(t, i) != interaction_id.lower():
            return None
        return i

    def contact_id(self, t: Tenant, c: int) -> str:
        p = mix64((t.contact_key + (c + 1) * GOLDEN) & MASK64)
        node = ((c ^ t.contact_key48) * NODE_MUL) & MASK48
        return (
            f"{p >> 32:08x}-{(p >> 16) & 0xFFFF:04x}-4{(p >> 4) & 0xFFF:03x}-"
            f"{'89ab'[p & 3]}{(p >> 40) & 0xFFF:03x}-{node:012x}"
        )

    def contact_index(self, t: Tenant, contact_id: str) -> int | None:
        if not is_uuid(contact_id):
            return None
        c = ((int(contact_id[-12:], 16) * NODE_INV) & MASK48) ^ t.contact_key48
        if c >= self.n_contacts or self.contact_id(t, c) != contact_id.lower():
            return None
        return c

    # --- searchable properties (cheap, no interaction built) ------------------------------
    #
    # h  bits  0-9  contact present (< 717 of 1024, ~70%)   bits 10-29 contact index
    #    bits 30-39 VIP (< 20, ~2%)   40-49 Gold (< 102, ~10%, not VIP)   50-59 callback (< 51, ~5%)
    # h2 bits  0-3  language (0-6 en, 7-9 fr, 10-11 es, else none)
    #    bits  4-13 order number present (< 358, ~35%)
    #    bits 14-23 CRM record linked (< 154, ~15%)   bit 24 CRM (0 Salesforce, 1 Zendesk)

    def key_hash(self, t: Tenant, i: int) -> int:
        return mix64((t.key + (i + 1) * GOLDEN) & MASK64)

    @staticmethod
    def attr_hash(h: int) -> int:
        return mix64(h ^ 0x5851F42D4C957F2D)

    def contact_of(self, h: int) -> int | None:
        if (h & 1023) >= 717:
            return None
        return ((h >> 10) & 0xFFFFF) % self.n_contacts

    @staticmethod
    def tags_of(h: int, h2: int) -> list[str]:
        tags = []
        lang = h2 & 15
        if lang < 7:
            tags.append("lang-en")
        elif lang < 10:
            tags.append("lang-fr")
        elif lang < 12:
            tags.append("lang-es")
        if ((h >> 30) & 1023) < 20:
            tags.append("VIP")
        elif ((h >> 40) & 1023) < 102:
            tags.append("Gold")
        if ((h >> 50) & 1023) < 51:
            tags.append("callback-requested")
        return tags

    @staticmethod
    def has_order(h2: int) -> bool:
        return ((h2 >> 4) & 1023) < 358

    @staticmethod
    def crm_of(h2: int) -> str | None:
        if ((h2 >> 14) & 1023) >= 154:
            return None
        return ZENDESK if (h2 >> 24) & 1 else SALESFORCE

    def order_number(self, t: Tenant, i: int) -> str:
        return f"ORD-{(i * ORDER_MUL + t.order_offset) % ORDER_MOD:06d}"

    def ticket_number(self, t: Tenant, i: int) -> int:
        return (i * TICKET_MUL + t.ticket_offset) % TICKET_MOD + TICKET_BASE

    def record_id(self, t: Tenant, i: int, crm: str) -> str:
        """The CRM record (Zendesk ticket, Salesforce case) interaction i is linked to."""
        n = self.ticket_number(t, i)
        return str(n) if crm == ZENDESK else SF_CASE_PREFIX + b62(n, 5)

    def case_number(self, t: Tenant, i: int) -> str:
        return f"{self.ticket_number(t, i):08d}"

    def person_id(self, t: Tenant, contact: int, crm: str) -> str:
        """The customer's record in the CRM (Zendesk user, Salesforce contact)."""
        n = (contact * PERSON_MUL + t.person_offset) % PERSON_MOD
        return str(ZENDESK_USER_BASE + n) if crm == ZENDESK else SF_CONTACT_PREFIX + b62(n, 5)

    def person_name(self, contact: int) -> str:
        first = FIRST_NAMES[contact % len(FIRST_NAMES)]
        last = LAST_NAMES[(contact // len(FIRST_NAMES)) % len(LAST_NAMES)]
        return f"{first.title()} {last.title()}"

    def crm_hooks_of(self, t: Tenant, i: int) -> list[tuple[str, str, str]]:
        """(hookType, hookSubType, hookId) of every CRM record interaction i is linked to."""
        h = self.key_hash(t, i)
        crm = self.crm_of(self.attr_hash(h))
        if crm is None:
            return []
        hooks = [(crm, CRM_RECORD[crm], self.record_id(t, i, crm))]
        contact = self.contact_of(h)
        if contact is not None:
            hooks.append((crm, CRM_PERSON[crm], self.person_id(t, contact, crm)))
        return hooks

    def hook_names(self, t: Tenant, i: int) -> list[str]:
        """Every custom-attribute hookName interaction i carries."""
        h = self.key_hash(t, i)
        h2 = self.attr_hash(h)
        names = self.tags_of(h, h2)
        if self.has_order(h2):
            names.append(self.order_number(t, i))
        return names

    def _record_index(self, t: Tenant, hook_id: str) -> int | None:
        """The interaction a Zendesk ticket or Salesforce case id belongs to, if any."""
        if hook_id.isdigit() and 5 <= len(hook_id) <= 7:
            n, crm = int(hook_id), ZENDESK
        elif hook_id.startswith(SF_CASE_PREFIX) and len(hook_id) == 15:
            decoded = from_b62(hook_id[len(SF_CASE_PREFIX) :])
            if decoded is None:
                return None
            n, crm = decoded, SALESFORCE
        else:
            return None
        if not TICKET_BASE <= n < TICKET_BASE + TICKET_MOD:
            return None
        i = (n - TICKET_BASE - t.ticket_offset) * self._ticket_inv % TICKET_MOD
        if i >= self.n or self.crm_of(self.attr_hash(self.key_hash(t, i))) != crm:
            return None
        return i if self.record_id(t, i, crm) == hook_id else None

    def _person_contact(self, t: Tenant, hook_id: str) -> int | None:
        """The contact a Zendesk user or Salesforce contact id stands for, if any."""
        if hook_id.isdigit() and len(hook_id) == 11:
            n = int(hook_id) - ZENDESK_USER_BASE
        elif hook_id.startswith(SF_CONTACT_PREFIX) and len(hook_id) == 15:
            n = from_b62(hook_id[len(SF_CONTACT_PREFIX) :])
            if n is None:
                return None
        else:
            return None
        if not 0 <= n < PERSON_MOD:
            return None
        contact = (n - t.person_offset) * self._person_inv % PERSON_MOD
        return contact if contact < self.n_contacts else None

    def _candidate_for(self, t: Tenant, value: str) -> int | bool | None:
        """For a value that encodes an index: that index (or None); False if it does not."""
        if value.startswith("ORD-") and len(value) == 10 and value[4:].isdigit():
            i = (int(value[4:]) - t.order_offset) * self._order_inv % ORDER_MOD
            if i < self.n and self.has_order(self.attr_hash(self.key_hash(t, i))):
                return i
            return None
        return False

    def search(
        self,
        t: Tenant,
        window: range,
        contact: int | None = None,
        values: tuple[str, ...] = (),
        crm: tuple[str | None, str | None, str | None] | None = None,
    ) -> Iterator[int]:
        """Indices in ``window`` (ascending) matching a contact, every custom-attribute value
        and, with ``crm`` = (hookType, hookSubType, hookId), a CRM record matching every part
        given (one hook must match them all)."""
        candidates: set[int] | None = None
        tag_tests: list[Callable[[int, int], bool]] = []
        for value in dict.fromkeys(values):
            found = self._candidate_for(t, value)
            if found is False:
                if value not in TAGS:
                    return
                tag_tests.append(_TAG_TESTS[value])
            elif found is None:
                return
            else:
                candidates = {found} if candidates is None else candidates & {found}
        crm_type, crm_sub, crm_id = crm if crm is not None else (None, None, None)
        wants_crm = bool(crm_type or crm_sub or crm_id)
        if crm_id:
            record = self._record_index(t, crm_id)
            person = self._person_contact(t, crm_id)
            if record is not None:
                candidates = {record} if candidates is None else candidates & {record}
            elif person is not None:
                if contact is not None and contact != person:
                    return
                contact = person
            else:
                return
        nc = self.n_contacts
        key, attr_hash = t.key, self.attr_hash
        if candidates is not None:
            indices: range | list[int] = sorted(c for c in candidates if c in window)
        else:
            indices = window
        for i in indices:
            x = (key + (i + 1) * GOLDEN) & MASK64
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & MASK64
            x = (x ^ (x >> 27)) * 0x94D049BB133111EB & MASK64
            h = x ^ (x >> 31)
            if contact is not None and ((h & 1023) >= 717 or ((h >> 10) & 0xFFFFF) % nc != contact):
                continue
            if tag_tests or wants_crm:
                h2 = attr_hash(h)
                if not all(test(h, h2) for test in tag_tests):
                    continue
                if wants_crm and not self._crm_match(t, i, h, h2, crm_type, crm_sub, crm_id):
                    continue
            yield i

    def _crm_match(
        self,
        t: Tenant,
        i: int,
        h: int,
        h2: int,
        hook_type: str | None,
        sub_type: str | None,
        hook_id: str | None,
    ) -> bool:
        kind = self.crm_of(h2)
        if kind is None or (hook_type and hook_type != kind):
            return False
        linked = [(CRM_RECORD[kind], lambda: self.record_id(t, i, kind))]
        contact = self.contact_of(h)
        if contact is not None:
            linked.append((CRM_PERSON[kind], lambda: self.person_id(t, contact, kind)))
        return any(
            (not sub_type or sub_type == sub) and (not hook_id or hook_id == record_id())
            for sub, record_id in linked
        )

    # --- the interaction -----------------------------------------------------------------

    def build(self, t: Tenant, i: int, nulls: bool = False, offset_ms: int = 0) -> dict:
        """Interaction i of tenant t with ``details``; None-valued keys only if ``nulls``.

        ``offset_ms``: how far the sandbox clock is past the anchor (``--live``, /_sandbox/clock).
        An interaction unfinished at the anchor shows what happened up to ``cut + offset_ms``
        (``cut`` being where it stood at the anchor); once that passes the last event of its
        plan it is complete, and one in five of those completes flagged.
        """
        return _Builder(self, t, i, nulls, offset_ms).build()

    def completes_after(self, t: Tenant, i: int) -> int:
        """Clock offset (ms after the anchor) from which interaction i is complete; 0 if it
        already is at the anchor."""
        if self.start_ms(t, i) < self.anchor_ms - MAX_PLAN_MS:
            return 0
        builder = _Builder(self, t, i, False)
        builder.build()
        return builder.complete_after


def _lang_test(lo: int, hi: int) -> Callable[[int, int], bool]:
    return lambda h, h2: lo <= (h2 & 15) < hi


_TAG_TESTS: dict[str, Callable[[int, int], bool]] = {
    "lang-en": _lang_test(0, 7),
    "lang-fr": _lang_test(7, 10),
    "lang-es": _lang_test(10, 12),
    "VIP": lambda h, h2: ((h >> 30) & 1023) < 20,
    "Gold": lambda h, h2: ((h >> 30) & 1023) >= 20 and ((h >> 40) & 1023) < 102,
    "callback-requested": lambda h, h2: ((h >> 50) & 1023) < 51,
}


def _weighted(rng: random.Random, table: tuple[tuple[object, float], ...]) -> object:
    r = rng.random()
    for value, weight in table:
        if r < weight:
            return value
        r -= weight
    return table[-1][0]


_CHANNEL_WEIGHTS = (
    ("voice", 0.60),
    ("sms", 0.10),
    ("email", 0.12),
    ("messaging", 0.11),
    ("work-item", 0.07),
)
_OUTBOUND = {"voice": 0.25, "sms": 0.15, "email": 0.10, "messaging": 0.0, "work-item": 0.0}
_ABANDON = {"voice": 0.12, "sms": 0.05, "email": 0.01, "messaging": 0.06, "work-item": 0.01}
_SEGMENTS = ((1, 0.70), (2, 0.18), (3, 0.08), (4, 0.04))
_VOICE_FLOWS = (
    (("Basic Flow", ("Support", "Technical", "Retention")), 0.45),
    (("Billing IVR", ("Billing",)), 0.25),
    (("Sales Inbound", ("Sales",)), 0.20),
    (("Custom Attributes", ("Support",)), 0.10),
)
_CHANNEL_FLOW = {
    "sms": ("SMS Flow", ("Chat", "Support")),
    "messaging": ("Chat Flow", ("Chat",)),
    "email": ("Email Flow", ("Email Support", "Billing")),
    "work-item": ("Work Item Flow", ("Back Office",)),
}
_TRANSFER_QUEUES = ("Support", "Billing", "Technical", "Sales", "Retention")


def _plan_last(segs: list[dict], end: int | None) -> int:
    """The latest timestamp an interaction's plan holds (its end, a segment, queue or leg end)."""
    last = end or 0
    for s in segs:
        last = max(last, s.get("end") or 0)
        if s["queue"] is not None:
            last = max(last, s["queue"]["end"])
        for leg in s["legs"]:
            last = max(last, leg["end"])
    return last


class _Builder:
    """Builds one interaction; split in steps to keep each readable."""

    def __init__(self, gen: Generator, t: Tenant, i: int, nulls: bool, offset_ms: int = 0):
        self.gen, self.t, self.i, self.nulls = gen, t, i, nulls
        self.offset_ms = offset_ms
        self.complete_after = 0  # set by build(): see Generator.completes_after
        self.h = gen.key_hash(t, i)
        self.h2 = gen.attr_hash(self.h)
        self.rng = random.Random(self.h ^ gen.seed)
        # the fields added after the first data set draw from their own generator, so the
        # older fields keep the values they always had
        self.rng2 = random.Random(self.h ^ gen.seed ^ EXTRA_SALT)
        self.iid = gen.interaction_id(t, i)
        self.start = gen.start_ms(t, i)
        self.queues_by_name = {q["queueName"]: q for q in t.queues}

    def uuid(self) -> str:
        return _format_uuid(self.rng.getrandbits(128))

    def put(self, d: dict, key: str, value: object) -> None:
        if value is not None or self.nulls:
            d[key] = value

    def ms(self, lo: float, hi: float) -> int:
        """A duration in ms, uniform in [lo, hi] seconds."""
        return int(self.rng.uniform(lo, hi) * 1000)

    def expo_ms(self, mean_s: float, lo_s: float, hi_s: float) -> int:
        return int(min(hi_s, max(lo_s, self.rng.expovariate(1 / mean_s))) * 1000)

    def customer(self, channel: str, contact: int | None) -> str:
        rng = self.rng
        if contact is not None:
            if channel in ("voice", "sms"):
                return f"+1555{(contact * 7_919 + self.t.key) % 10_000_000:07d}"
            first = FIRST_NAMES[contact % len(FIRST_NAMES)]
            last = LAST_NAMES[(contact // len(FIRST_NAMES)) % len(LAST_NAMES)]
            domain = MAIL_DOMAINS[contact % len(MAIL_DOMAINS)]
            return f"{first}.{last}{contact % 97}@{domain}"
        if channel in ("voice", "sms"):
            return f"+1555{rng.randrange(10_000_000):07d}"
        return f"guest{rng.randrange(100_000)}@{rng.choice(MAIL_DOMAINS)}"

    def contact_point(self, channel: str) -> str:
        t = self.t
        if channel in ("voice", "sms"):
            return t.phone_numbers[self.i % len(t.phone_numbers)]
        if channel == "email":
            return f"support@{t.mail_domain}"
        if channel == "messaging":
            return f"https://{t.mail_domain}/chat"
        return f"work-item@{t.mail_domain}"

    def build(self) -> dict:
        gen, t, rng, iid, start = self.gen, self.t, self.rng, self.iid, self.start
        tid = t.tenant_id
        anchor = gen.anchor_ms

        channel = _weighted(rng, _CHANNEL_WEIGHTS)
        direction = "outbound" if rng.random() < _OUTBOUND[channel] else "inbound"
        unfinished = anchor - start < UNFINISHED_WINDOW_MS and rng.random() < 0.7
        flag_type = None
        flagged = False
        if not unfinished and rng.random() < 0.03:
            flag_type = rng.choice(FLAG_TYPES)
            flagged = True
        if flag_type == "Queue":
            direction = "inbound"
        abandoned = direction == "inbound" and rng.random() < _ABANDON[channel]
        self_service = (
            channel == "voice" and direction == "inbound" and not abandoned and rng.random() < 0.06
        )
        if flag_type in ("Agent", "Queue"):
            abandoned = self_service = False
        storm = channel == "email" and not abandoned and rng.random() < 0.01
        n_seg = 1 if abandoned or self_service or storm else _weighted(rng, _SEGMENTS)

        contact = gen.contact_of(self.h)
        customer = self.customer(channel, contact)
        contact_point = self.contact_point(channel)
        tags = gen.tags_of(self.h, self.h2)
        if direction == "outbound":
            flow_name, queue_names = "Outbound Dialer", ("Sales", "Retention")
        elif channel == "voice":
            flow_name, queue_names = _weighted(rng, _VOICE_FLOWS)
        else:
            flow_name, queue_names = _CHANNEL_FLOW[channel]
        if "VIP" in tags and channel == "voice" and direction == "inbound" and rng.random() < 0.7:
            queue_names = ("VIP Care",)

        # -- timeline plan (epoch ms) --
        if direction == "inbound":
            if channel == "voice":
                ivr = self.expo_ms(9, 0.1, 90)
            elif channel in ("sms", "messaging"):
                ivr = self.ms(0.1, 2.0)
            else:
                ivr = self.ms(0.1, 0.5)
        else:
            ivr = None
        segs: list[dict] = []  # plan records
        cursor = start
        end = None
        for k in range(n_seg):
            seg = {"k": k, "id": self.uuid(), "start": cursor, "queue": None, "legs": []}
            segs.append(seg)
            if k == 0 and direction == "inbound":
                q_start = cursor + ivr
            elif k > 0:
                q_start = cursor + self.ms(0.2, 0.9)
            else:
                q_start = None
            if self_service:
                seg["end"] = cursor + ivr + self.ms(0.02, 0.2)
                seg["end_type"] = "customer-disconnect"
                end = seg["end"] + self.ms(0.01, 0.1)
                break
            if q_start is not None:
                qname = rng.choice(queue_names if k == 0 else _TRANSFER_QUEUES)
                queue = self.queues_by_name[qname]
                if channel == "voice":
                    wait = self.expo_ms(35, 0.5, 900)
                elif channel in ("sms", "messaging"):
                    wait = self.expo_ms(60, 1, 1800)
                else:
                    wait = self.expo_ms(900, 5, 7200)
                seg["queue"] = {
                    "q": queue,
                    "id": self.uuid(),
                    "start": q_start,
                    "end": q_start + wait,
                    "entry": "ivr" if k == 0 else "transfer",
                    "length": rng.randrange(0, 9),
                }
                if abandoned:
                    seg["queue"]["abandoned"] = True
                    seg["end"] = q_start + wait
                    seg["end_type"] = "customer-disconnect"
                    end = seg["end"] + self.ms(0.02, 0.15)
                    break
                accept_at = q_start + wait
            else:
                queue = self.queues_by_name[rng.choice(queue_names)]
                accept_at = cursor + self.ms(0.3, 1.5)
            # an ignored offer now and then before the accepting agent
            agent_pool = t.agents
            offer_start = max(q_start or cursor, accept_at - 40_000)
            if q_start is not None and accept_at - offer_start > 5_000 and rng.random() < 0.05:
                seg["legs"].append(
                    {
                        "agent": rng.choice(agent_pool),
                        "id": self.uuid(),
                        "start": offer_start,
                        "end": min(offer_start + 20_000, accept_at - 2_000),
                        "accepted": False,
                        "queue": queue,
                    }
                )
            agent = rng.choice(agent_pool)
            offer = self.ms(1.0, 20.0) if q_start is not None else 0
            agent_start = max(q_start or cursor, accept_at - offer)
            if channel == "voice":
                talk = self.expo_ms(240, 15, 3600)
            elif channel in ("sms", "messaging"):
                talk = self.expo_ms(600, 60, 5400)
            elif channel == "email":
                talk = self.expo_ms(300, 30, 3600)
            else:
                talk = self.expo_ms(900, 60, 7200)
            conv_end = accept_at + talk
            wrap = self.ms(0, 60) if rng.random() < 0.8 else 0
            holds: list[tuple[int, int]] = []
            if channel == "voice" and talk > 60_000 and rng.random() < 0.15:
                for _ in range(rng.randint(1, 2)):
                    hs = accept_at + rng.randrange(10_000, talk - 20_000)
                    he = min(conv_end - 5_000, hs + self.ms(10, 120))
                    if holds and hs <= holds[-1][1]:
                        continue
                    holds.append((hs, he))
            leg = {
                "agent": agent,
                "id": self.uuid(),
                "start": agent_start,
                "accepted": True,
                "accept": accept_at,
                "conv_end": conv_end,
                "end": conv_end + wrap,
                "wrap": wrap,
                "holds": holds,
                "queue": queue,
                "session": self.uuid(),
            }
            seg["legs"].append(leg)
            if seg["queue"] is not None:
                seg["queue"]["agent"] = agent
            seg["agent"] = agent
            if k < n_seg - 1:
                seg["end"] = conv_end
                seg["end_type"] = "transfer"
                cursor = conv_end + self.ms(0.1, 0.6)
            else:
                seg["end"] = leg["end"]
                seg["end_type"] = "success"
                end = conv_end + self.ms(0.03, 0.4)
        rng2 = self.rng2
        for seg in segs[1:]:
            # data-docs.cxengage.net "Segment Start Type": transfer, or add-participant
            seg["start_type"] = "add-participant" if rng2.random() < 0.15 else "transfer"
        if storm:  # like the reference's email: a burst of cancelled transfer segments
            leg = segs[0]["legs"][-1]
            tstart = leg["accept"] + 1_000
            for k in range(1, 9):
                tstart += self.ms(0.2, 8.0)
                segs.append(
                    {
                        "k": k,
                        "id": self.uuid(),
                        "start": tstart,
                        "storm_leg": leg,
                        "queue": None,
                        "legs": [],
                    }
                )

        # -- incompleteness --
        cut = None
        finished_live = False  # unfinished at the anchor, finished since (the clock moved)
        if end is not None and end > anchor:
            unfinished = True
            flag_type, flagged = None, False
        if unfinished:
            limit = min(end, anchor) if end is not None else anchor
            cut = start + int((limit - start) * rng.uniform(0.25, 0.95))
            # the clock moves (--live, /_sandbox/clock): what was visible up to ``cut`` at the
            # anchor is visible up to ``cut + offset``; past the plan's last event it is complete
            self.complete_after = max(1, _plan_last(segs, end) - cut)
            if self.offset_ms >= self.complete_after:
                unfinished, cut, finished_live = False, None, True
                if mix64(self.h ^ LIVE_FLAG_SALT) % 5 == 0:
                    accepted = any(leg["accepted"] for s in segs for leg in s["legs"])
                    flag_type, flagged = ("Agent" if accepted else "forced"), True
            elif self.offset_ms > 0:
                cut += self.offset_ms

        def seen(ms_value: int | None) -> int | None:
            if ms_value is None or (cut is not None and ms_value > cut):
                return None
            return ms_value

        # flagged interactions: the matching end timestamp really is missing
        missing: object = None
        if flag_type == "Agent":
            legs = [leg for s in segs for leg in s["legs"] if leg["accepted"]]
            missing = legs[-1] if legs else None
        elif flag_type == "Queue":
            queues = [s["queue"] for s in segs if s["queue"] is not None]
            missing = queues[-1] if queues else None
        elif flag_type == "Segment":
            missing = segs[-1] if len(segs) == 1 else rng.choice(segs[:-1])

        # the reference's list sample holds a record flagged without a flagType: about one in
        # nine flagged ones here (after the missing end was chosen, so that stays missing)
        if flagged and not finished_live and rng2.random() < 0.11:
            flag_type = None

        # -- emit --
        end_seen = None if flag_type == "Stuck" else seen(end)
        now = anchor + self.offset_ms
        out: dict = {"tenantId": tid}
        n_transfers = 8 if storm else sum(1 for s in segs[1:] if s["start_type"] == "transfer")
        abandon_time = None
        if abandoned:
            s0 = segs[0]
            if seen(s0["end"]) is not None:
                abandon_time = secs(s0["start"], s0["end"])
        self.put(out, "customerAbandonTime", abandon_time)
        # unflagged records carry no ``flagged`` in the reference samples (null when asked for)
        self.put(out, "flagged", True if flagged else None)
        self.put(out, "flagType", flag_type)
        self.put(out, "endTimestamp", fmt_ms(end_seen) if end_seen else None)
        out["flowId"] = t.flows[flow_name]
        if n_transfers:
            out["customerTransfers"] = n_transfers

        # agents, talk times
        agents_out: list[dict] = []
        details_agents: list[dict] = []
        cust_talk: list[dict] = []
        note_leg = None
        accepted_legs = []
        for s in segs:
            for leg in s["legs"]:
                if leg["start"] > (cut if cut is not None else leg["start"]):
                    continue
                agents_out.append(self.agent_dict(leg, s, channel, seen, leg is missing))
                if leg["accepted"] and seen(leg["accept"]) is not None:
                    accepted_legs.append(leg)
        answered = bool(accepted_legs)
        if answered and rng.random() < 0.2:
            note_leg = rng.choice(accepted_legs)
        for leg in accepted_legs:
            agent = leg["agent"]
            d = {
                "conversationStartTimestamp": fmt_ms(leg["accept"]),
            }
            ce = seen(leg["conv_end"])
            self.put(d, "conversationEndTimestamp", fmt_ms(ce) if ce else None)
            d["resourceId"] = agent["agentId"]
            d["agentName"] = agent["agentName"]
            if leg is note_leg:
                d["noteTitle"] = None  # filled below
            details_agents.append(d)
        if channel == "voice":
            for leg in accepted_legs:
                for a, b in leg["talk"]:
                    a2 = a + rng.randrange(20, 400)
                    b2 = b - rng.randrange(5, 300) if b is not None else None
                    if b2 is not None and b2 <= a2:
                        continue
                    tt = {
                        "interactionCustomerTalkTimeId": self.uuid(),
                        "interactionId": iid,
                        "tenantId": tid,
                        "startTimestamp": fmt_ms(a2),
                    }
                    self.put(tt, "endTimestamp", fmt_ms(b2) if b2 else None)
                    self.put(tt, "customerTalkTime", secs(a2, b2) if b2 else None)
                    tt["_secs"] = secs(a2, b2) if b2 else 0.0
                    cust_talk.append(tt)
        if cust_talk:
            total_talk = round(sum(c.pop("_secs") for c in cust_talk), 3)
            out["customerConversationTime"] = total_talk
            out["customerTalkTime"] = total_talk
        self.put(out, "interactionTime", secs(start, end_seen) if end_seen else None)

        # segments (arrive shuffled)
        seg_out = [
            self.segment_dict(s, seen, s is missing, n_seg) for s in segs if seen(s["start"])
        ]
        if len(seg_out) > 1 and rng.random() < 0.5:
            rng.shuffle(seg_out)
        out["segments"] = seg_out
        out["interactionId"] = iid
        out["contactPoint"] = contact_point
        out["customer"] = customer
        holds = sum(len(leg["holds"]) for leg in accepted_legs)
        out["customerHolds"] = holds
        # Pearson-ICC/CxAdmin cxStatistics.py lists customerHoldTime, customerHoldAbandoned
        held = [(a, b) for leg in accepted_legs for a, b in leg["holds"] if seen(b) is not None]
        if held:
            out["customerHoldTime"] = round(sum(b - a for a, b in held) / 1000, 3)
            out["customerHoldAbandoned"] = False
        if self_service and end_seen is not None:
            # disconnected before reaching a queue: an IVR abandon (data-docs.cxengage.net)
            out["ivrAbandoned"] = True
            out["ivrAbandonTime"] = secs(0, ivr)
        monitors = self.monitors(channel, accepted_legs, seen)
        if monitors:
            out["monitors"] = monitors

        # details
        contact_id = gen.contact_id(t, contact) if contact is not None else None
        csat = None
        if answered and not unfinished and channel in ("voice", "messaging", "sms"):
            csat = rng.randint(1, 5) if rng.random() < 0.25 else None
        details: dict = {}
        self.put(details, "endTimestamp", fmt_ms(end_seen) if end_seen else None)
        details["interactionId"] = iid
        details["contactPoint"] = contact_point
        details["customer"] = customer
        details["csat"] = csat  # null even without includenulls, as in the get-one reference
        details["startTimestamp"] = fmt_ms(start)
        details["agents"] = details_agents  # [] when no agent answered
        details["direction"] = direction
        details["contactId"] = contact_id
        details["channelType"] = channel
        out["details"] = details

        # notes
        notes = None
        if note_leg is not None:
            title, body = rng.choice(NOTES)
            created = note_leg["accept"] + rng.randrange(1_000, 30_000)
            updated = created + rng.randrange(0, 60_000)
            notes = [
                {
                    "noteId": self.uuid(),
                    "tenantId": tid,
                    "interactionId": iid,
                    "agentId": note_leg["agent"]["agentId"],
                    "title": title,
                    "body": body,
                    "created": fmt_ms(created // 1000 * 1000),
                    "updated": fmt_ms(updated // 1000 * 1000),
                }
            ]
            for d in details_agents:
                if "noteTitle" in d:
                    d["noteTitle"] = title
        self.put(out, "notes", notes)
        out["startTimestamp"] = fmt_ms(start)
        out["dataComplete"] = not unfinished
        self.put(out, "ivrTime", secs(0, ivr) if ivr is not None else None)

        # custom attributes and CRM hooks
        attr_agent = accepted_legs[0]["agent"]["agentId"] if accepted_legs else None
        attr_ts = start + (ivr or 0)
        attrs = []
        for tag in tags:
            if tag.startswith("lang-"):
                attrs.append(self.hook(tag, "language", "unattachedAttr", None, attr_ts - 700))
            elif tag in ("VIP", "Gold"):
                attrs.append(
                    self.hook(tag, "tier", "customAttributeWithResource", attr_agent, attr_ts - 400)
                )
            else:
                attrs.append(self.hook(tag, "callback", "unattachedAttr", None, attr_ts - 200))
        if gen.has_order(self.h2):
            attrs.append(
                self.hook(
                    gen.order_number(t, self.i),
                    "order",
                    "customAttributeUsingIvrInput ",  # sic: the reference has the trailing space
                    attr_agent,
                    attr_ts - 100,
                )
            )
        hooks = list(attrs)
        crm = gen.crm_of(self.h2)
        if crm:
            hooks += self.crm_hooks(crm, contact, accepted_legs, cut)
        self.put(out, "interactionAttributes", attrs or None)
        self.put(out, "hooks", hooks or None)

        # agents, queues
        self.put(out, "agents", agents_out or None)
        out["flowName"] = flow_name
        out["queues"] = [
            self.queue_dict(s["queue"], s, seen, s["queue"] is missing)
            for s in segs
            if s["queue"] is not None and seen(s["queue"]["start"])
        ]
        out["direction"] = direction
        self.put(out, "contactId", contact_id)
        self.put(out, "customerTalkTimes", cust_talk or None)
        disp = rng.choice(t.dispositions) if answered and not unfinished else (None, None)
        self.put(out, "dispositionName", disp[0])
        self.put(out, "dispositionId", disp[1])
        recording = None
        if channel == "voice" and answered and not unfinished and rng.random() < 0.6:
            recording = f"https://recordings.{t.mail_domain}/{tid}/{iid}.wav"
        self.put(out, "audioRecording", recording)
        out["channelType"] = channel

        # when the record was last written and, if flagged, when it was flagged
        if unfinished:
            updated = min(cut if cut is not None else now, now)
        else:
            updated = min(now, (end or _plan_last(segs, end)) + self.ms2(2, 90))
        if flagged:
            flagged_at = min(now, (end or _plan_last(segs, end)) + self.ms2(30, 7200))
            out["flagTimestamp"] = fmt_ms(flagged_at)
            updated = max(updated, flagged_at)
        out["updated"] = fmt_ms(max(updated, start))
        return out

    def ms2(self, lo: float, hi: float) -> int:
        return int(self.rng2.uniform(lo, hi) * 1000)

    def monitors(self, channel: str, legs: list, seen) -> list[dict]:
        """~5% of answered voice, chat and SMS conversations had a supervisor listening in
        (``monitors``; the shape of shark764/cxengage-configuration-ui's test data,
        src/tools/testInteractions.js)."""
        rng2 = self.rng2
        if not legs or channel not in ("voice", "messaging", "sms") or rng2.random() >= 0.05:
            return []
        leg = rng2.choice(legs)
        talk = leg["conv_end"] - leg["accept"]
        begin = leg["accept"] + int(talk * rng2.uniform(0.05, 0.5))
        if seen(begin) is None:
            return []
        finish = begin + int((leg["conv_end"] - begin) * rng2.uniform(0.3, 1.0))
        supervisor = rng2.choice(self.t.supervisors)
        monitor = {
            "agentId": supervisor["agentId"],
            "agentName": supervisor["agentName"],
            "bargedIn": rng2.random() < 0.1,
            "startTimestamp": fmt_ms(begin),
        }
        finished = seen(finish)
        self.put(monitor, "endTimestamp", fmt_ms(finished) if finished else None)
        return [monitor]

    def hook(self, name: str, kind: str, hook_type: str, agent_id: str | None, ts: int) -> dict:
        d = {"tenantId": self.t.tenant_id, "hookId": self.t.hook_ids[kind]}
        if agent_id:
            d["agentId"] = agent_id
        d["hookBy"] = "flow"
        d["interactionId"] = self.iid
        d["hookName"] = name
        d["hookSubType"] = "interaction-attribute"
        d["timestamp"] = fmt_ms(max(self.start, ts))
        d["hookType"] = hook_type
        d["interactionHookId"] = self.uuid()
        return d

    def crm_hooks(self, crm: str, contact: int | None, legs: list, cut: int | None) -> list:
        """The CRM records the agent linked, in the shape of the public API docs' Zendesk
        example: no tenantId, interactionId or URL; ``hookedBy`` is the agent's CRM user id;
        ``hookId`` the record's id; ``hookName`` only on the person (a Zendesk user's name)
        and, as the SDK sends it, a Salesforce case's number."""
        t, gen = self.t, self.gen
        ts = legs[0]["accept"] + self.ms(2, 40) if legs else self.start + 1_000
        if cut is not None:
            ts = min(ts, cut)
        agent = legs[0]["agent"] if legs else None
        record = {"interactionHookId": self.uuid(), "hookSubType": CRM_RECORD[crm]}
        if agent:
            record["agentId"] = agent["agentId"]
        record["hookType"] = crm
        if crm == SALESFORCE:
            record["hookName"] = gen.case_number(t, self.i)
        if agent:
            record["hookedBy"] = agent[crm]
        record["hookId"] = gen.record_id(t, self.i, crm)
        record["timestamp"] = fmt_ms(max(self.start, ts))
        hooks = [record]
        if contact is not None:
            person = {
                "interactionHookId": _format_uuid(self.rng2.getrandbits(128)),
                "hookSubType": CRM_PERSON[crm],
            }
            if agent:
                person["agentId"] = agent["agentId"]
            person["hookType"] = crm
            person["hookName"] = gen.person_name(contact)
            if agent:
                person["hookedBy"] = agent[crm]
            person["hookId"] = gen.person_id(t, contact, crm)
            later = ts + self.ms2(5, 60)
            person["timestamp"] = fmt_ms(max(self.start, min(later, cut) if cut else later))
            hooks.append(person)
        return hooks

    def agent_dict(self, leg: dict, seg: dict, channel: str, seen, missing: bool) -> dict:
        t, rng = self.t, self.rng
        agent = leg["agent"]
        d = {
            "tenantId": t.tenant_id,
            "platformAgentId": agent["platformAgentId"],
            "agentWorkAccepted": leg["accepted"],
            "agentName": agent["agentName"],
        }
        leg["talk"] = []
        if not leg["accepted"]:
            e = seen(leg["end"])
            self.put(d, "agentWorkOfferTime", secs(leg["start"], e) if e else None)
            d["interactionSegmentId"] = seg["id"]
            d["agentId"] = agent["agentId"]
            d["interactionAgentId"] = leg["id"]
            self.put(d, "endTimestamp", fmt_ms(e) if e else None)
            d["interactionId"] = self.iid
            d["startTimestamp"] = fmt_ms(leg["start"])
            d["tenantAgentId"] = agent["tenantAgentId"]
            d["queueId"] = leg["queue"]["queueId"]
            return d
        accept = seen(leg["accept"])
        conv_end = seen(leg["conv_end"]) if accept else None
        end = None if missing else seen(leg["end"])
        offer = secs(leg["start"], leg["accept"]) if accept else None
        self.put(d, "agentWorkOfferTime", offer)
        if end is not None and leg["wrap"]:
            d["agentWrapUpTime"] = secs(leg["conv_end"], leg["end"])
        self.put(d, "conversationEndTimestamp", fmt_ms(conv_end) if conv_end else None)
        d["sessionId"] = leg["session"]
        d["interactionSegmentId"] = seg["id"]
        d["agentId"] = agent["agentId"]
        self.put(d, "conversationStartTimestamp", fmt_ms(accept) if accept else None)
        d["interactionAgentId"] = leg["id"]
        self.put(d, "endTimestamp", fmt_ms(end) if end else None)
        # talk intervals: the conversation minus holds (voice only)
        if accept:
            bounds = []
            a = leg["accept"]
            for hs, he in leg["holds"]:
                bounds.append((a, hs))
                a = he
            bounds.append((a, leg["conv_end"]))
            talk_out = []
            for a, b in bounds:
                if seen(a) is None:
                    break
                b_seen = seen(b)
                leg["talk"].append((a, b_seen))
                if channel != "voice":
                    continue
                tt = {
                    "tenantId": t.tenant_id,
                    "interactionAgentTalkTimeId": self.uuid(),
                    "agentId": agent["agentId"],
                    "interactionAgentId": leg["id"],
                }
                self.put(tt, "endTimestamp", fmt_ms(b_seen) if b_seen else None)
                tt["interactionId"] = self.iid
                tt["startTimestamp"] = fmt_ms(a)
                tt["queueId"] = leg["queue"]["queueId"]
                self.put(tt, "agentTalkTime", secs(a, b_seen) if b_seen else None)
                talk_out.append(tt)
            if channel == "voice":
                d["talkTimes"] = talk_out
        conv = secs(leg["accept"], conv_end) if conv_end else None
        self.put(d, "agentHandleTime", secs(leg["accept"], end) if end else None)
        d["interactionId"] = self.iid
        if conv is not None:
            d["agentFocusTime"] = round(conv + rng.uniform(0.1, 3.0), 3)
        d["startTimestamp"] = fmt_ms(leg["start"])
        d["tenantAgentId"] = agent["tenantAgentId"]
        self.put(d, "agentConversationTime", conv)
        if channel == "email" and conv is not None:
            d["agentReadTime"] = round(conv * rng.uniform(0.6, 0.98), 3)
        d["queueId"] = leg["queue"]["queueId"]
        if channel == "voice" and conv is not None:
            hold = sum(he - hs for hs, he in leg["holds"]) / 1000
            d["agentTalkTime"] = round(conv - hold, 3)
        self.put(d, "agentWorkAcceptedTime", offer)
        return d

    def segment_dict(self, s: dict, seen, missing: bool, n_seg: int) -> dict:
        t = self.t
        d = {"tenantId": t.tenant_id, "segmentNumber": s["k"], "interactionSegmentId": s["id"]}
        if "storm_leg" in s:  # cancelled transfer attempt, as in the reference (no end)
            leg = s["storm_leg"]
            d["agentId"] = leg["agent"]["agentId"]
            d["transfer"] = True
            d["segmentCancelled"] = True
            d["interactionAgentId"] = leg["id"]
            d["segmentStartType"] = "transfer"
            d["interactionId"] = self.iid
            d["startTimestamp"] = fmt_ms(s["start"])
            return d
        end = None if missing else seen(s.get("end"))
        cancelled = s.get("queue") is not None and s["queue"].get("abandoned")
        start_type = "interaction" if s["k"] == 0 else s.get("start_type", "transfer")
        if start_type == "transfer":
            d["transfer"] = True
        if cancelled:
            d["segmentCancelled"] = True
        d["segmentStartType"] = start_type
        if "agent" in s:
            d["segmentToAgentId"] = s["agent"]["agentId"]
        self.put(d, "endTimestamp", fmt_ms(end) if end else None)
        self.put(d, "segmentEndType", s.get("end_type") if end else None)
        if cancelled and end:
            d["segmentCancelTime"] = secs(s["start"], end)
        d["interactionId"] = self.iid
        d["startTimestamp"] = fmt_ms(s["start"])
        self.put(d, "segmentTime", secs(s["start"], end) if end else None)
        return d

    def queue_dict(self, q: dict, s: dict, seen, missing: bool) -> dict:
        t = self.t
        queue = q["q"]
        end = None if missing else seen(q["end"])
        wait = secs(q["start"], end) if end else None
        d = {
            "tenantId": t.tenant_id,
            "queueEntryLength": q["length"],
            "interactionSegmentId": s["id"],
        }
        abandoned = q.get("abandoned", False)
        if "agent" in q and end:
            d["agentId"] = q["agent"]["agentId"]
        if abandoned and end:
            d["queueAbandonTime"] = wait
        d["platformQueueId"] = queue["platformQueueId"]
        if abandoned and end:
            d["queueAbandoned"] = True
        self.put(d, "endTimestamp", fmt_ms(end) if end else None)
        if abandoned and end:
            d["slaAbandoned"] = wait > queue["sla"]
        d["interactionId"] = self.iid
        if end:
            d["queueExitType"] = "abandon" if abandoned else "success"
        d["queueEntryType"] = q["entry"]
        d["interactionQueueId"] = q["id"]
        d["queueType"] = "queue"
        d["startTimestamp"] = fmt_ms(q["start"])
        if end and not abandoned:
            d["queueExitLength"] = max(0, q["length"] - 1)
        d["queueName"] = queue["queueName"]
        self.put(d, "queueTime", wait)
        self.put(d, "slaTime", wait)
        d["queueId"] = queue["queueId"]
        if end and not abandoned:
            d["timeToAnswer"] = wait
        return d
