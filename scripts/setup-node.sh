#!/usr/bin/env bash
# Installs substrate-contracts-node 0.42.0 (the crate `contracts-node`), skipping it when a
# node of that version is already there. Idempotent.
#
#   scripts/setup-node.sh          find or build the node; prints its path last
#   scripts/setup-node.sh --find   only find it: prints its path, or fails (builds nothing)
#
# Found, in this order: $CONTRACTS_NODE, `substrate-contracts-node` on PATH, the one this
# script built before (~/.cache/smart-city-contracts/node/bin). Otherwise it builds the
# node: the apt prerequisites, then `cargo install contracts-node --version 0.42.0 --locked`
# with the pinned Rust, a kept target folder (an interrupted build resumes), and two
# settings the runtime wasm builds need (see docs/toolchain.md, "A real node"):
#   WASM_BUILD_WORKSPACE_HINT  the unpacked contracts-node-0.42.0 crate, so the runtimes
#                              resolve against the node's own Cargo.lock;
#   WASM_BUILD_TOOLCHAIN       Rust 1.81.0 (with 1.91.1, sp-io 38 does not build for wasm).
# Cold: 60 to 90 minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION="0.42.0"
WASM_TOOLCHAIN="1.81.0"
TOOLCHAIN="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"
CACHE="${SMARTCITY_CACHE:-$HOME/.cache/smart-city-contracts}"
PREFIX="$CACHE/node"

say() { printf '[setup-node] %s\n' "$*" >&2; }

has_version() {
    [ -x "$1" ] && "$1" --version 2>/dev/null | grep -q "substrate-contracts-node $NODE_VERSION"
}

for candidate in "${CONTRACTS_NODE:-}" "$(command -v substrate-contracts-node || true)" \
    "$PREFIX/bin/substrate-contracts-node"; do
    if [ -n "$candidate" ] && has_version "$candidate"; then
        say "substrate-contracts-node $NODE_VERSION: present ($candidate)"
        echo "$candidate"
        exit 0
    fi
done

if [ "${1:-}" = "--find" ]; then
    say "substrate-contracts-node $NODE_VERSION: not installed (scripts/setup-node.sh builds it; or set CONTRACTS_NODE)"
    exit 1
fi
say "substrate-contracts-node $NODE_VERSION not found: building it (60-90 minutes cold)"
need_apt=()
for pkg in clang libclang-dev protobuf-compiler build-essential pkg-config libssl-dev cmake; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
    say "installing apt packages: ${need_apt[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh demo >&2   # rustup and the pinned toolchain
if ! rustup target list --toolchain "$WASM_TOOLCHAIN" --installed 2>/dev/null | grep -q wasm32-unknown-unknown \
    || ! rustup component list --toolchain "$WASM_TOOLCHAIN" --installed 2>/dev/null | grep -q '^rust-src'; then
    say "installing Rust $WASM_TOOLCHAIN with rust-src and wasm32-unknown-unknown (the runtimes' wasm builds)"
    rustup toolchain install "$WASM_TOOLCHAIN" --profile minimal -c rust-src -t wasm32-unknown-unknown >&2
fi

# the crate's own sources, unpacked where the wasm builder can find its Cargo.lock
CRATE_DIR="$CACHE/node-src/contracts-node-$NODE_VERSION"
if [ ! -f "$CRATE_DIR/Cargo.lock" ]; then
    mkdir -p "$CACHE/node-src"
    say "downloading contracts-node $NODE_VERSION"
    curl -sSfL "https://static.crates.io/crates/contracts-node/contracts-node-$NODE_VERSION.crate" \
        | tar -xz -C "$CACHE/node-src"
fi

mkdir -p "$PREFIX"
(
    cd /
    CARGO_TARGET_DIR="$CACHE/node-target" \
    WASM_BUILD_WORKSPACE_HINT="$CRATE_DIR" \
    WASM_BUILD_TOOLCHAIN="$WASM_TOOLCHAIN" \
        cargo "+$TOOLCHAIN" install --path "$CRATE_DIR" --locked --root "$PREFIX" >&2
)
has_version "$PREFIX/bin/substrate-contracts-node" || { say "the build did not produce node $NODE_VERSION"; exit 1; }
say "built: $PREFIX/bin/substrate-contracts-node"
echo "$PREFIX/bin/substrate-contracts-node"
