# Helpers for contract builds pinned to the project's Cargo.lock (sourced by scripts/build.sh
# and scripts/lib/cargo-pinned).

# lock_registry_versions LOCK: one "name version" line per registry or git package in a
# Cargo.lock (path packages, the contracts themselves, have no source and are left out).
lock_registry_versions() {
    awk '
        /^\[\[package\]\]/ { name = ""; version = "" }
        /^name = /    { name = $3; gsub(/"/, "", name) }
        /^version = / { version = $3; gsub(/"/, "", version) }
        /^source = /  { print name, version }
    ' "$1" | sort -u
}

# lock_versions_outside LOCK PINNED: the packages LOCK resolves to that PINNED does not
# hold, one per line; nothing when LOCK stays inside the pins.
lock_versions_outside() {
    comm -23 <(lock_registry_versions "$1") <(lock_registry_versions "$2")
}

# pin_lock DIR PINNED: gives the package in DIR its own Cargo.lock, PINNED cut down to what
# the package uses (cargo keeps every locked version it can), and prints the versions it
# had to add that PINNED does not hold: nothing when the package is pinned. Needs
# $PINNED_CARGO.
pin_lock() {
    cp "$2" "$1/Cargo.lock"
    "$PINNED_CARGO" metadata --quiet --format-version 1 --manifest-path "$1/Cargo.toml" >/dev/null || return
    lock_versions_outside "$1/Cargo.lock" "$2"
}
