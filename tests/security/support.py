"""Helpers for the security tests: read the sandbox directly, bypassing the dashboard."""

from __future__ import annotations

import base64
import json
import urllib.request
from typing import Any

from tests.support.sandbox_process import SandboxProcess

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only


def sandbox_get(sandbox: SandboxProcess, path: str) -> Any:
    """GET a /v1 path from the sandbox with its Basic credentials (no faults are reset)."""
    request = urllib.request.Request(sandbox.api_url + path)
    token = base64.b64encode(f"{sandbox.BASIC_USER}:{sandbox.BASIC_PASSWORD}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with _OPENER.open(request, timeout=10) as response:
        return json.loads(response.read())


def recent_interaction_ids(sandbox: SandboxProcess, n: int = 1) -> list[str]:
    envelope = sandbox_get(sandbox, f"/tenants/{sandbox.TENANT_A}/interactions?limit={n}")
    return [item["interactionId"] for item in envelope["results"]]
