#!/usr/bin/env bash
# What the citizen dApp (apps/web) needs, installed when missing (idempotent):
#   scripts/setup-web.sh            the app's npm packages (npm ci, from package-lock.json)
#   scripts/setup-web.sh --browser  and Debian's chromium, for the browser tests
# Node.js 20.19 or newer must be on the machine (Vite 7 needs it); Debian's own nodejs
# package is older, so this script says so rather than installing it.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[setup-web] %s\n' "$*"; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    say "Node.js and npm are needed (20.19 or newer): https://nodejs.org/en/download"
    exit 1
fi
NODE_VERSION="$(node --version | tr -d v)"
if ! printf '20.19.0\n%s\n' "$NODE_VERSION" | sort -V -C; then
    say "Node.js $NODE_VERSION is too old: the app's build (Vite 7) needs 20.19 or newer"
    exit 1
fi

# npm ci when the installed packages are not the lock's (a copy of the lock they were
# installed from is kept beside them)
STAMP=apps/web/node_modules/.installed-from-lock.json
if ! cmp -s apps/web/package-lock.json "$STAMP" 2>/dev/null; then
    say "npm ci in apps/web (Node.js $NODE_VERSION)"
    (cd apps/web && npm ci --no-audit --no-fund --loglevel=error)
    cp apps/web/package-lock.json "$STAMP"
else
    say "apps/web packages: present"
fi

if [ "${1:-}" = "--browser" ]; then
    if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
        say "chromium: present"
    else
        say "installing Debian's chromium (the browser tests drive it with playwright-core)"
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
    fi
fi
