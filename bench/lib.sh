# Shell functions shared by bench/run.sh and bench/h2/run.sh; source it
# with TMP, PORT and MGRPORT set.

# need BINARY PACKAGE installs the package when the binary is missing.
need() { command -v "$1" >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 || true; }

# render TEMPLATE FILE writes the template with ${TMP}, ${PORT} and
# ${MGRPORT} replaced.
render() { sed -e "s|\${TMP}|$TMP|g" -e "s|\${PORT}|$PORT|g" -e "s|\${MGRPORT}|$MGRPORT|g" "$1" > "$2"; }

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
