"""Soak: the dashboard under gunicorn + wrk against a flaky, slow sandbox (``make soak``).

Bounded and loopback-only: everything binds 127.0.0.1 on free ports, wrk runs for a fixed time,
every process started here is stopped here (by its own pid). Steps:

1. sandbox with 10% faults (503 for the first half of the run, 500 for the second) and latency
   spikes (base latency + uniform jitter);
2. a temporary SQLite database (migrated) with one supervisor, a locmem cache;
3. the dashboard under gunicorn (``config.settings.production`` when it exists, with
   ``DJANGO_SECURE_SSL_REDIRECT=false``; else ``config.settings.local`` with
   ``DJANGO_DEBUG=false``);
4. a real login through the form for a session cookie;
5. ``wrk -t2 -c32 -d60s`` with that cookie and a Lua script alternating list pages and detail
   pages (cycling through many pages / ids so the 30 s list cache does not hide the upstream),
   counting status codes;
6. RSS of every gunicorn worker at start, six times during the run and at the end (/proc);
7. the figures printed and written to docs/reliability.md under ``## Soak``.

Exit status 1 when the dashboard answered any 5xx other than the mapped upstream errors
(502/503/504), or wrk saw no responses at all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from processes import free_port, manage, stop, wait_http  # bench/processes.py

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DOC = ROOT / "docs" / "reliability.md"
TENANT = "5b1c3f7e-2a4d-4e8b-9c61-0f3a7d2e9b14"
USERNAME = "soak-supervisor"
MAPPED = {502, 503, 504}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy

WRK_LUA = r"""
-- alternate list pages and detail pages; count status codes per thread
local list_pages = {LIST_PAGES}
local detail_ids = {DETAIL_IDS}
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  n = id * 7919
  wrk.headers["Cookie"] = "{COOKIE}"
  wrk.headers["User-Agent"] = "soak-wrk"
end

function request()
  n = n + 1
  local path
  if n % 2 == 0 then
    path = "/interactions/?limit=25&page=" .. list_pages[math.floor(n / 2) % #list_pages + 1]
  else
    path = "/interactions/" .. detail_ids[math.floor(n / 2) % #detail_ids + 1] .. "/"
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, k in pairs(c) do
      total[status] = (total[status] or 0) + k
    end
  end
  for status, k in pairs(total) do
    io.write(string.format("SOAK_STATUS %d %d\n", status, k))
  end
  local e = summary.errors
  io.write(string.format("SOAK_SUMMARY requests=%d duration_us=%d bytes=%d",
    summary.requests, summary.duration, summary.bytes))
  io.write(string.format(" connect=%d read=%d write=%d status=%d timeout=%d\n",
    e.connect, e.read, e.write, e.status, e.timeout))
  io.write(string.format("SOAK_LATENCY_MS p50=%.1f p90=%.1f p99=%.1f max=%.1f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


# --- processes ---------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may contain spaces and parentheses
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


# --- HTTP helpers ------------------------------------------------------------------------


def sandbox_json(root: str, path: str, payload: dict | None = None) -> dict:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(root + path, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    if path.startswith("/v1/"):
        request.add_header("Authorization", "Basic c2FuZGJveC11c2VyOnNhbmRib3gtcGFzcw==")
    with _OPENER.open(request, timeout=30) as response:
        return json.loads(response.read())


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def log_in(port: int, username: str, password: str) -> str:
    """Sign in through the real form (CSRF and all); return the Cookie header value."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login/")
    page = conn.getresponse()
    body = page.read().decode()
    jar = _cookies(page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if page.status != 200 or not token or "csrftoken" not in jar:
        raise RuntimeError(f"login page: {page.status}, no CSRF token/cookie")
    form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token[1]})
    conn.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
            "Referer": f"http://127.0.0.1:{port}/login/",
        },
    )
    answer = conn.getresponse()
    answer.read()
    jar.update(_cookies(answer))
    conn.close()
    session = next((k for k in jar if "session" in k), None)
    if answer.status != 302 or not session:
        raise RuntimeError(f"login failed: {answer.status}, cookies {sorted(jar)}")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def get_status(port: int, path: str, cookie: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


# --- the run -----------------------------------------------------------------------------


def settings_module(env: dict[str, str]) -> str:
    if (ROOT / "config" / "settings" / "production.py").exists():
        env["DJANGO_SECURE_SSL_REDIRECT"] = "false"
        return "config.settings.production"
    env["DJANGO_DEBUG"] = "false"
    return "config.settings.local"


def switch_fault_status(root: str, faults: dict, at: float, status: int) -> None:
    time.sleep(at)
    try:
        sandbox_json(root, "/_sandbox/faults", {**faults, "status": status})
        print(f"soak: sandbox faults now answer {status}")
    except OSError as exc:  # the run goes on with the first status
        print(f"soak: could not switch the fault status: {exc}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="cxengage-soak-"))
    sandbox_port, web_port = free_port(), free_port()
    sandbox_root = f"http://127.0.0.1:{sandbox_port}"
    password = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{tmp / 'soak.sqlite3'}",
        "CACHE_URL": "locmemcache://soak",
        "CXENGAGE_API_URL": f"{sandbox_root}/v1",
        "CXENGAGE_TENANT_ID": TENANT,
        "CXENGAGE_API_KEY": "sandbox-key",
        "CXENGAGE_API_SECRET": "sandbox-secret",
    }
    for key in ("CXENGAGE_USERNAME", "CXENGAGE_PASSWORD", "http_proxy", "HTTP_PROXY"):
        env.pop(key, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["DJANGO_SETTINGS_MODULE"] = settings_module(env)
    faults = {
        "mode": "status",
        "status": 503,
        "rate": args.error_rate,
        "retry_after": 1,
        "latency_ms": args.latency_ms,
        "latency_jitter_ms": args.jitter_ms,
    }
    sandbox = gunicorn = None
    sandbox_log = (tmp / "sandbox.log").open("w")
    gunicorn_log = (tmp / "gunicorn.log").open("w")
    started = time.monotonic()
    try:
        sandbox = subprocess.Popen(
            [PY, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(sandbox_port), "--quiet"],
            cwd=ROOT,
            stdout=sandbox_log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        wait_http(f"{sandbox_root}/healthz", 20)
        listing = sandbox_json(sandbox_root, f"/v1/tenants/{TENANT}/interactions?limit=1000")
        detail_ids = [r["interactionId"] for r in listing["results"]][: args.detail_pool]
        total = listing["total"]
        sandbox_json(sandbox_root, "/_sandbox/faults", faults)

        manage(env, "migrate", "--noinput")
        manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_user({USERNAME!r}, password={password!r})",
        )
        if env["DJANGO_SETTINGS_MODULE"].endswith("production"):
            env["DJANGO_STATIC_ROOT"] = str(tmp / "static")
            try:
                manage(env, "collectstatic", "--noinput")
            except RuntimeError as exc:
                print(f"soak: collectstatic failed, continuing: {exc}", file=sys.stderr)

        gunicorn_cmd = [
            str(Path(PY).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{web_port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--keep-alive",
            "5",
        ]
        gunicorn = subprocess.Popen(
            gunicorn_cmd,
            cwd=ROOT,
            env=env,
            stdout=gunicorn_log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        wait_http(f"http://127.0.0.1:{web_port}/healthz", 30)
        cookie = log_in(web_port, USERNAME, password)
        for n in range(12):  # warm up every worker: imports, templates, the first token
            get_status(web_port, f"/interactions/?limit=25&page={n + 1}", cookie)
            get_status(web_port, f"/interactions/{detail_ids[n % len(detail_ids)]}/", cookie)
        workers_start = children(gunicorn.pid)
        rss_start = {pid: rss_kib(pid) for pid in workers_start}

        pages = max(1, min(args.list_pages, total // 25))
        page_list = ",".join(str(p) for p in range(1, pages + 1))
        lua = (
            WRK_LUA.replace("{LIST_PAGES}", "{" + page_list + "}")
            .replace("{DETAIL_IDS}", "{" + ",".join(f'"{i}"' for i in detail_ids) + "}")
            .replace("{COOKIE}", cookie.replace("\\", "\\\\").replace('"', '\\"'))
        )
        script = tmp / "soak.lua"
        script.write_text(lua)
        wrk_cmd = [
            "wrk",
            f"-t{args.threads_wrk}",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            f"http://127.0.0.1:{web_port}",
        ]
        switcher = threading.Thread(
            target=switch_fault_status,
            args=(sandbox_root, faults, args.duration / 2, 500),
            daemon=True,
        )
        rss_samples: list[tuple[float, dict[int, int | None]]] = []
        done = threading.Event()
        sampler = threading.Thread(
            target=sample_rss,
            args=(workers_start, args.duration / RSS_SAMPLES, rss_samples, done),
            daemon=True,
        )
        print(f"soak: {' '.join(shlex.quote(c) for c in wrk_cmd)}")
        switcher.start()
        sampler.start()
        wrk = subprocess.run(
            wrk_cmd, capture_output=True, text=True, timeout=args.duration + 60, check=False
        )
        done.set()
        switcher.join(timeout=5)
        sampler.join(timeout=5)
        workers_end = children(gunicorn.pid)
        rss_end = {pid: rss_kib(pid) for pid in workers_end}
        upstream = sandbox_json(sandbox_root, "/_sandbox/stats")
    finally:
        stop(gunicorn, "gunicorn")
        stop(sandbox, "sandbox")
        sandbox_log.close()
        gunicorn_log.close()

    if wrk.returncode != 0:
        print(wrk.stdout, wrk.stderr, file=sys.stderr)
        return 1
    statuses = {
        int(m[1]): int(m[2]) for m in re.finditer(r"^SOAK_STATUS (\d+) (\d+)$", wrk.stdout, re.M)
    }
    summary = dict(
        re.findall(r"(\w+)=(\d+)", re.search(r"^SOAK_SUMMARY (.*)$", wrk.stdout, re.M)[1])
    )
    latency = re.search(r"^SOAK_LATENCY_MS (.*)$", wrk.stdout, re.M)[1]
    requests = int(summary["requests"])
    seconds = int(summary["duration_us"]) / 1e6
    mapped = {s: n for s, n in statuses.items() if s in MAPPED}
    unmapped = {s: n for s, n in statuses.items() if s >= 500 and s not in MAPPED}
    errors = {k: int(summary[k]) for k in ("connect", "read", "write", "timeout")}
    tracebacks = (tmp / "gunicorn.log").read_text(errors="replace").count("Traceback")
    figures = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "settings": env["DJANGO_SETTINGS_MODULE"],
        "wrk": " ".join(shlex.quote(c) for c in wrk_cmd[:-3]) + " -s soak.lua URL",
        "gunicorn": f"{args.workers} workers × {args.threads} threads (gthread)",
        "sandbox": f"{args.error_rate:.0%} faults (503 first half, 500 second half, Retry-After 1),"
        f" latency {args.latency_ms} ms + 0–{args.jitter_ms} ms jitter",
        "requests": requests,
        "seconds": seconds,
        "rps": requests / seconds if seconds else 0.0,
        "statuses": dict(sorted(statuses.items())),
        "mapped": mapped,
        "unmapped": unmapped,
        "socket_errors": errors,
        "latency": latency,
        "rss_start": rss_start,
        "rss_samples": rss_samples,
        "rss_end": rss_end,
        "workers_replaced": sorted(set(workers_start) ^ set(workers_end)),
        "upstream": {
            "requests": upstream.get("total"),
            "statuses": upstream.get("statuses"),
            "faults": upstream.get("faults"),
        },
        "tracebacks": tracebacks,
        "pool": f"{pages} list pages × {len(detail_ids)} detail ids",
        "elapsed": time.monotonic() - started,
        "command": shlex.join(["bench/soak.py", *sys.argv[1:]]),
    }
    report = render(figures)
    print(report)
    if not args.no_doc:
        write_doc(report)
        print(f"soak: figures written to {DOC.relative_to(ROOT)}")
    failed = bool(unmapped) or requests == 0
    if failed or args.keep:
        print(f"soak: logs kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


RSS_SAMPLES = 6  # RSS read this many times during the run, to tell a plateau from a climb


def sample_rss(
    pids: list[int],
    every: float,
    into: list[tuple[float, dict[int, int | None]]],
    done: threading.Event,
) -> None:
    started = time.monotonic()
    while not done.wait(every):
        into.append((time.monotonic() - started, {pid: rss_kib(pid) for pid in pids}))


def _mib(kib: int | None) -> str:
    return "?" if kib is None else f"{kib / 1024:.1f}"


def _growth(before: int | None, after: int | None) -> str:
    return f"{(after - before) / 1024:+.1f}" if before and after else "n/a"


def render(f: dict) -> str:
    samples = f["rss_samples"][: RSS_SAMPLES - 1]  # the last one would coincide with "end"
    half = samples[len(samples) // 2] if samples else None
    rss_head = " | ".join(f"{t:.0f} s" for t, _ in samples)
    rss_rows = []
    for pid in sorted(set(f["rss_start"]) | set(f["rss_end"])):
        start, end = f["rss_start"].get(pid), f["rss_end"].get(pid)
        during = " | ".join(_mib(values.get(pid)) for _, values in samples)
        second_half = _growth(half[1].get(pid), end) if half else "n/a"
        rss_rows.append(
            f"| {pid} | {_mib(start)} | {during} | {_mib(end)} | {_growth(start, end)} "
            f"| {second_half} |"
        )
    half_label = f"after {half[0]:.0f} s" if half else "second half"
    statuses = ", ".join(f"{s}: {n:,}" for s, n in f["statuses"].items()) or "none"
    mapped = ", ".join(f"{s}: {n:,}" for s, n in sorted(f["mapped"].items())) or "none"
    unmapped = ", ".join(f"{s}: {n:,}" for s, n in sorted(f["unmapped"].items())) or "**0**"
    errs = ", ".join(f"{k} {v}" for k, v in f["socket_errors"].items())
    up = f["upstream"]
    lines = [
        "## Soak",
        "",
        f"Last run: {f['date']}, `.venv/bin/python {f['command']}` (`make soak` runs 60 s), "
        f"{f['elapsed']:.0f} s wall time. Loopback only; everything it starts it stops.",
        "",
        f"- Dashboard: gunicorn {f['gunicorn']}, `{f['settings']}`, temp SQLite, locmem cache.",
        f"- Sandbox: {f['sandbox']}.",
        f"- Load: `{f['wrk']}`, with a session cookie from a real form login; the Lua script "
        f"alternates a list page and a detail page, cycling through {f['pool']} so the caches "
        "do not hide the upstream.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| requests served | {f['requests']:,} in {f['seconds']:.1f} s ({f['rps']:.1f}/s) |",
        f"| our status codes | {statuses} |",
        f"| 5xx mapped upstream errors (502/503/504) | {mapped} |",
        f"| 5xx unmapped (goal 0) | {unmapped} |",
        f"| wrk socket errors | {errs} |",
        f"| latency | {f['latency'].replace('=', ' ')} ms |",
        f"| upstream requests (sandbox) | {up['requests']:,}; statuses {up['statuses']}; "
        f"faults injected {up['faults']} |",
        f"| tracebacks in gunicorn log | {f['tracebacks']} |",
        f"| workers replaced during run | {f['workers_replaced'] or 'none'} |",
        "",
        "RSS of each gunicorn worker (MiB): after log-in and warm-up, during the run, and after "
        "it. The last column is the growth after the midpoint sample: near zero is a plateau.",
        "",
        f"| worker pid | start | {rss_head} | end | growth | growth {half_label} |",
        "|---|---|" + "---|" * len(samples) + "---|---|---|",
        *rss_rows,
        "",
        "Reading it: throughput is bounded by gunicorn's threads waiting on the sandbox (every "
        "uncached page needs an upstream call of 20–420 ms, and a 503 costs its 1 s Retry-After "
        "before the retry). The client's retries absorb nearly all injected faults (three "
        "failures in a row are ~0.1% at a 10% rate); what gets through is answered as a mapped "
        "502/503/504 page with a reference id, never a 500. Part of the RSS growth is the "
        "per-worker locmem cache filling up (bounded by its MAX_ENTRIES, 300); "
        "`bench/soak.py --duration 600` watches it for longer.",
        "",
    ]
    return "\n".join(lines)


def write_doc(section: str) -> None:
    """Replace (or add) the ``## Soak`` section; keep every other section as it is."""
    text = DOC.read_text() if DOC.exists() else "# Reliability and security\n\n"
    pattern = re.compile(r"^## Soak\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--duration", type=int, default=60, help="wrk seconds (default 60)")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads-wrk", type=int, default=2)
    p.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    p.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    p.add_argument("--error-rate", type=float, default=0.10)
    p.add_argument("--latency-ms", type=int, default=20)
    p.add_argument("--jitter-ms", type=int, default=400)
    p.add_argument("--list-pages", type=int, default=400)
    p.add_argument("--detail-pool", type=int, default=400)
    p.add_argument("--no-doc", action="store_true", help="print only; leave docs/ alone")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (logs, db, lua)")
    args = p.parse_args(argv)
    if shutil.which("wrk") is None:
        p.error("wrk is not installed (Debian: apt-get install wrk)")
    if not 1 <= args.duration <= 600:
        p.error("--duration must be 1..600 seconds")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
