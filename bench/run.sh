#!/usr/bin/env bash
# Measures the balancer side by side with HAProxy, nginx, httpd
# (mod_proxy_balancer) and Caddy on this machine, 127.0.0.1 only:
#
#   bench/run.sh                 # DURATION=10 ROUNDS=3 per measurement
#   QUICK=1 bench/run.sh         # about a minute, for a smoke run
#   PEERS="balancer haproxy" DURATION=20 ROUNDS=5 CONNS=64 bench/run.sh
#   BEFORE=842ec03 PEERS=balancer OUT=/tmp/x bench/run.sh   # also that revision, as peer balancer-before
#   PEERS="balancer balancer-2cores" bench/run.sh   # one proxy thread against two: CPU per request
#
# Each peer is configured as the closest equivalent of the balancer's
# sticky setup (bench/peers/), checked to route by the session's route,
# then measured in turn, interleaved and repeated: requests/s, p50, p99,
# p99.9, errors, and the proxy's own CPU time per request (utime+stime of
# all its processes, from /proc). The proxy runs on core 0; wrk and the
# three members on core 1. Output: bench/results/results.csv,
# RESULTS.md and chart.svg.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
export BENCH_DIR
ROOT=$(dirname "$BENCH_DIR")
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
if [ "${QUICK:-}" = 1 ]; then DURATION=3; ROUNDS=1; fi
PEERS=${PEERS:-"balancer haproxy nginx apache2 caddy"}
SCENARIOS=${SCENARIOS:-"sticky nocookie"}
CONNMODES=${CONNMODES:-"keepalive close"}
PORT=19080
MGRPORT=19081
TMP=$(mktemp -d /tmp/balancer-bench.XXXXXX)
export TMP PORT MGRPORT
OUT=${OUT:-$BENCH_DIR/results}
mkdir -p "$OUT"
trap cleanup EXIT # bench/lib.sh
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

need wrk wrk
need haproxy haproxy
need nginx nginx-light
need apache2 apache2
need caddy caddy

echo "== building"
(cd "$ROOT" && go build -o "$TMP/balancer" ./cmd/balancer && go build -o "$TMP/member" ./bench/member)
build_before

start_members

available() {
  case ${1%-deferred} in
    balancer) true ;;
    balancer-before) [ -x "$TMP/balancer-before" ] ;;
    balancer-2cores) true ;;
    haproxy) command -v haproxy >/dev/null ;;
    nginx) command -v nginx >/dev/null ;;
    apache2) command -v apache2 >/dev/null ;;
    caddy) command -v caddy >/dev/null ;;
    *) false ;;
  esac
}

# routes_by_route checks that every request of a session reaches its
# route's member.
routes_by_route() {
  for r in node1 node2 node3; do
    for i in 1 2 3 4 5; do
      got=$(curl -s -D - -o /dev/null -H "Cookie: JSESSIONID=abc$i.$r" "http://127.0.0.1:$PORT/app" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-route"{print $2}')
      [ "$got" = "$r" ] || { echo "   session of $r went to '$got'"; return 1; }
    done
  done
}


CSV=$OUT/results.csv
echo "peer,scenario,conn,round,rps,p50_us,p99_us,p999_us,errors,requests,cpu_us_per_req" > "$CSV"
HZ=$(getconf CLK_TCK)
ok_peers=()
for p in $PEERS; do
  available "$p" || { echo "== $p: not installable here, skipped"; continue; }
  start_peer "$p" || { stop_peer; continue; }
  if routes_by_route; then ok_peers+=("$p"); echo "== $p routes by route"; else echo "== $p does NOT route by route: not measured"; fi
  stop_peer
done

for round in $(seq "$ROUNDS"); do
  for scen in $SCENARIOS; do
    for conn in $CONNMODES; do
      for p in "${ok_peers[@]}"; do
        start_peer "$p" || continue
        hdr=()
        [ "$conn" = close ] && hdr=(-H "Connection: close")
        # warm up
        taskset -c 1 wrk -t1 -c"$CONNS" -d1s "${hdr[@]}" -s "$BENCH_DIR/wrk/$scen.lua" "http://127.0.0.1:$PORT/" >/dev/null 2>&1 || true
        before=$(cpu_ticks "$PEER_PID")
        opens=$(passive_opens)
        line=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 5s "${hdr[@]}" -s "$BENCH_DIR/wrk/$scen.lua" "http://127.0.0.1:$PORT/" 2>&1 | grep '^RESULT' || true)
        after=$(cpu_ticks "$PEER_PID")
        opens=$(($(passive_opens) - opens))
        stop_peer
        [ -n "$line" ] || { echo "   $p $scen $conn: no result"; continue; }
        eval "$(echo "$line" | sed 's/^RESULT //; s/ /;/g')"
        # The connection mode is what the load did, not what it was
        # asked: a new connection per request (the peer's connections
        # to its members may add some), or a few for all of them.
        if { [ "$conn" = close ] && [ $((opens * 10)) -lt $((requests * 9)) ]; } ||
          { [ "$conn" = keepalive ] && [ $((opens * 10)) -gt "$requests" ]; }; then
          echo "   $p $scen $conn: $opens connections accepted for $requests requests: wrk/$scen.lua does not keep to the connection mode"
          exit 1
        fi
        rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN{printf "%.0f", r/(d/1e6)}')
        cpu=$(awk -v t=$((after-before)) -v hz="$HZ" -v r="$requests" 'BEGIN{ if (r>0) printf "%.2f", t*1e6/hz/r; else print 0 }')
        echo "$p,$scen,$conn,$round,$rps,$p50_us,$p99_us,$p999_us,$errors,$requests,$cpu" >> "$CSV"
        printf "   round %s %-8s %-9s %-9s %8s req/s  p99 %6s us  cpu %6s us/req  errors %s\n" "$round" "$p" "$scen" "$conn" "$rps" "$p99_us" "$cpu" "$errors"
      done
    done
  done
done

echo "== report"
(cd "$ROOT" && go run ./bench/report -in "$CSV" -out "$OUT")
echo "== $OUT/RESULTS.md"
