#!/usr/bin/env bash
# Counts the system calls each proxy makes per request, on 127.0.0.1 only:
#
#   bench/syscalls/run.sh                      # N=100000 requests per measurement
#   PEERS="balancer haproxy" N=50000 bench/syscalls/run.sh
#   BEFORE=main PEERS=balancer bench/syscalls/run.sh   # also that revision, as balancer-before
#   TOOL=strace bench/syscalls/run.sh          # strace -f -c instead of perf's tracepoints
#   ROUNDS=3 bench/syscalls/run.sh             # every column three times, interleaved (#1, #2, #3)
#   PEERS="floor-net floor-epoll haproxy" bench/syscalls/run.sh  # bench/floor: no HTTP work at all
#
# Three bench/member members and each peer with its bench/peers/
# configuration (the peer on core 0, the members and the load on core 1,
# as bench/run.sh does). For each scenario (sticky: 5,000 sessions over
# three routes; nocookie: the lbmethod chooses) and connection mode
# (keepalive; close: a new connection per request) the load
# (bench/syscalls/main.go) sends exactly N requests over CONNS connections
# while the peer's processes are counted, by `perf stat` on the
# syscalls:sys_enter_* tracepoints (every thread, exact counts, little
# overhead) or, where the kernel gives no tracepoints, by `strace -f -c`.
# Output: the calls per request of every system call, one column per peer
# and scenario, on stdout and in $OUT/SYSCALLS.md (bench/results/ by
# default).
set -euo pipefail
SYS_DIR=$(cd "$(dirname "$0")" && pwd)
BENCH_DIR=$(dirname "$SYS_DIR")
export BENCH_DIR
ROOT=$(dirname "$BENCH_DIR")
N=${N:-100000}
CONNS=${CONNS:-64}
PEERS=${PEERS:-"balancer haproxy nginx"}
SCENARIOS=${SCENARIOS:-"sticky nocookie"}
CONNMODES=${CONNMODES:-"keepalive"}
ROUNDS=${ROUNDS:-1}
OUT=${OUT:-$BENCH_DIR/results}
PORT=19080
MGRPORT=19081
TMP=$(mktemp -d /tmp/balancer-syscalls.XXXXXX)
export TMP PORT MGRPORT
mkdir -p "$OUT"
COUNTER_PID=
on_exit() { [ -z "$COUNTER_PID" ] || kill -INT "$COUNTER_PID" 2>/dev/null || true; }
trap cleanup EXIT # bench/lib.sh
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

need haproxy haproxy
need nginx nginx-light
need perf linux-perf
need strace strace
if [ -z "${TOOL:-}" ]; then
  TOOL=strace
  perf stat -e syscalls:sys_enter_read true >/dev/null 2>&1 && TOOL=perf
fi
command -v "$TOOL" >/dev/null || { echo "no $TOOL here"; exit 1; }

echo "== building"
(cd "$ROOT" && go build -o "$TMP/balancer" ./cmd/balancer && go build -o "$TMP/member" ./bench/member &&
  go build -o "$TMP/load" ./bench/syscalls && go build -o "$TMP/floor" ./bench/floor)
build_before

start_members

# The balancers report their garbage collections (start_peer, bench/lib.sh).
BALANCER_ENV=GODEBUG=gctrace=1

# session_pids lists the processes of the peer's session, comma separated.
session_pids() { ps -e -o pid=,sid= | awk -v s="$1" '$2==s{print $1}' | paste -sd, -; }

# The tracepoints counted: every system call's entry, and the exits of the
# reads that found nothing to read (EAGAIN, -11).
events=()
if [ "$TOOL" = perf ]; then
  while read -r ev _; do events+=(-e "$ev"); done < <(perf list 'syscalls:sys_enter_*' 2>/dev/null | grep -o 'syscalls:sys_enter_[a-z0-9_]*')
  for r in read recvfrom recvmsg readv; do
    events+=(-e "syscalls:sys_exit_$r" --filter 'ret == -11')
  done
  events+=(-e context-switches)
fi

# count_start SID FILE attaches the counter to the session's processes.
count_start() {
  local list
  list=$(session_pids "$1")
  if [ "$TOOL" = perf ]; then
    perf stat -x, -o "$2" -p "$list" "${events[@]}" >/dev/null 2>&1 &
  else
    local args=() pid
    for pid in ${list//,/ }; do args+=(-p "$pid"); done
    strace -f -c -q -o "$2" "${args[@]}" >/dev/null 2>&1 &
  fi
  COUNTER_PID=$!
  sleep 1 # attached to every thread before the load starts
}

count_stop() {
  kill -INT "$COUNTER_PID" 2>/dev/null || true
  wait "$COUNTER_PID" 2>/dev/null || true
  COUNTER_PID=
}

# counts FILE prints "syscall count" lines; EAGAIN reads as "read-EAGAIN".
counts() {
  if [ "$TOOL" = perf ]; then
    awk -F, '$1 ~ /^[0-9]+$/ && $1 > 0 {
      n = $3; sub(/^syscalls:/, "", n)
      if (n == "context-switches") n = "_cs"
      else if (n ~ /^sys_exit_/) { sub(/^sys_exit_/, "", n); n = n "-EAGAIN" } else sub(/^sys_enter_/, "", n)
      c[n] += $1 } END { for (n in c) print n, c[n] }' "$1"
  else
    # strace -c: % time, seconds, usecs/call, calls, [errors,] syscall
    awk '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
      name = $NF; calls = $4; c[name] += calls
      if (NF == 6 && name ~ /^(read|recvfrom|recvmsg|readv)$/) c[name "-EAGAIN"] += $5 } END { for (n in c) print n, c[n] }' "$1"
  fi
}

HZ=$(getconf CLK_TCK)
# gc_cycles PEER prints how many garbage collections the Go runtime of
# the balancer has reported so far (GODEBUG=gctrace=1), nothing for the
# others.
gc_cycles() {
  case $1 in balancer*) grep -c '^gc [0-9]* @' "$TMP/$1.log" || true ;; esac
}

# user_sys SID prints the utime and stime (ticks) of the session's processes.
user_sys() {
  local u=0 s=0 t
  for pid in $(ps -e -o pid=,sid= | awk -v s="$1" '$2==s{print $1}'); do
    t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12, $13}') || continue
    [ -n "$t" ] || continue
    u=$((u + ${t% *})); s=$((s + ${t#* }))
  done
  echo "$u $s"
}
RAW=$TMP/raw.txt
: > "$RAW"
cols=()
for round in $(seq "$ROUNDS"); do
for scen in $SCENARIOS; do
  for conn in $CONNMODES; do
    for p in $PEERS; do
      [ "$p" = balancer-before ] && [ ! -x "$TMP/balancer-before" ] && continue
      start_peer "$p" || { stop_peer; continue; }
      closeflag=()
      [ "$conn" = close ] && closeflag=(-close)
      taskset -c 1 "$TMP/load" -addr "127.0.0.1:$PORT" -n 5000 -c "$CONNS" -scenario "$scen" "${closeflag[@]}" >/dev/null || true
      count_start "$PEER_PID" "$TMP/count.txt"
      gc0=$(gc_cycles "$p")
      read -r u0 s0 < <(user_sys "$PEER_PID")
      res=$(taskset -c 1 "$TMP/load" -addr "127.0.0.1:$PORT" -n "$N" -c "$CONNS" -scenario "$scen" "${closeflag[@]}" || true)
      read -r u1 s1 < <(user_sys "$PEER_PID")
      gc1=$(gc_cycles "$p")
      count_stop
      stop_peer
      col="$p $scen $conn"
      [ "$ROUNDS" = 1 ] || col="$col #$round"
      req=$(echo "$res" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
      errs=$(echo "$res" | sed -n 's/.*errors=\([0-9]*\).*/\1/p')
      if [ -z "$req" ] || [ "$req" = 0 ]; then echo "   $col: no result ($res)"; continue; fi
      cols+=("$col")
      echo "   $col: $res"
      counts "$TMP/count.txt" | awk -v col="$col" -v r="$req" '{ printf "%s\t%s\t%.3f\n", col, $1, $2 / r }' >> "$RAW"
      [ -z "$gc0" ] || awk -v col="$col" -v g=$((gc1 - gc0)) -v r="$req" 'BEGIN { printf "%s\t_gc\t%.1f\n", col, g * 100000 / r }' >> "$RAW"
      printf "%s\t_requests\t%s\n%s\t_errors\t%s\n" "$col" "$req" "$col" "${errs:-0}" >> "$RAW"
      awk -v col="$col" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$HZ" -v r="$req" 'BEGIN {
        printf "%s\t_cpu\t%.1f\n%s\t_user\t%.1f\n%s\t_sys\t%.1f\n", col, (u + s) * 1e6 / hz / r, col, u * 1e6 / hz / r, col, s * 1e6 / hz / r }' >> "$RAW"
    done
  done
done
done

# One row per system call (those of at least 0.01 a request in some
# column, busiest first), one column per peer and scenario.
table() {
  local hdr="| per request |" sep="|---|"
  for c in "${cols[@]}"; do hdr="$hdr $c |"; sep="$sep---:|"; done
  echo "$hdr"
  echo "$sep"
  awk -F'\t' -v ncol="${#cols[@]}" -v cols="$(printf '%s\t' "${cols[@]}")" '
    BEGIN { split(cols, cn, "\t") }
    { v[$2, $1] = $3; if ($2 !~ /^_/) { tot[$1] += $3; if ($3 >= 0.01) seen[$2] = 1; sum[$2] += $3 } }
    function row(name, label, none,   s, i) {
      s = "| " label " |"
      for (i = 1; i <= ncol; i++) s = s " " ((name, cn[i]) in v ? v[name, cn[i]] : none) " |"
      print s
    }
    END {
      n = 0
      for (s in seen) names[++n] = s
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (sum[names[j]] > sum[names[i]]) { t = names[i]; names[i] = names[j]; names[j] = t }
      for (i = 1; i <= n; i++) row(names[i], names[i], "0")
      s = "| **all system calls** |"
      for (i = 1; i <= ncol; i++) s = s sprintf(" **%.2f** |", tot[cn[i]] - v["read-EAGAIN", cn[i]] - v["recvfrom-EAGAIN", cn[i]] - v["recvmsg-EAGAIN", cn[i]] - v["readv-EAGAIN", cn[i]])
      print s
      row("_cpu", "CPU µs per request (under the counter)")
      row("_user", "of which user")
      row("_sys", "of which system")
      row("_cs", "context switches (perf)", "–")
      row("_gc", "Go garbage collections per 100,000 requests", "–")
      row("_requests", "requests")
      row("_errors", "errors")
    }' "$RAW"
}

{
  echo "# System calls per request"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -srm), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')),"
  echo "$(go version | awk '{print $3}'), $(haproxy -v 2>/dev/null | head -1 | awk '{print "HAProxy " $3}'), $(nginx -v 2>&1 | sed 's|.*/|nginx |')."
  echo
  echo "Command: \`${CMDLINE:-N=$N CONNS=$CONNS PEERS=\"${PEERS% balancer-before}\" SCENARIOS=\"$SCENARIOS\" CONNMODES=\"$CONNMODES\" ROUNDS=$ROUNDS${BEFORE:+ BEFORE=$BEFORE} bench/syscalls/run.sh}\`"
  echo "(counted with $TOOL; $N requests over $CONNS connections per column; the peer on core 0, the members and the load on core 1)."
  echo "\`read-EAGAIN\` counts the reads that found nothing to read (they are in \`read\` too, and not added twice in the total)."
  echo
  table
} > "$TMP/SYSCALLS.md"
cp "$TMP/SYSCALLS.md" "$OUT/SYSCALLS.md"
echo
cat "$OUT/SYSCALLS.md"
