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
