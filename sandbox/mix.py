"""Print the data mix of the first N interactions of a tenant: ``python -m sandbox.mix``."""

from __future__ import annotations

import argparse
from collections import Counter

from .data import CHANNELS, FLAG_TYPES, TENANT_SPECS, Generator, parse_time


def mix(gen: Generator, tenant_id: str, count: int) -> dict[str, Counter]:
    t = gen.tenants[tenant_id]
    c: dict[str, Counter] = {
        k: Counter() for k in ("channelType", "direction", "flagType", "other", "tags")
    }
    for i in range(min(count, gen.n)):
        item = gen.build(t, i)
        c["channelType"][item["channelType"]] += 1
        c["direction"][item["direction"]] += 1
        flagged = bool(item.get("flagged"))
        if flagged:
            c["flagType"][item.get("flagType") or "(none)"] += 1
        other = c["other"]
        other["flagged"] += flagged
        other["unfinished"] += not item["dataComplete"]
        other["abandoned"] += "customerAbandonTime" in item
        other["transferred"] += "customerTransfers" in item
        other["with contactId"] += "contactId" in item
        other["with notes"] += "notes" in item
        numbers = [s["segmentNumber"] for s in item["segments"]]
        other["segments out of order"] += numbers != sorted(numbers)
        other["monitored"] += "monitors" in item
        other["held"] += "customerHoldTime" in item
        other["IVR abandoned"] += bool(item.get("ivrAbandoned"))
        other["add-participant"] += any(
            s.get("segmentStartType") == "add-participant" for s in item["segments"]
        )
        for hook in item.get("hooks", ()):
            if hook["hookSubType"] != "interaction-attribute":
                c["tags"][f"CRM {hook['hookType']} {hook['hookSubType']}"] += 1
            else:
                name = hook["hookName"]
                c["tags"]["ORD-nnnnnn" if name.startswith("ORD-") else name] += 1
    return c


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m sandbox.mix", description=__doc__)
    p.add_argument("--tenant", default=TENANT_SPECS[0][0])
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--per-tenant", type=int, default=120_000)
    p.add_argument("--anchor", default="2026-11-24T12:00:00Z")
    args = p.parse_args(argv)
    gen = Generator(args.seed, args.per_tenant, parse_time(args.anchor))
    n = min(args.count, gen.n)
    c = mix(gen, args.tenant, n)
    print(f"first {n} interactions of {gen.tenants[args.tenant].name} (seed {args.seed}, ", end="")
    print(f"anchor {args.anchor})")
    sections = (
        ("channelType", CHANNELS),
        ("direction", ("inbound", "outbound")),
        ("flagType", (*FLAG_TYPES, "(none)")),
        ("other", tuple(c["other"])),
        ("tags", tuple(sorted(c["tags"]))),
    )
    for title, keys in sections:
        print(f"\n{title}")
        for key in keys:
            value = c[title][key]
            print(f"  {key:<34} {value:>6}  {100 * value / n:5.1f}%")


if __name__ == "__main__":
    main()
