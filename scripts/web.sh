#!/usr/bin/env bash
# The citizen dApp (apps/web) against a node:
#   scripts/web.sh [--url ws://127.0.0.1:9944] [--network local] [--deployments deployments]
#                  [--port 5173] [--build-only]
# 1. installs the app's npm packages (scripts/setup-web.sh);
# 2. deploys the city on the node unless deployments/<network>.json already describes it
#    there (`smartcity deploy`: //Alice on a dev chain, else the key in SMARTCITY_SURI);
# 3. on a dev chain, makes the dev keys //Bob ... //Ferdie residents (`smartcity residents`);
# 4. copies the manifest and the contracts' metadata into apps/web/public/chain/ and builds
#    the app into apps/web/dist/;
# 5. serves it on http://127.0.0.1:<port> until Ctrl-C (not with --build-only).
# Start a node first, e.g.: substrate-contracts-node --dev (scripts/setup-node.sh builds one).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/smart-city-contracts/target}"
URL="ws://127.0.0.1:9944"
NETWORK="local"
DEPLOYMENTS="deployments"
PORT="5173"
SERVE=1
while [ $# -gt 0 ]; do
    case "$1" in
        --url) URL="$2"; shift 2 ;;
        --network) NETWORK="$2"; shift 2 ;;
        --deployments) DEPLOYMENTS="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --build-only) SERVE=0; shift ;;
        *) echo "unknown option $1 (see the top of $0)" >&2; exit 2 ;;
    esac
done
say() { printf '[web] %s\n' "$*"; }

scripts/setup-web.sh
say "the city on $URL"
KEY=(--suri //Alice)
[ -n "${SMARTCITY_SURI:-}" ] && KEY=()
smartcity() { cargo run --quiet -p smartcity-cli --bin smartcity -- "$@"; }
smartcity deploy --url "$URL" "${KEY[@]}" --network "$NETWORK" --deployments "$DEPLOYMENTS"
if [ -z "${SMARTCITY_SURI:-}" ]; then
    say "dev residents //Bob ... //Ferdie"
    smartcity residents --url "$URL" "${KEY[@]}" --network "$NETWORK" --deployments "$DEPLOYMENTS"
fi

CHAIN=apps/web/public/chain
rm -rf "$CHAIN"
mkdir -p "$CHAIN/abi"
cp "$DEPLOYMENTS/$NETWORK.json" "$CHAIN/deployment.json"
for contract in identity_registry credit_token energy_market parking_rental fare_pricing; do
    cp "artifacts/$contract/$contract.json" "$CHAIN/abi/"
done
(cd apps/web && npm run --silent build)
say "bundle: $(du -cb apps/web/dist/assets/*.js | tail -1 | cut -f1) bytes of JavaScript, $(cat apps/web/dist/assets/*.js | gzip -9 | wc -c) gzipped"

if [ "$SERVE" -eq 1 ]; then
    say "open http://127.0.0.1:$PORT/ and pick a development account"
    cd apps/web && exec npx vite preview --port "$PORT" --strictPort
fi
