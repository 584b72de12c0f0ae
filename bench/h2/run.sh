#!/usr/bin/env bash
# HTTP/2 over TLS side by side: the balancer, HAProxy, nginx and Caddy,
# each terminating TLS with ALPN h2 and routing by the JSESSIONID route to
# three HTTP/1.1 members, measured with h2load (Debian's nghttp2-client):
#
#   bench/h2/run.sh                       # DURATION=10 ROUNDS=3
#   QUICK=1 bench/h2/run.sh               # a smoke run
#   PEERS="balancer haproxy" CLIENTS=16 STREAMS=10 bench/h2/run.sh
#
# As bench/run.sh does: each peer on core 0 as its own session, h2load and
# the members on core 1, peers interleaved within each round; requests/s,
# p50/p99 from h2load's per-request log, errors, and the proxy's CPU time
# per request (utime+stime of every process of its session, /proc). Output:
# bench/results/h2.csv and bench/results/H2.md (medians, and the balancer's
# ratios to each peer). Only 127.0.0.1; everything stops by itself.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(dirname "$BENCH_DIR")
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-16}
STREAMS=${STREAMS:-10}
if [ "${QUICK:-}" = 1 ]; then DURATION=3; ROUNDS=1; fi
PEERS=${PEERS:-"balancer haproxy nginx caddy"}
SCENARIOS=${SCENARIOS:-"sticky nocookie"}
PORT=19443
MGRPORT=19081
TMP=$(mktemp -d /tmp/balancer-h2bench.XXXXXX)
OUT=$BENCH_DIR/results
mkdir -p "$OUT"
trap cleanup EXIT # bench/lib.sh
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

need h2load nghttp2-client
need haproxy haproxy
need nginx nginx-light
need caddy caddy
need openssl openssl

echo "== building, certificate"
(cd "$ROOT" && go build -o "$TMP/balancer" ./cmd/balancer && go build -o "$TMP/member" ./bench/member)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
cat "$TMP/cert.pem" "$TMP/key.pem" > "$TMP/cert+key.pem"

start_members


start_peer() {
  local p=$1
  case $p in
    balancer) render "$BENCH_DIR/h2/balancer.yaml" "$TMP/balancer.yaml"
      setsid taskset -c 0 "$TMP/balancer" -config "$TMP/balancer.yaml" -log-level warn >"$TMP/$p.log" 2>&1 & ;;
    haproxy) render "$BENCH_DIR/h2/haproxy.cfg" "$TMP/haproxy.cfg"
      setsid taskset -c 0 haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/$p.log" 2>&1 & ;;
    nginx) render "$BENCH_DIR/h2/nginx.conf" "$TMP/nginx.conf"
      setsid taskset -c 0 nginx -c "$TMP/nginx.conf" -g 'daemon off;' >"$TMP/$p.log" 2>&1 & ;;
    caddy) render "$BENCH_DIR/h2/Caddyfile" "$TMP/Caddyfile"
      HOME=$TMP XDG_DATA_HOME=$TMP XDG_CONFIG_HOME=$TMP setsid taskset -c 0 caddy run --config "$TMP/Caddyfile" --adapter caddyfile >"$TMP/$p.log" 2>&1 & ;;
  esac
  await_peer "$p" curl -sk --http2 -o /dev/null "https://127.0.0.1:$PORT/"
}


# speaks_h2_and_routes checks that the peer answers over HTTP/2 and sends
# every request of a session to its route's member.
speaks_h2_and_routes() {
  for r in node1 node2 node3; do
    got=$(curl -sk --http2 -D - -o /dev/null -w '%{http_version}' -H "Cookie: JSESSIONID=abc.$r" "https://127.0.0.1:$PORT/app" | tr -d '\r' |
      awk -F': ' 'tolower($1)=="x-route"{r=$2} END{print r}')
    ver=$(curl -sk --http2 -o /dev/null -w '%{http_version}' -H "Cookie: JSESSIONID=abc.$r" "https://127.0.0.1:$PORT/app")
    [ "$got" = "$r" ] && [ "$ver" = 2 ] || { echo "   session of $r: '$got' over HTTP/$ver"; return 1; }
  done
}


CSV=$OUT/h2.csv
echo "peer,scenario,round,rps,p50_us,p99_us,errors,requests,cpu_us_per_req" > "$CSV"
HZ=$(getconf CLK_TCK)
ok_peers=()
for p in $PEERS; do
  command -v "${p/balancer/true}" >/dev/null 2>&1 || { echo "== $p: not installed, skipped"; continue; }
  start_peer "$p" || { stop_peer; continue; }
  if speaks_h2_and_routes; then ok_peers+=("$p"); echo "== $p speaks HTTP/2 and routes by route"; else echo "== $p: not measured"; fi
  stop_peer
done

for round in $(seq "$ROUNDS"); do
  for scen in $SCENARIOS; do
    for p in "${ok_peers[@]}"; do
      start_peer "$p" || continue
      hdr=()
      [ "$scen" = sticky ] && hdr=(-H "cookie: JSESSIONID=8f3a9c2e.node2")
      log=$TMP/h2load.log
      taskset -c 1 h2load -c"$CLIENTS" -m"$STREAMS" -D1 "${hdr[@]}" "https://127.0.0.1:$PORT/app" >/dev/null 2>&1 || true
      before=$(cpu_ticks "$PEER_PID")
      out=$(taskset -c 1 h2load -c"$CLIENTS" -m"$STREAMS" -D"$DURATION" --log-file="$log" "${hdr[@]}" "https://127.0.0.1:$PORT/app" 2>&1 || true)
      after=$(cpu_ticks "$PEER_PID")
      stop_peer
      # "requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout"
      requests=$(echo "$out" | awk '/^requests:/{print $8}')
      errors=$(echo "$out" | awk '/^requests:/{print $10+$12+$14}')
      [ -n "$requests" ] && [ "$requests" -gt 0 ] || { echo "   $p $scen: no result"; echo "$out" | tail -5; continue; }
      rps=$(awk -v r="$requests" -v d="$DURATION" 'BEGIN{printf "%.0f", r/d}')
      read -r p50 p99 < <(awk -F'\t' '$2==200{print $3}' "$log" | sort -n | awk '{a[NR]=$1} END{printf "%d %d\n", a[int(NR*0.5)], a[int(NR*0.99)]}')
      cpu=$(awk -v t=$((after-before)) -v hz="$HZ" -v r="$requests" 'BEGIN{printf "%.2f", t*1e6/hz/r}')
      echo "$p,$scen,$round,$rps,$p50,$p99,$errors,$requests,$cpu" >> "$CSV"
      printf "   round %s %-8s %-9s %8s req/s  p50 %6s us  p99 %6s us  cpu %6s us/req  errors %s\n" "$round" "$p" "$scen" "$rps" "$p50" "$p99" "$cpu" "$errors"
    done
  done
done

echo "== report"
awk -F, -v dur="$DURATION" -v rounds="$ROUNDS" -v clients="$CLIENTS" -v streams="$STREAMS" '
NR==1 {next}
{ k=$1","$2; n[k]++; rps[k,n[k]]=$4; p99[k,n[k]]=$6; cpu[k,n[k]]=$9; err[k]+=$7; peers[$1]=1; scens[$2]=1 }
function med(arr, k, m,   i, j, t, v) { for (i=1;i<=m;i++) v[i]=arr[k,i]; for (i=1;i<=m;i++) for (j=i+1;j<=m;j++) if (v[j]+0<v[i]+0) {t=v[i];v[i]=v[j];v[j]=t}; return v[int((m+1)/2)] }
END {
  print "# HTTP/2 over TLS, side by side"
  print ""
  printf "`bench/h2/run.sh`: h2load -c %s -m %s, %s s per measurement, %s rounds interleaved; medians. Proxy on core 0, h2load and members on core 1.\n\n", clients, streams, dur, rounds
  print "| scenario | peer | requests/s | p99 (µs) | CPU µs/request | errors | balancer: rps ratio | p99 ratio | CPU ratio |"
  print "|---|---|---|---|---|---|---|---|---|"
  for (s in scens) for (p in peers) {
    k=p","s; if (!n[k]) continue
    b="balancer,"s
    r1=med(rps,k,n[k]); q1=med(p99,k,n[k]); c1=med(cpu,k,n[k])
    if (n[b] && p!="balancer") { rr=sprintf("%.2f", med(rps,b,n[b])/r1); qq=sprintf("%.2f", med(p99,b,n[b])/q1); cc=sprintf("%.2f", med(cpu,b,n[b])/c1) } else { rr="";qq="";cc="" }
    printf "| %s | %s | %d | %d | %.2f | %d | %s | %s | %s |\n", s, p, r1, q1, c1, err[k], rr, qq, cc
  }
}' "$CSV" > "$OUT/H2.md"
cat "$OUT/H2.md"
