"""Fault settings (thread-safe) and how a chosen fault turns a response into a broken one."""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass

MODES = (
    "status",
    "hang",
    "malformed",
    "truncated",
    "empty",
    "html",
    "wrong-types",
    "missing-fields",
    "unknown-fields",
    "huge",
    "quirk",
    "xss",
    "bare-search",
    "no-total",
    "no-data-complete",
)
# modes that replace the whole response; the others rewrite a successful JSON body
RAW_MODES = frozenset({"status", "hang", "malformed", "truncated", "empty", "html"})
# how error answers are written: the shapes the real API uses (shark764/cxengage-configuration-ui
# src/utils/sdk.js, errorManager) plus an HTML gateway page, as under load
ERROR_BODIES = ("object", "string", "array", "attribute", "nested", "html")
HANG_SECONDS = 60.0
HUGE_BYTES = 21 * 1024 * 1024

DEFAULTS = {
    "mode": None,
    "status": 503,
    "retry_after": 1,
    "rate": 1.0,
    "count": None,
    "latency_ms": 0,
    "latency_jitter_ms": 0,
    "error_body": "object",
    # artifacts (sandbox/artifacts.py)
    "artifacts_status": None,
    "artifacts_count": None,
    "file_fault": None,
    "file_count": None,
    "file_delay_ms": 250,
    "huge_artifact": None,
    "huge_artifact_bytes": 200 * 1024 * 1024,
}
FILE_FAULTS = ("expired", "slow")
MAX_HUGE_ARTIFACT_BYTES = 2 * 1024**3
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class FaultSettingsError(ValueError):
    pass


def validate(raw: dict) -> dict:
    """Full settings from a partial dict: omitted keys take their defaults."""
    if not isinstance(raw, dict):
        raise FaultSettingsError("settings must be a JSON object")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise FaultSettingsError(f"unknown setting(s): {', '.join(unknown)}")
    s = dict(DEFAULTS)
    s.update({k: v for k, v in raw.items() if v is not None})
    if s["mode"] is not None and s["mode"] not in MODES:
        raise FaultSettingsError(f"mode must be one of {', '.join(MODES)} (or null)")
    if s["error_body"] not in ERROR_BODIES:
        raise FaultSettingsError(f"error_body must be one of {', '.join(ERROR_BODIES)}")

    def number(key: str, lo: float, hi: float, integer: bool) -> None:
        v = s[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or (integer and v != int(v)):
            raise FaultSettingsError(f"{key} must be {'an integer' if integer else 'a number'}")
        if not lo <= v <= hi:
            raise FaultSettingsError(f"{key} must be between {lo} and {hi}")
        s[key] = int(v) if integer else float(v)

    number("status", 100, 599, True)
    number("retry_after", 0, 86_400, True)
    number("rate", 0, 1, False)
    number("latency_ms", 0, 600_000, True)
    number("latency_jitter_ms", 0, 600_000, True)
    if s["count"] is not None:
        number("count", 0, 10**9, True)
    _validate_artifact_settings(s)
    return s


def _validate_artifact_settings(s: dict) -> None:
    def integer(key: str, lo: int, hi: int, nullable: bool) -> None:
        v = s[key]
        if v is None and nullable:
            return
        if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v):
            raise FaultSettingsError(f"{key} must be an integer" + (" or null" if nullable else ""))
        if not lo <= v <= hi:
            raise FaultSettingsError(f"{key} must be between {lo} and {hi}")
        s[key] = int(v)

    integer("artifacts_status", 400, 599, True)
    integer("artifacts_count", 0, 10**9, True)
    integer("file_count", 0, 10**9, True)
    integer("file_delay_ms", 0, 60_000, False)
    integer("huge_artifact_bytes", 44, MAX_HUGE_ARTIFACT_BYTES, False)
    if s["file_fault"] is not None and s["file_fault"] not in FILE_FAULTS:
        raise FaultSettingsError(f"file_fault must be one of {', '.join(FILE_FAULTS)} (or null)")
    huge = s["huge_artifact"]
    if huge is not None:
        if not isinstance(huge, str) or not _UUID.match(huge.lower()):
            raise FaultSettingsError("huge_artifact must be an interaction id (or null)")
        s["huge_artifact"] = huge.lower()


@dataclass(frozen=True)
class Decision:
    mode: str | None
    status: int
    retry_after: int
    delay_s: float
    error_body: str = "object"


class Faults:
    """Current settings; ``decide()`` is called once per /v1/tenants request."""

    def __init__(self, initial: dict | None = None, seed: int = 0):
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._wake = threading.Event()
        self._settings = validate(initial or {})

    def get(self) -> dict:
        with self._lock:
            return dict(self._settings)

    def set(self, raw: dict) -> dict:
        settings = validate(raw)
        with self._lock:
            self._settings = settings
            self._release_hangs()
            return dict(settings)

    def reset(self) -> dict:
        return self.set({})

    def _release_hangs(self) -> None:
        self._wake.set()
        self._wake = threading.Event()

    def decide(self) -> Decision:
        with self._lock:
            s = self._settings
            mode = s["mode"]
            if mode is not None:
                if s["count"] is not None:
                    if s["count"] <= 0:
                        mode = None
                    else:
                        s["count"] -= 1
                if mode is not None and not self._rng.random() < s["rate"]:
                    mode = None
            delay = s["latency_ms"]
            if s["latency_jitter_ms"]:
                delay += self._rng.uniform(0, s["latency_jitter_ms"])
            return Decision(mode, s["status"], s["retry_after"], delay / 1000, s["error_body"])

    def _take(self, key: str, count_key: str) -> object:
        """The artifact fault ``key`` if it fires for this request (``count_key``, ``rate``)."""
        s = self._settings
        value = s[key]
        if value is None:
            return None
        if s[count_key] is not None:
            if s[count_key] <= 0:
                return None
            s[count_key] -= 1
        return value if self._rng.random() < s["rate"] else None

    def artifacts_fault(self) -> tuple[int, int] | None:
        """(status, retry_after) if this artifact API call fails (``artifacts_status``)."""
        with self._lock:
            status = self._take("artifacts_status", "artifacts_count")
            return None if status is None else (status, self._settings["retry_after"])

    def file_fault(self) -> tuple[str | None, float]:
        """The fault of this file request (``file_fault``) and the per-chunk delay in seconds."""
        with self._lock:
            fault = self._take("file_fault", "file_count")
            return fault, self._settings["file_delay_ms"] / 1000

    def hang(self) -> None:
        """Block until the faults change or HANG_SECONDS pass."""
        with self._lock:
            wake = self._wake
        wake.wait(HANG_SECONDS)


def sleep(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


# --- body rewrites -----------------------------------------------------------------------

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"
)
_CONTACT_POINT = re.compile(rb'"contactPoint":"([^"\\]*)"')


def error_answer(shape: str, code: int, message: str) -> tuple[bytes, str]:
    """An error body in one of the shapes the real API uses, and its content type."""
    if shape == "html":
        title = f"{code} {_REASONS.get(code, 'Error')}"
        page = (
            f"<html><head><title>{title}</title></head>\n<body><center><h1>{title}</h1>"
            "</center><hr><center>awselb/2.0</center></body></html>\n"
        )
        return page.encode(), "text/html"
    if shape == "string":
        error: object = message
    elif shape == "array":
        error = [message]
    elif shape == "attribute":
        error = {"code": code, "message": message, "attribute": {"request": [message]}}
    elif shape == "nested":
        error = {"code": code, "body": {"errors": [{"code": code, "title": message}]}}
    else:
        error = {"code": code, "message": message}
    return dumps({"error": error}), "application/json"


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


def malformed(body: bytes) -> bytes:
    """Looks like JSON, is not: a cut in the middle and a stray token."""
    half = body[: max(1, len(body) // 2)]
    return half + b',,"oops": }'


def truncate(body: bytes) -> bytes:
    return body[: len(body) // 2]


def quirk(body: bytes) -> bytes:
    """The reference sample's ``"contactPoint": ""+15553005555""``."""
    return _CONTACT_POINT.sub(rb'"contactPoint":""\1""', body)


def huge(body: bytes) -> bytes:
    """Still valid JSON, padded past 20 MB with a field nobody asked for."""
    assert body.endswith(b"}")
    return body[:-1] + b',"debugTrace":"' + b"x" * HUGE_BYTES + b'"}'


def _stringify_numbers(item: dict) -> dict:
    return {
        k: str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
        for k, v in item.items()
    }


def _wrong_types_item(item: dict) -> dict:
    out = _stringify_numbers(item)
    for key in ("segments", "queues", "agents"):
        if isinstance(out.get(key), list):
            out[key] = {str(n): v for n, v in enumerate(out[key])}
    return out


def _unknown_fields(value):
    if isinstance(value, dict):
        out = {k: _unknown_fields(v) for k, v in value.items()}
        out["sandboxUnknownField"] = {"note": "not in the reference", "n": 7}
        out["x-experimental"] = True
        return out
    if isinstance(value, list):
        return [_unknown_fields(v) for v in value]
    return value


# --- xss: hostile text in every field a page shows ------------------------------------------

# Each payload sets window.__xss to its own number if a page ever runs it; ids and timestamps
# are left alone so every page still renders. Deterministic: the same payload per field.
XSS_PAYLOADS = {
    "customer": "<script>window.__xss=1</script>",
    "contactPoint": '"><img src=x onerror="window.__xss=2">',
    "flowName": '<svg onload="window.__xss=3">',
    "queueName": "</title><script>window.__xss=4</script>",
    "agentName": "</title><script>window.__xss=4</script>",
    "dispositionName": '<iframe srcdoc="<script>parent.__xss=6</script>"></iframe>',
    "noteTitle": "</title><script>window.__xss=7</script>",
    "noteBody": "<img src=x onerror=window.__xss=8>\u2028<b>bold?</b>",
    "hookName": "</title><svg><script>window.__xss=9</script></svg>"
    "\"'><img src=x onerror=window.__xss=9>",
    "hookId": '415"><script>window.__xss=15</script>',
    # inside artifact files (sandbox/artifacts.py): transcripts and emails
    "messageText": "<img src=x onerror=window.__xss=11><script>window.__xss=11</script>",
    "emailSubject": "</title><script>window.__xss=12</script>",
    "emailFromName": '"><svg onload="window.__xss=13">',
    "attachmentName": '"><img src=x onerror=window.__xss=14>.pdf',
}
XSS_URLS = (
    "javascript:window.__xss=5",
    "data:text/html,<script>window.__xss=10</script>",
)
_XSS_HOOK_NS = uuid.UUID("6f3b1c2e-8d4a-4e5f-9a7b-0c1d2e3f4a5b")


def _xss_crm_hook(item: dict, n: int, url: str) -> dict:
    """A synthetic CRM ticket hook (valid ids and timestamp) carrying a hostile ``hookUrl``."""
    interaction_id = str(item.get("interactionId") or "")
    return {
        "tenantId": item.get("tenantId"),
        "hookId": str(uuid.uuid5(_XSS_HOOK_NS, f"{interaction_id}:hook:{n}")),
        "hookBy": "agent",
        "interactionId": interaction_id,
        "hookName": XSS_PAYLOADS["hookName"],
        "hookSubType": "ticket",
        "timestamp": item.get("startTimestamp"),
        "hookType": "salesforce" if n % 2 == 0 else "zendesk",
        "hookUrl": url,
        "interactionHookId": str(uuid.uuid5(_XSS_HOOK_NS, f"{interaction_id}:ihook:{n}")),
    }


def _xss_item(item: dict) -> dict:
    """One interaction with hostile text; every CRM link points at javascript: or data:."""
    out = dict(item)
    for key in ("customer", "contactPoint", "flowName", "dispositionName"):
        if key in out:
            out[key] = XSS_PAYLOADS[key]
    for key in ("queues", "agents"):
        if isinstance(out.get(key), list):
            field = "queueName" if key == "queues" else "agentName"
            out[key] = [{**q, field: XSS_PAYLOADS[field]} for q in out[key]]
    if isinstance(out.get("notes"), list):
        out["notes"] = [
            {**n, "title": XSS_PAYLOADS["noteTitle"], "body": XSS_PAYLOADS["noteBody"]}
            for n in out["notes"]
        ]
    if isinstance(out.get("interactionAttributes"), list):
        out["interactionAttributes"] = [
            {**h, "hookName": XSS_PAYLOADS["hookName"]} for h in out["interactionAttributes"]
        ]
    hooks = out.get("hooks") if isinstance(out.get("hooks"), list) else []
    rewritten, urls_used = [], 0
    for hook in hooks:
        hook = {**hook, "hookName": XSS_PAYLOADS["hookName"]}
        if hook.get("hookSubType") != "interaction-attribute":  # a CRM record id is shown
            hook["hookId"] = XSS_PAYLOADS["hookId"]
        if "hookUrl" in hook:
            hook["hookUrl"] = XSS_URLS[urls_used % len(XSS_URLS)]
            urls_used += 1
        rewritten.append(hook)
    while urls_used < len(XSS_URLS):  # every interaction carries both hostile URLs
        rewritten.append(_xss_crm_hook(out, urls_used, XSS_URLS[urls_used]))
        urls_used += 1
    out["hooks"] = rewritten
    if "audioRecording" in out:
        out["audioRecording"] = XSS_URLS[0]
    details = out.get("details")
    if isinstance(details, dict):
        details = dict(details)
        for key in ("customer", "contactPoint"):
            if key in details:
                details[key] = XSS_PAYLOADS[key]
        if isinstance(details.get("agents"), list):
            details["agents"] = [
                {
                    **a,
                    "agentName": XSS_PAYLOADS["agentName"],
                    **({"noteTitle": XSS_PAYLOADS["noteTitle"]} if "noteTitle" in a else {}),
                }
                for a in details["agents"]
            ]
        out["details"] = details
    return out


def rewrite(mode: str, payload: dict, is_list: bool, is_search: bool = False) -> dict:
    """wrong-types / missing-fields / unknown-fields / xss / bare-search / no-total /
    no-data-complete on a successful JSON payload."""
    if _is_artifacts(payload):
        return _rewrite_artifacts(mode, payload)
    if mode == "bare-search":
        # the reference's custom-attribute search sample is one interaction, no envelope
        results = payload.get("results") if is_list else None
        if is_search and isinstance(results, list) and len(results) == 1:
            return results[0]
        return payload
    if mode == "no-total":
        return {k: v for k, v in payload.items() if k != "total"} if is_list else payload
    if mode == "no-data-complete":
        if not is_list or not isinstance(payload.get("results"), list):
            return payload
        results = [{k: v for k, v in r.items() if k != "dataComplete"} for r in payload["results"]]
        return {**payload, "results": results}
    if mode == "xss":
        if not is_list:
            return _xss_item(payload)
        results = payload.get("results")
        return {**payload, "results": [_xss_item(r) for r in results] if results else results}
    if mode == "unknown-fields":
        return _unknown_fields(payload)
    results = payload.get("results") if is_list else None
    if mode == "wrong-types":
        if not is_list:
            return _wrong_types_item(payload)
        out = _stringify_numbers(payload)
        out["results"] = [_wrong_types_item(r) for r in results] if results else results
        return out
    if mode == "missing-fields":
        drop = ("interactionId", "startTimestamp")
        if not is_list:
            return {k: v for k, v in payload.items() if k not in drop}
        out = dict(payload)
        out["results"] = (
            [{k: v for k, v in r.items() if k not in drop} for r in results] if results else results
        )
        return out
    return payload


def dumps(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


# --- artifact payloads (sandbox/artifacts.py) ----------------------------------------------


def _is_artifacts(payload: object) -> bool:
    """``GET …/artifacts`` (``{"results": [...]}`` alone) or one artifact (``artifactId``)."""
    return isinstance(payload, dict) and ("artifactId" in payload or set(payload) == {"results"})


def _rewrite_artifacts(mode: str, payload: dict) -> dict:
    """The body rewrites on artifact JSON. ``xss`` leaves it alone: the hostile text is inside
    the files (transcripts, emails), which follow the ``xss`` mode themselves."""

    def each(fn, p: dict) -> dict:
        if "results" in p:
            return {"results": [fn(a) for a in p["results"]]}
        return fn(p)

    if mode == "unknown-fields":
        return _unknown_fields(payload)
    if mode == "wrong-types":

        def wrong(a: dict) -> dict:
            out = _stringify_numbers(a)
            if isinstance(out.get("files"), list):
                out["files"] = {str(n): _stringify_numbers(f) for n, f in enumerate(out["files"])}
            return out

        out = each(wrong, payload)
        if isinstance(out.get("results"), list):
            out["results"] = {str(n): a for n, a in enumerate(out["results"])}
        return out
    if mode == "missing-fields":

        def missing(a: dict) -> dict:
            out = {k: v for k, v in a.items() if k not in ("artifactId", "artifactType")}
            if isinstance(out.get("files"), list):
                out["files"] = [{k: v for k, v in f.items() if k != "url"} for f in out["files"]]
            return out

        return each(missing, payload)
    return payload
