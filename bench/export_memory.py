"""Memory of the streamed CSV export: 1,000 vs 10,000 vs 100,000 rows.

    .venv/bin/python bench/export_memory.py            # 1k, 10k and 100k rows
    .venv/bin/python bench/export_memory.py 10000      # one size (1000, 10000 or 100000)

Starts its own sandbox (120,000 interactions, fixed anchor), then, for each size, a fresh Python
process that exports a time range holding exactly that many rows through Django's test client
(login, middleware, the view, the StreamingHttpResponse), reading the response chunk by chunk as a
server would and keeping only counts. It measures, around the export only (after a warm-up
export has loaded everything):

- peak RSS growth: VmHWM from /proc/self/status after minus VmRSS before (VmHWM reset through
  /proc/self/clear_refs first), without tracemalloc running;
- the tracemalloc peak of Python allocations, in a second export in the same process;
- for scale, the tracemalloc peak of fetching and parsing a single 1000-row upstream page.

Constant memory means the figures do not grow with the row count: the peak is one upstream page
(the JSON body and its parsed interactions), whatever the total.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# time ranges in the tenant's zone (US/Eastern) with exactly this many interactions
RANGES = {
    1_000: ("2026-11-23T13:00", "2026-11-23T19:00"),
    10_000: ("2026-11-21T07:00", "2026-11-23T19:00"),
    100_000: ("2026-10-29T20:00", "2026-11-23T19:00"),
}
WARM_UP = ("2026-11-20T10:00", "2026-11-20T11:00")
MB = 1024 * 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def child(rows_wanted: int) -> dict:
    """Run inside a fresh process whose environment points Django at the sandbox."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    from django.contrib.auth import get_user_model

    from interactions_app.cxengage.factory import client_from_settings

    user = get_user_model().objects.create_user(username="bench")  # force_login: no password
    client = Client()
    client.force_login(user)

    def run_export(start: str, end: str) -> tuple[int, int, int, float]:
        started = time.perf_counter()
        response = client.get(
            "/interactions/export/list.csv", {"start": start, "end": end, "bom": "1"}
        )
        assert response.status_code == 200, response.status_code
        size = lines = chunks = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\r\n")  # no cell of the sandbox holds a line break
            chunks += 1
        response.close()
        return lines - 1, size, chunks, time.perf_counter() - started

    run_export(*WARM_UP)  # imports, token, tenant facts, the first connection
    start, end = RANGES[rows_wanted]

    gc.collect()
    rss_before = _status_kb("VmRSS")
    peak_reset = _reset_peak_rss()
    hwm_before = _status_kb("VmHWM")
    rows, size, chunks, seconds = run_export(start, end)
    hwm_after = _status_kb("VmHWM")

    gc.collect()
    tracemalloc.start()
    rows_traced, _size, _chunks, traced_seconds = run_export(start, end)
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    gc.collect()
    tracemalloc.start()
    page = client_from_settings().list_interactions(limit=1000, offset=0)
    _current, page_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del page

    return {
        "rows": rows,
        "rows_traced": rows_traced,
        "bytes": size,
        "chunks": chunks,
        "seconds": round(seconds, 1),
        "seconds_traced": round(traced_seconds, 1),
        "rss_before_mb": round(rss_before / 1024, 1),
        "hwm_before_mb": round(hwm_before / 1024, 1),
        "hwm_after_mb": round(hwm_after / 1024, 1),
        "peak_rss_growth_mb": round((hwm_after - rss_before) / 1024, 1),
        "peak_reset": peak_reset,
        "tracemalloc_peak_mb": round(traced_peak / MB, 1),
        "one_page_parse_peak_mb": round(page_peak / MB, 1),
    }


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--child":
        print(json.dumps(child(int(argv[1]))))
        return 0
    sizes = [int(a) for a in argv] or sorted(RANGES)
    unknown = [s for s in sizes if s not in RANGES]
    if unknown:
        print(f"sizes must be among {sorted(RANGES)}", file=sys.stderr)
        return 2

    from tests.support.sandbox_process import start_sandbox

    results = {}
    with start_sandbox() as sandbox, tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "CXENGAGE_API_URL": sandbox.api_url,
            "CXENGAGE_TENANT_ID": sandbox.TENANT_A,
            "CXENGAGE_API_KEY": sandbox.API_KEY,
            "CXENGAGE_API_SECRET": sandbox.API_SECRET,
        }
        for size in sizes:
            print(f"exporting {size:,} rows…", file=sys.stderr, flush=True)
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(size)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode != 0:
                print(out.stderr[-3000:], file=sys.stderr)
                return 1
            results[size] = json.loads(out.stdout.strip().splitlines()[-1])
            os.remove(f"{tmp}/bench.sqlite3")

    header = (
        f"{'rows':>9} {'CSV MB':>7} {'chunks':>6} {'s':>6} "
        f"{'peak RSS growth MB':>18} {'tracemalloc peak MB':>19} {'1 page parse MB':>15}"
    )
    print(header)
    for size, r in results.items():
        assert r["rows"] == r["rows_traced"] == size, r
        print(
            f"{r['rows']:>9,} {r['bytes'] / MB:>7.1f} {r['chunks']:>6} {r['seconds']:>6} "
            f"{r['peak_rss_growth_mb']:>18} {r['tracemalloc_peak_mb']:>19} "
            f"{r['one_page_parse_peak_mb']:>15}"
        )
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
