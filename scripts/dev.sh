#!/usr/bin/env bash
# `make run`: the sandbox and the dashboard together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SANDBOX_PORT=${SANDBOX_PORT:-8765}
PORT=${PORT:-8000}
# DEBUG only when asked for (DJANGO_DEBUG=true make run): its error pages show code, settings and
# local variables to whoever reaches the server. Static files are served by WhiteNoise either way.

# the local interaction index (filters, sort, every flagged interaction of a period): on unless
# CXENGAGE_INDEX=false; its follower (index_sync --follow) runs beside the dashboard
export CXENGAGE_INDEX=${CXENGAGE_INDEX:-true}
PIDS=()
trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT INT TERM

"$PY" manage.py migrate --noinput >/dev/null
"$PY" manage.py demo_user

if [ -z "${CXENGAGE_API_URL:-}" ]; then
  # the sandbox's published demo credentials (docs/sandbox.md), on whichever port it runs
  export CXENGAGE_API_URL="http://127.0.0.1:$SANDBOX_PORT/v1"
  export CXENGAGE_API_KEY=sandbox-key CXENGAGE_API_SECRET=sandbox-secret
  "$PY" -m sandbox --port "$SANDBOX_PORT" --quiet --live &
  PIDS+=($!)
  "$PY" - "$SANDBOX_PORT" <<'PYEOF'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/healthz"
for _ in range(100):
    try:
        urllib.request.urlopen(url, timeout=1).close()
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit(f"the sandbox did not start on {url}")
PYEOF
fi

case "$CXENGAGE_INDEX" in
  1|true|True|TRUE|yes|on)
    "$PY" manage.py index_sync --follow &
    PIDS+=($!)
    echo "  Index: on (index_sync --follow every ${CXENGAGE_INDEX_INTERVAL:-30} s; CXENGAGE_INDEX=false turns it off)" ;;
esac

echo
echo "  Dashboard: http://127.0.0.1:$PORT/   (Ctrl-C stops the dashboard, the sandbox and the index sync)"
case "${DJANGO_DEBUG:-}" in
  1|true|True|TRUE|yes|on) echo "  DEBUG is on (DJANGO_DEBUG): error pages show code and settings; keep it on this machine." ;;
esac
echo
"$PY" manage.py runserver "127.0.0.1:$PORT"
