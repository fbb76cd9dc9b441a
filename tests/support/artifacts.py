"""Find sandbox interactions that have a recording, a chat transcript or an email (for the
browser and accessibility tests): the most recent ones of tenant A, read with Basic auth."""

from __future__ import annotations

from functools import cache

import requests

from tests.support.sandbox_process import BASIC_PASSWORD, BASIC_USER, TENANT_A

KINDS = {"recording": "recording", "transcript": "messaging-transcript", "email": "email"}


@cache
def _catalogue(api_url: str, scan: int) -> tuple[tuple[dict, tuple[dict, ...]], ...]:
    out = []
    with requests.Session() as s:
        s.trust_env, s.auth = False, (BASIC_USER, BASIC_PASSWORD)
        base = f"{api_url}/tenants/{TENANT_A}/interactions"
        for item in s.get(base, params={"limit": scan}, timeout=30).json()["results"]:
            listed = s.get(f"{base}/{item['interactionId']}/artifacts", timeout=10).json()
            out.append((item, tuple(listed["results"])))
    return tuple(out)


def interactions_with(
    api_url: str, kind: str, *, channel: str | None = None, scan: int = 150
) -> list[str]:
    """Ids of recent finished interactions with an artifact of ``kind`` (recording, transcript
    or email), on ``channel`` if given, most recent first. The same seed gives the same ones."""
    suffix = KINDS[kind]
    return [
        item["interactionId"]
        for item, artifacts in _catalogue(api_url, scan)
        if (not channel or item["channelType"] == channel)
        and item.get("dataComplete")
        and any(a["artifactType"].endswith(suffix) for a in artifacts)
    ]


def with_artifact(api_url: str, kind: str, *, channel: str | None = None, scan: int = 150) -> str:
    """The most recent of ``interactions_with``."""
    found = interactions_with(api_url, kind, channel=channel, scan=scan)
    if not found:
        raise LookupError(f"no {kind} among the {scan} most recent interactions")
    return found[0]
