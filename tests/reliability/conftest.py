"""Fixtures for the reliability tests: a tuned live sandbox, an upstream request recorder, and
sample ids read straight from the sandbox (bypassing the dashboard).

``.venv/bin/pytest tests/reliability -q`` runs this directory on its own; the ``sandbox``,
``live_api`` and ``sup_client`` fixtures come from ``tests/conftest.py``.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from interactions_app.middleware import RequestIdLogFilter
from tests.support.sandbox_process import SandboxProcess

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only

# Small timeouts and one retry keep every fault fast; a depth-1000 scan is a single list call.
FAST = {
    "RETRIES": 1,
    "MAX_RETRY_AFTER": 0.2,
    "CONNECT_TIMEOUT": 0.3,
    "READ_TIMEOUT": 3.0,
    "FLAGGED_SCAN_DEPTH": 1000,
    "FLAGGED_SCAN_WORKERS": 2,
}


def sandbox_call(sandbox: SandboxProcess, method: str, path: str, payload: Any = None) -> Any:
    """A /v1 request straight to the sandbox (Basic auth for GETs), never through the dashboard."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(sandbox.api_url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    else:
        basic = base64.b64encode(f"{sandbox.BASIC_USER}:{sandbox.BASIC_PASSWORD}".encode())
        request.add_header("Authorization", "Basic " + basic.decode())
    with _OPENER.open(request, timeout=10) as response:
        return json.loads(response.read())


@dataclass(frozen=True)
class Samples:
    interaction_id: str  # a finished interaction of tenant A
    order_number: str  # an ORD-… attribute (searched without a scan)
    order_owners: frozenset[str]  # every interaction carrying it, read from the sandbox


@pytest.fixture(scope="session")
def samples(sandbox: SandboxProcess) -> Samples:
    envelope = sandbox_call(sandbox, "GET", f"/tenants/{sandbox.TENANT_A}/interactions?limit=200")
    finished = [r for r in envelope["results"] if r.get("dataComplete") is True]
    orders = [
        h["hookName"]
        for r in finished
        for h in r.get("interactionAttributes") or []
        if str(h.get("hookName", "")).startswith("ORD-")
    ]
    assert finished and orders, "the sandbox data changed: no finished interaction or order"
    search = f"/tenants/{sandbox.TENANT_A}/interactions?limit=1000&attribute-value={orders[0]}"
    owners = sandbox_call(sandbox, "GET", search)
    owners = owners.get("results", [owners]) if isinstance(owners, dict) else []
    return Samples(
        interaction_id=finished[0]["interactionId"],
        order_number=orders[0],
        order_owners=frozenset(r["interactionId"] for r in owners),
    )


@pytest.fixture
def rel_api(live_api: SandboxProcess, settings) -> SandboxProcess:
    """``live_api`` (token auth, clean faults and cache) with small timeouts and scan depth."""
    settings.CXENGAGE = {**settings.CXENGAGE, **FAST}
    return live_api


@dataclass
class Sent:
    method: str
    url: str
    authorization: str | None


@dataclass
class UpstreamRecorder:
    sent: list[Sent] = field(default_factory=list)

    def urls(self, method: str = "GET") -> list[str]:
        return [s.url for s in self.sent if s.method == method]


@pytest.fixture
def upstream(monkeypatch) -> UpstreamRecorder:
    """Every request the dashboard's ``requests`` sessions send (urllib3 retries not included)."""
    recorder = UpstreamRecorder()
    original = requests.Session.send

    def send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any):
        recorder.sent.append(
            Sent(request.method or "", request.url or "", request.headers.get("Authorization"))
        )
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", send)
    return recorder


@pytest.fixture
def logs(caplog) -> Iterator[pytest.LogCaptureFixture]:
    """caplog at DEBUG everywhere (urllib3 included), each record tagged with its request id."""
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "requests", "django", "interactions_app"):
        caplog.set_level(logging.DEBUG, logger=name)
    request_ids = RequestIdLogFilter()
    caplog.handler.addFilter(request_ids)
    yield caplog
    caplog.handler.removeFilter(request_ids)
