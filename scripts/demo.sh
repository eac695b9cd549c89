#!/usr/bin/env bash
# The main job: a city on the embedded sandbox chain, from the committed artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/smart-city-contracts/target}"
scripts/setup.sh demo
echo "[demo] building the smartcity command (the first build compiles the runtime: about 6 min cold on 2 cores)"
cargo build --quiet -p smartcity-client --bin smartcity
exec "$CARGO_TARGET_DIR/debug/smartcity" --artifacts artifacts demo "$@"
