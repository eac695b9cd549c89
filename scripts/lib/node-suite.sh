#!/usr/bin/env bash
# The node suite, called by scripts/test.sh with a node binary and a log folder:
#   1. starts `substrate-contracts-node --dev --tmp` on free loopback ports;
#   2. `smartcity deploy` twice: the first deploys and writes the manifest, the second
#      must find the deployment and send nothing;
#   3. `cargo contract call` (the standard tool) reads the deployed token;
#   4. `smartcity weigh`: the main messages on the sandbox and on the node, side by side;
#      `smartcity demo --url`: the city day's identity, credit and energy scenes there;
#   5. the e2e and relay tests that end in `_on_a_node`, against that node (the relay's
#      include its crash test, 8 SIGKILLs);
#   6. the citizen dApp's browser tests (scripts/lib/web-suite.sh).
# Progress goes to stderr; the last line on stdout is the summary test.sh prints.
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE_BIN="$1"
LOG="$2"
say() { printf '[node-suite] %s\n' "$*" >&2; }

free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
    return 1
}
RPC_PORT="$(free_port)"
P2P_PORT="$(free_port)"
"$NODE_BIN" --dev --tmp --rpc-port "$RPC_PORT" --port "$P2P_PORT" --no-prometheus \
    --no-telemetry --no-mdns >"$LOG/node.log" 2>&1 &
NODE_PID=$!
trap 'kill "$NODE_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$RPC_PORT") 2>/dev/null && break
    kill -0 "$NODE_PID" 2>/dev/null || { say "the node stopped"; tail -20 "$LOG/node.log" >&2; exit 1; }
    sleep 0.2
done
URL="ws://127.0.0.1:$RPC_PORT"
VERSION="$("$NODE_BIN" --version)"
say "$VERSION on $URL"

DEPLOYMENTS="$LOG/deployments"
smartcity() { cargo run --quiet -p smartcity-cli --bin smartcity -- "$@"; }
say "smartcity deploy (first: deploys)"
smartcity deploy --url "$URL" --suri //Alice --network local --deployments "$DEPLOYMENTS" >"$LOG/deploy1.txt" 2>&1 \
    || { cat "$LOG/deploy1.txt" >&2; exit 1; }
cat "$LOG/deploy1.txt" >&2
say "smartcity deploy (again: must find the deployment)"
smartcity deploy --url "$URL" --suri //Alice --network local --deployments "$DEPLOYMENTS" >"$LOG/deploy2.txt" 2>&1 \
    || { cat "$LOG/deploy2.txt" >&2; exit 1; }
cat "$LOG/deploy2.txt" >&2
grep -q "nothing sent" "$LOG/deploy2.txt" || { say "a second deploy sent extrinsics"; exit 1; }

# the manifest is pretty-printed with sorted keys: credit_token's first field is its address
TOKEN="$(grep -A1 '"credit_token": {' "$DEPLOYMENTS/local.json" | sed -n 's/.*"address": "\([^"]*\)".*/\1/p')"
[ -n "$TOKEN" ] || { say "no credit_token address in $DEPLOYMENTS/local.json"; exit 1; }
say "cargo contract call PSP22Metadata::token_symbol on $TOKEN"
(cd artifacts/credit_token && cargo contract call --url "$URL" --suri //Alice --contract "$TOKEN" \
    --message PSP22Metadata::token_symbol credit_token.contract) >"$LOG/cargo-contract.txt" 2>&1 \
    || { cat "$LOG/cargo-contract.txt" >&2; exit 1; }
cat "$LOG/cargo-contract.txt" >&2
grep -q 'SCP' "$LOG/cargo-contract.txt" || { say "cargo contract did not read the token's symbol"; exit 1; }

say "smartcity weigh: the main messages on the sandbox and on the node"
smartcity weigh --url "$URL" --suri //Charlie >"$LOG/weigh.txt" 2>&1 || { cat "$LOG/weigh.txt" >&2; exit 1; }
cat "$LOG/weigh.txt" >&2

say "smartcity demo --url: the city day on the node (parking and transit compressed to minutes)"
smartcity demo --url "$URL" --suri //Dave --qr-png "$LOG/voucher.png" >"$LOG/demo.txt" 2>&1 \
    || { cat "$LOG/demo.txt" >&2; exit 1; }
grep -E '^\s+\[node:|is now his|collected|checked out|tapped out|city-bus$|Fees paid' "$LOG/demo.txt" >&2
grep -q 'is now his: true' "$LOG/demo.txt" || { say "the demo's voucher did not reach ben"; exit 1; }
grep -q 'checked out: escrow to chandra' "$LOG/demo.txt" || { say "the demo's booked EV did not check out on the node"; exit 1; }
grep -q 'tapped out after 5 stages' "$LOG/demo.txt" || { say "the demo's rider did not tap out on the node"; exit 1; }
grep -q 'go to city-bus' "$LOG/demo.txt" || { say "the demo's fares were not released on the node"; exit 1; }

say "the e2e and relay tests that end in _on_a_node"
status=0
SMARTCITY_NODE_URL="$URL" cargo test -p e2e -p meter-relay --test node -- --nocapture --test-threads 2 \
    >"$LOG/node-tests.txt" 2>&1 || status=$?
grep -E '^test |^test result|panicked|SIGKILLs' "$LOG/node-tests.txt" >&2 || true
[ "$status" -eq 0 ] || { say "node tests failed (exit $status)"; tail -60 "$LOG/node-tests.txt" >&2; exit 1; }
PASSED="$(grep -h '^test result' "$LOG/node-tests.txt" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{ n += $1 } END { print n + 0 }')"

say "the citizen dApp in chromium against the node (apps/web/e2e)"
scripts/setup-web.sh --browser >&2
WEB="$(scripts/lib/web-suite.sh "$URL" "$DEPLOYMENTS" "$LOG")"
echo "node suite on ${VERSION}: deploy (and a second deploy that sent nothing), cargo contract call, weights side by side, the city day's demo, $PASSED node tests (the relay's among them, 8 SIGKILLs), $WEB"
