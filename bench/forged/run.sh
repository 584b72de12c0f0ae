#!/usr/bin/env bash
# Forged session ids against a balancer sharing its state through Redis,
# 127.0.0.1 only: N requests each with a made-up JSESSIONID naming a
# disabled member (every one a would-be moved session: the members accept
# any id, the worst case), then N with made-up ids in learn mode (every one
# a learned-table miss). It reports the balancer's resident memory and the
# Redis key count before and after, and the store counters of /metrics.
#
#   bench/forged/run.sh                      # N=1000000
#   N=100000 WRITERATE=100 bench/forged/run.sh
#
# Exit status 0 when the Redis keys stay within writerate × (seconds + 1),
# the Redis lookups within lookuprate × (seconds + 1), and the RSS growth
# within RSS_LIMIT_KB; 1 otherwise. Everything it starts is killed on exit.
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$DIR/../.." && pwd)
N=${N:-1000000}
CONNS=${CONNS:-32}
WRITERATE=${WRITERATE:-1000}
LOOKUPRATE=${LOOKUPRATE:-1000}
RSS_LIMIT_KB=${RSS_LIMIT_KB:-131072}
PORT=${PORT:-19380}
MGRPORT=${MGRPORT:-19381}
REDISPORT=${REDISPORT:-19379}
MEMBER_PORTS=${MEMBER_PORTS:-"19301 19302 19303"}
TMP=$(mktemp -d /tmp/balancer-forged.XXXXXX)

pids=()
cleanup() {
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && { kill -9 "$p" && wait "$p"; } 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in $PORT $MGRPORT $REDISPORT $MEMBER_PORTS; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "port $p is in use; set PORT, MGRPORT, REDISPORT or MEMBER_PORTS" >&2
    exit 2
  fi
done

echo "== building"
(cd "$ROOT" && go build -o "$TMP/balancer" ./cmd/balancer &&
  go build -o "$TMP/member" ./bench/member &&
  go build -o "$TMP/forged" ./bench/forged)

redis-server --port "$REDISPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP" >"$TMP/redis.log" 2>&1 &
pids+=($!)
i=1
for p in $MEMBER_PORTS; do
  "$TMP/member" -listen "127.0.0.1:$p" -route "node$i" >"$TMP/member$i.log" 2>&1 &
  pids+=($!)
  i=$((i + 1))
done

members() {
  i=1
  for p in $MEMBER_PORTS; do
    echo "      - url: http://127.0.0.1:$p"
    echo "        route: node$i"
    [ "$i" = 2 ] && [ "$1" = route ] && echo "        status: [disabled]"
    i=$((i + 1))
  done
}
{
  echo "listen: \"127.0.0.1:$PORT\""
  echo "manager:"
  echo "  listen: \"127.0.0.1:$MGRPORT\""
  echo "store:"
  echo "  cluster: forged"
  echo "  redis:"
  echo "    addr: 127.0.0.1:$REDISPORT"
  echo "    writerate: $WRITERATE"
  echo "    lookuprate: $LOOKUPRATE"
  echo "balancers:"
  echo "  - name: cluster"
  echo "    stickysession: JSESSIONID"
  echo "    members:"
  members route
  echo "  - name: learned"
  echo "    stickysession: JSESSIONID"
  echo "    stickymode: learn"
  echo "    members:"
  members learn
  echo "routes:"
  echo "  - path: /"
  echo "    balancer: cluster"
  echo "  - path: /learn"
  echo "    balancer: learned"
} >"$TMP/balancer.yaml"
"$TMP/balancer" check -config "$TMP/balancer.yaml"
"$TMP/balancer" -config "$TMP/balancer.yaml" 2>"$TMP/balancer.log" &
bpid=$!
pids+=($bpid)

"$TMP/forged" -addr "127.0.0.1:$PORT" -metrics "http://127.0.0.1:$MGRPORT/metrics" \
  -redis "127.0.0.1:$REDISPORT" -pid "$bpid" -n "$N" -conns "$CONNS" \
  -writerate "$WRITERATE" -lookuprate "$LOOKUPRATE" -rsslimit "$RSS_LIMIT_KB"
