"""Run the CxEngage sandbox (``python -m sandbox``) as a subprocess for tests.

    with start_sandbox(token_ttl=2) as sandbox:
        requests.get(f"{sandbox.api_url}/tenants/{sandbox.TENANT_A}/interactions",
                     auth=(sandbox.BASIC_USER, sandbox.BASIC_PASSWORD))

``start_sandbox(**options)`` starts the process at once (options become CLI flags:
``token_ttl=2`` -> ``--token-ttl 2``, ``quiet=False`` drops ``--quiet``) and waits for ``/healthz``;
leaving the ``with`` block (or ``.stop()``) terminates it. Uses only the standard library.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]

TENANT_A = "5b1c3f7e-2a4d-4e8b-9c61-0f3a7d2e9b14"  # Northwind Support, US/Eastern
TENANT_B = "c0de5a1e-7f3b-4d92-a6e4-3b8f1c9d2e70"  # Contoso Europe, Europe/Berlin
BASIC_USER = "sandbox-user"
BASIC_PASSWORD = "sandbox-pass"
API_KEY = "sandbox-key"
API_SECRET = "sandbox-secret"
ANCHOR = "2026-11-24T12:00:00Z"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0

# the sandbox is always local: never route control requests through an HTTP proxy
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SandboxError(RuntimeError):
    pass


class SandboxProcess:
    TENANT_A = TENANT_A
    TENANT_B = TENANT_B
    BASIC_USER = BASIC_USER
    BASIC_PASSWORD = BASIC_PASSWORD
    API_KEY = API_KEY
    API_SECRET = API_SECRET
    ANCHOR = ANCHOR

    def __init__(self, **options: Any):
        self.options = {"quiet": True, "anchor": ANCHOR, **options}
        self.port: int = 0
        self.root = ""
        self.api_url = ""
        self.process: subprocess.Popen | None = None
        self._log = None

    # --- lifecycle -------------------------------------------------------------------------

    def _command(self, port: int) -> list[str]:
        cmd = [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port)]
        for key, value in self.options.items():
            if key in ("host", "port") or value is None or value is False:
                continue
            flag = "--" + key.replace("_", "-")
            if value is True:
                cmd.append(flag)
            else:
                cmd.extend([flag, str(value)])
        return cmd

    def start(self) -> SandboxProcess:
        last_error = ""
        for _attempt in range(3):  # a free port can be taken between probing and binding
            port = self.options.get("port") or _free_port()
            self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}
            self.process = subprocess.Popen(
                self._command(port),
                cwd=REPO_ROOT,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
            )
            self.port = port
            self.root = f"http://127.0.0.1:{port}"
            self.api_url = self.root + "/v1"
            if self._wait_healthy():
                return self
            last_error = self.output()
            self.stop()
        raise SandboxError(f"sandbox did not become healthy:\n{last_error}")

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                if self._request("GET", "/healthz", timeout=1).get("status") == "ok":
                    return True
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def output(self) -> str:
        """What the process printed so far (stdout and stderr)."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", errors="replace")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- control endpoints -----------------------------------------------------------------

    def _request(self, method: str, path: str, payload: Any = None, timeout: float = 10) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.root + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise SandboxError(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from None

    def set_faults(self, **settings: Any) -> dict:
        """Replace the fault settings (omitted keys take their defaults); returns them."""
        return self._request("POST", "/_sandbox/faults", settings)

    def faults(self) -> dict:
        return self._request("GET", "/_sandbox/faults")

    def reset(self) -> dict:
        """No faults, no latency, stats cleared."""
        return self._request("POST", "/_sandbox/reset", {})

    def stats(self) -> dict:
        return self._request("GET", "/_sandbox/stats")

    def interactions(self, path: str = "", **params: Any) -> Any:
        """Tenant A's ``/interactions{path}`` as decoded JSON, read with Basic auth."""
        query = urllib.parse.urlencode(params)
        url = f"{self.api_url}/tenants/{self.TENANT_A}/interactions{path}" + (
            f"?{query}" if query else ""
        )
        request = urllib.request.Request(url)
        token = base64.b64encode(f"{self.BASIC_USER}:{self.BASIC_PASSWORD}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        with _OPENER.open(request, timeout=10) as response:
            return json.loads(response.read())

    def clock(self, **settings: Any) -> dict:
        """The sandbox clock; with settings (``advance_seconds=86400``, ``offset_seconds=0``,
        ``live=True``) changes it first. ``reset()`` takes back every advance."""
        if settings:
            return self._request("POST", "/_sandbox/clock", settings)
        return self._request("GET", "/_sandbox/clock")


def start_sandbox(**options: Any) -> SandboxProcess:
    """Start a sandbox subprocess and wait until it is healthy; use it as a context manager."""
    return SandboxProcess(**options).start()
