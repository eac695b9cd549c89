#!/usr/bin/env bash
# The meter relay's benchmark (release build): ingest throughput over HTTP and MQTT,
# submission to the embedded chain, latency, and memory over a steady run.
#   scripts/bench-relay.sh [relay-bench options, e.g. --soak-minutes 0]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/smart-city-contracts/target}"
scripts/setup.sh demo
cargo build --quiet --release -p meter-relay -p relay-bench
exec "$CARGO_TARGET_DIR/release/relay-bench" --artifacts artifacts "$@"
