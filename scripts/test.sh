#!/usr/bin/env bash
# Everything CI checks, from a fresh clone: setup, fmt, clippy, unit tests, the contract
# build (must reproduce the committed artifacts), and the e2e tests on the sandbox chain.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# A target folder outside the clone survives between runs on the same machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/smart-city-contracts/target}"
mkdir -p "$CARGO_TARGET_DIR"
LOG="$(mktemp -d)"
T0=$(date +%s)
step() { printf '\n[test] %s (%ss)\n' "$*" "$(( $(date +%s) - T0 ))"; }

step "setup"
scripts/setup.sh

# this clone's artifacts, whatever clone the cached test binaries were first built from
export SMARTCITY_ARTIFACTS="$PWD/artifacts"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "unit tests (contracts' rules and shells, SDK, sandbox, CLI and the demo, relay) and the relay's integration and crash tests"
# the exit status is cargo's own (`|| true` after a pipe would reset PIPESTATUS and hide a failure)
status=0
cargo test --workspace --exclude e2e -- --nocapture --skip _on_a_node >"$LOG/unit.txt" 2>&1 || status=$?
grep -E '^test result|FAILED|panicked|SIGKILLs' "$LOG/unit.txt" || true
[ "$status" -eq 0 ] || { echo "[test] unit tests failed (exit $status)"; tail -80 "$LOG/unit.txt"; exit 1; }

step "the citizen dApp (apps/web): type check and unit tests"
scripts/setup-web.sh
(cd apps/web && npx tsc --noEmit && npx vitest run --config vitest.config.ts) >"$LOG/web-unit.txt" 2>&1 \
    || { echo "[test] web app checks failed"; tail -40 "$LOG/web-unit.txt"; exit 1; }
grep -E 'Tests ' "$LOG/web-unit.txt" || true
WEB_UNIT="$(sed -n 's/.*Tests *\([0-9]*\) passed.*/\1/p' "$LOG/web-unit.txt" | tail -1)"

step "contract builds cannot leave Cargo.lock"
scripts/lib/pins-test.sh

step "contract build (pinned to Cargo.lock) reproduces the committed artifacts"
scripts/build.sh --check

step "e2e tests on the sandbox chain (committed artifacts)"
status=0
cargo test -p e2e --test sandbox -- --nocapture >"$LOG/e2e.txt" 2>&1 || status=$?
grep -E '^test |^test result|consumer|panicked' "$LOG/e2e.txt" || true
[ "$status" -eq 0 ] || { echo "[test] e2e tests failed (exit $status)"; tail -80 "$LOG/e2e.txt"; exit 1; }

step "the node suite (a substrate-contracts-node on a loopback port, when one is installed)"
NODE_SUMMARY="node suite and browser tests NOT RUN: no substrate-contracts-node 0.42.0 installed (scripts/setup-node.sh builds one, or set CONTRACTS_NODE)"
if NODE_BIN="$(scripts/setup-node.sh --find)"; then
    NODE_SUMMARY="$(scripts/lib/node-suite.sh "$NODE_BIN" "$LOG")"
fi

count() { grep -h '^test result' "$1" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{ n += $1 } END { print n + 0 }'; }
echo
echo "[test] OK in $(( $(date +%s) - T0 ))s: fmt, clippy, $(count "$LOG/unit.txt") unit and relay tests (mosquitto, 24 SIGKILLs), ${WEB_UNIT:-0} web app unit tests, contract builds pinned to Cargo.lock, artifacts reproduced, $(count "$LOG/e2e.txt") e2e tests on the sandbox chain; $NODE_SUMMARY"
