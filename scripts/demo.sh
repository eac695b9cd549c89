#!/usr/bin/env bash
# The main job: a city day on the embedded sandbox chain, from the committed artifacts, then
# simulated meters sending signed readings through the meter relay (HTTP and MQTT) into
# that same city's energy market.
#   scripts/demo.sh [--save FILE]   (--save keeps the city, for the smartcity commands)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/smart-city-contracts/target}"
scripts/setup.sh demo
echo "[demo] building smartcity and meter-relay (the first build compiles the runtime: about 6 min cold on 2 cores)"
cargo build --quiet -p smartcity-cli --bin smartcity -p meter-relay --bin meter-relay
BIN="$CARGO_TARGET_DIR/debug"

WORK="$(mktemp -d)"
CITY="$WORK/city.state"
if [ "${1:-}" = "--save" ] && [ -n "${2:-}" ]; then CITY="$2"; fi
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN/smartcity" --artifacts artifacts demo --save "$CITY"

free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
    return 1
}
wait_port() {
    for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
    echo "[demo] nothing listens on port $1"; return 1
}

echo
echo "== Meter relay =="
# the relay's own mosquitto launcher (the one its tests use): prints its URL once it listens
"$BIN/meter-relay" broker --dir "$WORK" >"$WORK/broker.url" 2>"$WORK/broker.log" &
PIDS+=($!)
for _ in $(seq 1 200); do [ -s "$WORK/broker.url" ] && break; sleep 0.1; done
MQTT="$(head -n 1 "$WORK/broker.url")"
[ -n "$MQTT" ] || { echo "[demo] mosquitto did not start"; cat "$WORK/broker.log" "$WORK/mosquitto.log" 2>/dev/null; exit 1; }
HTTP_PORT=$(free_port)
RELAY="http://127.0.0.1:$HTTP_PORT"
"$BIN/meter-relay" run --data-dir "$WORK/relay" --city "$CITY" --artifacts artifacts \
    --http-listen "127.0.0.1:$HTTP_PORT" --mqtt-broker "$MQTT" \
    --sim-meters 6 --batch-interval-ms 500 --settle-accounts-secs 2 >"$WORK/relay.log" 2>&1 &
RELAY_PID=$!
PIDS+=("$RELAY_PID")
wait_port "$HTTP_PORT"
echo "meter-relay runs on the saved city (its registry, token and market; 6 simulated meters registered, one household each),"
echo "HTTP on $RELAY, MQTT through mosquitto on ${MQTT#mqtt://}; every accepted reading is on disk (SQLite, WAL) before it is acknowledged;"
echo "credits accrue in the market and the relay settles each household 2 s after crediting it (one mint per household)"
echo
echo "-- 3 meters POST 16 readings each over HTTP, 4 per request:"
"$BIN/smartcity" meter simulate --http "$RELAY" --meters 3 --readings 16 --rate 400 --per-request 4
echo "-- 6 meters publish 8 readings each over MQTT (QoS 1, one message per reading):"
"$BIN/smartcity" meter simulate --mqtt "$MQTT" --relay "$RELAY" --meters 6 --readings 8 --rate 400
echo "-- bad input gets a named error and is not stored:"
printf '   malformed JSON  -> '; curl -s -X POST -H 'content-type: application/json' --data '{"device":' "$RELAY/readings"; echo
printf '   wrong hex       -> '; curl -s -X POST -H 'content-type: application/json' \
    --data '{"device":"0x12","seq":1,"at_ms":0,"import_wh_total":0,"export_wh_total":1,"signature":"0x00"}' "$RELAY/readings"; echo
printf '   wrong type      -> '; curl -s -X POST -H 'content-type: text/plain' --data 'hello' "$RELAY/readings"; echo

for _ in $(seq 1 600); do
    depth=$(curl -s "$RELAY/metrics" | sed -n 's/^relay_queue_depth \([0-9]*\)$/\1/p')
    [ "$depth" = "0" ] && break
    sleep 0.1
done
for _ in $(seq 1 100); do
    settled=$(curl -s "$RELAY/metrics" | sed -n 's/^relay_accounts_settled_total \([0-9]*\)$/\1/p')
    [ "${settled:-0}" -ge 6 ] && break
    sleep 0.1
done
echo
echo "-- the relay's metrics (GET /metrics, Prometheus text), after every reading settled:"
curl -s "$RELAY/metrics" | grep -E '^relay_(readings_[a-z]+_total|batches_total|accounts_settled_total|batch_ref_time|batch_proof_size|queue_depth|submit_latency_seconds_(sum|count)|settle_latency_seconds_(sum|count))' | sed 's/^/   /'
echo "-- GET /health: $(curl -s "$RELAY/health")"
kill -TERM "$RELAY_PID"
wait "$RELAY_PID" || true
echo
echo "-- what the relay's outbox and the city's chain hold now (meter-relay inspect):"
"$BIN/meter-relay" inspect --data-dir "$WORK/relay" --meters 6
if [ "$CITY" != "$WORK/city.state" ]; then echo "(the city before the relay is saved in $CITY)"; fi
