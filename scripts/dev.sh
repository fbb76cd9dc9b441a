#!/usr/bin/env bash
# `make run`: the sandbox and the dashboard together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SANDBOX_PORT=${SANDBOX_PORT:-8765}
PORT=${PORT:-8000}
# DEBUG only when asked for (DJANGO_DEBUG=true make run): its error pages show code, settings and
# local variables to whoever reaches the server. Static files are served by WhiteNoise either way.

"$PY" manage.py migrate --noinput >/dev/null
"$PY" manage.py demo_user

# the interaction index on, kept by a follower beside the dashboard (CXENGAGE_INDEX=false: off)
export CXENGAGE_INDEX=${CXENGAGE_INDEX:-true}
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

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

INDEX_LOG="${TMPDIR:-/tmp}/cxengage-index-sync.log"
case "$CXENGAGE_INDEX" in
  1|true|True|TRUE|yes|on)
    "$PY" manage.py index_sync --follow --no-progress >>"$INDEX_LOG" 2>&1 &
    PIDS+=($!)
    echo "  Index: on; its follower (manage.py index_sync --follow) logs to $INDEX_LOG" ;;
esac

echo
echo "  Dashboard: http://127.0.0.1:$PORT/   (Ctrl-C stops the dashboard, the sandbox and the index follower)"
case "${DJANGO_DEBUG:-}" in
  1|true|True|TRUE|yes|on) echo "  DEBUG is on (DJANGO_DEBUG): error pages show code and settings; keep it on this machine." ;;
esac
echo
"$PY" manage.py runserver "127.0.0.1:$PORT"
