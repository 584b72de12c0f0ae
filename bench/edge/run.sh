#!/usr/bin/env bash
# Runs the edge cases (bench/edge) against the balancer, HAProxy and nginx
# in turn, each with its configuration from bench/peers, and writes the
# side-by-side table to bench/results/EDGE.md:
#
#   bench/edge/run.sh
#   PEERS="balancer haproxy" bench/edge/run.sh
#
# HAProxy and nginx come from Debian's packages (haproxy, nginx-light),
# installed when missing, as bench/run.sh does. The balancer runs with the
# bench configuration plus `limits.maxbodysize: 1MiB`, nginx's default
# client_max_body_size, so that both have the same body limit; HAProxy has
# none.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(dirname "$BENCH_DIR")
PEERS=${PEERS:-"balancer haproxy nginx"}
PORT=19080
MGRPORT=19081
TMP=$(mktemp -d /tmp/balancer-edge.XXXXXX)
OUT=$BENCH_DIR/results
trap cleanup EXIT # bench/lib.sh
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
need haproxy haproxy
need nginx nginx-light

echo "== building"
(cd "$ROOT" && go build -o "$TMP/balancer" ./cmd/balancer && go build -o "$TMP/edge" ./bench/edge)

start_peer() {
  case $1 in
    balancer) render "$BENCH_DIR/peers/balancer.yaml" "$TMP/balancer.yaml"
      printf 'limits:\n  maxbodysize: 1MiB\n' >> "$TMP/balancer.yaml"
      setsid "$TMP/balancer" -config "$TMP/balancer.yaml" -log-level warn >"$TMP/$1.log" 2>&1 & ;;
    haproxy) render "$BENCH_DIR/peers/haproxy.cfg" "$TMP/haproxy.cfg"
      setsid haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/$1.log" 2>&1 & ;;
    nginx) render "$BENCH_DIR/peers/nginx.conf" "$TMP/nginx.conf"
      setsid nginx -c "$TMP/nginx.conf" -g 'daemon off;' >"$TMP/$1.log" 2>&1 & ;;
    *) echo "unknown peer $1"; return 1 ;;
  esac
  await_peer "$1" bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT"
}

versions=()
args=()
for p in $PEERS; do
  case $p in
    haproxy) command -v haproxy >/dev/null || { echo "== haproxy not installable, skipped"; continue; }
      versions+=("$(haproxy -v | sed -n 1p)") ;;
    nginx) command -v nginx >/dev/null || { echo "== nginx not installable, skipped"; continue; }
      versions+=("$(nginx -v 2>&1)") ;;
    balancer) versions+=("balancer $(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown)") ;;
  esac
  echo "== $p"
  start_peer "$p"
  "$TMP/edge" -front "127.0.0.1:$PORT" -out "$TMP/$p.tsv"
  stop_peer
  args+=("$p=$TMP/$p.tsv")
done

"$TMP/edge" -report "$TMP/table.md" "${args[@]}"
{
  echo "# Edge cases side by side"
  echo
  echo "\`bench/edge/run.sh\` on $(date -u +%Y-%m-%d), 127.0.0.1; $(IFS=';'; echo "${versions[*]}" | sed 's/;/; /g')."
  echo "Each cell: the client's status; whether the client connection was then"
  echo "\`closed\` or \`kept\` (a follow-up request on it got its own 200); what the"
  echo "members received (node1 reads all, node2 dies after 512 body bytes,"
  echo "node3 closes an idle pooled connection); **SMUGGLED** when a request"
  echo "carried in a body reached a member. Configurations: bench/peers (the"
  echo "balancer with \`limits.maxbodysize: 1MiB\`, nginx's default)."
  cat "$TMP/table.md"
} > "$OUT/EDGE.md"
echo "== $OUT/EDGE.md"
