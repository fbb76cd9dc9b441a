"""The interaction index at scale, on PostgreSQL (``make bench-index``).

    .venv/bin/python bench/index_bench.py [--rows 1000000] [--sync-per-tenant 120000]
        [--runs 60] [--postgres postgres://root@127.0.0.1:5432/test] [--keep] [--no-write]

1. **Queries** on a fresh database holding ``--rows`` interactions (tenant A 90 %, tenant B
   the rest), generated with the sandbox's own generator, read with the same summary parse the
   sync uses and written with the same upsert (``index.store``), in two worker processes;
   then ``VACUUM ANALYZE``. For each page query, ``--runs`` timed runs after three warm-ups,
   rotating the agent (or customer) each run; p50 and p95 in milliseconds:
   a filtered list page (one agent + channel voice, 25 rows, with its total), the flagged page
   over 30 days (25 rows, its total and the counts by flag and by day), facet counts (agent,
   queue and flow within the agent + channel result), a customer lookup (typed with
   punctuation) and the 30 days sorted by duration (25 rows and the total). Plus the facets of
   the whole unfiltered month, for the record.
2. **Sync** end to end: a sandbox at zero latency (``--sync-per-tenant`` interactions, 30 days)
   and ``manage.py index_sync`` into a second fresh database, timed; its peak RSS sampled every
   0.2 s (flat: the same at a quarter of the backfill as at the end); CPU seconds of the syncer
   and the sandbox per 1,000 interactions (the machine is shared: the wall-clock rate depends
   on what else runs; the CPU cost does not).
3. **CSV export** of 10,000 and 100,000 filtered rows (``index_rows`` into the CSV writer,
   bytes counted and dropped): tracemalloc peak and peak-RSS growth. Constant memory: the
   same for both.

Prints the figures and the EXPLAIN plans, and writes them to docs/benchmarks.md under
"## Interaction index" (``--no-write`` leaves the file alone). Everything runs on 127.0.0.1;
the databases it creates are dropped at the end (``--keep`` keeps them).
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TENANT_A = "5b1c3f7e-2a4d-4e8b-9c61-0f3a7d2e9b14"
TENANT_B = "c0de5a1e-7f3b-4d92-a6e4-3b8f1c9d2e70"
ANCHOR = datetime(2026, 11, 24, 12, tzinfo=UTC)
CHUNK = 5000
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Interaction index"
MB = 1024 * 1024


def _db_url(base: str, name: str) -> str:
    return urlunsplit(urlsplit(base)._replace(path="/" + name))


def _admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    import logging

    logging.getLogger("interactions_app").setLevel(logging.WARNING)
    logging.getLogger("axes").setLevel(logging.WARNING)


# --- 1. generate ----------------------------------------------------------------------------


def _generate_chunk(args: tuple[str, str, int, int, int]) -> int:
    database_url, tenant_id, per_tenant, lo, hi = args
    global _READY
    if not _READY:
        _setup_django(database_url)
        _READY = True
    from django.utils import timezone

    from interactions_app.cxengage.parsing import parse_summary
    from interactions_app.index.store import upsert
    from sandbox.data import Generator

    gen = _GENERATORS.get(per_tenant)
    if gen is None:
        gen = _GENERATORS[per_tenant] = Generator(
            per_tenant=per_tenant, anchor_ms=int(ANCHOR.timestamp() * 1000)
        )
    tenant = gen.tenants[tenant_id]
    written = 0
    for start in range(lo, hi, 1000):
        items = []
        for i in range(start, min(hi, start + 1000)):
            raw = gen.build(tenant, i)
            raw.pop("details", None)
            items.append(parse_summary(raw))
        written += upsert(tenant_id, items, read_at=timezone.now()).written
    return written


_GENERATORS: dict = {}
_READY = False


def generate(database_url: str, rows: int) -> float:
    a = min(990_000, rows * 9 // 10)
    b = rows - a
    tasks = [
        (database_url, tenant, n, lo, min(n, lo + CHUNK))
        for tenant, n in ((TENANT_A, a), (TENANT_B, b))
        for lo in range(0, n, CHUNK)
    ]
    started = time.perf_counter()
    done = 0
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for written in pool.imap_unordered(_generate_chunk, tasks):
            done += written
            print(f"\r  generated {done:,} / {rows:,}", end="", flush=True)
    print()
    return time.perf_counter() - started


# --- 1. queries -----------------------------------------------------------------------------


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95


def time_queries(runs: int) -> tuple[dict[str, tuple[float, float]], dict[str, str], dict]:
    from zoneinfo import ZoneInfo

    from django.core.cache import cache
    from django.db import connection

    from interactions_app.index.models import IndexedInteraction, IndexedName
    from interactions_app.index.queries import (
        IndexQuery,
        _ids,
        _matching,
        facet_counts,
        index_facets,
        index_flag_counts,
        index_page,
    )

    zone = ZoneInfo("US/Eastern")
    month = {"start": ANCHOR - timedelta(days=30), "end": ANCHOR}
    agents = list(
        IndexedName.objects.filter(tenant_id=TENANT_A, kind="agent").values_list("name", flat=True)
    )
    customers = [
        c
        for c in IndexedInteraction.objects.filter(tenant_id=TENANT_A, customer__startswith="+1")
        .values_list("customer", flat=True)
        .distinct()[:200]
    ]

    def typed(phone: str) -> str:  # +15553005556 -> +1 (555) 300-5556
        return f"+{phone[1]} ({phone[2:5]}) {phone[5:8]}-{phone[8:]}" if len(phone) == 12 else phone

    shapes: dict = {}

    def list_page(agent: str) -> None:
        q = IndexQuery(tenant_id=TENANT_A, agents=(agent,), channels=("voice",))
        _rows, total = index_page(q, offset=0, limit=25)
        shapes["list page"] = f"{total:,} rows, 25 shown"

    def flagged_page(_: str) -> None:
        q = IndexQuery(tenant_id=TENANT_A, flagged_only=True, **month)
        _rows, total = index_page(q, offset=0, limit=25)
        counts = index_flag_counts(q, tz=zone)
        shapes["flagged page"] = f"{total:,} flagged, {len(counts.by_day)} days"

    def facets(agent: str) -> None:
        q = IndexQuery(tenant_id=TENANT_A, agents=(agent,), channels=("voice",))
        found = index_facets(q)
        shapes["facets"] = f"{sum(len(v) for v in found.values())} names over 3 kinds"

    def customer(phone: str) -> None:
        q = IndexQuery(tenant_id=TENANT_A, customers=(typed(phone),))
        _rows, total = index_page(q, offset=0, limit=25)
        shapes["customer lookup"] = f"{total} rows"

    def by_duration(_: str) -> None:
        q = IndexQuery(tenant_id=TENANT_A, sort="-duration", **month)
        _rows, total = index_page(q, offset=0, limit=25)
        shapes["sorted by duration"] = f"{total:,} rows, 25 shown"

    def month_facets(_: str) -> None:
        index_facets(IndexQuery(tenant_id=TENANT_A, **month))

    results = {}
    for name, run, values, n in (
        ("list page", list_page, agents, runs),
        ("flagged page", flagged_page, ["-"], runs),
        ("facets", facets, agents, runs),
        ("customer lookup", customer, customers, runs),
        ("sorted by duration", by_duration, ["-"], runs),
        ("facets, whole month unfiltered", month_facets, ["-"], max(5, runs // 6)),
    ):
        cycle = itertools.cycle(values)
        for _ in range(3):
            cache.clear()
            run(next(cycle))
        cold, warm = [], []
        for _ in range(n):
            value = next(cycle)
            cache.clear()  # counts and facets are cached until the index changes: not here
            started = time.perf_counter()
            run(value)
            cold.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            run(value)  # the same page again: its total and facets from the cache
            warm.append((time.perf_counter() - started) * 1000)
        results[name] = (*_percentiles(cold), *_percentiles(warm))
        p = results[name]
        print(
            f"  {name:32} p50 {p[0]:7.1f} ms  p95 {p[1]:7.1f} ms  cached: {p[2]:6.1f} / {p[3]:6.1f}"
        )

    agent = agents[0]
    plans = {}
    with connection.cursor():
        q = IndexQuery(tenant_id=TENANT_A, agents=(agent,), channels=("voice",))
        flagged = IndexQuery(tenant_id=TENANT_A, flagged_only=True, **month)
        plans["list page (rows)"] = _ids(q)[:25].explain(analyze=True)
        plans["list page (count)"] = _matching(q).values("interaction_id").explain(analyze=True)
        plans["flagged page (rows)"] = _ids(flagged)[:25].explain(analyze=True)
        plans["facets (agent)"] = facet_counts(q, "agent").explain(analyze=True)
        plans["customer lookup"] = _ids(
            IndexQuery(tenant_id=TENANT_A, customers=(typed(customers[0]),))
        )[:25].explain(analyze=True)
        plans["sorted by duration"] = _ids(
            IndexQuery(tenant_id=TENANT_A, sort="-duration", **month)
        )[:25].explain(analyze=True)
    return results, plans, shapes


# --- 2. sync --------------------------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[int, float]:
    """(VmRSS in kB, CPU seconds) of a process."""
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return rss, (int(fields[11]) + int(fields[12])) / ticks


def time_sync(postgres: str, per_tenant: int, keep: bool) -> dict:
    from tests.support.sandbox_process import start_sandbox

    name = f"cxengage_bench_sync_{secrets.token_hex(4)}"
    _admin(postgres, f'CREATE DATABASE "{name}"')
    url = _db_url(postgres, name)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CXENGAGE_", "DATABASE_"))},
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "CXENGAGE_INDEX": "true",
        "CXENGAGE_API_KEY": "sandbox-key",
        "CXENGAGE_API_SECRET": "sandbox-secret",
    }
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        # anchored now (its month ends this minute), so the 30 days the sync keeps are all of it
        with start_sandbox(per_tenant=per_tenant, anchor=None) as sandbox:
            env["CXENGAGE_API_URL"] = sandbox.api_url
            sandbox_pid = sandbox.pid
            sandbox_cpu0 = _proc_stat(sandbox_pid)[1]
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "manage.py", "index_sync", "--no-progress"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            samples: list[tuple[float, int]] = []
            cpu = [0.0]

            def sample() -> None:
                while process.poll() is None:
                    try:
                        rss, cpu[0] = _proc_stat(process.pid)
                        samples.append((time.perf_counter() - started, rss))
                    except (OSError, IndexError, ValueError):
                        pass
                    time.sleep(0.2)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            output, _ = process.communicate(timeout=3600)
            seconds = time.perf_counter() - started
            sampler.join(2)
            sandbox_cpu = _proc_stat(sandbox_pid)[1] - sandbox_cpu0
        if process.returncode != 0:
            raise RuntimeError(f"index_sync failed:\n{output[-3000:]}")
        line = next(x for x in output.splitlines() if x.startswith("index pass"))
        read = int(re.search(r"read=(\d+)", line)[1])
        peak = max(rss for _, rss in samples)
        quarters = {}
        for fraction in (0.25, 0.5, 0.75, 1.0):
            upto = [rss for t, rss in samples if t <= seconds * fraction]
            quarters[fraction] = max(upto) if upto else 0
        return {
            "read": read,
            "seconds": seconds,
            "rate": read / seconds,
            "peak_mb": peak / 1024,
            "quarters_mb": {f"{int(f * 100)}%": kb / 1024 for f, kb in quarters.items()},
            "syncer_cpu_per_1000": cpu[0] / read * 1000,
            "sandbox_cpu_per_1000": sandbox_cpu / read * 1000,
            "line": line,
        }
    finally:
        if not keep:
            _admin(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- 3. CSV export memory -------------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def export_memory() -> dict:
    from zoneinfo import ZoneInfo

    from interactions_app.export import csv_chunks
    from interactions_app.index.queries import IndexQuery, index_rows

    zone = ZoneInfo("US/Eastern")
    query = IndexQuery(tenant_id=TENANT_A, channels=("voice",))
    out = {}
    for rows in (1_000, 10_000, 100_000):
        items = itertools.islice(index_rows(query), rows)
        size = 0
        Path("/proc/self/clear_refs").write_text("5")
        before = _status_kb("VmRSS")
        started = time.perf_counter()
        for chunk in csv_chunks(items, tz=zone, timezone_name="US/Eastern"):
            size += len(chunk)
        seconds = time.perf_counter() - started
        rss_growth = (_status_kb("VmHWM") - before) / 1024
        tracemalloc.start()
        for _chunk in csv_chunks(
            itertools.islice(index_rows(query), rows), tz=zone, timezone_name="US/Eastern"
        ):
            pass
        peak = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
        out[rows] = {
            "mb": size / MB,
            "seconds": seconds,
            "rss_growth_mb": rss_growth,
            "peak_mb": peak,
        }
        print(
            f"  CSV {rows:>7,} rows: {size / MB:6.1f} MB in {seconds:5.1f} s, "
            f"peak RSS growth {rss_growth:5.1f} MB, tracemalloc peak {peak:5.1f} MB"
        )
    return out


# --- report ---------------------------------------------------------------------------------


def report(args, generated_s, rows, queries, plans, shapes, sync, export) -> str:  # type: ignore[no-untyped-def]
    load = os.getloadavg()
    lines = [
        SECTION,
        "",
        f"`make bench-index` (bench/index_bench.py), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"PostgreSQL {_pg_version()}, 2 cores shared with other work (load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end).",
        "",
        f"**Queries** over {rows:,} interactions (tenant A {min(990_000, rows * 9 // 10):,}, "
        f"30 days; generated with the sandbox's generator through the sync's parse and upsert "
        f"in {generated_s:.0f} s), {args.runs} runs each after three warm-ups, agent or "
        "customer changing every run. Target p95 <= 100 ms. The first columns are with the "
        "cache emptied before every run (counts and facets computed); *cached*: the same page "
        "asked again (totals and facets are cached until the index changes: a pass that "
        "writes, or the detail page noting news).",
        "",
        "| query | what it returns | p50 ms | p95 ms | cached p50 | cached p95 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, (p50, p95, c50, c95) in queries.items():
        shape = shapes.get(name, "agent, queue and flow counts")
        lines.append(f"| {name} | {shape} | {p50:.1f} | {p95:.1f} | {c50:.1f} | {c95:.1f} |")
    lines += [
        "",
        f"**Sync** end to end: `manage.py index_sync` (first pass: 30-day backfill) against a "
        f"sandbox at zero latency with {args.sync_per_tenant:,} interactions, into an empty "
        f"PostgreSQL database: {sync['read']:,} interactions in {sync['seconds']:.1f} s = "
        f"**{sync['rate']:,.0f} interactions/s** (target 2,000/s). CPU per 1,000 "
        f"interactions: syncer {sync['syncer_cpu_per_1000']:.2f} s, sandbox "
        f"{sync['sandbox_cpu_per_1000']:.2f} s (building and serialising its JSON), plus "
        "PostgreSQL's. Peak RSS of the syncer: "
        + ", ".join(f"{k} of the run {v:.0f} MB" for k, v in sync["quarters_mb"].items())
        + " (flat: pages are written as they arrive, at most one page per call in flight).",
        "",
        f"`{sync['line']}`",
        "",
        "**CSV export** from the index (`index_rows` into the CSV writer, voice rows):",
        "",
        "| rows | CSV | seconds | peak RSS growth | tracemalloc peak |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n, e in export.items():
        lines.append(
            f"| {n:,} | {e['mb']:.1f} MB | {e['seconds']:.1f} | {e['rss_growth_mb']:.1f} MB | "
            f"{e['peak_mb']:.1f} MB |"
        )
    lines += ["", "Plans at this size (`EXPLAIN ANALYZE`):", ""]
    for name, plan in plans.items():
        lines += [f"- {name}:", "", "```", plan, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _pg_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


def write_docs(text: str) -> None:
    current = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    if SECTION in current:
        before, _, rest = current.partition(SECTION)
        after = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        current = before + text + ("\n" + after if after else "")
    else:
        current = current.rstrip() + "\n\n" + text
    DOCS.write_text(current)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sync-per-tenant", type=int, default=120_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CXENGAGE_TEST_POSTGRES_URL", "postgres://root@127.0.0.1:5432/test"),
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument("--skip-sync", action="store_true")
    parser.add_argument("--database", help="use this existing, loaded database for the queries")
    args = parser.parse_args()

    name = args.database or f"cxengage_bench_index_{secrets.token_hex(4)}"
    url = _db_url(args.postgres, name)
    if not args.database:
        _admin(args.postgres, f'CREATE DATABASE "{name}"')
    try:
        print(f"database {name}")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "config.settings.local",
            },
            check=True,
        )
        generated_s = 0.0
        if not args.database:
            print(f"generating {args.rows:,} interactions")
            generated_s = generate(url, args.rows)
        _setup_django(url)
        from django.db import connection

        from interactions_app.index.models import IndexedInteraction

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        rows = IndexedInteraction.objects.count()
        print(f"queries over {rows:,} interactions")
        queries, plans, shapes = time_queries(args.runs)
        print("CSV export memory")
        export = export_memory()
        sync = {}
        if not args.skip_sync:
            print(f"sync against a sandbox with {args.sync_per_tenant:,} interactions")
            sync = time_sync(args.postgres, args.sync_per_tenant, args.keep)
            print(f"  {sync['line']}")
            print(json.dumps({k: v for k, v in sync.items() if k != "line"}, indent=1))
        text = report(args, generated_s, rows, queries, plans, shapes, sync, export) if sync else ""
        if text:
            print(text)
            if not args.no_write:
                write_docs(text)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep and not args.database:
            _admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
