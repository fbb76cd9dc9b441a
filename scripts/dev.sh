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

if [ -z "${CXENGAGE_API_URL:-}" ]; then
  # the sandbox's published demo credentials (docs/sandbox.md), on whichever port it runs
  export CXENGAGE_API_URL="http://127.0.0.1:$SANDBOX_PORT/v1"
  export CXENGAGE_API_KEY=sandbox-key CXENGAGE_API_SECRET=sandbox-secret
  "$PY" -m sandbox --port "$SANDBOX_PORT" --quiet --live &
  SANDBOX_PID=$!
  trap 'kill "$SANDBOX_PID" 2>/dev/null || true; wait "$SANDBOX_PID" 2>/dev/null || true' EXIT INT TERM
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

echo
echo "  Dashboard: http://127.0.0.1:$PORT/   (Ctrl-C stops the dashboard and the sandbox)"
case "${DJANGO_DEBUG:-}" in
  1|true|True|TRUE|yes|on) echo "  DEBUG is on (DJANGO_DEBUG): error pages show code and settings; keep it on this machine." ;;
esac
echo
"$PY" manage.py runserver "127.0.0.1:$PORT"
