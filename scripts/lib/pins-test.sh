#!/usr/bin/env bash
# Tests that contract builds cannot leave Cargo.lock (run by scripts/test.sh before
# `scripts/build.sh --check`, which then shows the pinned build reproduces the artifacts).
# Compiles nothing: every refusal comes before cargo builds a crate.
#   1. The crate index of today: a scratch copy of identity_registry resolved without the
#      lock, as cargo-contract 5 did before the builds were pinned. Prints what that would
#      have used instead of Cargo.lock's versions.
#   2. That unpinned lock, given to the build's cargo (scripts/lib/cargo-pinned), is
#      refused with the versions named.
#   3. The layout cargo-contract 5 uses inside a workspace (the lock one folder above the
#      contract's manifest, where cargo does not read it) is refused by `--locked`.
#   4. The pinned lock (Cargo.lock cut down to the contract by the build's own `pin_lock`)
#      passes `--locked`.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
export PATH="$HOME/.cargo/bin:$PATH"
# shellcheck source=lock.sh
source "$ROOT/scripts/lib/lock.sh"
RUSTUP_TOOLCHAIN="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"
export RUSTUP_TOOLCHAIN
PINNED_CARGO="$(rustup which cargo)"
export PINNED_CARGO PINNED_LOCK="$ROOT/Cargo.lock"
PINNED="$ROOT/scripts/lib/cargo-pinned"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
fail() { echo "[pins] FAILED: $*" >&2; exit 1; }

copy_contract() { # copy_contract DEST: identity_registry and interfaces, no workspace
    mkdir -p "$1/contracts"
    cp -r contracts/identity_registry contracts/interfaces "$1/contracts/"
    rm -rf "$1/contracts/identity_registry/target" "$1/contracts/interfaces/target"
}

# 1. today's index, no lock
copy_contract "$WORK/unpinned"
REG="$WORK/unpinned/contracts/identity_registry"
"$PINNED_CARGO" generate-lockfile --quiet --manifest-path "$REG/Cargo.toml"
newer="$(lock_versions_outside "$REG/Cargo.lock" "$ROOT/Cargo.lock")"
count=$(printf '%s' "$newer" | grep -c . || true)
echo "[pins] today's crate index resolves identity_registry to $count versions that are not in Cargo.lock${newer:+, e.g. $(echo "$newer" | grep -E '^(parity-scale-codec|syn|scale-info) ' | tr '\n' ' ')}"

# 2. such a lock is refused by the build's cargo before anything compiles
if ((count)); then
    out="$(cd "$REG" && "$PINNED" run --manifest-path "$REG/Cargo.toml" 2>&1)" && fail "an unpinned lock was accepted"
    grep -q 'not in Cargo.lock' <<<"$out" || fail "unexpected refusal: $out"
    first="$(echo "$newer" | head -1)"
    grep -qF "$first" <<<"$out" || fail "the refusal does not name $first"
    echo "[pins] an unpinned lock is refused, naming its versions (e.g. $first)"
else
    echo "[pins] (the index holds nothing newer today: check 2 has nothing to refuse)"
fi

# 3. the lock where cargo-contract 5 puts it inside a workspace: not read, so refused
mkdir -p "$WORK/nested/contracts/identity_registry"
cp "$ROOT/Cargo.lock" "$WORK/nested/Cargo.lock"
cp -r contracts/interfaces "$WORK/nested/contracts/"
cp contracts/identity_registry/*.rs contracts/identity_registry/Cargo.toml "$WORK/nested/contracts/identity_registry/"
out="$("$PINNED" metadata --quiet --format-version 1 --manifest-path "$WORK/nested/contracts/identity_registry/Cargo.toml" 2>&1 >/dev/null)" \
    && fail "a build that does not read Cargo.lock was accepted"
grep -q -- '--locked' <<<"$out" || fail "unexpected refusal: $out"
echo "[pins] a build that would not read Cargo.lock is refused (--locked)"

# 4. the pinned lock passes
copy_contract "$WORK/pinned"
REG="$WORK/pinned/contracts/identity_registry"
[ -z "$(pin_lock "$REG" "$ROOT/Cargo.lock")" ] || fail "Cargo.lock cut down to identity_registry has versions of its own"
"$PINNED" metadata --quiet --format-version 1 --manifest-path "$REG/Cargo.toml" >/dev/null \
    || fail "the pinned lock does not pass --locked"
echo "[pins] Cargo.lock cut down to the contract passes --locked"
