#!/usr/bin/env bash
# Installs what this project needs on a fresh Debian machine, skipping what is there.
#   scripts/setup.sh          everything: Rust toolchain (pinned) and cargo-contract
#   scripts/setup.sh demo     only what the demo needs (it runs the committed artifacts)
# Idempotent: run it as often as you like.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_CONTRACT_VERSION="5.0.3"
TOOLCHAIN="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"
MODE="${1:-all}"

say() { printf '[setup] %s\n' "$*"; }

# 1. System packages: a C compiler and linker for -sys crates (binaryen, secp256k1, SQLite),
#    and the mosquitto MQTT broker (the relay's MQTT tests and the demo start their own on
#    a loopback port; the package's system service is not used).
need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v git >/dev/null 2>&1 || need_apt+=(git)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
if ((${#need_apt[@]})); then
    say "installing apt packages: ${need_apt[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
else
    say "apt packages: present (cc, curl, git, mosquitto)"
fi

# 2. rustup and the pinned toolchain (rust-toolchain.toml).
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v rustup >/dev/null 2>&1; then
    say "installing rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none
fi
if rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1 \
    && rustup component list --toolchain "$TOOLCHAIN" --installed 2>/dev/null | grep -q '^rust-src' \
    && rustup component list --toolchain "$TOOLCHAIN" --installed 2>/dev/null | grep -q '^clippy' \
    && rustup target list --toolchain "$TOOLCHAIN" --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown'; then
    say "toolchain $TOOLCHAIN: present"
else
    say "installing toolchain $TOOLCHAIN with rust-src, clippy, rustfmt, wasm32-unknown-unknown"
    rustup toolchain install "$TOOLCHAIN" --profile minimal \
        --component rust-src --component clippy --component rustfmt \
        --target wasm32-unknown-unknown
fi

if [ "$MODE" = "demo" ]; then
    say "done (demo needs no cargo-contract: it runs the committed artifacts)"
    exit 0
fi

# 3. cargo-contract, pinned. Built with the machine's default toolchain from outside the
#    project (so rust-toolchain.toml does not apply); takes about 16 minutes cold.
if (cd / && cargo contract --version 2>/dev/null) | grep -q "cargo-contract-contract $CARGO_CONTRACT_VERSION\|cargo-contract $CARGO_CONTRACT_VERSION"; then
    say "cargo-contract $CARGO_CONTRACT_VERSION: present"
else
    HOST_TOOLCHAIN="$(cd / && rustup show active-toolchain 2>/dev/null | cut -d' ' -f1 || true)"
    if [ -z "$HOST_TOOLCHAIN" ] || ! (cd / && cargo --version >/dev/null 2>&1); then
        say "no default toolchain: installing stable to build cargo-contract"
        rustup toolchain install stable --profile minimal
        HOST_TOOLCHAIN=stable
    fi
    say "installing cargo-contract $CARGO_CONTRACT_VERSION with $HOST_TOOLCHAIN (about 16 minutes cold)"
    (cd / && cargo "+$HOST_TOOLCHAIN" install cargo-contract --version "$CARGO_CONTRACT_VERSION" --locked --quiet)
fi
say "done"
