"""Benchmark: the dashboard under gunicorn vs the raw upstream, side by side (``make bench``).

Setup (all on loopback, free ports, every process stopped here by its own pid):

- the sandbox with ``--latency-ms 150`` on every interaction request;
- the dashboard with ``config.settings.production`` (``DJANGO_SECURE_SSL_REDIRECT=false``: plain
  http on loopback), collected static files, a temporary SQLite database, and **Redis** as the
  cache (``BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/8``; that db is flushed at the
  start and the end), under ``gunicorn -c gunicorn.conf.py`` with its defaults (workers from
  the core count, gthread);
- ``CXENGAGE_FLAGGED_FIRST_PAINT_SECONDS=60`` so the flagged page answers when its scan is done
  (the time measured is the whole scan, not the first paint).

Recordings (``--only recordings`` runs just these rows and leaves docs/ alone): a finished call
with one recording is made 200 MB long with the sandbox's ``huge_artifact`` switch and streamed
through the dashboard (``Range: bytes=0-``, as a player asks) while every gunicorn worker's
VmRSS is sampled every 20 ms; the row gives the serving worker's peak growth over its RSS
before (its VmHWM, reset just before, so no spike between samples escapes), and the samples at
each quarter of the transfer. Time to the first audio byte compares
the dashboard's file route with the upstream link itself, both read until their first body
byte, with the artifact (and its link) already cached by the dashboard as the section left it.
The sandbox's file route answers on loopback at once; a real storage service does not, so the
target row gives the upstream 100 ms to its first byte (``file_fault=slow``,
``file_delay_ms=100``: headers at once, each 4 KiB after 100 ms) and the row after it shows
the dashboard's cost in absolute terms with no delay at all.

Browser rows (Debian's Chromium through Playwright, as the browser tests): cold 25-, 100- and
1000-row lists, ``--browser-samples`` (default 5) navigations per side interleaved, the signed-in
dashboard page (its static files already in the browser's cache) against the raw JSON of as
many fresh rows fetched by the same browser from the sandbox. Each reads Navigation Timing after
the load event: first paint (``first-paint``, else ``first-contentful-paint``) and ready
(``loadEventEnd``), from navigation start; the line under the table gives the page's element
count and size.

Each row interleaves its A and B samples (ABBA order), ``--samples`` of each (>= 15), and reports
medians. The sandbox keeps the last 4,096 interactions it served as ready JSON, so every sample
(dashboard or raw) reads rows nothing read recently, beyond the flagged scan's first 10,000:
"cold" list pages are pages not yet in the dashboard's cache (and not in the sandbox's), with the
tenant facts (one upstream call, cached for an hour) warm, as they almost always are; a separate
row shows a fully cold page (``FLUSHDB`` before each sample). A cold flagged scan flushes the
cache (``FLUSHDB``) and re-warms the tenant facts before each sample. Raw upstream calls go
straight to the sandbox with ``requests``. Dashboard requests send ``Accept-Encoding: gzip,
deflate`` as browsers do (so compressing the HTML is part of the time); wrk sends none.
The hand-written section "Profile findings" at the end of docs/benchmarks.md is kept across runs.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import redis
import requests
from processes import free_port, manage, stop, wait_http  # bench/processes.py
from requests.auth import AuthBase

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))
DOC = ROOT / "docs" / "benchmarks.md"
TENANT = "5b1c3f7e-2a4d-4e8b-9c61-0f3a7d2e9b14"
BASIC = ("sandbox-user", "sandbox-pass")
USERNAME = "bench-supervisor"
LATENCY_MS = 150
NO_PROXY = {"http": None, "https": None}
TIME_BUDGET = 390  # seconds; the whole run must stay under 7 minutes


MB = 1024 * 1024
HUGE_RECORDING = 200 * MB
RSS_SAMPLE_SECONDS = 0.02
UPSTREAM_FIRST_BYTE_MS = 100
BROWSER_LIMITS = (25, 100, 1000)
CHROMIUM = "/usr/bin/chromium"  # Debian's, as for the browser tests (tests/support/browser.py)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]


class NoAuth(AuthBase):
    """A file link is presigned: no credentials go with it."""

    def __call__(self, request):  # type: ignore[no-untyped-def]
        return request


def rss_mb(pid: int, field: str = "VmRSS") -> float | None:
    """A process's resident memory (``VmHWM``: its peak since the last reset), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def reset_peak_rss(pid: int) -> bool:
    """Set a process's VmHWM back to its current RSS (Linux ``clear_refs``)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def cpu_ticks(pid: int) -> int:
    """User plus system CPU time of a process, in clock ticks."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def timed(call: Callable[[], requests.Response]) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url}: {response.status_code}")
    return elapsed


def interleave(n: int, a: Callable[[int], float], b: Callable[[int], float]) -> tuple[float, float]:
    """Medians of ``a(i)`` and ``b(i)`` for i in range(n), in ABBA order."""
    first, second = [], []
    for i in range(n):
        if i % 2 == 0:
            first.append(a(i))
            second.append(b(i))
        else:
            second.append(b(i))
            first.append(a(i))
    return statistics.median(first), statistics.median(second)


def interleave_many(
    n: int, a: Callable[[int], dict[str, float]], b: Callable[[int], dict[str, float]]
) -> tuple[dict[str, float], dict[str, float]]:
    """``interleave`` for samples of several figures: the median of each, per side."""
    first: list[dict[str, float]] = []
    second: list[dict[str, float]] = []
    for i in range(n):
        if i % 2 == 0:
            first.append(a(i))
            second.append(b(i))
        else:
            second.append(b(i))
            first.append(a(i))

    def medians(samples: list[dict[str, float]]) -> dict[str, float]:
        return {key: statistics.median(s[key] for s in samples) for key in samples[0]}

    return medians(first), medians(second)


# Navigation Timing read after the load event: first paint (or first contentful paint when the
# browser reports no plain first paint), ready = the load event's end, both from navigation start
NAVIGATION_TIMING = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paints = Object.fromEntries(
    performance.getEntriesByType("paint").map((p) => [p.name, p.startTime]));
  return {
    paint: paints["first-paint"] ?? paints["first-contentful-paint"] ?? nav.loadEventEnd,
    ready: nav.loadEventEnd,
    bytes: nav.transferSize,
    decoded: nav.decodedBodySize,
    elements: document.getElementsByTagName("*").length,
    status: nav.responseStatus ?? 200,
  };
}"""


def navigation_timing(tab, url: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Open ``url`` in ``tab`` and wait for its load event (and a frame after it, so its first
    paint is reported); its Navigation Timing figures, in ms."""
    response = tab.goto(url, wait_until="load", timeout=60_000)
    if response is None or response.status != 200:
        raise RuntimeError(f"{url}: {response.status if response else 'no response'}")
    tab.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))")
    return tab.evaluate(NAVIGATION_TIMING)


@dataclass
class Row:
    label: str
    value: str
    baseline: str
    ratio: float | None
    target: str
    passed: bool | None  # None: informational

    @property
    def verdict(self) -> str:
        return "info" if self.passed is None else ("PASS" if self.passed else "MISS")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="cxengage-bench-"))
        self.sandbox_port, self.web_port = free_port(), free_port()
        self.sandbox_root = f"http://127.0.0.1:{self.sandbox_port}"
        self.web = f"http://127.0.0.1:{self.web_port}"
        self.redis = redis.Redis.from_url(args.redis_url, socket_connect_timeout=3)
        self.processes: list[subprocess.Popen] = []
        self.upstream = requests.Session()
        self.upstream.auth = BASIC
        self.upstream.trust_env = False
        self.dash = requests.Session()
        self.dash.trust_env = False
        self.files = requests.Session()  # straight to upstream file links, no credentials
        self.files.trust_env = False
        self.gunicorn_facts: dict[str, str] = {}
        self.first_load_detail = ""
        self.browser_detail: list[str] = []
        self.recording_detail = ""
        self._recording: tuple[str, str, str] | None = None
        self.cursor = 20_000
        self.total = 120_000

    # --- setup -------------------------------------------------------------------------------

    def start(self) -> None:
        self.redis.ping()
        self.redis.flushdb()
        password = secrets.token_urlsafe(16)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "CXENGAGE_", "DATABASE_URL", "CACHE_URL"))
        }
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DJANGO_SECURE_SSL_REDIRECT": "false",
                "DJANGO_STATIC_ROOT": str(self.tmp / "static"),
                "DATABASE_URL": f"sqlite:///{self.tmp / 'bench.sqlite3'}",
                "CACHE_URL": self.args.redis_url,
                "CXENGAGE_API_URL": f"{self.sandbox_root}/v1",
                "CXENGAGE_TENANT_ID": TENANT,
                "CXENGAGE_API_KEY": "sandbox-key",
                "CXENGAGE_API_SECRET": "sandbox-secret",
                "CXENGAGE_FLAGGED_FIRST_PAINT_SECONDS": "60",
                "BIND": f"127.0.0.1:{self.web_port}",
            }
        )
        self.env = env
        sandbox_log = (self.tmp / "sandbox.log").open("w")
        sandbox = subprocess.Popen(
            [
                *(PY, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(self.sandbox_port)),
                *("--quiet", "--latency-ms", str(LATENCY_MS)),
            ],
            cwd=ROOT,
            stdout=sandbox_log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.processes.append(sandbox)
        wait_http(f"{self.sandbox_root}/healthz", 20, sandbox)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            "from django.contrib.auth.models import Permission; "
            f"user = get_user_model().objects.create_user({USERNAME!r}, password={password!r}); "
            "user.user_permissions.add(Permission.objects.get(codename='listen_recordings'))",
        )
        printed = subprocess.run(
            [GUNICORN, "-c", "gunicorn.conf.py", "--print-config"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        for line in printed.splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip() in {"workers", "threads", "worker_class", "preload_app"}:
                self.gunicorn_facts[key.strip()] = value.strip()
        gunicorn_log = (self.tmp / "gunicorn.log").open("w")
        gunicorn = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null"],
            cwd=ROOT,
            env=env,
            stdout=gunicorn_log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.processes.append(gunicorn)
        wait_http(f"{self.web}/healthz", 40, gunicorn)
        self.total = self.raw(1, 0).json()["total"]
        self.cookie = self.log_in(password)
        self.dash.headers["Cookie"] = self.cookie
        # every worker: imports, templates, its upstream token; the tenant facts get cached
        workers = int(self.gunicorn_facts.get("workers", "4"))
        threads = int(self.gunicorn_facts.get("threads", "4"))
        with ThreadPoolExecutor(max_workers=workers * threads) as pool:
            list(pool.map(lambda _: self.page("/interactions/?limit=10"), range(workers * 8)))

    def log_in(self, password: str) -> str:
        page = self.dash.get(self.web + "/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        csrf = page.cookies["csrftoken"]
        answer = self.dash.post(
            self.web + "/login/",
            data={"username": USERNAME, "password": password, "csrfmiddlewaretoken": token[1]},
            headers={"Cookie": f"csrftoken={csrf}", "Referer": self.web + "/login/"},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302 or "sessionid" not in answer.cookies:
            raise RuntimeError(f"login failed: {answer.status_code}")
        self.dash.cookies.clear()  # the cookies are Secure; they go in the Cookie header
        return f"csrftoken={csrf}; sessionid={answer.cookies['sessionid']}"

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop(process)
        with contextlib.suppress(redis.RedisError):
            self.redis.flushdb()
        self.redis.close()
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- requests ----------------------------------------------------------------------------

    def page(self, path: str, **headers: str) -> requests.Response:
        return self.dash.get(self.web + path, headers=headers, timeout=120)

    def raw(self, limit: int, offset: int) -> requests.Response:
        url = f"{self.sandbox_root}/v1/tenants/{TENANT}/interactions"
        return self.upstream.get(url, params={"limit": limit, "offset": offset}, timeout=60)

    def list_calls(self) -> int:
        stats = requests.get(self.sandbox_root + "/_sandbox/stats", timeout=10, proxies=NO_PROXY)
        return stats.json()["paths"].get(f"/v1/tenants/{TENANT}/interactions", 0)

    def flush_keep_tenant(self) -> None:
        self.redis.flushdb()
        self.page("/interactions/?limit=10")  # tenant facts back in the cache (untimed)

    # --- rows --------------------------------------------------------------------------------

    def fresh(self, limit: int) -> int:
        """An offset (a multiple of ``limit``) whose rows nothing has asked for recently.

        The sandbox keeps the last 4,096 interactions it served as ready JSON, so a repeated
        offset is cheaper for it than a new one; every sample takes rows beyond the flagged
        scan's first 10,000 that no other sample read (wrapping around, long evicted by then).
        """
        offset = -(-self.cursor // limit) * limit
        if offset + limit > self.total:
            offset = 10_000
        self.cursor = offset + limit
        return offset

    def dash_at(self, limit: int, offset: int) -> requests.Response:
        return self.page(f"/interactions/?limit={limit}&page={offset // limit + 1}")

    def cold_list(self, limit: int, target: float) -> Row:
        dash, raw = interleave(
            self.args.samples,
            lambda i: timed(lambda: self.dash_at(limit, self.fresh(limit))),
            lambda i: timed(lambda: self.raw(limit, self.fresh(limit))),
        )
        return Row(
            f"cold list page, {limit} rows vs raw GET limit={limit}",
            ms(dash),
            ms(raw),
            dash / raw,
            f"<= {target:.2f}x",
            dash / raw <= target,
        )

    def fully_cold_list(self, limit: int) -> Row:
        def sample(i: int) -> float:
            self.redis.flushdb()
            return timed(lambda: self.dash_at(limit, self.fresh(limit)))

        dash, raw = interleave(
            self.args.samples, sample, lambda i: timed(lambda: self.raw(limit, self.fresh(limit)))
        )
        return Row(
            f"fully cold list page, {limit} rows (FLUSHDB: tenant facts too) vs raw",
            ms(dash),
            ms(raw),
            dash / raw,
            "-",
            None,
        )

    def warm_list(self, limit: int) -> Row:
        offset = self.fresh(limit)

        def sample(i: int) -> float:
            self.dash_at(limit, offset)  # primes it (the list cache lives 30 s)
            return timed(lambda: self.dash_at(limit, offset))

        dash, raw = interleave(
            self.args.samples, sample, lambda i: timed(lambda: self.raw(limit, self.fresh(limit)))
        )
        return Row(
            f"warm list page, {limit} rows vs raw GET limit={limit}",
            ms(dash),
            ms(raw),
            dash / raw,
            "<= 0.05x",
            dash / raw <= 0.05,
        )

    def flagged(self) -> tuple[Row, Row, Row]:
        scans, one_page, sequential, parallel = [], [], [], []

        def scan() -> float:
            self.flush_keep_tenant()
            started = time.perf_counter()
            response = self.page("/interactions/flagged/")
            elapsed = time.perf_counter() - started
            if response.status_code != 200 or "Still scanning" in response.text:
                raise RuntimeError(f"flagged page: {response.status_code}, scan not finished")
            if "Scanned the most recent <strong>10,000</strong>" not in response.text:
                raise RuntimeError("flagged page: did not scan 10,000")
            return elapsed

        def raw_ok(offset: int) -> None:
            if self.raw(1000, offset).status_code != 200:
                raise RuntimeError("raw page failed")

        def sequential_scan() -> float:
            offsets = [self.fresh(1000) for _ in range(10)]
            started = time.perf_counter()
            for offset in offsets:
                raw_ok(offset)
            return time.perf_counter() - started

        def parallel_scan() -> float:
            offsets = [self.fresh(1000) for _ in range(10)]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=10) as pool:
                list(pool.map(raw_ok, offsets))
            return time.perf_counter() - started

        for i in range(self.args.samples):
            order = [
                lambda: scans.append(scan()),
                lambda: one_page.append(timed(lambda: self.raw(1000, self.fresh(1000)))),
                lambda: sequential.append(sequential_scan()),
                lambda: parallel.append(parallel_scan()),
            ]
            for step in order if i % 2 == 0 else reversed(order):
                step()
        s, p, q, r = (statistics.median(x) for x in (scans, one_page, sequential, parallel))
        return (
            Row(
                "flagged scan of 10,000 (cold, whole page) vs one raw 1000-row GET",
                ms(s),
                ms(p),
                s / p,
                "<= 1.50x",
                s / p <= 1.5,
            ),
            Row(
                "flagged scan of 10,000 (cold) vs 10 sequential raw 1000-row GETs",
                ms(s),
                ms(q),
                s / q,
                "-",
                None,
            ),
            Row(
                "flagged scan of 10,000 (cold) vs 10 concurrent raw 1000-row GETs",
                ms(s),
                ms(r),
                s / r,
                "-",
                None,
            ),
        )

    def concurrent(self, trials: int = 5) -> Row:
        calls = []
        for _ in range(trials):
            path = f"/interactions/?limit=100&page={self.fresh(100) // 100 + 1}"
            before = self.list_calls()
            with ThreadPoolExecutor(max_workers=50) as pool:
                statuses = [r.status_code for r in pool.map(self.page, [path] * 50)]
            calls.append(self.list_calls() - before)
            if statuses != [200] * 50:
                raise RuntimeError(f"concurrent requests: statuses {sorted(set(statuses))}")
        return Row(
            f"upstream calls for 50 concurrent identical requests (100 rows; {trials} trials)",
            ", ".join(map(str, calls)),
            "50 requests",
            None,
            "1",
            all(n == 1 for n in calls),
        )

    def first_load(self) -> Row:
        accept = "gzip, br"
        html = self.dash.get(
            self.web + "/interactions/",
            headers={"Accept-Encoding": accept},
            stream=True,
            timeout=60,
        )
        html_bytes = len(html.raw.read(decode_content=False))
        page = self.page("/interactions/").text
        assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page) + re.findall(
            r'<script src="([^"]+)"', page
        )
        parts = {"HTML": (html_bytes, html.headers.get("Content-Encoding", "none"))}
        for url in assets:
            response = self.dash.get(
                self.web + url, headers={"Accept-Encoding": accept}, stream=True, timeout=30
            )
            size = len(response.raw.read(decode_content=False))
            parts[url.rsplit("/", 1)[-1]] = (size, response.headers.get("Content-Encoding", "none"))
        total = sum(size for size, _ in parts.values())
        detail = ", ".join(
            f"{name} {size / 1024:.1f} KB ({enc})" for name, (size, enc) in parts.items()
        )
        row = Row(
            "first page load (/interactions/, 25 rows): HTML + CSS + JS as transferred",
            f"{total / 1024:.1f} KB",
            f"{len(assets)} assets",
            None,
            "<= 60 KB",
            total <= 60 * 1024,
        )
        self.first_load_detail = detail
        return row

    def wrk(self, path: str) -> tuple[float, str]:
        done = subprocess.run(
            [
                *("wrk", "-t2", "-c16", "-d10s", "--timeout", "10s"),
                *("-H", f"Cookie: {self.cookie}", self.web + path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
        if done.returncode != 0 or not found:
            raise RuntimeError(f"wrk failed: {done.stdout}{done.stderr}")
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
        note = f" ({bad[1]} non-2xx)" if bad else ""
        return float(found[1]), note

    def throughput(self) -> Row:
        path = "/interactions/"
        self.page(path)  # warm
        listed, list_note = self.wrk(path)
        trivial, trivial_note = self.wrk("/healthz")
        return Row(
            "wrk -t2 -c16 -d10s: warm list page (25 rows) vs /healthz",
            f"{listed:.0f} req/s{list_note}",
            f"{trivial:.0f} req/s{trivial_note}",
            listed / trivial,
            ">= 0.30x",
            listed / trivial >= 0.3 and not list_note,
        )

    # --- the browser ---------------------------------------------------------------------------

    def browser_rows(self) -> list[Row]:
        """First paint and ready of cold 25-, 100- and 1000-row lists in Chromium, against the
        raw JSON of the same rows fetched by the same browser (Navigation Timing)."""
        from playwright.sync_api import sync_playwright  # a dev dependency, as for the tests

        rows: list[Row] = []
        basic = base64.b64encode(f"{BASIC[0]}:{BASIC[1]}".encode()).decode()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                dash = browser.new_context()
                dash.add_cookies(
                    [
                        {"name": name, "value": value, "url": self.web}
                        for name, _, value in (c.partition("=") for c in self.cookie.split("; "))
                    ]
                )
                raw = browser.new_context(extra_http_headers={"Authorization": f"Basic {basic}"})
                dash_tab, raw_tab = dash.new_page(), raw.new_page()
                dash_tab.goto(self.web + "/interactions/?limit=10")  # static files cached
                for limit in BROWSER_LIMITS:

                    def on_dash(i: int, limit: int = limit) -> dict[str, float]:
                        offset = self.fresh(limit)
                        path = f"/interactions/?limit={limit}&page={offset // limit + 1}"
                        return navigation_timing(dash_tab, self.web + path)

                    def on_raw(i: int, limit: int = limit) -> dict[str, float]:
                        url = f"{self.sandbox_root}/v1/tenants/{TENANT}/interactions"
                        offset = self.fresh(limit)
                        return navigation_timing(raw_tab, f"{url}?limit={limit}&offset={offset}")

                    samples = self.args.browser_samples
                    dashboard, baseline = interleave_many(samples, on_dash, on_raw)
                    self.browser_detail.append(
                        f"{limit} rows: {dashboard['elements']:,.0f} elements, "
                        f"{dashboard['bytes'] / 1024:,.0f} KB of HTML as transferred "
                        f"({dashboard['decoded'] / 1024:,.0f} KB decoded); raw JSON "
                        f"{baseline['bytes'] / 1024:,.0f} KB"
                    )
                    for what, key in (("first paint", "paint"), ("ready (load event)", "ready")):
                        rows.append(
                            Row(
                                f"browser, cold {limit}-row list: {what} vs the raw JSON in "
                                "the same Chromium",
                                ms(dashboard[key] / 1000),
                                ms(baseline[key] / 1000),
                                dashboard[key] / baseline[key],
                                "-",
                                None,
                            )
                        )
            finally:
                browser.close()
        return rows

    # --- recordings ----------------------------------------------------------------------------

    def faults(self, **settings: object) -> None:
        """The sandbox's fault settings, keeping the bench's latency (omitted keys reset)."""
        requests.post(
            self.sandbox_root + "/_sandbox/faults",
            json={"latency_ms": LATENCY_MS, **settings},
            timeout=10,
            proxies=NO_PROXY,
        ).raise_for_status()

    def recording(self) -> tuple[str, str, str]:
        """A recent finished call with one recording: interaction, artifact and file ids."""
        if self._recording is not None:
            return self._recording
        base = f"{self.sandbox_root}/v1/tenants/{TENANT}/interactions"
        for offset in range(0, 2000, 100):
            for item in self.raw(100, offset).json()["results"]:
                if item["channelType"] != "voice" or not item.get("dataComplete"):
                    continue
                iid = item["interactionId"]
                listed = self.upstream.get(f"{base}/{iid}/artifacts", timeout=30).json()
                recordings = [
                    a for a in listed["results"] if a["artifactType"].endswith("recording")
                ]
                if len(recordings) == 1:
                    artifact = self.upstream.get(
                        f"{base}/{iid}/artifacts/{recordings[0]['artifactId']}", timeout=30
                    ).json()
                    self._recording = (
                        iid,
                        artifact["artifactId"],
                        artifact["files"][0]["artifactFileId"],
                    )
                    return self._recording
        raise RuntimeError("no call with one recording among the 2,000 most recent")

    def upstream_link(self, iid: str, artifact_id: str) -> str:
        base = f"{self.sandbox_root}/v1/tenants/{TENANT}/interactions"
        artifact = self.upstream.get(f"{base}/{iid}/artifacts/{artifact_id}", timeout=30).json()
        return artifact["files"][0]["url"]

    def first_byte(self, url: str, *, raw: bool) -> float:
        """Seconds from sending the request to reading the first body byte."""
        session = self.files if raw else self.dash
        started = time.perf_counter()
        with session.get(
            url, headers={"Range": "bytes=0-"}, stream=True, timeout=60,
            **({"auth": NoAuth()} if raw else {}),
        ) as response:  # fmt: skip
            if response.status_code != 206:
                raise RuntimeError(f"{url.split('?')[0]}: {response.status_code}")
            if not response.raw.read(1):
                raise RuntimeError("no first byte")
            return time.perf_counter() - started

    def time_to_first_byte(self) -> tuple[Row, Row]:
        iid, artifact_id, file_id = self.recording()
        route = f"{self.web}/interactions/{iid}/artifacts/{artifact_id}/{file_id}"
        rows = []
        for delay in (UPSTREAM_FIRST_BYTE_MS, 0):
            self.faults(**({"file_fault": "slow", "file_delay_ms": delay} if delay else {}))
            self.page(f"/interactions/{iid}/artifacts/")  # the section caches the artifact
            link = self.upstream_link(iid, artifact_id)
            dash, raw = interleave(
                self.args.samples,
                lambda i: self.first_byte(route, raw=False),
                lambda i, link=link: self.first_byte(link, raw=True),
            )
            what = f"upstream's first byte after {delay} ms" if delay else "upstream at once"
            target = 1.2 if delay else None
            rows.append(
                Row(
                    f"time to first audio byte, dashboard route vs the upstream link ({what})",
                    ms(dash) if dash >= 0.01 else f"{dash * 1000:.1f} ms",
                    ms(raw) if raw >= 0.01 else f"{raw * 1000:.1f} ms",
                    dash / raw,
                    f"<= {target:.2f}x" if target else "-",
                    dash / raw <= target if target else None,
                )
            )
        self.faults()
        return rows[0], rows[1]

    def recording_memory(self) -> Row:
        iid, artifact_id, file_id = self.recording()
        self.faults(huge_artifact=iid, huge_artifact_bytes=HUGE_RECORDING)
        self.redis.flushdb()  # the artifact as the switch made it, not a cached one
        self.page(f"/interactions/{iid}/artifacts/")
        workers = children_of(self.processes[1].pid)
        peaks_reset = all([reset_peak_rss(pid) for pid in workers])
        before = {pid: rss_mb(pid) or 0.0 for pid in workers}
        ticks = {pid: cpu_ticks(pid) for pid in workers}
        samples: list[tuple[int, dict[int, float]]] = []
        received = 0
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append((received, {pid: rss_mb(pid) or 0.0 for pid in workers}))
                time.sleep(RSS_SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        url = f"{self.web}/interactions/{iid}/artifacts/{artifact_id}/{file_id}"
        try:
            with self.dash.get(
                url, headers={"Range": "bytes=0-"}, stream=True, timeout=300
            ) as response:
                if response.status_code != 206 or response.headers.get("Content-Encoding"):
                    raise RuntimeError(f"recording: {response.status_code}")
                for chunk in response.iter_content(MB):
                    received += len(chunk)
        finally:
            done.set()
            sampler.join()
            self.faults()
        seconds = time.perf_counter() - started
        if received != HUGE_RECORDING:
            raise RuntimeError(f"recording: {received} bytes, not {HUGE_RECORDING}")
        # the worker that served it is the one that spent the CPU time relaying 200 MB; its
        # peak is the kernel's high-water mark (no spike between samples escapes it), else the
        # highest sample
        worker = max(workers, key=lambda pid: cpu_ticks(pid) - ticks[pid])
        sampled_peak = max(s[1][worker] for s in samples)
        peak = (rss_mb(worker, "VmHWM") if peaks_reset else None) or sampled_peak
        growth = peak - before[worker]
        quarters = []
        for q in (0.25, 0.5, 0.75, 1.0):
            at = next((s for s in samples if s[0] >= q * HUGE_RECORDING), samples[-1])
            quarters.append(f"{at[1][worker]:.1f}")
        self.recording_detail = (
            f"200 MB recording streamed in {seconds:.1f} s ({HUGE_RECORDING / MB / seconds:.0f} "
            f"MB/s), {len(samples)} RSS samples; serving worker (pid {worker}, "
            f"{(cpu_ticks(worker) - ticks[worker]) / os.sysconf('SC_CLK_TCK'):.1f} s of CPU) "
            f"{before[worker]:.1f} MB before, "
            f"{' / '.join(quarters)} MB at 25 / 50 / 75 / 100 % of the transfer, peak "
            f"{peak:.1f} MB ({'VmHWM' if peaks_reset else 'highest sample'})"
        )
        return Row(
            "streaming a 200 MB recording through the dashboard: serving worker's peak RSS "
            "growth (VmHWM; RSS sampled every 20 ms)",
            f"{growth:.1f} MB",
            "200 MB file",
            None,
            "<= 16 MB",
            growth <= 16,
        )


def facts(bench: Bench) -> list[str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    g = bench.gunicorn_facts
    return [
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: nproc {os.cpu_count()} ({len(os.sched_getaffinity(0))} usable), {cpu or '?'}, "
        f"{platform.system()} {platform.release()}",
        f"- python {platform.python_version()}, gunicorn {g.get('worker_class')} "
        f"workers={g.get('workers')} threads={g.get('threads')} preload={g.get('preload_app')}",
        f"- dashboard: config.settings.production, SQLite, cache Redis ({bench.args.redis_url}); "
        f"sandbox latency {LATENCY_MS} ms per interaction request; medians of "
        f"{bench.args.samples} interleaved samples per side",
    ]


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| # | measurement | dashboard | baseline | ratio | target | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, row in enumerate(rows, 1):
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
        lines.append(
            f"| {n} | {row.label} | {row.value} | {row.baseline} | {ratio} | {row.target} "
            f"| {row.verdict} |"
        )
    return lines


def write_doc(
    fact_lines: list[str],
    table_lines: list[str],
    detail: str,
    recording: str = "",
    browser: str = "",
) -> None:
    method = (__doc__ or "").split("\n\n", 1)[1].strip()
    kept = ""
    if DOC.exists():  # hand-written analysis below the generated part survives a rerun
        old = DOC.read_text()
        found = re.search(r"^## Profile findings$", old, flags=re.MULTILINE)
        kept = old[found.start() :] if found else ""
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            '`make bench` (`bench/run.py`) rewrites this file down to "Profile findings". One',
            "run, every row measured side by side; the ratio is dashboard / baseline.",
            "",
            *fact_lines,
            "",
            *table_lines,
            "",
            *([f"First page load, per file: {detail}.", ""] if detail else []),
            *([f"Recording: {recording}.", ""] if recording else []),
            *([f"Browser (medians): {browser}.", ""] if browser else []),
            "## Method",
            "",
            method,
            "",
        ]
    )
    DOC.write_text(text + ("\n" + kept if kept else ""))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=15, help="samples per side (>= 15)")
    p.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    )
    p.add_argument("--no-doc", action="store_true", help="print only; leave docs/ alone")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (logs, database)")
    p.add_argument(
        "--only",
        choices=["lists", "browser", "recordings"],
        help="run just these rows (prints them; docs/ is left alone)",
    )
    p.add_argument(
        "--browser-samples", type=int, default=5, help="browser samples per side and list size"
    )
    args = p.parse_args(argv)
    if args.samples < 15:
        p.error("--samples must be at least 15")
    if shutil.which("wrk") is None:
        p.error("wrk is not installed (Debian: apt-get install wrk)")
    bench = Bench(args)
    try:
        bench.redis.ping()
    except redis.RedisError as error:
        p.error(f"the bench needs Redis at {args.redis_url} (--redis-url): {error}")
    started = time.monotonic()
    rows: list[Row] = []
    try:
        bench.start()
        print(f"bench: set up in {time.monotonic() - started:.0f} s", flush=True)
        steps = [
            ("lists", lambda: [bench.cold_list(100, 1.10)]),
            ("lists", lambda: [bench.cold_list(1000, 1.30)]),
            ("lists", lambda: [bench.fully_cold_list(100)]),
            ("lists", lambda: [bench.warm_list(100)]),
            ("lists", lambda: [bench.warm_list(1000)]),
            ("browser", bench.browser_rows),
            ("flagged", lambda: list(bench.flagged())),
            ("recordings", lambda: list(bench.time_to_first_byte())),
            ("recordings", lambda: [bench.recording_memory()]),
            ("lists", lambda: [bench.concurrent()]),
            ("lists", lambda: [bench.first_load()]),
            ("lists", lambda: [bench.throughput()]),
        ]
        for name, step in steps:
            if args.only and name != args.only:
                continue
            if time.monotonic() - started > TIME_BUDGET:
                print("bench: time budget spent, skipping the remaining rows", file=sys.stderr)
                break
            new = step()
            rows.extend(new)
            for row in new:
                print(f"bench: {row.label}: {row.value} vs {row.baseline} -> {row.verdict}")
    finally:
        bench.stop()
    detail = bench.first_load_detail
    fact_lines = facts(bench)
    table_lines = table(rows)
    print()
    print("\n".join(fact_lines))
    print()
    print("\n".join(table_lines))
    print(f"\nfirst page load, per file: {detail}")
    if bench.recording_detail:
        print(f"recording: {bench.recording_detail}")
    browser = "; ".join(bench.browser_detail)
    if browser:
        print(f"browser: {browser}")
    print(f"\nbench: {time.monotonic() - started:.0f} s in all")
    if not args.no_doc and not args.only:
        write_doc(fact_lines, table_lines, detail, bench.recording_detail, browser)
        print(f"written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
