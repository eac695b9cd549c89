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

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "unit tests (contracts' rules and shells, client)"
# the exit status is cargo's own (`|| true` after a pipe would reset PIPESTATUS and hide a failure)
status=0
cargo test --workspace --exclude e2e >"$LOG/unit.txt" 2>&1 || status=$?
grep -E '^test result|FAILED|panicked' "$LOG/unit.txt" || true
[ "$status" -eq 0 ] || { echo "[test] unit tests failed (exit $status)"; tail -80 "$LOG/unit.txt"; exit 1; }

step "contract build reproduces the committed artifacts"
scripts/build.sh --check

step "e2e tests on the sandbox chain (committed artifacts)"
# this clone's artifacts, whatever clone the cached test binaries were first built from
export SMARTCITY_ARTIFACTS="$PWD/artifacts"
status=0
cargo test -p e2e -- --nocapture >"$LOG/e2e.txt" 2>&1 || status=$?
grep -E '^test |^test result|consumer|panicked' "$LOG/e2e.txt" || true
[ "$status" -eq 0 ] || { echo "[test] e2e tests failed (exit $status)"; tail -80 "$LOG/e2e.txt"; exit 1; }

count() { grep -h '^test result' "$1" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{ n += $1 } END { print n + 0 }'; }
echo
echo "[test] OK in $(( $(date +%s) - T0 ))s: fmt, clippy, $(count "$LOG/unit.txt") unit tests, artifacts reproduced, $(count "$LOG/e2e.txt") e2e tests on the sandbox chain"
