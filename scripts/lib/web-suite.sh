#!/usr/bin/env bash
# The citizen dApp's browser tests, called by scripts/lib/node-suite.sh with a node's URL,
# the folder holding its deployment manifest, and a log folder:
#   1. `smartcity residents`: the dev keys //Bob ... //Ferdie become residents;
#   2. the app built for that deployment (scripts/web.sh --build-only);
#   3. served by `vite preview` on a free loopback port;
#   4. Debian's chromium, driven by playwright-core, uses it as Bob, Charlie and Eve would
#      (apps/web/e2e); each test reads the chain back through @polkadot/api.
# Progress goes to stderr; the last line on stdout is the summary node-suite.sh prints.
set -euo pipefail
cd "$(dirname "$0")/../.."
URL="$1"
DEPLOYMENTS="$2"
LOG="$3"
say() { printf '[web-suite] %s\n' "$*" >&2; }

scripts/web.sh --url "$URL" --deployments "$DEPLOYMENTS" --build-only >"$LOG/web-build.txt" 2>&1 \
    || { cat "$LOG/web-build.txt" >&2; exit 1; }
grep -E 'residents|minted|bundle' "$LOG/web-build.txt" >&2 || true

PORT=""
for _ in $(seq 1 50); do
    candidate=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null || { PORT="$candidate"; break; }
done
[ -n "$PORT" ] || { say "no free port"; exit 1; }
# vite itself, not through npx (which would leave vite running when only npx is killed)
(cd apps/web && exec node_modules/.bin/vite preview --port "$PORT" --strictPort) >"$LOG/web-preview.txt" 2>&1 &
PREVIEW_PID=$!
trap 'kill "$PREVIEW_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done
say "the app on http://127.0.0.1:$PORT for $URL"

status=0
(cd apps/web && SMARTCITY_NODE_URL="$URL" SMARTCITY_WEB_URL="http://127.0.0.1:$PORT" \
    SMARTCITY_SCREENSHOTS="${SMARTCITY_SCREENSHOTS:-$LOG/screenshots}" npx vitest run --config vitest.e2e.config.ts) \
    >"$LOG/web-tests.txt" 2>&1 || status=$?
grep -E '✓|×|Tests|Error' "$LOG/web-tests.txt" >&2 || true
[ "$status" -eq 0 ] || { say "browser tests failed (exit $status)"; tail -60 "$LOG/web-tests.txt" >&2; exit 1; }
PASSED="$(sed -n 's/.*Tests *\([0-9]*\) passed.*/\1/p' "$LOG/web-tests.txt" | tail -1)"
echo "${PASSED:-0} browser tests in chromium"
