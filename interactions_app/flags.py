"""flagType -> plain-language explanation, from the API reference's definitions.

The reference spells the values inconsistently (``Agent``, ``forced``, ``Safeguard-terminated``),
so lookups are case-insensitive. ``affects`` names the part of the interaction whose end
timestamp went missing, so the timeline can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FlagInfo:
    key: str
    label: str
    explanation: str
    affects: str | None = None  # "agent", "queue", "segment", "interaction" or None


FLAGS: dict[str, FlagInfo] = {
    info.key: info
    for info in (
        FlagInfo(
            "forced",
            "Flagged by hand",
            "Someone flagged this interaction manually and gave no reason. Its data may be fine; "
            "check with whoever flagged it.",
        ),
        FlagInfo(
            "agent",
            "Agent end missing",
            "An agent's end time was never received by reporting, so that agent's handle, talk "
            "and wrap-up times may be wrong.",
            affects="agent",
        ),
        FlagInfo(
            "queue",
            "Queue end missing",
            "The queue end time was never received, so queue time, SLA and abandon figures for "
            "this interaction may be wrong.",
            affects="queue",
        ),
        FlagInfo(
            "segment",
            "Segment end missing",
            "A segment's end time was never received, so segment times and transfer counts may "
            "be wrong.",
            affects="segment",
        ),
        FlagInfo(
            "stuck",
            "Stuck: no end time",
            "The interaction's own end time was never received, so its duration and everything "
            "measured to its end may be wrong.",
            affects="interaction",
        ),
        FlagInfo(
            "exceed-counter-limit-terminated",
            "Counter limit exceeded",
            "The interaction exceeded the platform's counter limit and was ended by the "
            "platform; the data stops where it was cut off.",
        ),
        FlagInfo(
            "safeguard-terminated",
            "Safeguard limit reached",
            "The interaction reached the platform's safeguard limit and was ended; the data may "
            "stop abruptly.",
        ),
        FlagInfo(
            "error-uncaught-flow-error",
            "Flow error",
            "The flow hit an error it did not handle; steps after the error may be missing from "
            "the reporting data.",
        ),
    )
}

# ``flagged: true`` without a flagType, as in the reference's list sample
_NO_REASON = FlagInfo(
    "",
    "Flagged (no reason given)",
    "The platform flagged this interaction without saying why; some of its data may be missing "
    "or inaccurate.",
)


def flag_key(flag_type: str | None) -> str:
    return (flag_type or "").strip().lower()


def flag_info(flag_type: str | None) -> FlagInfo:
    """The explanation for a flagType; unknown values are explained generically, never dropped."""
    key = flag_key(flag_type)
    if not key:
        return _NO_REASON
    known = FLAGS.get(key)
    if known is not None:
        return known
    return FlagInfo(
        key,
        f"Flagged: {flag_type.strip()}",
        f"The platform flagged this interaction as {flag_type.strip()!r}, a reason this dashboard "
        "does not know yet; some of its data may be missing or inaccurate.",
    )
