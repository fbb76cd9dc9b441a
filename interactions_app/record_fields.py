"""The fields of an interaction that no section of the detail page shows: its "Other fields".

The detail page gives most of a record a place of its own (the header's facts, the flag, the
timeline, the tables, CRM records, notes, details). Every other typed field of
``Interaction`` that has a value, then everything the dashboard does not know (``extra``), is
listed in one labelled table (``templates/interactions/partials/_other_fields.html``), so
nothing CxEngage sends stays out of sight: a field added to the model shows up there until a
section takes it and adds its name to ``SHOWN``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .services.types import Interaction

# shown by a section of its own (detail.html and its partials), or not a field of the record
SHOWN = frozenset(
    {
        *("id", "start", "end", "channel", "direction", "customer", "contact_point"),
        *("contact_id", "flow_name", "ivr_seconds", "customer_holds", "customer_transfers"),
        *("customer_hold_seconds", "customer_hold_abandoned", "ivr_abandoned"),
        *("ivr_abandon_seconds", "flagged", "flag_type", "flag_time", "updated"),
        *("data_complete", "disposition_name", "monitors", "monitor_count", "segments"),
        *("queues", "agents", "customer_talk_times", "notes", "hooks", "attributes"),
        *("details", "extra", "raw", "wire_bytes"),
    }
)

LABELS = {
    "tenant_id": "Tenant id",
    "flow_id": "Flow id",
    "interaction_seconds": "Interaction time (as reported)",
    "customer_abandon_seconds": "Customer abandon time",
    "customer_talk_seconds": "Customer talk time",
    "customer_conversation_seconds": "Customer conversation time",
    "third_party_seconds": "Third-party time",
    "disposition_id": "Disposition id",
    "audio_recording": "Audio recording",
    "artifacts_summary": "Artifacts summary",
    "customer_satisfaction_score": "Customer satisfaction score",
    "campaign_id": "Campaign id",
    "lead_id": "Lead id",
}


@dataclass(frozen=True, slots=True)
class OtherField:
    label: str
    value: Any
    # how the template shows it: "seconds", "time", "yes-no", "number", "text" or "data"
    kind: str
    known: bool = True  # False: a field the dashboard does not know (its upstream name)


def _kind(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes-no"
    if isinstance(value, int | float) and name.endswith("_seconds"):
        return "seconds"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, datetime):
        return "time"
    return "text" if isinstance(value, str) else "data"


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != () and value != {}


def other_fields(interaction: Interaction) -> tuple[OtherField, ...]:
    """The typed fields no section shows (those with a value, in the model's order), then the
    unknown ones in the order CxEngage sent them."""
    typed = [
        OtherField(
            LABELS.get(f.name, f.name.replace("_", " ").capitalize()), value, _kind(f.name, value)
        )
        for f in dataclasses.fields(interaction)
        if f.name not in SHOWN and _present(value := getattr(interaction, f.name))
    ]
    extra = interaction.extra if isinstance(interaction.extra, Mapping) else {}
    unknown = [
        OtherField(str(key), value, _kind("", value), known=False) for key, value in extra.items()
    ]
    return (*typed, *unknown)
