"""Brute-force answers from the sandbox's raw JSON, written apart from the index's code."""

from __future__ import annotations

import re
from datetime import datetime

_DIGITS = re.compile(r"[0-9]")


def start_of(d: dict) -> datetime:
    return datetime.fromisoformat(d["startTimestamp"].replace("Z", "+00:00"))


def duration_of(d: dict) -> float | None:
    if d.get("dataComplete") is False:
        return None
    if d.get("endTimestamp"):
        end = datetime.fromisoformat(d["endTimestamp"].replace("Z", "+00:00"))
        return (end - start_of(d)).total_seconds()
    return d.get("interactionTime")


def flagged(d: dict) -> bool:
    return d.get("flagged") is True or bool((d.get("flagType") or "").strip())


def flag_of(d: dict) -> str:
    return (d.get("flagType") or "").strip().lower()


def agents_of(d: dict) -> set[str]:
    return {a["agentName"].lower() for a in d.get("agents") or [] if a.get("agentName")}


def queues_of(d: dict) -> set[str]:
    return {q["queueName"].lower() for q in d.get("queues") or [] if q.get("queueName")}


def same_customer(typed: str, stored: str | None) -> bool:
    """A phone number typed with any punctuation is the same number; anything else the same
    text ignoring case."""
    stored = stored or ""
    if "@" in typed or "@" in stored:
        return typed.strip().lower() == stored.strip().lower()
    return "".join(_DIGITS.findall(typed)) == "".join(_DIGITS.findall(stored)) != ""


def matches(d: dict, **f) -> bool:  # type: ignore[no-untyped-def]
    if f.get("channels") and (d.get("channelType") or "").lower() not in {
        c.lower() for c in f["channels"]
    }:
        return False
    if f.get("directions") and (d.get("direction") or "").lower() not in {
        x.lower() for x in f["directions"]
    }:
        return False
    if f.get("agents") and not agents_of(d) & {a.lower() for a in f["agents"]}:
        return False
    if f.get("queues") and not queues_of(d) & {q.lower() for q in f["queues"]}:
        return False
    if f.get("flows") and (d.get("flowName") or "").lower() not in {x.lower() for x in f["flows"]}:
        return False
    if f.get("customers") and not any(same_customer(c, d.get("customer")) for c in f["customers"]):
        return False
    if f.get("status") == "complete" and d.get("dataComplete") is not True:
        return False
    if f.get("status") == "in-progress" and d.get("dataComplete") is not False:
        return False
    if (f.get("flagged_only") or f.get("flags")) and not flagged(d):
        return False
    if f.get("flags") and flag_of(d) not in {x.lower() for x in f["flags"]}:
        return False
    if f.get("start") and start_of(d) < f["start"]:
        return False
    return not (f.get("end") and start_of(d) >= f["end"])


def ordered(rows: list[dict], sort: str) -> list[str]:
    """Ids in ``sort`` order: ties by id the same way; running interactions (no duration)
    count as the longest."""
    if sort in ("-start", "start"):
        keyed = sorted(rows, key=lambda d: (start_of(d), d["interactionId"]))
        return [d["interactionId"] for d in (keyed[::-1] if sort == "-start" else keyed)]
    known = sorted(
        (d for d in rows if duration_of(d) is not None),
        key=lambda d: (duration_of(d), d["interactionId"]),
    )
    running = sorted((d for d in rows if duration_of(d) is None), key=lambda d: d["interactionId"])
    shortest_first = [d["interactionId"] for d in known + running]
    return shortest_first if sort == "duration" else shortest_first[::-1]


def expected(raw: list[dict], sort: str = "-start", **f) -> list[str]:  # type: ignore[no-untyped-def]
    return ordered([d for d in raw if matches(d, **f)], sort)
