"""Command line: ``python -m sandbox [--host H] [--port P] ...`` (see docs/sandbox.md)."""

from __future__ import annotations

import argparse
import signal
import sys

from . import faults as faultlib
from .artifacts import DEFAULT_LINK_TTL
from .clock import Clock
from .data import TICKET_MOD, Generator, fmt_ms, parse_time
from .server import API_KEY, API_SECRET, BASIC_PASSWORD, BASIC_USER, SandboxServer


def _anchor(value: str) -> int:
    try:
        return parse_time(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 timestamp: {value!r}") from None


def _positive_int(value: str) -> int:
    n = int(value)
    if not 1 <= n <= TICKET_MOD:
        raise argparse.ArgumentTypeError(f"must be 1..{TICKET_MOD}")
    return n


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--per-tenant", type=_positive_int, default=120_000)
    p.add_argument(
        "--anchor",
        type=_anchor,
        default=None,
        help="ISO-8601 end of the 30-day window (default: now, rounded down to the minute)",
    )
    p.add_argument("--token-ttl", type=float, default=3600, help="token lifetime in seconds")
    p.add_argument(
        "--link-ttl",
        type=float,
        default=DEFAULT_LINK_TTL,
        help="lifetime of artifact file links in seconds (sandbox clock)",
    )
    p.add_argument("--latency-ms", type=int, default=0)
    p.add_argument("--latency-jitter-ms", type=int, default=0)
    p.add_argument("--fault", choices=faultlib.MODES, default=None)
    p.add_argument("--fault-rate", type=float, default=1.0)
    p.add_argument("--fault-status", type=int, default=503)
    p.add_argument("--retry-after", type=int, default=1)
    p.add_argument(
        "--error-body",
        choices=faultlib.ERROR_BODIES,
        default="object",
        help="the shape of error answers (the real API uses several)",
    )
    p.add_argument("--quiet", action="store_true", help="no per-request log lines")
    p.add_argument(
        "--live",
        action="store_true",
        help="the clock runs from the anchor in wall time: unfinished interactions finish",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        faults = faultlib.Faults(
            {
                "mode": args.fault,
                "rate": args.fault_rate,
                "status": args.fault_status,
                "retry_after": args.retry_after,
                "latency_ms": args.latency_ms,
                "latency_jitter_ms": args.latency_jitter_ms,
                "error_body": args.error_body,
            },
            seed=args.seed,
        )
    except faultlib.FaultSettingsError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 2
    gen = Generator(seed=args.seed, per_tenant=args.per_tenant, anchor_ms=args.anchor)
    server = SandboxServer(
        (args.host, args.port),
        gen,
        faults,
        token_ttl=args.token_ttl,
        quiet=args.quiet,
        clock=Clock(gen.anchor_ms, live=args.live),
        link_ttl=args.link_ttl,
    )
    host, port = server.server_address[:2]

    print("CxEngage sandbox")
    print(f"  anchor {gen.anchor_ms} ms ({fmt_ms(gen.anchor_ms)}), seed {args.seed}, ", end="")
    print(f"{args.per_tenant} interactions per tenant")
    for tenant in gen.tenants.values():
        print(f"  tenant {tenant.tenant_id}  {tenant.name} ({tenant.timezone})")
    print(f"  basic auth  {BASIC_USER} / {BASIC_PASSWORD}")
    print(
        f"  api key     {API_KEY} / {API_SECRET}  (POST /v1/tokens with username, password and"
        f" tenantId; token ttl {args.token_ttl:g}s)"
    )
    if args.live:
        print("  clock       live: unfinished interactions finish as time passes")
    if args.fault or args.latency_ms or args.latency_jitter_ms or args.error_body != "object":
        print(f"  faults      {faults.get()}")
    print(f"sandbox listening on http://{host}:{port}/v1", flush=True)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        print("sandbox stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
