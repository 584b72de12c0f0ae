#!/usr/bin/env bash
# Soak test of the balancer, 127.0.0.1 only: a steady mixed load (sticky
# GETs over every route, GETs without a cookie, small POSTs) for DURATION
# seconds while one of three members is killed with SIGKILL and restarted
# every few seconds, round robin. Every 5 s it samples the balancer's
# resident memory, goroutines, open descriptors, requests done and lost
# (GET and POST apart) and the interval's p99 latency.
#
#   bench/soak/soak.sh                 # DURATION=600 (seconds)
#   QUICK=1 bench/soak/soak.sh         # 60 seconds
#   DURATION=1800 RATE=800 CONNS=48 KILL_EVERY=3s bench/soak/soak.sh
#
# Output: bench/soak/results/soak.csv and bench/soak/results/SOAK.md.
# Exit status 0 when no GET was lost and memory, goroutines and
# descriptors stayed flat; 1 otherwise. Everything it starts is killed on
# exit.
set -euo pipefail
SOAK_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$SOAK_DIR/../.." && pwd)
DURATION=${DURATION:-600}
if [ "${QUICK:-}" = 1 ]; then DURATION=60; fi
RATE=${RATE:-600}
CONNS=${CONNS:-32}
KILL_EVERY=${KILL_EVERY:-4s}
DOWN_FOR=${DOWN_FOR:-1s}
PORT=${PORT:-19280}
MGRPORT=${MGRPORT:-19281}
MEMBER_PORTS=${MEMBER_PORTS:-"19201 19202 19203"}
OUT=${OUT:-$SOAK_DIR/results}
TMP=$(mktemp -d /tmp/balancer-soak.XXXXXX)
mkdir -p "$OUT"

pids=()
status=1
cleanup() {
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && kill -9 -- -"$p" 2>/dev/null || true
  done
  if [ "$status" = 0 ]; then rm -rf "$TMP"; else echo "logs kept in $TMP" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in $PORT $MGRPORT $MEMBER_PORTS; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "port $p is in use; set PORT, MGRPORT or MEMBER_PORTS" >&2
    exit 2
  fi
done

echo "== building"
(cd "$ROOT" && go build -o "$TMP/balancer" ./cmd/balancer &&
  go build -o "$TMP/member" ./bench/soak/member &&
  go build -o "$TMP/soak" ./bench/soak)

members=""
{
  echo "listen: \"127.0.0.1:$PORT\""
  echo "manager:"
  echo "  listen: \"127.0.0.1:$MGRPORT\""
  echo "balancers:"
  echo "  - name: cluster"
  echo "    lbmethod: byrequests"
  echo "    stickysession: JSESSIONID|jsessionid"
  echo "    members:"
  i=1
  for p in $MEMBER_PORTS; do
    echo "      - url: http://127.0.0.1:$p"
    echo "        route: node$i"
    echo "        retry: 2s"
    members="$members${members:+,}127.0.0.1:$p"
    i=$((i + 1))
  done
  echo "routes:"
  echo "  - path: /"
  echo "    balancer: cluster"
} >"$TMP/balancer.yaml"
"$TMP/balancer" check -config "$TMP/balancer.yaml"

echo "== balancer on 127.0.0.1:$PORT, manager on 127.0.0.1:$MGRPORT"
setsid "$TMP/balancer" -config "$TMP/balancer.yaml" -log-level warn >"$TMP/balancer.log" 2>&1 &
bal=$!
disown "$bal" # its end is reported by the checks below, not by the shell
pids+=("$bal")
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$MGRPORT") 2>/dev/null && break
  sleep 0.1
done

cmdline="${QUICK:+QUICK=$QUICK }DURATION=$DURATION RATE=$RATE CONNS=$CONNS KILL_EVERY=$KILL_EVERY DOWN_FOR=$DOWN_FOR bench/soak/soak.sh"
[ "${QUICK:-}" = 1 ] && cmdline="QUICK=1 bench/soak/soak.sh"
echo "== soak for ${DURATION}s: $RATE req/s over $CONNS connections, a member killed every $KILL_EVERY"
# The driver heads its own process group, with the members it starts, so
# that the trap ends them all even if the driver itself is killed.
setsid "$TMP/soak" -addr "127.0.0.1:$PORT" -metrics "http://127.0.0.1:$MGRPORT/metrics" -pid "$bal" \
  -member "$TMP/member" -members "$members" -duration "${DURATION}s" -rate "$RATE" -conns "$CONNS" \
  -kill-every "$KILL_EVERY" -down-for "$DOWN_FOR" -config "$TMP/balancer.yaml" -logs "$TMP" \
  -csv "$OUT/soak.csv" -md "$OUT/SOAK.md" -command "$cmdline" &
drv=$!
pids+=("$drv")
set +e
wait "$drv"
status=$?
set -e
if ! kill -0 "$bal" 2>/dev/null; then
  echo "the balancer died during the soak; its log:" >&2
  tail -n 50 "$TMP/balancer.log" >&2
  status=1
fi
echo "== results in $OUT/SOAK.md and $OUT/soak.csv"
exit "$status"
