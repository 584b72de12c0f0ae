#!/usr/bin/env bash
# Refreshes cmd/balancer/default.pgo, the CPU profile `go build
# ./cmd/balancer` optimises with (profile-guided optimisation), from the
# balancer under the benchmark's load, 127.0.0.1 only:
#
#   bench/pgo/refresh.sh                 # PHASE=8 seconds per load
#   PHASE=15 OUT=/tmp/x.pgo bench/pgo/refresh.sh
#
# Builds the balancer, starts three bench/member members (core 1) and the
# balancer with bench/peers/balancer.yaml and manager.pprof (core 0), and
# takes one CPU profile from the manager's /debug/pprof/profile while wrk
# (core 1) runs, in turn, bench/wrk/sticky.lua and nocookie.lua with
# keep-alive and with a new connection per request (Connection: close),
# PHASE seconds each: the scenarios of bench/run.sh, weighted alike.
set -euo pipefail
PGO_DIR=$(cd "$(dirname "$0")" && pwd)
BENCH_DIR=$(dirname "$PGO_DIR")
export BENCH_DIR
ROOT=$(dirname "$BENCH_DIR")
PHASE=${PHASE:-8}
CONNS=${CONNS:-64}
OUT=${OUT:-$ROOT/cmd/balancer/default.pgo}
PORT=19080
MGRPORT=19081
TMP=$(mktemp -d /tmp/balancer-pgo.XXXXXX)
export TMP PORT MGRPORT
trap cleanup EXIT # bench/lib.sh
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
need wrk wrk

echo "== building"
(cd "$ROOT" && go build -o "$TMP/balancer" ./cmd/balancer && go build -o "$TMP/member" ./bench/member)

start_members
render "$BENCH_DIR/peers/balancer.yaml" "$TMP/balancer.yaml"
sed -i 's|^  listen: "127.0.0.1:'"$MGRPORT"'"$|&\n  pprof: true|' "$TMP/balancer.yaml"
grep -q 'pprof: true' "$TMP/balancer.yaml" || { echo "could not enable manager.pprof"; exit 1; }
setsid taskset -c 0 "$TMP/balancer" -config "$TMP/balancer.yaml" -log-level warn >"$TMP/balancer.log" 2>&1 &
await_peer balancer || exit 1
curl -sf -o /dev/null "http://127.0.0.1:$MGRPORT/debug/pprof/" || { echo "no pprof on the manager:"; tail -5 "$TMP/balancer.log"; exit 1; }

loads=("sticky keepalive" "sticky close" "nocookie keepalive" "nocookie close")
# warm up, so the profile starts on a balancer that has its connections
taskset -c 1 wrk -t1 -c"$CONNS" -d1s -s "$BENCH_DIR/wrk/sticky.lua" "http://127.0.0.1:$PORT/" >/dev/null 2>&1

echo "== profiling $((PHASE * ${#loads[@]})) s"
curl -sf -o "$TMP/cpu.pprof" "http://127.0.0.1:$MGRPORT/debug/pprof/profile?seconds=$((PHASE * ${#loads[@]}))" &
prof=$!
for l in "${loads[@]}"; do
  read -r scen conn <<<"$l"
  hdr=()
  [ "$conn" = close ] && hdr=(-H "Connection: close")
  printf '   %-9s %-9s ' "$scen" "$conn"
  taskset -c 1 wrk -t1 -c"$CONNS" -d"${PHASE}s" --timeout 5s "${hdr[@]}" -s "$BENCH_DIR/wrk/$scen.lua" "http://127.0.0.1:$PORT/" 2>&1 |
    awk '/^Requests\/sec/{print $2 " req/s"}'
done
wait "$prof"
go tool pprof -top -nodecount=1 "$TMP/cpu.pprof" 2>/dev/null | sed -n 's/^Duration/   profile: Duration/p' || true
cp "$TMP/cpu.pprof" "$OUT"
echo "== $OUT ($(wc -c <"$OUT") bytes)"
