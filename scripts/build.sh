#!/usr/bin/env bash
# Builds every contract with cargo-contract (release) into artifacts/<name>/ and writes
# artifacts/SHA256SUMS and artifacts/SIZES.md. Test fixtures (e2e/fixtures/*) go to
# artifacts/fixtures/<name>/.
#   scripts/build.sh           build and refresh artifacts/
#   scripts/build.sh --check   build into a scratch folder and fail unless the committed
#                              artifacts' code is what the sources build to
#   scripts/build.sh NAME...   rebuild only these contracts (about 100 s each), then the sums
#
# Every contract is built from exactly the versions in Cargo.lock. cargo-contract 5 builds a
# contract in a temporary workspace and copies the lock of the contract's workspace root
# there, to where cargo reads it only when the contract is that root itself; so each
# contract is built as its own root, from a copy of the sources at a fixed path, with a
# lock cut down from the project's Cargo.lock (refused if it needs anything the project's
# lock does not hold), and cargo runs `--locked` (scripts/lib/cargo-pinned).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# shellcheck source=lib/lock.sh
source "$ROOT/scripts/lib/lock.sh"
# The pinned toolchain for every cargo and rustc below, whatever folder they run in
# (cargo-contract's temporary workspaces hold no rust-toolchain.toml).
RUSTUP_TOOLCHAIN="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"
export RUSTUP_TOOLCHAIN
export PINNED_CARGO="$(rustup which cargo)"
export PINNED_LOCK="$ROOT/Cargo.lock"

CHECK=0
[ "${1:-}" = "--check" ] && { CHECK=1; shift; }
ONLY=("$@")
if ((CHECK && ${#ONLY[@]})); then echo "build.sh: --check builds every contract" >&2; exit 2; fi

OUT="$ROOT/artifacts"
if ((CHECK)); then
    OUT="$(mktemp -d)"
    trap 'rm -rf "$OUT"' EXIT
fi

# Build from a copy of the sources at a fixed path. The optimised .wasm depends on where
# the sources are (cargo hashes a path package's absolute path into its symbols, which
# changes the order of functions after LTO); from one fixed path, builds are bit-for-bit
# identical across clones and target folders.
BUILD_ROOT=/tmp/smart-city-contracts-build/src
mkdir -p "$(dirname "$BUILD_ROOT")"
# One build at a time uses the fixed path: a second waits here instead of clobbering it.
exec 9>"$(dirname "$BUILD_ROOT")/lock"
flock 9
rm -rf "$BUILD_ROOT"
mkdir -p "$BUILD_ROOT"
# Only the contracts: no workspace (nor any other manifest) above them in the copy, so each
# contract is the root of its own.
# Extracted with the time of now (-m): cargo decides what to rebuild by modification times,
# and another clone's build at this path may be newer than this clone's edits.
git ls-files -z --cached --others --exclude-standard -- contracts e2e/fixtures \
    | tar --null --ignore-failed-read -T - -cf - | tar -xmf - -C "$BUILD_ROOT"
cd "$BUILD_ROOT"

# ink!'s static buffer holds a message's input and output, and a cross-contract call's:
# 144 KiB (ink!'s default is 16 KiB) carries a full batch of 768 signed readings
# (interfaces::market::MAX_READINGS_PER_CALL, at most 131 KB) and the registry's answers. ink! reads
# the variable when it compiles, and cargo does not track it: the contracts get their own
# target folder per value, so a change can never mix with code built under another.
export INK_STATIC_BUFFER_SIZE=147456
export CARGO_TARGET_DIR="$CARGO_TARGET_DIR/contracts-buffer-$INK_STATIC_BUFFER_SIZE"

contracts=()
for dir in contracts/*/ e2e/fixtures/*/; do
    name="$(basename "$dir")"
    [ "$name" = "interfaces" ] && continue
    if ((${#ONLY[@]})) && [[ ! " ${ONLY[*]} " == *" $name "* ]]; then continue; fi
    [ -f "$dir/Cargo.toml" ] && contracts+=("${dir%/}")
done

for dir in "${contracts[@]}"; do
    name="$(basename "$dir")"
    dest="$OUT/$name"
    case "$dir" in e2e/fixtures/*) dest="$OUT/fixtures/$name" ;; esac
    echo "[build] $name"
    start=$(date +%s)
    # the contract's own lock: Cargo.lock cut down to it, refused if it needs anything else
    outside="$(pin_lock "$dir" "$ROOT/Cargo.lock")"
    if [ -n "$outside" ]; then
        echo "[build] $name needs versions that are not in Cargo.lock:" >&2
        echo "$outside" | sed 's/^/    /' >&2
        echo "        add them to the workspace (cargo update -p NAME) and review them" >&2
        exit 1
    fi
    # cargo-contract runs `cargo clean` on the whole target folder when it finds no metadata
    # of this contract built with this buffer size, so each contract of a fresh clone would
    # throw away what the one before compiled. The committed metadata says the same buffer
    # size (the target folder is this size's own), so the folder is kept.
    committed="$ROOT/artifacts/${dest#"$OUT/"}/$name.json"
    if [ -f "$committed" ] && [ ! -f "$CARGO_TARGET_DIR/ink/$name.json" ]; then
        mkdir -p "$CARGO_TARGET_DIR/ink" && cp "$committed" "$CARGO_TARGET_DIR/ink/$name.json"
    fi
    # One at a time: two heavy builds on 2 cores only thrash. cargo-contract is called
    # directly (`cargo contract` would reset $CARGO to the real cargo).
    # a contract may ask for another opt-level than cargo-contract's "z" (its manifest's
    # [package.metadata.smartcity] opt-level): the market trades size for speed
    opt="$(sed -n '/^\[package.metadata.smartcity\]/,/^\[/s/^opt-level = "\(.*\)"/\1/p' "$dir/Cargo.toml")"
    env ${opt:+CARGO_PROFILE_RELEASE_OPT_LEVEL="$opt"} CARGO="$ROOT/scripts/lib/cargo-pinned" \
        cargo-contract contract build --release --quiet --manifest-path "$dir/Cargo.toml" >/dev/null
    mkdir -p "$dest"
    for ext in contract wasm json; do
        cp "$CARGO_TARGET_DIR/ink/$name.$ext" "$dest/"  # a root package's output: ink/<name>.*
    done
    echo "[build] $name: $(stat -c %s "$dest/$name.wasm") bytes of wasm in $(( $(date +%s) - start ))s"
done

# Checksums and sizes of the code (the .wasm); the metadata embeds the code's hash.
(cd "$OUT" && find . -name '*.wasm' | sort | xargs sha256sum) > "$OUT/SHA256SUMS"
{
    echo "| contract | .wasm bytes | .contract bytes |"
    echo "|---|---:|---:|"
    (cd "$OUT" && find . -name '*.wasm' | sort) | while read -r wasm; do
        name="$(basename "$wasm" .wasm)"
        echo "| $name | $(stat -c %s "$OUT/$wasm") | $(stat -c %s "$OUT/${wasm%.wasm}.contract") |"
    done
} > "$OUT/SIZES.md"

if ((CHECK)); then
    if diff -u "$ROOT/artifacts/SHA256SUMS" "$OUT/SHA256SUMS"; then
        echo "[build] check: committed artifacts match the sources"
    else
        echo "[build] check FAILED: the committed artifacts are not what the sources build to;"
        echo "        run scripts/build.sh and commit artifacts/"
        exit 1
    fi
else
    cat "$OUT/SIZES.md"
fi
