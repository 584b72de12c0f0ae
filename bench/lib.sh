# Shell functions shared by the bench/ scripts (run.sh, edge/, h2/, syscalls/,
# pgo/); source it with TMP, PORT, MGRPORT and ROOT set.

# need BINARY PACKAGE installs the package when the binary is missing.
need() { command -v "$1" >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 || true; }

# render TEMPLATE FILE writes the template with ${TMP}, ${PORT} and
# ${MGRPORT} replaced, and ${DEFER_BALANCER}, ${DEFER_HAPROXY} and
# ${DEFER_NGINX} by each peer's deferred accept (TCP_DEFER_ACCEPT) when
# DEFER=1, by nothing otherwise.
render() {
  local db= dh= dn=
  if [ "${DEFER:-0}" = 1 ]; then db='    deferaccept: true' dh=defer-accept dn=deferred; fi
  sed -e "s|\${TMP}|$TMP|g" -e "s|\${PORT}|$PORT|g" -e "s|\${MGRPORT}|$MGRPORT|g" \
    -e "s|\${DEFER_BALANCER}|$db|g" -e "s|\${DEFER_HAPROXY}|$dh|g" -e "s|\${DEFER_NGINX}|$dn|g" "$1" > "$2"
}

# cleanup is the scripts' exit trap: it runs the script's on_exit, if it
# defines one, stops the sessions in pids and the peer, removes the other
# revision's worktree (build_before) and TMP.
pids=()
cleanup() {
  if declare -F on_exit >/dev/null; then on_exit || true; fi
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -- -"$p" 2>/dev/null || true; done
  stop_peer || true
  [ -z "${BEFORE:-}" ] || git -C "$ROOT" worktree remove --force "$TMP/before" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}

# stop_peer stops the session of the peer started last (PEER_PID).
PEER_PID=
stop_peer() {
  [ -n "$PEER_PID" ] || return 0
  kill -TERM -- -"$PEER_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$PEER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- -"$PEER_PID" 2>/dev/null || true
  PEER_PID=
  sleep 0.3
}

# await_peer NAME [PROBE...] records the peer just started in the
# background as PEER_PID and waits up to 10 s for PROBE (by default an
# HTTP request to PORT) to succeed; if it does not, it names the peer and
# shows the end of $TMP/NAME.log.
await_peer() {
  PEER_PID=$!
  local name=$1
  shift
  [ $# -gt 0 ] || set -- curl -s -o /dev/null "http://127.0.0.1:$PORT/"
  for _ in $(seq 100); do
    "$@" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "   $name did not start:"; tail -5 "$TMP/$name.log"; return 1
}

# start_peer NAME starts a peer (balancer, balancer-before,
# balancer-2cores, haproxy, nginx, apache2, caddy, floor-net, floor-epoll) with its bench/peers/
# configuration, in a session of its own on core 0 (balancer-2cores on
# both cores), and waits for it to answer (await_peer). BALANCER_ENV
# (e.g. GODEBUG=gctrace=1) goes into the balancers' environment. NAME
# with -deferred appended is that peer with its deferred accept on
# (render), so both can be measured in the same rounds.
start_peer() {
  local p=$1
  case $p in
    *-deferred) DEFER=1 start_peer "${p%-deferred}"; return ;;
    balancer|balancer-before) render "$BENCH_DIR/peers/balancer.yaml" "$TMP/balancer.yaml"
      env ${BALANCER_ENV:-} setsid taskset -c 0 "$TMP/$p" -config "$TMP/balancer.yaml" -log-level warn >"$TMP/$p.log" 2>&1 & ;;
    balancer-2cores) render "$BENCH_DIR/peers/balancer.yaml" "$TMP/balancer.yaml"
      # Two proxy threads (GOMAXPROCS follows the CPU set), sharing the
      # cores with wrk and the members: compare its CPU per request, not
      # its requests/s, with the one-core balancer's.
      env ${BALANCER_ENV:-} setsid taskset -c 0,1 "$TMP/balancer" -config "$TMP/balancer.yaml" -log-level warn >"$TMP/$p.log" 2>&1 & ;;
    haproxy) render "$BENCH_DIR/peers/haproxy.cfg" "$TMP/haproxy.cfg"
      setsid taskset -c 0 haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/$p.log" 2>&1 & ;;
    nginx) render "$BENCH_DIR/peers/nginx.conf" "$TMP/nginx.conf"
      setsid taskset -c 0 nginx -c "$TMP/nginx.conf" -g 'daemon off;' >"$TMP/$p.log" 2>&1 & ;;
    apache2) render "$BENCH_DIR/peers/apache2.conf" "$TMP/apache2.conf"
      setsid taskset -c 0 apache2 -f "$TMP/apache2.conf" -DFOREGROUND >"$TMP/$p.log" 2>&1 & ;;
    floor-net|floor-epoll) # bench/floor: the relay without HTTP work (built by the script that names it)
      setsid taskset -c 0 "$TMP/floor" -listen "127.0.0.1:$PORT" -mode "${p#floor-}" >"$TMP/$p.log" 2>&1 & ;;
    caddy) render "$BENCH_DIR/peers/Caddyfile" "$TMP/Caddyfile"
      HOME=$TMP XDG_DATA_HOME=$TMP XDG_CONFIG_HOME=$TMP setsid taskset -c 0 caddy run --config "$TMP/Caddyfile" --adapter caddyfile >"$TMP/$p.log" 2>&1 & ;;
    *) echo "   unknown peer $p"; return 1 ;;
  esac
  await_peer "$p"
}

# passive_opens prints how many TCP connections this host has accepted
# so far, by every process (PassiveOpens in /proc/net/snmp).
passive_opens() {
  awk '/^Tcp:/ { if (!c) { for (i = 1; i <= NF; i++) if ($i == "PassiveOpens") c = i } else print $c }' /proc/net/snmp
}

# cpu_ticks SID sums utime+stime of every process in the session.
cpu_ticks() {
  local sid=$1 total=0
  for pid in $(ps -e -o pid=,sid= | awk -v s="$sid" '$2==s{print $1}'); do
    if [ -r /proc/$pid/stat ]; then
      t=$(sed 's/^.*) //' /proc/$pid/stat | awk '{print $12+$13}')
      total=$((total + t))
    fi
  done
  echo $total
}

# start_members starts the three bench/member members (node1-3 on
# 127.0.0.1:19101-19103) on core 1, each its own session, adding them to
# the caller's pids.
start_members() {
  echo "== members on core 1"
  for i in 1 2 3; do
    setsid taskset -c 1 "$TMP/member" -listen 127.0.0.1:1910$i -route node$i >/dev/null 2>&1 &
    pids+=($!)
  done
  sleep 0.5
}

# build_before builds the balancer of revision BEFORE (when set) into
# $TMP/balancer-before, from a worktree at $TMP/before (cleanup
# removes it), and adds it to PEERS: a change's before and after
# measured in the same rounds.
build_before() {
  [ -n "${BEFORE:-}" ] || return 0
  git -C "$ROOT" worktree add -q --detach "$TMP/before" "$BEFORE"
  (cd "$TMP/before" && go build -o "$TMP/balancer-before" ./cmd/balancer)
  PEERS="$PEERS balancer-before"
}
