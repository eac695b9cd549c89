#!/usr/bin/env bash
# Benchmarks (not tests): code sizes and the weight of each main message on the embedded
# chain, with the psp22 crate's own example token built with the same toolchain for
# comparison. Prints Markdown tables; the README carries their results.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/smart-city-contracts/target}"
scripts/setup.sh >/dev/null

# The reference token: the psp22 crate (a dependency of ours) is itself the example
# contract. Build the very version we depend on, with our toolchain and Cargo.lock.
REF=/tmp/smart-city-contracts-build/psp22-example
rm -rf "$REF" && mkdir -p "$REF"
cargo fetch --quiet
src="$(cargo metadata --format-version 1 --quiet | python3 -c '
import json, sys
meta = json.load(sys.stdin)
print(next(p["manifest_path"] for p in meta["packages"] if p["name"] == "psp22"))')"
cp -r "$(dirname "$src")"/. "$REF"
cp Cargo.lock rust-toolchain.toml "$REF"/
(cd "$REF" && CARGO_TARGET_DIR="$REF/target" cargo contract build --release --quiet >/dev/null)

cargo run --quiet -p smartcity-cli --bin smartcity -- --artifacts "$ROOT/artifacts" \
    bench --reference-psp22 "$REF/target/ink/psp22.wasm"
